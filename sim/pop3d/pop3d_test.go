package pop3d

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/mailstore"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	host  = "mail.example.test"
	alice = "alice@example.test"
	pw    = "wonderland"
)

var date = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// testServer is a running server with its store and the events it
// published.
type testServer struct {
	*Server
	store *mailstore.Store
	addr  string

	mu     sync.Mutex
	events []event.Event
}

// start runs a server on 127.0.0.1:0; mod may adjust the config.
func start(t *testing.T, implicitTLS bool, mod func(*Config)) *testServer {
	t.Helper()
	ts := &testServer{store: mailstore.New()}
	ts.store.AddUser(alice, pw)
	cfg := Config{Host: host, Store: ts.store, AllowPlaintextAuth: true, // most tests log in without TLS
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

// stop closes the server, which waits for every session to end and
// publish its event, and returns the events.
func (ts *testServer) stop(t *testing.T) []event.Event {
	t.Helper()
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]event.Event(nil), ts.events...)
}

func (ts *testServer) deliver(t *testing.T, raw string) uint32 {
	t.Helper()
	uid, err := ts.store.Deliver(alice, mailstore.Inbox, []byte(raw), date)
	if err != nil {
		t.Fatal(err)
	}
	return uid
}

// client is a raw line client.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return newClient(t, conn)
}

func newClient(t *testing.T, conn net.Conn) *client {
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	c := &client{t: t, conn: conn, r: bufio.NewReader(conn)}
	return c
}

func (c *client) line() string {
	c.t.Helper()
	l, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v (got %q)", err, l)
	}
	if !strings.HasSuffix(l, "\r\n") {
		c.t.Fatalf("line %q does not end in CRLF", l)
	}
	return strings.TrimSuffix(l, "\r\n")
}

func (c *client) send(line string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, line+"\r\n"); err != nil {
		c.t.Fatal(err)
	}
}

// cmd sends a line and returns the status line of the reply.
func (c *client) cmd(line string) string {
	c.t.Helper()
	c.send(line)
	return c.line()
}

// ok sends a command and fails the test unless the reply is +OK.
func (c *client) ok(line string) string {
	c.t.Helper()
	r := c.cmd(line)
	if !strings.HasPrefix(r, "+OK") {
		c.t.Fatalf("%s: got %q, want +OK", line, r)
	}
	return r
}

func (c *client) fail(line, want string) {
	c.t.Helper()
	r := c.cmd(line)
	if !strings.HasPrefix(r, "-ERR") || !strings.Contains(r, want) {
		c.t.Fatalf("%q: got %q, want -ERR with %q", line, r, want)
	}
}

// multi reads the body of a multi-line reply, undoing dot-stuffing.
func (c *client) multi() []string {
	c.t.Helper()
	var lines []string
	for {
		l := c.line()
		if l == "." {
			return lines
		}
		lines = append(lines, strings.TrimPrefix(l, "."))
	}
}

// eof asserts the server closes the connection.
func (c *client) eof() {
	c.t.Helper()
	if l, err := c.r.ReadString('\n'); !errors.Is(err, io.EOF) {
		c.t.Fatalf("want EOF, got %q, %v", l, err)
	}
}

func (c *client) greeting() {
	c.t.Helper()
	if g := c.line(); !strings.HasPrefix(g, "+OK "+host) {
		c.t.Fatalf("greeting %q", g)
	}
}

func (c *client) login() {
	c.t.Helper()
	c.ok("USER " + alice)
	c.ok("PASS " + pw)
}

const msg1 = "From: bob@example.test\nTo: alice@example.test\nSubject: hello\n\nline one\n.dotted line\nline three\n"

func TestFullSession(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, msg1)
	ts.deliver(t, "Subject: two\r\n\r\nsecond\r\n")
	c := dial(t, ts.addr)
	c.greeting()
	c.ok("USER " + alice)
	if r := c.ok("PASS " + pw); !strings.Contains(r, "2 messages") {
		t.Fatalf("PASS reply %q", r)
	}
	size1 := len(strings.ReplaceAll(msg1, "\n", "\r\n"))
	if r := c.ok("STAT"); r != "+OK 2 "+strconv.Itoa(size1+len("Subject: two\r\n\r\nsecond\r\n")) {
		t.Fatalf("STAT %q", r)
	}
	c.ok("LIST")
	if l := c.multi(); len(l) != 2 || l[0] != "1 "+strconv.Itoa(size1) {
		t.Fatalf("LIST %q", l)
	}
	if r := c.ok("LIST 2"); r != "+OK 2 24" {
		t.Fatalf("LIST 2 %q", r)
	}
	c.ok("RETR 1")
	body := c.multi()
	if got := strings.Join(body, "\n") + "\n"; got != msg1 {
		t.Fatalf("RETR: got %q, want %q", got, msg1)
	}
	c.ok("NOOP")
	c.ok("QUIT")
	c.eof()

	events := ts.stop(t)
	if len(events) != 1 {
		t.Fatalf("events: %+v", events)
	}
	e := events[0]
	if e.Kind != event.RetrievalFetch || e.User != alice || e.Service != "pop3" || e.Host != host || e.Conn == "" {
		t.Fatalf("event %+v", e)
	}
	if f := e.Fetch; f == nil || f.Read != 1 || f.Total != 2 || f.Deleted != 0 || !f.PlainAuth {
		t.Fatalf("fetch %+v", e.Fetch)
	}
	joined := strings.Join(e.Transcript, "\n")
	if strings.Contains(joined, pw) || !strings.Contains(joined, "C: PASS ****") || !strings.Contains(joined, "S: +OK 2 24") {
		t.Fatalf("transcript:\n%s", joined)
	}
	// RETR then QUIT marks the message read for IMAP.
	msgs, _ := ts.store.Messages(alice, mailstore.Inbox)
	if !msgs[0].HasFlag(`\Seen`) || msgs[1].HasFlag(`\Seen`) {
		t.Fatalf("flags %v %v", msgs[0].Flags, msgs[1].Flags)
	}
}

func TestTop(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, msg1)
	c := dial(t, ts.addr)
	c.greeting()
	c.login()
	c.ok("TOP 1 0")
	if l := c.multi(); len(l) != 4 || l[3] != "" {
		t.Fatalf("TOP 1 0: %q", l)
	}
	c.ok("TOP 1 2")
	if l := c.multi(); len(l) != 6 || l[5] != ".dotted line" {
		t.Fatalf("TOP 1 2: %q", l)
	}
	c.ok("TOP 1 100")
	if l := c.multi(); len(l) != 7 {
		t.Fatalf("TOP 1 100: %q", l)
	}
	c.fail("TOP 1", "usage")
	c.fail("TOP 1 -1", "line count")
	c.ok("QUIT")
}

func uidl(t *testing.T, addr string) map[string]string {
	c := dial(t, addr)
	c.greeting()
	c.login()
	c.ok("UIDL")
	ids := map[string]string{}
	for _, l := range c.multi() {
		n, id, _ := strings.Cut(l, " ")
		ids[id] = n
	}
	c.ok("QUIT")
	c.eof()
	return ids
}

func TestUIDLStableAcrossSessions(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, "Subject: a\n\na\n")
	ts.deliver(t, "Subject: b\n\nb\n")
	first := uidl(t, ts.addr)
	if len(first) != 2 {
		t.Fatalf("first UIDL %v", first)
	}
	// Remove message 1 and add one: message 2 is now number 1 but keeps its id.
	info, _ := ts.store.Info(alice, mailstore.Inbox)
	if _, err := ts.store.Expunge(alice, mailstore.Inbox, []uint32{1}); err != nil {
		t.Fatal(err)
	}
	ts.deliver(t, "Subject: c\n\nc\n")
	second := uidl(t, ts.addr)
	id2 := strconv.Itoa(int(info.UIDValidity)) + "-2"
	if first[id2] != "2" || second[id2] != "1" || len(second) != 2 {
		t.Fatalf("first %v, second %v", first, second)
	}
	c := dial(t, ts.addr)
	c.greeting()
	c.login()
	if r := c.ok("UIDL 2"); r != "+OK 2 "+strconv.Itoa(int(info.UIDValidity))+"-3" {
		t.Fatalf("UIDL 2: %q", r)
	}
	c.ok("QUIT")
}

func TestDeleRset(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, msg1)
	ts.deliver(t, msg1)
	c := dial(t, ts.addr)
	c.greeting()
	c.login()
	c.ok("DELE 1")
	c.fail("DELE 1", "already deleted")
	c.fail("RETR 1", "already deleted")
	if r := c.ok("STAT"); !strings.HasPrefix(r, "+OK 1 ") {
		t.Fatalf("STAT after DELE %q", r)
	}
	c.ok("LIST")
	if l := c.multi(); len(l) != 1 || !strings.HasPrefix(l[0], "2 ") {
		t.Fatalf("LIST after DELE %q", l)
	}
	if r := c.ok("RSET"); !strings.Contains(r, "2 messages") {
		t.Fatalf("RSET %q", r)
	}
	c.ok("RETR 1")
	c.multi()
	c.ok("QUIT")
	c.eof()
	if msgs, _ := ts.store.Messages(alice, mailstore.Inbox); len(msgs) != 2 {
		t.Fatalf("store has %d messages, want 2", len(msgs))
	}
}

func TestDeleQuitRemovesFromStore(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, "Subject: a\n\na\n")
	ts.deliver(t, "Subject: b\n\nb\n")
	c := dial(t, ts.addr)
	c.greeting()
	c.login()
	c.ok("DELE 1")
	if r := c.ok("QUIT"); !strings.Contains(r, "1 messages deleted") {
		t.Fatalf("QUIT %q", r)
	}
	c.eof()
	msgs, _ := ts.store.Messages(alice, mailstore.Inbox)
	if len(msgs) != 1 || msgs[0].UID != 2 {
		t.Fatalf("store after QUIT: %+v", msgs)
	}
	events := ts.stop(t)
	if len(events) != 1 || events[0].Fetch == nil || events[0].Fetch.Deleted != 1 {
		t.Fatalf("events %+v", events)
	}
}

// A connection lost in TRANSACTION never reaches UPDATE: nothing is deleted.
func TestDropWithoutQuitKeepsMessages(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, "Subject: a\n\na\n")
	c := dial(t, ts.addr)
	c.greeting()
	c.login()
	c.ok("DELE 1")
	c.conn.Close()
	ts.stop(t) // waits for the session to end
	if msgs, _ := ts.store.Messages(alice, mailstore.Inbox); len(msgs) != 1 {
		t.Fatalf("store has %d messages, want 1", len(msgs))
	}
}

func TestSTLS(t *testing.T) {
	serverTLS, clientTLS := testTLS(t, host)
	ts := start(t, false, func(c *Config) { c.TLSConfig = serverTLS })
	ts.deliver(t, msg1)
	c := dial(t, ts.addr)
	c.greeting()
	c.ok("CAPA")
	if caps := c.multi(); !contains(caps, "STLS") || !contains(caps, "SASL PLAIN") {
		t.Fatalf("CAPA before TLS %q", caps)
	}
	c.ok("STLS")
	tc := tls.Client(c.conn, clientTLS)
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	c = newClient(t, tc)
	c.ok("CAPA")
	if caps := c.multi(); contains(caps, "STLS") {
		t.Fatalf("CAPA after TLS still offers STLS: %q", caps)
	}
	c.fail("STLS", "already")
	c.login()
	c.ok("STAT")
	c.ok("QUIT")
	c.eof()
	events := ts.stop(t)
	if len(events) != 1 || events[0].TLS == nil || events[0].Fetch.PlainAuth {
		t.Fatalf("events %+v", events)
	}
}

func TestSTLSUnavailableWithoutCert(t *testing.T) {
	ts := start(t, false, nil)
	c := dial(t, ts.addr)
	c.greeting()
	c.ok("CAPA")
	if caps := c.multi(); contains(caps, "STLS") {
		t.Fatalf("CAPA offers STLS without a certificate: %q", caps)
	}
	c.fail("STLS", "not available")
	c.ok("QUIT")
}

func TestImplicitTLS(t *testing.T) {
	serverTLS, clientTLS := testTLS(t, host)
	ts := start(t, true, func(c *Config) { c.TLSConfig = serverTLS })
	ts.deliver(t, msg1)
	conn, err := tls.Dial("tcp", ts.addr, clientTLS)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, conn)
	c.greeting()
	c.login()
	c.ok("RETR 1")
	c.multi()
	c.ok("QUIT")
	c.eof()
	events := ts.stop(t)
	if len(events) != 1 || events[0].Service != "pop3s" || events[0].TLS == nil || !strings.HasPrefix(events[0].TLS.Version, "TLS 1.") {
		t.Fatalf("events %+v", events)
	}
}

func TestAuthPlain(t *testing.T) {
	ts := start(t, false, nil)
	creds := base64.StdEncoding.EncodeToString([]byte("\x00" + alice + "\x00" + pw))
	c := dial(t, ts.addr)
	c.greeting()
	c.ok("AUTH PLAIN " + creds)
	c.ok("QUIT")
	c.eof()

	c = dial(t, ts.addr)
	c.greeting()
	if r := c.cmd("AUTH PLAIN"); r != "+ " {
		t.Fatalf("AUTH PLAIN challenge %q", r)
	}
	c.ok(creds)
	c.ok("QUIT")

	c = dial(t, ts.addr)
	c.greeting()
	c.cmd("AUTH PLAIN")
	c.fail("*", "cancelled")
	c.fail("AUTH PLAIN !!!", "base64")
	c.fail("AUTH CRAM-MD5", "unsupported")
	c.fail("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("bob\x00"+alice+"\x00"+pw)), "another user")
	c.ok("QUIT")
	events := ts.stop(t)
	for _, e := range events {
		if strings.Contains(strings.Join(e.Transcript, "\n"), creds) {
			t.Fatalf("credentials in transcript: %q", e.Transcript)
		}
	}
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}
