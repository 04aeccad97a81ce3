package smtpd

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailflow/mailflow/topology"
)

func plain(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass))
}

// startTLS upgrades a client connection after EHLO.
func (c *client) startTLS(conf *tls.Config) {
	c.t.Helper()
	c.expect("STARTTLS", 220)
	tc := tls.Client(c.conn, conf)
	if err := tc.Handshake(); err != nil {
		c.t.Fatalf("handshake: %v", err)
	}
	c.conn, c.r = tc, newClient(c.t, tc).r
}

// Port 587 offers and takes AUTH only over TLS unless the host allows
// passwords in the clear (allow_plaintext_auth).
func TestPlaintextAuthPolicy(t *testing.T) {
	h := start(t, nil)
	c := h.dial(topology.Submission)
	c.send("EHLO client.test")
	if _, lines := c.reply(); strings.Contains(strings.Join(lines, "\n"), "AUTH") {
		t.Errorf("AUTH offered before STARTTLS: %q", lines)
	}
	if code, last := c.cmd("AUTH PLAIN " + plain("bob@school.test", "bobpw")); code != 538 || !strings.HasPrefix(last, "538 5.7.11 ") {
		t.Errorf("AUTH in the clear: %q, want 538 5.7.11", last)
	}
	c.startTLS(h.clientTLS())
	c.send("EHLO client.test")
	if _, lines := c.reply(); !strings.Contains(strings.Join(lines, "\n"), "250-AUTH PLAIN LOGIN") {
		t.Errorf("AUTH not offered over TLS: %q", lines)
	}
	if got := c.expect("AUTH PLAIN "+plain("bob@school.test", "bobpw"), 235); got != "235 2.7.0 Authentication successful" {
		t.Errorf("AUTH reply %q", got)
	}
	c.expect("MAIL FROM:<bob@school.test>", 250)

	open := start(t, func(c *Config) { c.AllowPlaintextAuth = true })
	p := open.dial(topology.Submission)
	p.send("EHLO client.test")
	if _, lines := p.reply(); !strings.Contains(strings.Join(lines, "\n"), "250-AUTH PLAIN LOGIN") {
		t.Errorf("AUTH not offered in the clear with allow_plaintext_auth: %q", lines)
	}
	p.expect("AUTH LOGIN", 334)
	p.expect(base64.StdEncoding.EncodeToString([]byte("carol@school.test")), 334)
	p.expect(base64.StdEncoding.EncodeToString([]byte("carolpw")), 235)

	mx := h.dial(topology.SMTP)
	mx.expect("EHLO client.test", 250)
	mx.answers("AUTH PLAIN "+plain("bob@school.test", "bobpw"), 502) // AUTH on port 25
}

// Wrong passwords are answered later each time; the last one allowed gets
// its 535 and then 421 4.7.0, never a silent drop.
func TestAuthFailuresAreThrottled(t *testing.T) {
	const delay = 100 * time.Millisecond
	h := start(t, func(c *Config) { c.AuthFailDelay = delay })
	c := h.dial(topology.Submissions)
	c.expect("EHLO client.test", 250)
	var took []time.Duration
	for i := 0; i < 3; i++ {
		began := time.Now()
		c.send("AUTH PLAIN " + plain("bob@school.test", "wrong"))
		code, lines := c.reply()
		took = append(took, time.Since(began))
		if code != 535 || lines[0] != "535 5.7.8 Authentication credentials invalid" {
			t.Fatalf("failure %d: %q, want 535 5.7.8", i+1, lines)
		}
	}
	if took[1] < delay || took[2] < 2*delay {
		t.Errorf("failures answered after %v, want at least 0, %v, %v", took, delay, 2*delay)
	}
	rest := c.closed()
	if len(rest) != 1 || !strings.HasPrefix(rest[0], "421 4.7.0 ") {
		t.Errorf("after the third failure: %q, want 421 4.7.0 and the end", rest)
	}

	// A client that cancels gets 501 and may try again.
	d := h.dial(topology.Submissions)
	d.expect("EHLO client.test", 250)
	d.expect("AUTH LOGIN", 334)
	d.expect("*", 501)
	d.expect("AUTH PLAIN "+plain("bob@school.test", "bobpw"), 235)
	d.answers("AUTH PLAIN "+plain("bob@school.test", "bobpw"), 503) // second AUTH
}

// recordingConn keeps every byte read from the server.
type recordingConn struct {
	net.Conn
	mu  sync.Mutex
	got bytes.Buffer
}

func (r *recordingConn) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	r.got.Write(p[:n])
	r.mu.Unlock()
	return n, err
}

// After a failed STARTTLS handshake the server writes nothing more: the
// client is speaking TLS, and a plaintext reply would only be garbage to it.
func TestFailedStartTLSHandshakeGetsNoPlaintextReply(t *testing.T) {
	h := start(t, nil)
	c := h.dial(topology.SMTP)
	c.expect("EHLO client.test", 250)
	c.expect("STARTTLS", 220)
	rec := &recordingConn{Conn: c.conn}
	// A client that trusts nobody: it refuses the certificate and says so
	// with an alert, which fails the server's handshake too.
	tc := tls.Client(rec, &tls.Config{ServerName: h.host.Name, RootCAs: nil, MinVersion: tls.VersionTLS12})
	if err := tc.Handshake(); err == nil {
		t.Fatal("handshake with an untrusted certificate succeeded")
	}
	_ = rec.SetReadDeadline(time.Now().Add(wait))
	if _, err := io.Copy(io.Discard, rec); err != nil {
		t.Fatalf("waiting for the server to close: %v", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if regexp.MustCompile(`\d{3} \d\.\d\.\d`).Match(rec.got.Bytes()) || bytes.Contains(rec.got.Bytes(), []byte("rror")) {
		t.Errorf("plaintext after the failed handshake: %q", rec.got.Bytes())
	}
}

// Commands pipelined behind STARTTLS are not taken as sent over TLS
// (RFC 3207 §6): the connection ends.
func TestCommandsInjectedAfterStartTLSEndTheConnection(t *testing.T) {
	h := start(t, nil)
	c := h.dial(topology.SMTP)
	c.expect("EHLO client.test", 250)
	c.send("STARTTLS\r\nMAIL FROM:<evil@other.test>")
	if code, _ := c.reply(); code != 220 {
		t.Fatalf("STARTTLS: %d", code)
	}
	if rest := c.closed(); len(rest) != 0 {
		t.Errorf("after injected commands: %q, want the end", rest)
	}
}

// After STARTTLS the client must greet again and the Received: header
// says ESMTPSA.
func TestStartTLSForgetsTheGreeting(t *testing.T) {
	h := start(t, nil)
	c := h.dial(topology.Submission)
	c.expect("EHLO client.test", 250)
	c.startTLS(h.clientTLS())
	c.answers("MAIL FROM:<bob@school.test>", 503) // MAIL right after STARTTLS
	c.expect("EHLO client.test", 250)
	c.expect("AUTH PLAIN "+plain("bob@school.test", "bobpw"), 235)
	if code, last := c.transaction("bob@school.test", []string{"carol@school.test"},
		"From: bob@school.test\r\nSubject: over tls\r\n\r\nHi.\r\n."); code != 250 {
		t.Fatalf("DATA: %q", last)
	}
	got := h.inbox("carol@school.test", "INBOX")
	if len(got) != 1 || !strings.Contains(got[0], "with ESMTPSA") {
		t.Errorf("carol's copy: %q", got)
	}
}
