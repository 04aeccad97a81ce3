package web

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/mailflow/mailflow/sim/mailstore"
)

// Mailbox is a user's folders and messages, as a webmail lists them.
type Mailbox struct {
	Address string   `json:"address"`
	Folders []Folder `json:"folders"`
}

// Folder is one folder of a mailbox.
type Folder struct {
	Name     string        `json:"name"`
	Count    int           `json:"count"`
	Unseen   int           `json:"unseen"`
	Messages []MailMessage `json:"messages"`
}

// MailMessage is one stored message, listed.
type MailMessage struct {
	UID uint32 `json:"uid"`
	// ID is the message's id in events (m1, x1, ...), when its Message-ID
	// is known.
	ID       string    `json:"id,omitempty"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	Subject  string    `json:"subject"`
	Date     string    `json:"date"`
	Received time.Time `json:"received"`
	Size     int       `json:"size"`
	Flags    []string  `json:"flags"`
}

var decoder = mime.WordDecoder{}

func decodeWords(s string) string {
	if d, err := decoder.DecodeHeader(s); err == nil {
		return d
	}
	return s
}

func field(h []Header, name string) string {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

func (s *Server) listed(m mailstore.Message) MailMessage {
	h := parseHeader(m.Raw)
	lm := MailMessage{UID: m.UID, From: decodeWords(field(h, "From")), To: decodeWords(field(h, "To")),
		Subject: decodeWords(field(h, "Subject")), Date: field(h, "Date"), Received: m.InternalDate,
		Size: m.Size(), Flags: m.Flags}
	if lm.Flags == nil {
		lm.Flags = []string{}
	}
	if id, ok := s.net.IDs.Lookup(field(h, "Message-Id")); ok {
		lm.ID = id
	}
	return lm
}

// user resolves the {address} of a mailbox path: only the scenario's users
// have one.
func (s *Server) user(w http.ResponseWriter, r *http.Request) (string, bool) {
	addr := r.PathValue("address")
	if !s.net.Store.HasUser(addr) {
		writeError(w, http.StatusNotFound, "no mailbox for "+addr+" (see the users in /api/hosts)")
		return "", false
	}
	return addr, true
}

// folders returns the user the request names and the names of the user's
// folders, or answers 404 when there is no such mailbox.
func (s *Server) folders(w http.ResponseWriter, r *http.Request) (string, []string, bool) {
	addr, ok := s.user(w, r)
	if !ok {
		return "", nil, false
	}
	names, err := s.net.Store.Folders(addr)
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return "", nil, false
	}
	return addr, names, true
}

func (s *Server) mailbox(w http.ResponseWriter, r *http.Request) {
	addr, names, ok := s.folders(w, r)
	if !ok {
		return
	}
	mb := Mailbox{Address: addr, Folders: []Folder{}}
	for _, name := range names {
		msgs, err := s.net.Store.Messages(addr, name)
		if err != nil {
			continue // deleted meanwhile by an IMAP client
		}
		f := Folder{Name: name, Count: len(msgs), Messages: []MailMessage{}}
		for _, m := range msgs {
			if !m.HasFlag(`\Seen`) {
				f.Unseen++
			}
			f.Messages = append(f.Messages, s.listed(m))
		}
		mb.Folders = append(mb.Folders, f)
	}
	writeJSON(w, http.StatusOK, mb)
}

// emptyMailbox deletes every message of every folder: a test starts from a
// clean mailbox. The folders stay.
func (s *Server) emptyMailbox(w http.ResponseWriter, r *http.Request) {
	addr, names, ok := s.folders(w, r)
	if !ok {
		return
	}
	deleted := 0
	for _, name := range names {
		msgs, err := s.net.Store.Messages(addr, name)
		if err != nil {
			continue
		}
		uids := make([]uint32, len(msgs))
		for i, m := range msgs {
			uids[i] = m.UID
		}
		removed, err := s.net.Store.Expunge(addr, name, uids)
		if err == nil {
			deleted += len(removed)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"address": addr, "deleted": deleted})
}

// StoredMessage is one message of a mailbox, whole: what the webmail shows.
type StoredMessage struct {
	MailMessage
	Folder      string   `json:"folder"`
	Headers     []Header `json:"headers"`
	Received    []string `json:"received_chain"`
	Text        string   `json:"text"`
	Attachments []string `json:"attachments"`
	Raw         string   `json:"raw"`
}

// maxText bounds the text part the webmail shows; the raw is whole.
const maxText = 256 << 10

func (s *Server) mailboxMessage(w http.ResponseWriter, r *http.Request) {
	addr, ok := s.user(w, r)
	if !ok {
		return
	}
	uid, err := strconv.ParseUint(r.PathValue("uid"), 10, 32)
	if err != nil || uid == 0 {
		writeError(w, http.StatusBadRequest, "uid must be a positive number")
		return
	}
	folder := r.URL.Query().Get("folder")
	if folder == "" {
		folder = mailstore.Inbox
	}
	msgs, err := s.net.Store.Messages(addr, folder)
	if errors.Is(err, mailstore.ErrNoFolder) {
		writeError(w, http.StatusNotFound, "no folder "+folder+" in "+addr)
		return
	}
	for _, m := range msgs {
		if m.UID != uint32(uid) {
			continue
		}
		h := parseHeader(m.Raw)
		sm := StoredMessage{MailMessage: s.listed(m), Folder: folder, Headers: h, Received: receivedChain(h),
			Attachments: []string{}, Raw: string(m.Raw)}
		sm.Text, sm.Attachments = textOf(m.Raw)
		writeJSON(w, http.StatusOK, sm)
		return
	}
	writeError(w, http.StatusNotFound, "no message with UID "+r.PathValue("uid")+" in "+addr+"/"+folder)
}

// textOf returns the first text part, decoded, and the attachments' names.
func textOf(raw []byte) (string, []string) {
	names := []string{}
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		return "", names
	}
	defer mr.Close()
	text, found := "", false
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		switch ph := p.Header.(type) {
		case *mail.AttachmentHeader:
			if name, err := ph.Filename(); err == nil && name != "" {
				names = append(names, name)
			}
		case *mail.InlineHeader:
			if ct, _, _ := ph.ContentType(); !found && (ct == "" || strings.HasPrefix(ct, "text/")) {
				b, _ := io.ReadAll(io.LimitReader(p.Body, maxText))
				text, found = string(b), true
			}
		}
	}
	return text, names
}
