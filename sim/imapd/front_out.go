package imapd

import (
	"bytes"
	"net"
	"strings"

	"github.com/mailflow/mailflow/sim/slots"
)

// The write side of the front: imapserver's output, line by line.

// Write passes imapserver's output on, line by line, looking at each.
func (f *front) Write(p []byte) (int, error) {
	f.mu.Lock()
	broken := f.broken
	f.mu.Unlock()
	if broken {
		return 0, net.ErrClosed
	}
	total := len(p)
	for len(p) > 0 {
		if f.wlit > 0 {
			n := min(int64(len(p)), f.wlit)
			if _, err := f.cur.Write(p[:n]); err != nil {
				return 0, err
			}
			f.wlit -= n
			p = p[n:]
			continue
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			f.wline = append(f.wline, p...)
			break
		}
		f.wline = append(f.wline, p[:i+1]...)
		p = p[i+1:]
		out := f.outLine(f.wline)
		f.wline = f.wline[:0]
		if _, err := f.cur.Write(out); err != nil {
			return 0, err
		}
	}
	return total, nil
}

// outLine notes what a line of imapserver's says about the command in
// progress and rewrites the replies it gets wrong.
func (f *front) outLine(line []byte) []byte {
	if n, _, ok := literalSuffix(line); ok {
		f.wlit = n
	}
	text := string(bytes.TrimRight(line, "\r\n"))
	f.mu.Lock()
	defer f.mu.Unlock()
	if text == "+" || strings.HasPrefix(text, "+ ") {
		f.contSeen = true
		if f.cmd == "IDLE" {
			f.slot.Set(slots.Idle)
		} else {
			f.slot.Set(slots.Reading)
		}
		return line
	}
	if f.tag != "" && strings.HasPrefix(text, f.tag+" ") {
		status, _, _ := strings.Cut(strings.TrimPrefix(text, f.tag+" "), " ")
		f.done = true
		if status == "OK" && (f.cmd == "LOGIN" || f.cmd == "AUTHENTICATE") {
			f.authed = true
		}
		// imapserver answers what it cannot parse (a bad set, search key,
		// mailbox name or base64) as its own failure; the backend never
		// uses these words, so they are the client's mistake.
		if strings.HasSuffix(text, " NO [SERVERBUG] Internal server error") {
			return []byte(f.tag + " BAD [CLIENTBUG] Invalid arguments to " + f.cmd + "\r\n")
		}
	}
	if strings.Contains(text, "CAPABILITY ") {
		return []byte(f.capabilities(text) + "\r\n")
	}
	return line
}

// capabilities fits the login and TLS capabilities of a CAPABILITY list
// to this connection: imapserver knows neither the front's TLS nor the
// plaintext policy.
func (f *front) capabilities(text string) string {
	if !strings.HasPrefix(text, "* CAPABILITY ") && !strings.Contains(text, "[CAPABILITY ") {
		return text
	}
	words := strings.Split(text, " ")
	out := make([]string, 0, len(words)+2)
	inList := false
	for i, w := range words {
		if !inList {
			out = append(out, w)
			inList = w == "CAPABILITY" || w == "[CAPABILITY"
			continue
		}
		closing := strings.HasSuffix(w, "]")
		c := strings.TrimSuffix(w, "]")
		if c != "" && !strings.HasPrefix(c, "AUTH=") && c != "STARTTLS" && c != "LOGINDISABLED" {
			out = append(out, c)
		}
		if closing || i == len(words)-1 {
			out = append(out, f.loginCaps()...)
			if closing {
				out[len(out)-1] += "]"
			}
			inList = false
		}
	}
	return strings.Join(out, " ")
}

// loginCaps are what a client may use to log in; call with f.mu held.
func (f *front) loginCaps() []string {
	if f.authed {
		return nil
	}
	var caps []string
	isTLS := f.tlsConn != nil
	if !isTLS && f.srv.cfg.TLSConfig != nil {
		caps = append(caps, "STARTTLS")
	}
	if isTLS || f.srv.cfg.AllowPlaintextAuth {
		return append(caps, "AUTH=PLAIN")
	}
	return append(caps, "LOGINDISABLED")
}
