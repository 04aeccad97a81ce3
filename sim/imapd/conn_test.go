package imapd

import (
	"bufio"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"github.com/mailflow/mailflow/sim/mailstore"
)

// rawClient speaks IMAP line by line, for what imapclient would not send.
type rawClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawClient {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(wait))
	return newRaw(t, conn)
}

func newRaw(t *testing.T, conn net.Conn) *rawClient {
	return &rawClient{t: t, conn: conn, r: bufio.NewReader(conn)}
}

func (c *rawClient) line() string {
	c.t.Helper()
	l, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v (got %q)", err, l)
	}
	return strings.TrimSuffix(l, "\r\n")
}

// cmd sends a tagged command and returns the tagged reply, skipping
// untagged lines.
func (c *rawClient) cmd(tag, line string) string {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, tag+" "+line+"\r\n"); err != nil {
		c.t.Fatal(err)
	}
	for {
		if l := c.line(); strings.HasPrefix(l, tag+" ") {
			return strings.TrimPrefix(l, tag+" ")
		}
	}
}

func (c *rawClient) eof() {
	c.t.Helper()
	for {
		l, err := c.r.ReadString('\n')
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			c.t.Fatalf("want EOF, got %v", err)
		}
		if !strings.HasPrefix(l, "* ") {
			c.t.Fatalf("want EOF, got %q", l)
		}
	}
}

func TestStartTLS(t *testing.T) {
	serverTLS, clientTLS := testTLS(t, host)
	ts := start(t, false, func(c *Config) { c.TLSConfig = serverTLS })
	ts.deliver(t, "", rawMsg("secret", "s"))
	c, err := imapclient.DialStartTLS(ts.addr, &imapclient.Options{TLSConfig: clientTLS})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(alice, pw).Wait(); err != nil {
		t.Fatal(err)
	}
	if sel := selectBox(t, c, "INBOX"); sel.NumMessages != 1 {
		t.Fatalf("SELECT %+v", sel)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatal(err)
	}
	events := ts.stop(t)
	if len(events) != 1 || events[0].TLS == nil || !strings.HasPrefix(events[0].TLS.Version, "TLS 1.") || events[0].Fetch.PlainAuth {
		t.Fatalf("events %+v", events)
	}
}

func TestStartTLSOffered(t *testing.T) {
	serverTLS, _ := testTLS(t, host)
	ts := start(t, false, func(c *Config) { c.TLSConfig = serverTLS })
	c := dialRaw(t, ts.addr)
	if g := c.line(); !strings.Contains(g, "STARTTLS") || !strings.Contains(g, "AUTH=PLAIN") {
		t.Fatalf("greeting %q", g)
	}
	plain := start(t, false, nil)
	c = dialRaw(t, plain.addr)
	if g := c.line(); strings.Contains(g, "STARTTLS") {
		t.Fatalf("STARTTLS offered without a certificate: %q", g)
	}
}

func TestImplicitTLS(t *testing.T) {
	serverTLS, clientTLS := testTLS(t, host)
	ts := start(t, true, func(c *Config) { c.TLSConfig = serverTLS })
	ts.deliver(t, "", rawMsg("secret", "s"))
	c, err := imapclient.DialTLS(ts.addr, &imapclient.Options{TLSConfig: clientTLS})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(alice, pw).Wait(); err != nil {
		t.Fatal(err)
	}
	selectBox(t, c, "INBOX")
	if err := c.Logout().Wait(); err != nil {
		t.Fatal(err)
	}
	events := ts.stop(t)
	if len(events) != 1 || events[0].Service != "imaps" || events[0].TLS == nil {
		t.Fatalf("events %+v", events)
	}
}

func TestAuthenticatePlain(t *testing.T) {
	ts := start(t, false, nil)
	c := dial(t, ts.addr, nil)
	if err := c.Authenticate(sasl.NewPlainClient("", alice, pw)); err != nil {
		t.Fatal(err)
	}
	selectBox(t, c, "INBOX")
}

func TestThreeFailedLoginsClose(t *testing.T) {
	ts := start(t, false, nil)
	c := dial(t, ts.addr, nil)
	for i := 0; i < 2; i++ {
		var imapErr *imap.Error
		if err := c.Login(alice, "wrong").Wait(); !errors.As(err, &imapErr) || imapErr.Code != imap.ResponseCodeAuthenticationFailed {
			t.Fatalf("login %d: %v", i+1, err)
		}
	}
	// The third failure may come through AUTHENTICATE as well.
	if err := c.Authenticate(sasl.NewPlainClient("", alice, "wrong")); err == nil {
		t.Fatal("third login succeeded")
	}
	select {
	case <-c.Closed():
	case <-time.After(wait):
		t.Fatal("connection still open after three failures")
	}
	events := ts.stop(t)
	if len(events) != 1 || events[0].Error == "" || events[0].User != alice || events[0].Fetch == nil || !events[0].Fetch.PlainAuth {
		t.Fatalf("events %+v", events)
	}
}

func TestMalformedCommands(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, "", rawMsg("one", "1"))
	c := dialRaw(t, ts.addr)
	c.line() // greeting
	for _, tc := range []struct{ tag, line, want string }{
		{"a1", "LOGIN", "BAD"},
		{"a2", "LOGIN " + alice, "BAD"},
		{"a3", "SELECT INBOX", "BAD"}, // not logged in yet
		{"a4", "LOGIN " + alice + " " + pw, "OK"},
		{"a5", "FETCH", "BAD"}, // nothing selected, and no arguments
		{"a6", "SELECT", "BAD"},
		{"a7", "SELECT INBOX", "OK"},
		{"a8", "FETCH 1:* (FLAGS", "BAD"},
		{"a9", "FETCH x FLAGS", "BAD"},
		{"b1", "STORE 1 +FLAGZ (\\Seen)", "BAD"},
		{"b2", "SEARCH", "BAD"},
		{"b3", "SEARCH NONSENSE", "BAD"},
		{"b4", "XYZZY", "BAD"},
		{"b5", "FETCH 1 (FLAGS)", "OK"},
		{"b6", "LOGOUT", "OK"},
	} {
		if got := c.cmd(tc.tag, tc.line); !strings.HasPrefix(got, tc.want) {
			t.Fatalf("%s %s: got %q, want %s", tc.tag, tc.line, got, tc.want)
		}
	}
}

func TestReadTimeoutCloses(t *testing.T) {
	ts := start(t, false, func(c *Config) { c.ReadTimeout = 50 * time.Millisecond })
	c := dialRaw(t, ts.addr)
	c.line() // greeting
	c.eof()
}

func TestMaxConnsShedsTheIdleForANewClient(t *testing.T) {
	ts := start(t, false, func(c *Config) { c.MaxConns = 1 })
	a := dialRaw(t, ts.addr)
	a.line()
	b := dialRaw(t, ts.addr)
	if l := b.line(); !strings.HasPrefix(l, "* OK") {
		t.Fatalf("new connection got %q", l)
	}
	if l := a.line(); !strings.HasPrefix(l, "* BYE") {
		t.Fatalf("idle connection got %q, want BYE", l)
	}
	a.eof()
	if got := b.cmd("a1", "NOOP"); !strings.HasPrefix(got, "OK") {
		t.Fatalf("new connection: %q", got)
	}
}

func TestCloseEndsIdlingSessions(t *testing.T) {
	ts := start(t, false, nil)
	c := login(t, ts.addr, nil)
	selectBox(t, c, "INBOX")
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	ts.stop(t)
	<-c.Closed()
	_ = idle.Close()
}

func TestExamineIsReadOnly(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, "", rawMsg("one", "1"))
	c := login(t, ts.addr, nil)
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	body := &imap.FetchItemBodySection{}
	fetch(t, c, imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{body}})
	if err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err == nil {
		t.Fatal("STORE in EXAMINE succeeded")
	}
	if m := ts.messages(t, mailstore.Inbox)[0]; len(m.Flags) != 0 {
		t.Fatalf("EXAMINE changed flags: %v", m.Flags)
	}
}

func TestCopyAndMove(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, "", rawMsg("one", "1"))
	ts.deliver(t, "", rawMsg("two", "2"))
	for _, f := range []string{"Archive", "Trash"} {
		if err := ts.store.CreateFolder(alice, f); err != nil {
			t.Fatal(err)
		}
	}
	c := login(t, ts.addr, nil)
	selectBox(t, c, "INBOX")
	cp, err := c.Copy(imap.SeqSetNum(1), "Archive").Wait()
	if err != nil || !slices.Equal(cp.DestUIDs, imap.UIDSetNum(1)) {
		t.Fatalf("COPY: %+v, %v", cp, err)
	}
	mv, err := c.Move(imap.SeqSetNum(2), "Trash").Wait()
	if err != nil || mv.UIDValidity == 0 {
		t.Fatalf("MOVE: %+v, %v", mv, err)
	}
	if n := len(ts.messages(t, mailstore.Inbox)); n != 1 {
		t.Fatalf("INBOX has %d messages after MOVE", n)
	}
	if a, tr := ts.messages(t, "Archive"), ts.messages(t, "Trash"); len(a) != 1 || len(tr) != 1 || !strings.Contains(string(tr[0].Raw), "Subject: two") {
		t.Fatalf("Archive %d, Trash %d", len(a), len(tr))
	}
	var imapErr *imap.Error
	if _, err := c.Copy(imap.SeqSetNum(1), "Nowhere").Wait(); !errors.As(err, &imapErr) || imapErr.Code != imap.ResponseCodeTryCreate {
		t.Fatalf("COPY to a missing folder: %v", err)
	}
}

func TestFolders(t *testing.T) {
	ts := start(t, false, nil)
	c := login(t, ts.addr, nil)
	for _, name := range []string{"Projects", "Old"} {
		if err := c.Create(name, nil).Wait(); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Create("Projects", nil).Wait(); err == nil {
		t.Fatal("CREATE of an existing folder succeeded")
	}
	if err := c.Rename("Old", "Older", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("INBOX").Wait(); err == nil {
		t.Fatal("DELETE INBOX succeeded")
	}
	ts.deliver(t, "Projects", rawMsg("plan", "p"))
	st, err := c.Status("Projects", &imap.StatusOptions{NumMessages: true, NumUnseen: true, UIDNext: true, Size: true}).Wait()
	if err != nil || *st.NumMessages != 1 || *st.NumUnseen != 1 || st.UIDNext != 2 || *st.Size == 0 {
		t.Fatalf("STATUS: %+v, %v", st, err)
	}
	// A selected folder is not deleted under another session's feet.
	other := login(t, ts.addr, nil)
	selectBox(t, other, "Projects")
	var imapErr *imap.Error
	if err := c.Delete("Projects").Wait(); !errors.As(err, &imapErr) || imapErr.Code != imap.ResponseCodeInUse {
		t.Fatalf("DELETE of a selected folder: %v", err)
	}
	if err := other.Unselect().Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("Projects").Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Unsubscribe("Older").Wait(); err != nil {
		t.Fatal(err)
	}
	subs, err := c.List("", "*", &imap.ListOptions{SelectSubscribed: true}).Collect()
	if err != nil || len(subs) != 1 || subs[0].Mailbox != "INBOX" {
		t.Fatalf("subscribed: %+v, %v", subs, err)
	}
	names, _ := ts.store.Folders(alice)
	if !slices.Equal(names, []string{"INBOX", "Older"}) {
		t.Fatalf("folders %v", names)
	}
}
