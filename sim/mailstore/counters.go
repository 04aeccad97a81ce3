package mailstore

// Each folder keeps running totals of what IMAP STATUS and POP3 STAT
// report — messages, unseen, deleted, octets — updated as messages come,
// go and change flags, so that answering them never walks or copies a
// mailbox under the store's lock.

// counters are a folder's totals.
type counters struct {
	unseen, deleted int
	octets          int64 // of the messages with CRLF line endings
}

// add counts m in (sign 1) or out (sign -1) of the totals.
func (c *counters) add(m *Message, sign int) {
	if !m.HasFlag(`\Seen`) {
		c.unseen += sign
	}
	if m.HasFlag(`\Deleted`) {
		c.deleted += sign
	}
	c.octets += int64(sign * m.WireSize())
}

// WireSize is the message's size with every line ending in CRLF, as IMAP
// reports it (RFC 9051 §2.3.4). It is counted once, when the message is
// filed.
func (m Message) WireSize() int {
	if m.wire == 0 && len(m.Raw) > 0 {
		return wireSize(m.Raw)
	}
	return m.wire
}

// wireSize counts raw's length with a CR added before every bare LF.
func wireSize(raw []byte) int {
	n := len(raw)
	for i, b := range raw {
		if b == '\n' && (i == 0 || raw[i-1] != '\r') {
			n++
		}
	}
	return n
}

// Status is what IMAP STATUS asks of a folder.
type Status struct {
	FolderInfo
	Unseen, Deleted int
	// Octets is the total size of the messages with CRLF line endings.
	Octets int64
}

// Status returns a folder's totals without reading its messages.
func (s *Store) Status(address, folderName string) (Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.folderLocked(address, folderName)
	if err != nil {
		return Status{}, err
	}
	return Status{FolderInfo: FolderInfo{Name: f.name, UIDValidity: f.uidValidity, UIDNext: f.uidNext,
		Count: len(f.msgs), Subscribed: s.users[userKey(address)].subscribed[f.name]}, Unseen: f.totals.unseen, Deleted: f.totals.deleted,
		Octets: f.totals.octets}, nil
}

// Entry is a message as a maildrop lists it: UID, content and size, with
// no copy of its flags.
type Entry struct {
	UID uint32
	// Raw is shared with the store, which never changes it in place.
	Raw []byte
	// WireSize as Message.WireSize.
	WireSize int
}

// List returns a folder's info and its messages' entries under one lock:
// one small allocation, however large the messages.
func (s *Store) List(address, folderName string) (FolderInfo, []Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.folderLocked(address, folderName)
	if err != nil {
		return FolderInfo{}, nil, err
	}
	out := make([]Entry, len(f.msgs))
	for i, m := range f.msgs {
		out[i] = Entry{UID: m.UID, Raw: m.Raw, WireSize: m.WireSize()}
	}
	return FolderInfo{Name: f.name, UIDValidity: f.uidValidity, UIDNext: f.uidNext, Count: len(f.msgs),
		Subscribed: s.users[userKey(address)].subscribed[f.name]}, out, nil
}
