package imapd

import (
	"errors"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"go.uber.org/goleak"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/mailstore"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	host  = "mail.example.test"
	alice = "alice@example.test"
	pw    = "wonderland"
	// wait bounds how long a test awaits a server push before failing.
	wait = 10 * time.Second
)

var date = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

func rawMsg(subject, body string) string {
	return "From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: " + subject +
		"\r\nDate: Sat, 01 Mar 2025 09:00:00 +0000\r\nMessage-ID: <" + subject + "@example.test>\r\n\r\n" + body + "\r\n"
}

type testServer struct {
	*Server
	store *mailstore.Store
	addr  string

	mu     sync.Mutex
	events []event.Event
}

func start(t *testing.T, implicitTLS bool, mod func(*Config)) *testServer {
	t.Helper()
	store := mailstore.New()
	store.AddUser(alice, pw)
	return startOn(t, store, implicitTLS, mod)
}

func startOn(t *testing.T, store *mailstore.Store, implicitTLS bool, mod func(*Config)) *testServer {
	t.Helper()
	ts := &testServer{store: store}
	cfg := Config{Host: host, Store: store, AllowPlaintextAuth: true, // most tests log in without TLS
		Publish: func(e event.Event) {
			ts.mu.Lock()
			ts.events = append(ts.events, e)
			ts.mu.Unlock()
		}}
	if mod != nil {
		mod(&cfg)
	}
	ts.Server = New(cfg)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = l.Addr().String()
	done := make(chan error, 1)
	go func() { done <- ts.Serve(l, implicitTLS) }()
	t.Cleanup(func() {
		if err := ts.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ts
}

// stop closes the server, which waits for every session to end and report.
func (ts *testServer) stop(t *testing.T) []event.Event {
	t.Helper()
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return slices.Clone(ts.events)
}

func (ts *testServer) deliver(t *testing.T, folder, raw string) uint32 {
	t.Helper()
	uid, err := ts.store.Deliver(alice, folder, []byte(raw), date)
	if err != nil {
		t.Fatal(err)
	}
	return uid
}

func (ts *testServer) messages(t *testing.T, folder string) []mailstore.Message {
	t.Helper()
	msgs, err := ts.store.Messages(alice, folder)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func dial(t *testing.T, addr string, opts *imapclient.Options) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func login(t *testing.T, addr string, opts *imapclient.Options) *imapclient.Client {
	t.Helper()
	c := dial(t, addr, opts)
	if err := c.Login(alice, pw).Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	return c
}

func selectBox(t *testing.T, c *imapclient.Client, name string) *imap.SelectData {
	t.Helper()
	data, err := c.Select(name, nil).Wait()
	if err != nil {
		t.Fatalf("select %s: %v", name, err)
	}
	return data
}

func fetch(t *testing.T, c *imapclient.Client, set imap.NumSet, opts *imap.FetchOptions) []*imapclient.FetchMessageBuffer {
	t.Helper()
	msgs, err := c.Fetch(set, opts).Collect()
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	return msgs
}

func TestLoginListSelectFetch(t *testing.T) {
	ts := start(t, false, nil)
	raw := rawMsg("hello", "Hi Alice,\r\nsee you.")
	ts.deliver(t, "", raw)
	if err := ts.store.CreateFolder(alice, "Sent"); err != nil {
		t.Fatal(err)
	}
	c := login(t, ts.addr, nil)

	boxes, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(boxes) != 2 || boxes[0].Mailbox != "INBOX" || boxes[1].Mailbox != "Sent" ||
		!slices.Contains(boxes[1].Attrs, imap.MailboxAttrSent) {
		t.Fatalf("LIST: %+v", boxes)
	}

	info, _ := ts.store.Info(alice, mailstore.Inbox)
	sel := selectBox(t, c, "inbox")
	if sel.NumMessages != 1 || sel.UIDValidity != info.UIDValidity || sel.UIDNext != 2 {
		t.Fatalf("SELECT: %+v", sel)
	}

	peek := &imap.FetchItemBodySection{Peek: true}
	msgs := fetch(t, c, imap.SeqSetNum(1), &imap.FetchOptions{
		UID: true, Flags: true, Envelope: true, InternalDate: true, RFC822Size: true,
		BodyStructure: &imap.FetchItemBodyStructure{Extended: true}, BodySection: []*imap.FetchItemBodySection{peek},
	})
	if len(msgs) != 1 {
		t.Fatalf("FETCH returned %d messages", len(msgs))
	}
	m := msgs[0]
	if m.UID != 1 || m.Envelope == nil || m.Envelope.Subject != "hello" || m.Envelope.From[0].Addr() != "bob@example.test" ||
		m.RFC822Size != int64(len(raw)) || !m.InternalDate.Equal(date) ||
		len(m.Flags) != 1 || m.Flags[0] != `\Recent` { // new to this IMAP4rev1 session
		t.Fatalf("FETCH: %+v", m)
	}
	if bs, ok := m.BodyStructure.(*imap.BodyStructureSinglePart); !ok || bs.Type != "text" {
		t.Fatalf("BODYSTRUCTURE %#v", m.BodyStructure)
	}
	if got := string(m.FindBodySection(peek)); got != raw {
		t.Fatalf("BODY.PEEK[]: %q", got)
	}
	if ts.messages(t, mailstore.Inbox)[0].HasFlag(`\Seen`) {
		t.Fatal("BODY.PEEK set \\Seen")
	}

	text := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierText}
	m = fetch(t, c, imap.UIDSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{text}})[0]
	if got := string(m.FindBodySection(text)); got != "Hi Alice,\r\nsee you.\r\n" {
		t.Fatalf("BODY[TEXT]: %q", got)
	}
	if !ts.messages(t, mailstore.Inbox)[0].HasFlag(`\Seen`) {
		t.Fatal("BODY[TEXT] did not set \\Seen")
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatal(err)
	}
	events := ts.stop(t)
	if len(events) != 1 || events[0].Kind != event.RetrievalFetch || events[0].User != alice ||
		events[0].Service != "imap" || events[0].Fetch == nil || events[0].Fetch.Read != 1 {
		t.Fatalf("events %+v", events)
	}
}

// Bare LF in a stored message goes out as CRLF, sizes included.
func TestCRLFNormalized(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, "", "Subject: lf\n\nbody\n")
	c := login(t, ts.addr, nil)
	selectBox(t, c, "INBOX")
	all := &imap.FetchItemBodySection{Peek: true}
	m := fetch(t, c, imap.SeqSetNum(1), &imap.FetchOptions{RFC822Size: true, BodySection: []*imap.FetchItemBodySection{all}})[0]
	if got := string(m.FindBodySection(all)); got != "Subject: lf\r\n\r\nbody\r\n" || m.RFC822Size != int64(len(got)) {
		t.Fatalf("got %q, size %d", got, m.RFC822Size)
	}
}

func TestStoreDeletedExpunge(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, "", rawMsg("one", "1"))
	ts.deliver(t, "", rawMsg("two", "2"))
	c := login(t, ts.addr, nil)
	selectBox(t, c, "INBOX")
	stored, err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted, imap.FlagSeen}}, nil).Collect()
	if err != nil || len(stored) != 1 || !slices.Contains(stored[0].Flags, imap.FlagDeleted) {
		t.Fatalf("STORE: %+v, %v", stored, err)
	}
	if msgs := ts.messages(t, mailstore.Inbox); !msgs[0].HasFlag(`\Deleted`) || !msgs[0].HasFlag(`\Seen`) {
		t.Fatalf("flags in store: %v", msgs[0].Flags)
	}
	seqs, err := c.Expunge().Collect()
	if err != nil || !slices.Equal(seqs, []uint32{1}) {
		t.Fatalf("EXPUNGE: %v, %v", seqs, err)
	}
	msgs := ts.messages(t, mailstore.Inbox)
	if len(msgs) != 1 || msgs[0].UID != 2 {
		t.Fatalf("store after expunge: %+v", msgs)
	}
	// The remaining message is now number 1.
	if m := fetch(t, c, imap.SeqSetNum(1), &imap.FetchOptions{UID: true}); len(m) != 1 || m[0].UID != 2 {
		t.Fatalf("after expunge: %+v", m)
	}
	// UID EXPUNGE leaves \Deleted messages outside its set alone.
	ts.deliver(t, "", rawMsg("three", "3"))
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.SeqSetNum(1, 2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if seqs, err := c.UIDExpunge(imap.UIDSetNum(3)).Collect(); err != nil || !slices.Equal(seqs, []uint32{2}) {
		t.Fatalf("UID EXPUNGE: %v, %v", seqs, err)
	}
	if msgs := ts.messages(t, mailstore.Inbox); len(msgs) != 1 || msgs[0].UID != 2 {
		t.Fatalf("store after UID EXPUNGE: %+v", msgs)
	}
}

func TestAppendToSent(t *testing.T) {
	ts := start(t, false, func(c *Config) { c.Now = func() time.Time { return date } })
	if err := ts.store.CreateFolder(alice, "Sent"); err != nil {
		t.Fatal(err)
	}
	c := login(t, ts.addr, nil)
	raw := rawMsg("sent copy", "I wrote this.")
	cmd := c.Append("Sent", int64(len(raw)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}})
	if _, err := io.WriteString(cmd, raw); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := cmd.Wait()
	if err != nil {
		t.Fatal(err)
	}
	info, _ := ts.store.Info(alice, "Sent")
	if data.UID != 1 || data.UIDValidity != info.UIDValidity {
		t.Fatalf("APPENDUID %+v", data)
	}
	msgs := ts.messages(t, "Sent")
	if len(msgs) != 1 || string(msgs[0].Raw) != raw || !msgs[0].HasFlag(`\Seen`) || !msgs[0].InternalDate.Equal(date) {
		t.Fatalf("Sent: %+v", msgs)
	}

	cmd = c.Append("Nowhere", 3, nil)
	_, _ = io.WriteString(cmd, "x\r\n")
	_ = cmd.Close()
	var imapErr *imap.Error
	if _, err := cmd.Wait(); !errors.As(err, &imapErr) || imapErr.Code != imap.ResponseCodeTryCreate {
		t.Fatalf("APPEND to a missing folder: %v", err)
	}
}

func TestIdleAnnouncesDelivery(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, "", rawMsg("first", "1"))
	exists := make(chan uint32, 10)
	expunged := make(chan uint32, 10)
	c := login(t, ts.addr, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				exists <- *d.NumMessages
			}
		},
		Expunge: func(seq uint32) { expunged <- seq },
	}})
	selectBox(t, c, "INBOX")
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	ts.deliver(t, "", rawMsg("second", "2"))
	select {
	case n := <-exists:
		if n != 2 {
			t.Fatalf("EXISTS %d, want 2", n)
		}
	case <-time.After(wait):
		t.Fatal("no EXISTS while idling")
	}
	// A message removed elsewhere (POP3, another client) is announced too.
	if _, err := ts.store.Expunge(alice, mailstore.Inbox, []uint32{1}); err != nil {
		t.Fatal(err)
	}
	select {
	case seq := <-expunged:
		if seq != 1 {
			t.Fatalf("EXPUNGE %d, want 1", seq)
		}
	case <-time.After(wait):
		t.Fatal("no EXPUNGE while idling")
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatal(err)
	}
	m := fetch(t, c, imap.SeqSetNum(1), &imap.FetchOptions{Envelope: true})
	if len(m) != 1 || m[0].Envelope.Subject != "second" {
		t.Fatalf("after IDLE: %+v", m)
	}
}

func TestTwoSessionsSeeEachOther(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, "", rawMsg("one", "1"))
	ts.deliver(t, "", rawMsg("two", "2"))
	flags := make(chan []imap.Flag, 10)
	expunged := make(chan uint32, 10)
	a := login(t, ts.addr, nil)
	b := login(t, ts.addr, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Fetch: func(m *imapclient.FetchMessageData) {
			if buf, err := m.Collect(); err == nil {
				flags <- buf.Flags
			}
		},
		Expunge: func(seq uint32) { expunged <- seq },
	}})
	selectBox(t, a, "INBOX")
	selectBox(t, b, "INBOX")
	if err := a.Store(imap.SeqSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	if f := <-flags; !slices.Contains(f, imap.FlagDeleted) {
		t.Fatalf("B saw flags %v", f)
	}
	if err := a.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	if seq := <-expunged; seq != 2 {
		t.Fatalf("B saw EXPUNGE %d", seq)
	}
}

func TestSearch(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, "", rawMsg("lunch", "Pizza at noon?"))
	ts.deliver(t, "", rawMsg("report", "Quarterly numbers attached."))
	ts.deliver(t, "", rawMsg("lunch again", "Sushi today."))
	if _, err := ts.store.SetFlags(alice, mailstore.Inbox, []uint32{2}, mailstore.AddFlags, []string{`\Seen`}); err != nil {
		t.Fatal(err)
	}
	c := login(t, ts.addr, nil)
	selectBox(t, c, "INBOX")
	for _, tc := range []struct {
		name     string
		criteria imap.SearchCriteria
		want     []uint32
	}{
		{"subject", imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Subject", Value: "LUNCH"}}}, []uint32{1, 3}},
		{"body", imap.SearchCriteria{Body: []string{"sushi"}}, []uint32{3}},
		{"text in header", imap.SearchCriteria{Text: []string{"report@example"}}, []uint32{2}},
		{"unseen", imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, []uint32{1, 3}},
		{"not", imap.SearchCriteria{Not: []imap.SearchCriteria{{Flag: []imap.Flag{imap.FlagSeen}}}}, []uint32{1, 3}},
		{"or", imap.SearchCriteria{Or: [][2]imap.SearchCriteria{{{Body: []string{"pizza"}}, {Body: []string{"quarterly"}}}}}, []uint32{1, 2}},
		{"seq", imap.SearchCriteria{SeqNum: []imap.SeqSet{imap.SeqSetNum(2, 3)}}, []uint32{2, 3}},
		{"since", imap.SearchCriteria{Since: date.AddDate(0, 0, 1)}, nil},
		{"sent before", imap.SearchCriteria{SentBefore: date.AddDate(0, 0, 1)}, []uint32{1, 2, 3}},
		{"larger", imap.SearchCriteria{Larger: 1 << 20}, nil},
	} {
		data, err := c.Search(&tc.criteria, nil).Wait()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := data.AllSeqNums(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{{imap.UIDRange{Start: 2, Stop: 0}}}}, nil).Wait()
	if err != nil || !slices.Equal(data.AllUIDs(), []imap.UID{2, 3}) {
		t.Fatalf("UID SEARCH 2:*: %v, %v", data, err)
	}
}
