// Package mailstore holds the simulated users' mailboxes. Step 6 files mail
// here; the POP3 and IMAP servers are two views of the same folders, so a
// message deleted through one is gone from the other.
package mailstore

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Inbox is the folder every user has and where mail is filed by default.
const Inbox = "INBOX"

// Errors callers can test with errors.Is.
var (
	ErrNoUser         = errors.New("no such user")
	ErrBadCredentials = errors.New("invalid credentials")
	ErrNoFolder       = errors.New("no such folder")
	ErrFolderExists   = errors.New("folder already exists")
)

// Message is one stored message. Values returned by the store are copies.
type Message struct {
	UID          uint32
	Flags        []string // IMAP system and keyword flags, e.g. \Seen
	InternalDate time.Time
	Raw          []byte
	wire         int // WireSize, counted when filed
}

// Size is the message size in octets, as POP3 and IMAP report it.
func (m Message) Size() int { return len(m.Raw) }

// HasFlag reports whether m carries flag (case-insensitive).
func (m Message) HasFlag(flag string) bool {
	for _, f := range m.Flags {
		if strings.EqualFold(f, flag) {
			return true
		}
	}
	return false
}

// ChangeKind says what changed in a folder.
type ChangeKind int

// The changes a watcher is told of.
const (
	Added ChangeKind = iota + 1
	Expunged
	FlagsChanged
)

// Change tells a watcher of a folder what happened.
type Change struct {
	Kind ChangeKind
	UID  uint32
}

type folder struct {
	name        string
	uidValidity uint32
	uidNext     uint32
	msgs        []*Message // ordered by UID
	watchers    map[chan Change]struct{}
	totals      counters
}

type user struct {
	address  string
	password string
	folders  map[string]*folder // key: canonical name (INBOX upper-cased)
	// subscribed names (IMAP LSUB). A name outlives its folder: RFC 3501
	// §6.3.6 keeps it subscribed after DELETE.
	subscribed map[string]bool
}

// Store is the set of all mailboxes of one simulated network. It is safe for
// concurrent use.
type Store struct {
	mu          sync.Mutex
	users       map[string]*user // key: lower-cased address
	uidValidity uint32
}

// New returns an empty store.
func New() *Store {
	return &Store{users: make(map[string]*user), uidValidity: 1}
}

func userKey(address string) string { return strings.ToLower(strings.TrimSpace(address)) }

// folderKey makes INBOX case-insensitive, as RFC 3501 §5.1 requires; other
// names are case-sensitive.
func folderKey(name string) string {
	if strings.EqualFold(name, Inbox) {
		return Inbox
	}
	return name
}

// AddUser creates a user with an empty INBOX. Adding an existing user changes
// nothing but the password.
func (s *Store) AddUser(address, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.users[userKey(address)]; ok {
		u.password = password
		return
	}
	u := &user{address: address, password: password, folders: make(map[string]*folder), subscribed: make(map[string]bool)}
	s.users[userKey(address)] = u
	s.createLocked(u, Inbox, true)
}

// HasUser reports whether address has a mailbox here.
func (s *Store) HasUser(address string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.users[userKey(address)]
	return ok
}

// Authenticate checks a user's password. It returns the user's canonical
// address.
func (s *Store) Authenticate(address, password string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userKey(address)]
	if !ok || u.password != password {
		return "", ErrBadCredentials
	}
	return u.address, nil
}

func (s *Store) userLocked(address string) (*user, error) {
	u, ok := s.users[userKey(address)]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoUser, address)
	}
	return u, nil
}

func (s *Store) folderLocked(address, name string) (*folder, error) {
	u, err := s.userLocked(address)
	if err != nil {
		return nil, err
	}
	f, ok := u.folders[folderKey(name)]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoFolder, name)
	}
	return f, nil
}

// createLocked adds a folder; subscribe also subscribes to it, as for the
// folders the server makes itself (INBOX, a filter's target).
func (s *Store) createLocked(u *user, name string, subscribe bool) *folder {
	f := &folder{name: folderKey(name), uidValidity: s.uidValidity, uidNext: 1,
		watchers: make(map[chan Change]struct{})}
	s.uidValidity++
	u.folders[f.name] = f
	if subscribe {
		u.subscribed[f.name] = true
	}
	return f
}

// CreateFolder adds a folder for a user. It does not subscribe to it: an
// IMAP client that wants that says SUBSCRIBE.
func (s *Store) CreateFolder(address, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(address)
	if err != nil {
		return err
	}
	if _, ok := u.folders[folderKey(name)]; ok {
		return fmt.Errorf("%w: %s", ErrFolderExists, name)
	}
	s.createLocked(u, name, false)
	return nil
}

// Folders lists a user's folder names, INBOX first, then sorted.
func (s *Store) Folders(address string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(address)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(u.folders))
	for name := range u.folders {
		if name != Inbox {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return append([]string{Inbox}, names...), nil
}

// Deliver files raw into a user's folder, creating the folder if needed, and
// returns the new message's UID. Watchers of the folder are told.
func (s *Store) Deliver(address, folderName string, raw []byte, date time.Time, flags ...string) (uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(address)
	if err != nil {
		return 0, err
	}
	if folderName == "" {
		folderName = Inbox
	}
	f, ok := u.folders[folderKey(folderName)]
	if !ok {
		f = s.createLocked(u, folderName, true)
	}
	m := &Message{UID: f.uidNext, InternalDate: date, Raw: append([]byte(nil), raw...),
		Flags: append([]string(nil), flags...), wire: wireSize(raw)}
	f.uidNext++
	f.msgs = append(f.msgs, m)
	f.totals.add(m, 1)
	f.notifyLocked(Change{Kind: Added, UID: m.UID})
	return m.UID, nil
}

// FolderInfo describes a folder without its messages.
type FolderInfo struct {
	Name        string
	UIDValidity uint32
	UIDNext     uint32
	Count       int
	Subscribed  bool
}

// Info returns a folder's UIDVALIDITY, UIDNEXT and message count.
func (s *Store) Info(address, folderName string) (FolderInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.folderLocked(address, folderName)
	if err != nil {
		return FolderInfo{}, err
	}
	return FolderInfo{Name: f.name, UIDValidity: f.uidValidity, UIDNext: f.uidNext,
		Count: len(f.msgs), Subscribed: s.users[userKey(address)].subscribed[f.name]}, nil
}

// Messages returns copies of the messages in a folder, ordered by UID.
func (s *Store) Messages(address, folderName string) ([]Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.folderLocked(address, folderName)
	if err != nil {
		return nil, err
	}
	out := make([]Message, len(f.msgs))
	for i, m := range f.msgs {
		out[i] = copyMessage(m)
	}
	return out, nil
}

func copyMessage(m *Message) Message {
	c := *m
	c.Flags = append([]string(nil), m.Flags...)
	return c // Raw is never modified in place, so sharing it is safe
}

// FlagOp says how SetFlags combines the given flags with the present ones.
type FlagOp int

// Flag operations, as in IMAP STORE FLAGS, +FLAGS and -FLAGS.
const (
	ReplaceFlags FlagOp = iota
	AddFlags
	RemoveFlags
)

// SetFlags changes the flags of the messages with the given UIDs. Unknown
// UIDs are skipped. It returns the updated messages.
func (s *Store) SetFlags(address, folderName string, uids []uint32, op FlagOp, flags []string) ([]Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.folderLocked(address, folderName)
	if err != nil {
		return nil, err
	}
	want := make(map[uint32]bool, len(uids))
	for _, uid := range uids {
		want[uid] = true
	}
	var out []Message
	for _, m := range f.msgs {
		if !want[m.UID] {
			continue
		}
		f.totals.add(m, -1)
		m.Flags = applyFlags(m.Flags, op, flags)
		f.totals.add(m, 1)
		out = append(out, copyMessage(m))
		f.notifyLocked(Change{Kind: FlagsChanged, UID: m.UID})
	}
	return out, nil
}

func applyFlags(have []string, op FlagOp, flags []string) []string {
	switch op {
	case ReplaceFlags:
		return dedupFlags(flags)
	case AddFlags:
		return dedupFlags(append(append([]string(nil), have...), flags...))
	default:
		var out []string
		for _, h := range have {
			drop := false
			for _, f := range flags {
				if strings.EqualFold(h, f) {
					drop = true
				}
			}
			if !drop {
				out = append(out, h)
			}
		}
		return out
	}
}

func dedupFlags(flags []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range flags {
		k := strings.ToLower(f)
		if !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return out
}

// Expunge removes the messages with the given UIDs and returns the UIDs it
// removed.
func (s *Store) Expunge(address, folderName string, uids []uint32) ([]uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.folderLocked(address, folderName)
	if err != nil {
		return nil, err
	}
	drop := make(map[uint32]bool, len(uids))
	for _, uid := range uids {
		drop[uid] = true
	}
	var removed []uint32
	kept := f.msgs[:0]
	for _, m := range f.msgs {
		if drop[m.UID] {
			removed = append(removed, m.UID)
			f.totals.add(m, -1)
			continue
		}
		kept = append(kept, m)
	}
	for i := len(kept); i < len(f.msgs); i++ {
		f.msgs[i] = nil
	}
	f.msgs = kept
	for _, uid := range removed {
		f.notifyLocked(Change{Kind: Expunged, UID: uid})
	}
	return removed, nil
}

// Watch returns a channel told of every change to a folder, and a function
// that stops the watch. The channel is buffered; a watcher that falls far
// behind misses changes rather than blocking delivery, and should re-read
// the folder (Messages) when it wakes.
func (s *Store) Watch(address, folderName string) (<-chan Change, func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.folderLocked(address, folderName)
	if err != nil {
		return nil, nil, err
	}
	ch := make(chan Change, 64)
	f.watchers[ch] = struct{}{}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			s.mu.Lock()
			delete(f.watchers, ch)
			s.mu.Unlock()
		})
	}
	return ch, stop, nil
}

func (f *folder) notifyLocked(c Change) {
	for ch := range f.watchers {
		select {
		case ch <- c:
		default: // the watcher re-reads the folder when it catches up
		}
	}
}
