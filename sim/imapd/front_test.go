package imapd

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

func (c *rawClient) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatal(err)
	}
}

func (c *rawClient) loggedIn(t *testing.T) *rawClient {
	t.Helper()
	c.line()
	if got := c.cmd("l1", "LOGIN "+alice+" "+pw); !strings.HasPrefix(got, "OK") {
		t.Fatalf("LOGIN: %q", got)
	}
	return c
}

func TestUnknownCommandBeforeLoginIsBADWithoutDisconnect(t *testing.T) {
	ts := start(t, false, nil)
	c := dialRaw(t, ts.addr)
	c.line()
	for i, cmd := range []string{`ID ("name" "imaptest")`, "XYZZY", "GET / HTTP/1.0"} {
		tag := string(rune('a' + i))
		if got := c.cmd(tag, cmd); !strings.HasPrefix(got, "BAD") {
			t.Fatalf("%s: got %q, want BAD", cmd, got)
		}
	}
	if got := c.cmd("l1", "LOGIN "+alice+" "+pw); !strings.HasPrefix(got, "OK") {
		t.Fatalf("LOGIN after unknown commands: %q", got)
	}
}

func TestManyBadCommandsBeforeLoginDisconnect(t *testing.T) {
	ts := start(t, false, nil)
	c := dialRaw(t, ts.addr)
	c.line()
	for range maxBadCommands {
		c.send("x GARBAGE\r\n")
	}
	for {
		l := c.line()
		if strings.HasPrefix(l, "* BYE") {
			break
		}
		if !strings.HasPrefix(l, "x BAD") {
			t.Fatalf("got %q", l)
		}
	}
	c.eof()
}

func TestEmptyLineIsBAD(t *testing.T) {
	ts := start(t, false, nil)
	c := dialRaw(t, ts.addr).loggedIn(t)
	c.send("\r\n")
	if l := c.line(); !strings.HasPrefix(l, "* BAD") {
		t.Fatalf("empty line: %q", l)
	}
	if got := c.cmd("n1", "NOOP"); !strings.HasPrefix(got, "OK") {
		t.Fatalf("NOOP after empty line: %q", got)
	}
}

func TestUnparsableArgumentsAreBADNotServerBug(t *testing.T) {
	ts := start(t, false, nil)
	ts.deliver(t, "", rawMsg("one", "1"))
	c := dialRaw(t, ts.addr)
	c.line()
	if got := c.cmd("p1", "AUTHENTICATE PLAIN !!!notbase64"); !strings.HasPrefix(got, "BAD") {
		t.Fatalf("AUTHENTICATE with bad base64: %q", got)
	}
	c.send("p2 AUTHENTICATE PLAIN\r\n")
	if l := c.line(); !strings.HasPrefix(l, "+") {
		t.Fatalf("AUTHENTICATE: %q", l)
	}
	c.send("%%%\r\n")
	if l := c.line(); !strings.HasPrefix(l, "p2 BAD") {
		t.Fatalf("SASL response with bad base64: %q", l)
	}
	c.cmd("l1", "LOGIN "+alice+" "+pw)
	nested := "SEARCH " + strings.Repeat("(", 1000) + "ALL" + strings.Repeat(")", 1000)
	for _, cmd := range []string{
		`LIST "" "&"`, `CREATE "a&b"`, `SELECT "&Jjo"`, "STATUS & (MESSAGES)",
		"SELECT INBOX", "FETCH 0 FLAGS", "FETCH 0:* FLAGS", "UID FETCH 0 FLAGS", "STORE 0 +FLAGS (x)", nested,
	} {
		got := c.cmd("t1", cmd)
		if strings.Contains(got, "SERVERBUG") || strings.HasPrefix(got, "OK") && cmd != "SELECT INBOX" {
			t.Fatalf("%.40s: %q", cmd, got)
		}
	}
	if got := c.cmd("t2", "FETCH 1 FLAGS"); !strings.HasPrefix(got, "OK") {
		t.Fatalf("session broken after the bad commands: %q", got)
	}
}

func TestBigLoginLiteralRefusedWithoutSwallowingTheNextCommand(t *testing.T) {
	ts := start(t, false, nil)
	c := dialRaw(t, ts.addr)
	c.line()
	c.send("a1 LOGIN {5000}\r\n")
	if l := c.line(); !strings.HasPrefix(l, "a1 NO [TOOBIG]") {
		t.Fatalf("synchronising literal: %q", l)
	}
	if got := c.cmd("a2", "NOOP"); !strings.HasPrefix(got, "OK") {
		t.Fatalf("next command: %q", got)
	}
	c.send("b1 LOGIN {5000+}\r\n" + strings.Repeat("x", 5000) + " pw\r\n")
	if l := c.line(); !strings.HasPrefix(l, "b1 BAD [TOOBIG]") {
		t.Fatalf("non-synchronising literal: %q", l)
	}
	if got := c.cmd("b2", "NOOP"); !strings.HasPrefix(got, "OK") {
		t.Fatalf("next command after the skipped literal: %q", got)
	}
	// A literal of a fitting size still logs in.
	c.send("c1 LOGIN {" + strconv.Itoa(len(alice)) + "}\r\n")
	if l := c.line(); !strings.HasPrefix(l, "+") {
		t.Fatalf("literal: %q", l)
	}
	c.send(alice + " " + pw + "\r\n")
	if l := c.line(); !strings.HasPrefix(l, "c1 OK") {
		t.Fatalf("LOGIN with a literal: %q", l)
	}
}

func TestTricklingCannotExtendACommand(t *testing.T) {
	ts := start(t, false, func(c *Config) { c.ReadTimeout = 300 * time.Millisecond })
	c := dialRaw(t, ts.addr)
	c.line()
	began := time.Now()
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
			if d := time.Since(began); d > 2*time.Second {
				t.Fatalf("closed only after %v", d)
			}
			return
		case <-tick.C:
			_, _ = c.conn.Write([]byte("a"[:1])) // one octet of a line that never ends
		}
		if i > 50 {
			t.Fatal("a trickling client kept its command open for 5 s")
		}
	}
}

func TestSilentTLSConnectionsCannotLockOut(t *testing.T) {
	serverTLS, clientTLS := testTLS(t, host)
	ts := start(t, true, func(c *Config) { c.TLSConfig = serverTLS })
	var silent []net.Conn
	for range DefaultMaxConns {
		conn, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		silent = append(silent, conn)
	}
	defer func() {
		for _, c := range silent {
			c.Close()
		}
	}()
	began := time.Now()
	c, err := imapclient.DialTLS(ts.addr, &imapclient.Options{TLSConfig: clientTLS})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(alice, pw).Wait(); err != nil {
		t.Fatalf("login with %d silent connections around: %v", DefaultMaxConns, err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Fatalf("login took %v", d)
	}
	if in, shed := ts.slots.Stats(); in > DefaultMaxConns || shed == 0 {
		t.Fatalf("slots in use %d, shed %d", in, shed)
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
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	if _, err := conn.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("silent TLS client: %v, want the server to hang up", err)
	}
}

func TestPlaintextLoginRefusedBeforeSTARTTLS(t *testing.T) {
	serverTLS, clientTLS := testTLS(t, host)
	ts := start(t, false, func(c *Config) { c.TLSConfig = serverTLS; c.AllowPlaintextAuth = false })
	c := dialRaw(t, ts.addr)
	g := c.line()
	if !strings.Contains(g, "LOGINDISABLED") || !strings.Contains(g, "STARTTLS") || strings.Contains(g, "AUTH=") {
		t.Fatalf("greeting %q", g)
	}
	if got := c.cmd("a1", "LOGIN "+alice+" "+pw); !strings.HasPrefix(got, "NO [PRIVACYREQUIRED]") {
		t.Fatalf("LOGIN in the clear: %q", got)
	}
	if got := c.cmd("a2", "AUTHENTICATE PLAIN AGFsaWNlAHB3"); !strings.HasPrefix(got, "NO [PRIVACYREQUIRED]") {
		t.Fatalf("AUTHENTICATE in the clear: %q", got)
	}
	if got := c.cmd("a3", "STARTTLS"); !strings.HasPrefix(got, "OK") {
		t.Fatalf("STARTTLS: %q", got)
	}
	tc := tls.Client(c.conn, clientTLS)
	tr := newRaw(t, tc)
	if got := tr.cmd("a4", "CAPABILITY"); !strings.HasPrefix(got, "OK") {
		t.Fatalf("CAPABILITY: %q", got)
	}
	if got := tr.cmd("a5", "LOGIN "+alice+" "+pw); !strings.HasPrefix(got, "OK") {
		t.Fatalf("LOGIN over TLS: %q", got)
	}
}

func TestCapabilityAfterSTARTTLS(t *testing.T) {
	serverTLS, clientTLS := testTLS(t, host)
	ts := start(t, false, func(c *Config) { c.TLSConfig = serverTLS; c.AllowPlaintextAuth = false })
	c := dialRaw(t, ts.addr)
	c.line()
	c.cmd("s", "STARTTLS")
	tr := newRaw(t, tls.Client(c.conn, clientTLS))
	tr.send("c CAPABILITY\r\n")
	caps := tr.line()
	if !strings.Contains(caps, "AUTH=PLAIN") || strings.Contains(caps, "STARTTLS") || strings.Contains(caps, "LOGINDISABLED") {
		t.Fatalf("capabilities over TLS: %q", caps)
	}
}

func TestAllowPlaintextAuth(t *testing.T) {
	serverTLS, _ := testTLS(t, host)
	ts := start(t, false, func(c *Config) { c.TLSConfig = serverTLS; c.AllowPlaintextAuth = true })
	c := dialRaw(t, ts.addr)
	if g := c.line(); strings.Contains(g, "LOGINDISABLED") || !strings.Contains(g, "AUTH=PLAIN") {
		t.Fatalf("greeting %q", g)
	}
	if got := c.cmd("a1", "LOGIN "+alice+" "+pw); !strings.HasPrefix(got, "OK") {
		t.Fatalf("LOGIN in the clear, allowed: %q", got)
	}
	c.cmd("a2", "LOGOUT")
	events := ts.stop(t)
	if len(events) != 1 || events[0].Fetch == nil || !events[0].Fetch.PlainAuth {
		t.Fatalf("events %+v", events)
	}
}

func TestCloseWithLoginAndIdleIsPrompt(t *testing.T) {
	ts := start(t, false, nil)
	a := dialRaw(t, ts.addr).loggedIn(t)
	b := login(t, ts.addr, nil)
	selectBox(t, b, "INBOX")
	idle, err := b.Idle()
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	began := time.Now()
	ts.stop(t)
	if d := time.Since(began); d > 2*time.Second {
		t.Fatalf("Close took %v", d)
	}
	a.eof()
	<-b.Closed()
}

func TestAppendLiterals(t *testing.T) {
	ts := start(t, false, nil)
	c := dialRaw(t, ts.addr).loggedIn(t)
	big := "Subject: big\r\n\r\n" + strings.Repeat("0123456789abcdef", 1024) + "\r\n"
	c.send("a1 APPEND INBOX {" + strconv.Itoa(len(big)) + "}\r\n")
	if l := c.line(); !strings.HasPrefix(l, "+") {
		t.Fatalf("APPEND: %q", l)
	}
	c.send(big + "\r\n")
	if l := c.line(); !strings.HasPrefix(l, "a1 OK") {
		t.Fatalf("APPEND with a synchronising literal: %q", l)
	}
	small := "Subject: small\r\n\r\nhi\r\n"
	c.send("a2 APPEND INBOX (\\Seen) {" + strconv.Itoa(len(small)) + "+}\r\n" + small + "\r\n")
	if l := c.line(); !strings.HasPrefix(l, "a2 OK") {
		t.Fatalf("APPEND with a non-synchronising literal: %q", l)
	}
	msgs := ts.messages(t, "INBOX")
	if len(msgs) != 2 || string(msgs[0].Raw) != big || string(msgs[1].Raw) != small {
		t.Fatalf("appended %d messages", len(msgs))
	}
	// A refused literal leaves the session in step.
	c.send("a3 APPEND Nowhere {5}\r\n")
	if l := c.line(); !strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "a3 NO") {
		t.Fatalf("APPEND to a missing folder: %q", l)
	} else if strings.HasPrefix(l, "+") {
		c.send("hello\r\n")
		if l := c.line(); !strings.HasPrefix(l, "a3 NO") {
			t.Fatalf("APPEND to a missing folder: %q", l)
		}
	}
	if got := c.cmd("a4", "NOOP"); !strings.HasPrefix(got, "OK") {
		t.Fatalf("after the refused APPEND: %q", got)
	}
}

func TestLongCommandLineIsBAD(t *testing.T) {
	ts := start(t, false, nil)
	c := dialRaw(t, ts.addr).loggedIn(t)
	c.send("a1 SEARCH " + strings.Repeat("OR ALL ", 10000) + "ALL\r\n")
	if l := c.line(); !strings.HasPrefix(l, "* BAD") {
		t.Fatalf("overlong line: %q", l)
	}
	if got := c.cmd("a2", "NOOP"); !strings.HasPrefix(got, "OK") {
		t.Fatalf("after the overlong line: %q", got)
	}
}
