// Package transcript records one client connection's dialogue as "C:" and
// "S:" lines, on the client side, so that concurrent connections never
// interleave (a server-wide debug writer would mix them).
package transcript

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"sync"
)

// MaxBodyLines is how many lines of a message body a transcript keeps; the
// rest is summarised, since the dialogue is what teaches, not the content.
const MaxBodyLines = 12

// MaxLines bounds a whole transcript (a POP3 or IMAP session downloading
// many messages would otherwise fill the screen).
const MaxLines = 200

// Recorder collects a transcript. Wrap the connection handed to the
// protocol client: until STARTTLS the recorder reads the plain text off the
// wire. After STARTTLS the wire carries ciphertext, so set the recorder as
// the client's debug writer: it then takes the decrypted lines from there,
// with the direction given by the wrapped connection's last read or write.
type Recorder struct {
	mu       sync.Mutex
	outgoing bool // direction of the bytes the debug writer sees next
	tls      bool // STARTTLS done: the wire is ciphertext, use the debug writer
	partial  [2]bytes.Buffer
	lines    []string
	lastCmd  string
	inData   bool // between DATA's 354 and the final dot
	dataSeen int
	authNext bool // the next client line is a SASL response
}

// Wrap returns c with its reads and writes recorded (before STARTTLS) and
// marking the direction (after).
func (r *Recorder) Wrap(c net.Conn) net.Conn { return &dirConn{Conn: c, r: r} }

type dirConn struct {
	net.Conn
	r *Recorder
}

func (c *dirConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.r.wire(false, p[:n])
	return n, err
}

func (c *dirConn) Write(p []byte) (int, error) {
	c.r.wire(true, p)
	return c.Conn.Write(p)
}

// WrapPlain returns c, a connection that carries plain text after
// STARTTLS (a tls.Conn over a Wrap'ed one), recording what goes through it.
func (r *Recorder) WrapPlain(c net.Conn) net.Conn { return &plainConn{Conn: c, r: r} }

type plainConn struct {
	net.Conn
	r *Recorder
}

func (c *plainConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.r.setOutgoing(false)
	c.r.Write(p[:n])
	return n, err
}

func (c *plainConn) Write(p []byte) (int, error) {
	c.r.setOutgoing(true)
	c.r.Write(p)
	return c.Conn.Write(p)
}

func (r *Recorder) setOutgoing(out bool) {
	r.mu.Lock()
	r.outgoing = out
	r.mu.Unlock()
}

// wire notes the direction and, before STARTTLS, records the bytes.
func (r *Recorder) wire(out bool, p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.outgoing = out
	if !r.tls {
		r.feedLocked(out, p)
	}
}

// Write takes plain-text bytes from the protocol client's debug writer; they
// count only after STARTTLS, when the wire no longer shows them.
func (r *Recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tls {
		r.feedLocked(r.outgoing, p)
	}
	return len(p), nil
}

func (r *Recorder) feedLocked(out bool, p []byte) {
	i := 0
	if out {
		i = 1
	}
	buf := &r.partial[i]
	buf.Write(p)
	for {
		line, err := buf.ReadString('\n')
		if err != nil { // incomplete line: keep it for the next bytes
			buf.Reset()
			buf.WriteString(line)
			return
		}
		r.addLocked(out, strings.TrimRight(line, "\r\n"))
	}
}

// Encrypted tells the recorder that the connection it wraps carries TLS
// from the first byte (port 465): the wire is ciphertext, and the plain
// text comes from the debug writer.
func (r *Recorder) Encrypted() {
	r.mu.Lock()
	r.tls = true
	r.lines = append(r.lines, "   (TLS from the first byte: implicit TLS, RFC 8314)")
	r.mu.Unlock()
}

// Note adds a line of commentary, such as "(TLS handshake: TLS 1.3)".
func (r *Recorder) Note(format string, args ...any) {
	r.mu.Lock()
	r.lines = append(r.lines, "   "+fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *Recorder) addLocked(client bool, line string) {
	if len(r.lines) == MaxLines {
		r.lines = append(r.lines, "   ... (transcript cut here)")
	}
	if len(r.lines) > MaxLines {
		return
	}
	if !client {
		if strings.HasPrefix(line, "354") {
			r.inData, r.dataSeen = true, 0
		}
		if r.startingTLS() && positive(line) {
			r.tls = true
			r.lines = append(r.lines, "S: "+line, "   (TLS handshake; the dialogue below is encrypted on the wire)")
			return
		}
		r.authNext = strings.HasPrefix(line, "334")
		r.lines = append(r.lines, "S: "+line)
		return
	}
	switch {
	case r.inData:
		if line == "." {
			if r.dataSeen > MaxBodyLines {
				r.lines = append(r.lines, fmt.Sprintf("C: ... (%d more lines of the message)", r.dataSeen-MaxBodyLines))
			}
			r.inData = false
			r.lines = append(r.lines, "C: .")
			return
		}
		r.dataSeen++
		if r.dataSeen <= MaxBodyLines {
			r.lines = append(r.lines, "C: "+line)
		}
		return
	case r.authNext:
		r.authNext = false
		r.lines = append(r.lines, "C: "+maskSecret(line))
		return
	}
	upper := strings.ToUpper(line)
	r.lastCmd = upper
	if strings.HasPrefix(upper, "AUTH ") {
		if f := strings.Fields(line); len(f) == 3 {
			line = f[0] + " " + f[1] + " " + maskSecret(f[2])
		}
	}
	if strings.HasPrefix(upper, "PASS ") {
		line = line[:5] + "********"
	}
	if f := strings.Fields(line); len(f) >= 4 && strings.EqualFold(f[1], "LOGIN") { // IMAP: tag LOGIN user pass
		line = strings.Join(f[:3], " ") + " ********"
	}
	r.lines = append(r.lines, "C: "+line)
}

// maskSecret hides a base64 SASL response that carries a password, keeping
// what a learner needs to see: that it was sent, and the user name in it.
func maskSecret(s string) string {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) == 0 {
		return "********"
	}
	if parts := bytes.Split(raw, []byte{0}); len(parts) == 3 { // PLAIN: authzid NUL user NUL pass
		return fmt.Sprintf("%s  (PLAIN: user %q, password hidden)", "********", parts[1])
	}
	return "********"
}

// startingTLS reports whether the last client command asked for TLS: SMTP
// and IMAP STARTTLS (after an IMAP tag), POP3 STLS.
func (r *Recorder) startingTLS() bool {
	return r.lastCmd == "STLS" || r.lastCmd == "STARTTLS" || strings.HasSuffix(r.lastCmd, " STARTTLS")
}

// positive is a success reply in SMTP, POP3 or IMAP.
func positive(line string) bool {
	if strings.HasPrefix(line, "220") || strings.HasPrefix(line, "+OK") {
		return true
	}
	f := strings.Fields(line)
	return len(f) >= 2 && f[1] == "OK"
}

// LastCommand is the verb of the last command the client sent ("EHLO",
// "STARTTLS", "AUTH"...), "" before the first: what a failure answered.
func (r *Recorder) LastCommand() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	verb, _, _ := strings.Cut(r.lastCmd, " ")
	return verb
}

// Take returns the transcript so far and forgets it: the next message
// sent over the same connection (kept open) starts a transcript of its own.
func (r *Recorder) Take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.lines
	r.lines = nil
	return out
}

// Lines returns the transcript so far.
func (r *Recorder) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}
