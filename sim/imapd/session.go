package imapd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/mailstore"
)

const (
	// maxFailures failed logins end the connection.
	maxFailures = 3
	delim       = '/'
)

// session is one IMAP connection. imapserver calls its methods from the
// connection's goroutine, one command at a time; only Idle runs beside a
// blocked read.
type session struct {
	srv  *Server
	ic   *imapserver.Conn
	conn *front
	log  *slog.Logger

	tried     string // the last name a login was attempted with
	user      string // the authenticated address
	failures  int
	plainAuth bool // a password crossed the wire without TLS
	selMu     sync.Mutex
	sel       *selection
	folder    string // the last folder selected, for the event

	read     map[string]bool // folder+UID of messages whose content was fetched
	expunged int
	appended int
}

var (
	_ imapserver.SessionIMAP4rev2   = (*session)(nil)
	_ imapserver.SessionAppendLimit = (*session)(nil)
)

func (s *Server) newSession(ic *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
	c := trackedConn(ic.NetConn())
	if c == nil {
		return nil, nil, errors.New("imapd: connection not accepted by this server")
	}
	if err := c.handshake(); err != nil {
		s.log.Debug("TLS handshake failed", "conn", c.id, "err", err)
		c.endSession()
		return nil, nil, &imap.Error{Type: imap.StatusResponseTypeBye, Text: "TLS handshake failed"}
	}
	s.log.Debug("connection opened", "conn", c.id, "peer", c.RemoteAddr().String())
	return &session{srv: s, ic: ic, conn: c, log: s.log.With("conn", c.id), read: make(map[string]bool)}, nil, nil
}

func (s *session) store() *mailstore.Store { return s.srv.cfg.Store }

func (s *session) tlsVersion() string {
	if st, ok := s.conn.tlsState(); ok {
		return tls.VersionName(st.Version)
	}
	return ""
}

func (s *session) tlsLog() string {
	if v := s.tlsVersion(); v != "" {
		return v
	}
	return "none"
}

// Close ends the session: it leaves the selected folder and reports what
// the client did.
func (s *session) Close() error {
	defer s.conn.endSession()
	if s.sel != nil {
		s.unselect()
	}
	if s.user == "" && s.tried == "" {
		return nil // no login attempted: nothing worth telling
	}
	e := event.Event{
		Kind: event.RetrievalFetch, Host: s.srv.cfg.Host, User: s.user, Service: s.conn.service,
		Port: s.conn.port, Conn: s.conn.id, Peer: s.conn.RemoteAddr().String(), Folder: s.folder,
		Fetch: &event.Fetch{Read: len(s.read), Deleted: s.expunged, Appended: s.appended,
			AuthFailures: s.failures, PlainAuth: s.plainAuth},
	}
	if v := s.tlsVersion(); v != "" {
		e.TLS = &event.TLS{Version: v}
	}
	if s.user == "" {
		e.User = s.tried
		e.Error = "authentication failed (1 attempt)"
		if s.failures != 1 {
			e.Error = fmt.Sprintf("authentication failed (%d attempts)", s.failures)
		}
	}
	s.srv.publish(e)
	return nil
}

// Login serves LOGIN and AUTHENTICATE PLAIN. The third failure ends the
// connection.
func (s *session) Login(username, password string) error {
	s.tried = username
	if s.tlsVersion() == "" {
		s.plainAuth = true
	}
	addr, err := s.store().Authenticate(username, password)
	if err != nil {
		s.failures++
		s.log.Info("login failed", "user", username, "failures", s.failures)
		if s.failures >= maxFailures {
			s.hangUp("Too many authentication failures")
		}
		return imapserver.ErrAuthFailed
	}
	s.user = addr
	s.log.Info("logged in", "user", addr, "tls", s.tlsLog())
	return nil
}

// hangUp sends BYE and closes the socket. It writes directly: during
// AUTHENTICATE imapserver holds its response writer, and it flushes after
// every response, so nothing is pending.
func (s *session) hangUp(text string) {
	nc := s.ic.NetConn()
	_ = nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.WriteString(nc, "* BYE "+text+"\r\n")
	nc.Close()
}

// storeErr turns store errors into IMAP replies.
func storeErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mailstore.ErrNoFolder):
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNonExistent, Text: "No such mailbox"}
	case errors.Is(err, mailstore.ErrFolderExists):
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAlreadyExists, Text: "Mailbox already exists"}
	case errors.Is(err, mailstore.ErrInbox):
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "INBOX cannot be deleted or renamed"}
	}
	return err
}

func inUseErr() error {
	return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeInUse, Text: "Mailbox is selected by a session"}
}

func (s *session) Create(name string, _ *imap.CreateOptions) error {
	name = strings.TrimRight(name, string(delim))
	if err := checkName(name); err != nil {
		return err
	}
	return storeErr(s.store().CreateFolder(s.user, name))
}

// checkName refuses names a folder cannot have: empty, an empty level, or
// characters mail clients cannot show.
func checkName(name string) error {
	switch {
	case name == "":
		return &imap.Error{Type: imap.StatusResponseTypeBad, Text: "Empty mailbox name"}
	case strings.Contains(name, string(delim)+string(delim)) || strings.HasPrefix(name, string(delim)):
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "Mailbox name has an empty level"}
	case strings.ContainsAny(name, "*%\r\n\x00"):
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "Mailbox name has a character folders cannot have"}
	}
	return nil
}

func (s *session) Delete(name string) error {
	if s.srv.hub.inUse(s.user, name) {
		return inUseErr()
	}
	return storeErr(s.store().DeleteFolder(s.user, name))
}

func (s *session) Rename(oldName, newName string, _ *imap.RenameOptions) error {
	if s.srv.hub.inUse(s.user, oldName) {
		return inUseErr()
	}
	newName = strings.TrimRight(newName, string(delim))
	if err := checkName(newName); err != nil {
		return err
	}
	return storeErr(s.store().RenameFolder(s.user, oldName, newName))
}

func (s *session) Subscribe(name string) error {
	return storeErr(s.store().SetSubscribed(s.user, name, true))
}

func (s *session) Unsubscribe(name string) error {
	return storeErr(s.store().SetSubscribed(s.user, name, false))
}

func (s *session) Namespace() (*imap.NamespaceData, error) {
	return &imap.NamespaceData{Personal: []imap.NamespaceDescriptor{{Delim: delim}}}, nil
}

func (s *session) AppendLimit() uint32 { return maxAppend }

// specialUse marks the usual folders (RFC 6154) so mail clients file sent
// mail and drafts where the others look for them.
var specialUse = map[string]imap.MailboxAttr{ // by lower-cased name
	"sent": imap.MailboxAttrSent, "drafts": imap.MailboxAttrDrafts, "trash": imap.MailboxAttrTrash,
	"junk": imap.MailboxAttrJunk, "archive": imap.MailboxAttrArchive,
}

// List serves LIST, LIST-EXTENDED (RFC 5258) and LSUB. Every name comes
// with \HasChildren or \HasNoChildren (RFC 3348); a parent that is not a
// folder itself shows as \Noselect, a subscribed name without a folder as
// \NonExistent.
func (s *session) List(w *imapserver.ListWriter, ref string, patterns []string, opts *imap.ListOptions) error {
	if len(patterns) == 0 { // LIST "" "": the client asks for the delimiter
		return w.WriteList(&imap.ListData{Attrs: []imap.MailboxAttr{imap.MailboxAttrNoSelect}, Delim: delim})
	}
	folders, err := s.store().Folders(s.user)
	if err != nil {
		return storeErr(err)
	}
	subs, err := s.store().Subscriptions(s.user)
	if err != nil {
		return storeErr(err)
	}
	t := newTree(folders, subs)
	lsub := s.conn.command() == "LSUB"
	for _, name := range t.names(opts.SelectSubscribed) {
		if !matchAny(name, ref, patterns) {
			continue
		}
		data := imap.ListData{Mailbox: name, Delim: delim}
		exists, subscribed := t.exists[name], t.subscribed[name]
		subChild := t.hasDescendant(name, t.subscribed)
		switch {
		case lsub:
			// RFC 3501 §6.3.9: an unsubscribed parent of a subscribed name
			// the pattern does not reach shows as \Noselect.
			if !subscribed && !(subChild && !t.descendantMatches(name, ref, patterns, t.subscribed)) {
				continue
			}
			if !subscribed || !exists {
				data.Attrs = append(data.Attrs, imap.MailboxAttrNoSelect)
			}
			if err := w.WriteList(&data); err != nil {
				return err
			}
			continue
		case opts.SelectSubscribed && !subscribed && !(opts.SelectRecursiveMatch && subChild):
			continue
		case opts.SelectSpecialUse && (!exists || specialUse[strings.ToLower(name)] == ""):
			continue
		}
		if !exists {
			if subscribed || opts.SelectSubscribed {
				data.Attrs = append(data.Attrs, imap.MailboxAttrNonExistent)
			} else {
				data.Attrs = append(data.Attrs, imap.MailboxAttrNoSelect)
			}
		}
		if t.hasDescendant(name, t.exists) {
			data.Attrs = append(data.Attrs, imap.MailboxAttrHasChildren)
		} else if exists {
			data.Attrs = append(data.Attrs, imap.MailboxAttrHasNoChildren)
		}
		if subscribed && (opts.SelectSubscribed || opts.ReturnSubscribed) {
			data.Attrs = append(data.Attrs, imap.MailboxAttrSubscribed)
		}
		if use := specialUse[strings.ToLower(name)]; use != "" && exists {
			data.Attrs = append(data.Attrs, use)
		}
		if opts.SelectRecursiveMatch && subChild {
			data.ChildInfo = &imap.ListDataChildInfo{Subscribed: true}
		}
		if opts.ReturnStatus != nil && exists {
			if data.Status, err = s.Status(name, opts.ReturnStatus); err != nil {
				continue // deleted meanwhile
			}
		}
		if err := w.WriteList(&data); err != nil {
			return err
		}
	}
	return nil
}

func matchAny(name, ref string, patterns []string) bool {
	for _, p := range patterns {
		if strings.EqualFold(p, mailstore.Inbox) { // INBOX is case-insensitive
			p = mailstore.Inbox
		}
		if imapserver.MatchList(name, delim, ref, p) {
			return true
		}
	}
	return false
}

func (s *session) Status(name string, opts *imap.StatusOptions) (*imap.StatusData, error) {
	// The store keeps the totals: only RECENT needs the messages.
	st, err := s.store().Status(s.user, name)
	if err != nil {
		return nil, storeErr(err)
	}
	info := st.FolderInfo
	data := &imap.StatusData{Mailbox: info.Name}
	unseen, deleted, size := uint32(st.Unseen), uint32(st.Deleted), st.Octets
	num, limit, recent := uint32(st.Count), uint32(maxAppend), uint32(0)
	if opts.NumRecent {
		_, msgs, err := s.store().Snapshot(s.user, name)
		if err != nil {
			return nil, storeErr(err)
		}
		recent = s.srv.hub.recentCount(s.user, info, msgs)
	}
	if opts.NumMessages {
		data.NumMessages = &num
	}
	if opts.UIDNext {
		data.UIDNext = imap.UID(info.UIDNext)
	}
	if opts.UIDValidity {
		data.UIDValidity = info.UIDValidity
	}
	if opts.NumUnseen {
		data.NumUnseen = &unseen
	}
	if opts.NumDeleted {
		data.NumDeleted = &deleted
	}
	if opts.Size {
		data.Size = &size
	}
	if opts.NumRecent {
		data.NumRecent = &recent
	}
	if opts.AppendLimit {
		data.AppendLimit = &limit
	}
	return data, nil
}

// Append files a message, e.g. a copy of sent mail in Sent.
func (s *session) Append(name string, r imap.LiteralReader, opts *imap.AppendOptions) (*imap.AppendData, error) {
	info, err := s.store().Info(s.user, name)
	if err != nil {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeTryCreate, Text: "No such mailbox"}
	}
	raw, err := io.ReadAll(io.LimitReader(r, maxAppend+1))
	if err != nil {
		return nil, fmt.Errorf("read APPEND literal: %w", err)
	}
	if len(raw) > maxAppend {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeTooBig, Text: "Message too big"}
	}
	date := opts.Time
	if date.IsZero() {
		date = s.srv.cfg.Now()
	}
	uid, err := s.store().Deliver(s.user, info.Name, raw, date, storeFlags(opts.Flags)...)
	if err != nil {
		return nil, storeErr(err)
	}
	s.appended++
	return &imap.AppendData{UID: imap.UID(uid), UIDValidity: info.UIDValidity}, nil
}
