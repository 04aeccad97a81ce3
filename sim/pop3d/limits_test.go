package pop3d

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// Hostile or careless clients: bad commands, wrong passwords, endless
// lines, silence, too many connections.

func TestMalformedCommands(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, msg1)
	c := dial(t, ts.addr)
	c.greeting()
	for _, tc := range []struct{ line, want string }{
		{"", "empty"},
		{"HELO x", "unknown"},
		{"\x00\xff\x01", "unknown"},
		{"STAT", "not valid"},
		{"PASS " + pw, "USER first"},
		{"USER", "needs"},
		{"APOP alice 1234", "unknown"},
	} {
		c.fail(tc.line, tc.want)
	}
	c.login()
	for _, tc := range []struct{ line, want string }{
		{"RETR", "one message number"},
		{"RETR abc", "invalid"},
		{"RETR 0", "invalid"},
		{"RETR -1", "invalid"},
		{"RETR +1", "invalid"},
		{"RETR 99", "no message 99"},
		{"RETR 99999999999999999999", "invalid"},
		{"DELE 1 2", "one message number"},
		{"LIST x", "invalid"},
		{"USER " + alice, "not valid"},
		{"STLS", "not valid"},
	} {
		c.fail(tc.line, tc.want)
	}
	if r := c.ok("stat"); !strings.HasPrefix(r, "+OK 1 ") { // still usable, case-insensitive
		t.Fatalf("STAT %q", r)
	}
	c.ok("QUIT")
}

func TestThreeFailedLoginsClose(t *testing.T) {
	ts := start(t, false, nil)
	c := dial(t, ts.addr)
	c.greeting()
	c.ok("USER " + alice)
	c.fail("PASS wrong", "[AUTH]")
	c.ok("USER nobody@example.test")
	c.fail("PASS wrong", "[AUTH]")
	c.fail("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00"+alice+"\x00nope")), "[AUTH] too many failures")
	c.eof()
	events := ts.stop(t)
	if len(events) != 1 || events[0].Error == "" || events[0].User != alice {
		t.Fatalf("events %+v", events)
	}
}

func TestLongLine(t *testing.T) {
	ts := start(t, false, nil)
	c := dial(t, ts.addr)
	c.greeting()
	// A line over the limit is refused and skipped; the session goes on.
	c.fail("NOOP "+strings.Repeat("x", 600), "too long")
	c.fail("USER "+strings.Repeat("x", 5000), "too long")
	c.ok("CAPA")
	c.multi()
	// A client that never ends its line is cut off.
	if _, err := c.conn.Write([]byte(strings.Repeat("x", maxDiscard+maxLine))); err != nil {
		t.Fatal(err)
	}
	if l := c.line(); !strings.Contains(l, "closing") {
		t.Fatalf("got %q", l)
	}
}

func TestReadTimeoutCloses(t *testing.T) {
	ts := start(t, false, func(c *Config) { c.ReadTimeout = 50 * time.Millisecond })
	c := dial(t, ts.addr)
	c.greeting()
	if l := c.line(); !strings.HasPrefix(l, "-ERR autologout") {
		t.Fatalf("got %q", l)
	}
	c.eof()
}

func TestMaildropLocked(t *testing.T) {
	ts := start(t, false, nil)
	a := dial(t, ts.addr)
	a.greeting()
	a.login()
	b := dial(t, ts.addr)
	b.greeting()
	b.ok("USER " + alice)
	b.fail("PASS "+pw, "[IN-USE]")
	a.ok("QUIT")
	a.eof()
	b.ok("USER " + alice)
	b.ok("PASS " + pw)
	b.ok("QUIT")
}

func TestMaxConnsShedsTheIdleForANewClient(t *testing.T) {
	ts := start(t, false, func(c *Config) { c.MaxConns = 1 })
	a := dial(t, ts.addr)
	a.greeting()
	b := dial(t, ts.addr)
	b.greeting()
	if l := a.line(); !strings.HasPrefix(l, "-ERR [SYS/TEMP]") {
		t.Fatalf("idle connection got %q", l)
	}
	a.eof()
	b.ok("QUIT")
}

func TestSilentTLSConnectionsCannotLockOut(t *testing.T) {
	serverTLS, clientTLS := testTLS(t, host)
	ts := start(t, true, func(c *Config) { c.TLSConfig = serverTLS })
	for range DefaultMaxConns {
		conn, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
	}
	began := time.Now()
	conn, err := tls.Dial("tcp", ts.addr, clientTLS)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, conn)
	c.greeting()
	c.login()
	c.ok("QUIT")
	if d := time.Since(began); d > 5*time.Second {
		t.Fatalf("login took %v with %d silent connections", d, DefaultMaxConns)
	}
}

func TestSilentTLSHandshakeTimesOut(t *testing.T) {
	serverTLS, _ := testTLS(t, host)
	ts := start(t, true, func(c *Config) { c.TLSConfig = serverTLS; c.ReadTimeout = 200 * time.Millisecond })
	conn, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("silent TLS client: %v, want the server to hang up", err)
	}
}

func TestTricklingCannotExtendALine(t *testing.T) {
	ts := start(t, false, func(c *Config) { c.ReadTimeout = 300 * time.Millisecond })
	c := dial(t, ts.addr)
	c.greeting()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		_, _ = io.Copy(io.Discard, c.r)
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-closed:
			return
		case <-tick.C:
			_, _ = c.conn.Write([]byte("N"))
		}
		if i > 50 {
			t.Fatal("a trickling client kept its line open for 5 s")
		}
	}
}

func TestPlaintextLoginRefusedBeforeSTLS(t *testing.T) {
	serverTLS, clientTLS := testTLS(t, host)
	ts := start(t, false, func(c *Config) { c.TLSConfig = serverTLS; c.AllowPlaintextAuth = false })
	c := dial(t, ts.addr)
	c.greeting()
	c.send("CAPA")
	caps := c.multi()
	if contains(caps, "USER") || contains(caps, "SASL PLAIN") || !contains(caps, "STLS") {
		t.Fatalf("CAPA in the clear: %q", caps)
	}
	c.fail("USER "+alice, "[AUTH] Plaintext authentication is disabled")
	c.fail("PASS "+pw, "USER first")
	c.fail("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00"+alice+"\x00"+pw)), "[AUTH] Plaintext")
	c.ok("STLS")
	tc := tls.Client(c.conn, clientTLS)
	s := newClient(t, tc)
	s.send("CAPA")
	if caps := s.multi(); !contains(caps, "USER") {
		t.Fatalf("CAPA over TLS: %q", caps)
	}
	s.login()
	s.ok("QUIT")
}

func TestAllowPlaintextAuth(t *testing.T) {
	serverTLS, _ := testTLS(t, host)
	ts := start(t, false, func(c *Config) { c.TLSConfig = serverTLS; c.AllowPlaintextAuth = true })
	c := dial(t, ts.addr)
	c.greeting()
	c.login()
	c.ok("QUIT")
	c.eof()
	events := ts.stop(t)
	if len(events) != 1 || events[0].Fetch == nil || !events[0].Fetch.PlainAuth {
		t.Fatalf("events %+v", events)
	}
}

func TestPipelining(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, msg1)
	c := dial(t, ts.addr)
	c.greeting()
	c.send("USER " + alice + "\r\nPASS " + pw + "\r\nSTAT\r\nUIDL\r\nQUIT")
	for i := 0; i < 3; i++ {
		if l := c.line(); !strings.HasPrefix(l, "+OK") {
			t.Fatalf("reply %d: %q", i, l)
		}
	}
	c.line()
	if l := c.multi(); len(l) != 1 {
		t.Fatalf("UIDL %q", l)
	}
	if l := c.line(); !strings.Contains(l, "signing off") {
		t.Fatalf("QUIT %q", l)
	}
	c.eof()
}

func TestCloseEndsOpenSessions(t *testing.T) {
	ts := start(t, false, nil)
	c := dial(t, ts.addr)
	c.greeting()
	c.login()
	ts.stop(t)
	c.eof()
}
