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

// Recorder collects a transcript. Use Wrap on the raw connection and pass
// the recorder as the protocol client's debug writer: the wrapped connection
// tells the recorder which way the bytes it is about to see are going, and
// the debug writer sees them in plain text, also after STARTTLS.
type Recorder struct {
	mu       sync.Mutex
	outgoing bool // direction of the bytes the debug writer sees next
	partial  [2]bytes.Buffer
	lines    []string
	inData   bool // between DATA's 354 and the final dot
	dataSeen int
	authNext bool // the next client line is a SASL response
}

// Wrap returns c with its reads and writes marking the direction.
func (r *Recorder) Wrap(c net.Conn) net.Conn { return &dirConn{Conn: c, r: r} }

type dirConn struct {
	net.Conn
	r *Recorder
}

func (c *dirConn) Read(p []byte) (int, error) {
	c.r.setOutgoing(false)
	return c.Conn.Read(p)
}

func (c *dirConn) Write(p []byte) (int, error) {
	c.r.setOutgoing(true)
	return c.Conn.Write(p)
}

func (r *Recorder) setOutgoing(out bool) {
	r.mu.Lock()
	r.outgoing = out
	r.mu.Unlock()
}

// Write takes plain-text bytes from the protocol client's debug writer.
func (r *Recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := 0
	if r.outgoing {
		i = 1
	}
	buf := &r.partial[i]
	buf.Write(p)
	for {
		line, err := buf.ReadString('\n')
		if err != nil { // incomplete line: keep it for the next write
			rest := line
			buf.Reset()
			buf.WriteString(rest)
			break
		}
		r.addLocked(r.outgoing, strings.TrimRight(line, "\r\n"))
	}
	return len(p), nil
}

// Note adds a line of commentary, such as "(TLS handshake: TLS 1.3)".
func (r *Recorder) Note(format string, args ...any) {
	r.mu.Lock()
	r.lines = append(r.lines, "   "+fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *Recorder) addLocked(client bool, line string) {
	if !client {
		if strings.HasPrefix(line, "354") {
			r.inData, r.dataSeen = true, 0
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
	if strings.HasPrefix(upper, "AUTH ") {
		if f := strings.Fields(line); len(f) == 3 {
			line = f[0] + " " + f[1] + " " + maskSecret(f[2])
		}
	}
	if strings.HasPrefix(upper, "PASS ") {
		line = line[:5] + "********"
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

// Lines returns the transcript so far.
func (r *Recorder) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}
