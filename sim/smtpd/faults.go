package smtpd

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/fault"
)

// Faults at the connection level are injected by wrapping the listener:
// go-smtp greets, offers STARTTLS and answers it on its own, so these stages
// are changed on the wire of the one connection the fault strikes.

type faultListener struct {
	net.Listener
	srv  *Server
	port int
}

// Accept hands go-smtp the next connection, after applying connect and
// greeting faults: a refused connection is reset at once, a refusing
// greeting is served here.
func (l *faultListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		host := l.srv.cfg.Host.Name
		if f := l.srv.fault("connect", l.port, ""); f != nil {
			if f.Delay > 0 {
				l.srv.advance(f.Delay)
			}
			if f.Effect == "refuse" {
				l.srv.publishFault(f, l.port, "connection refused")
				if tc, ok := c.(*net.TCPConn); ok {
					tc.SetLinger(0) // a reset, as a closed port answers
				}
				c.Close()
				continue
			}
		}
		if f := l.srv.fault("greeting", l.port, ""); f != nil && f.Reply != nil {
			l.srv.publishFault(f, l.port, "")
			l.srv.wg.Add(1)
			go func() {
				defer l.srv.wg.Done()
				refuseSession(c, host, f.Reply)
			}()
			continue
		}
		fc := &faultConn{Conn: c}
		if f := l.srv.fault("starttls", l.port, ""); f != nil {
			l.srv.publishFault(f, l.port, map[string]string{"not_offered": "STARTTLS not offered",
				"handshake": "TLS handshake fails"}[f.Effect])
			fc.starttls = f
		}
		return fc, nil
	}
}

// refuseSession is a server that opened with a 4xx/5xx greeting: it only
// answers QUIT (RFC 5321 §3.1: after a 554 greeting the server waits for
// QUIT and rejects everything else with 503).
func refuseSession(c net.Conn, host string, reply *smtp.SMTPError) {
	defer c.Close()
	fmt.Fprintf(c, "%d %s %s\r\n", reply.Code, host, reply.Message)
	if reply.Code < 500 {
		return // a 421 closes the connection at once
	}
	r := bufio.NewReader(c)
	for i := 0; i < 20; i++ {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if strings.EqualFold(strings.TrimSpace(line), "QUIT") {
			fmt.Fprintf(c, "221 2.0.0 %s closing connection\r\n", host)
			return
		}
		fmt.Fprintf(c, "503 5.5.1 No SMTP service here\r\n")
	}
}

// faultConn carries a STARTTLS fault for one connection: not offered
// (the capability is struck from the EHLO reply), refused with a reply such
// as 454, or a handshake that fails.
type faultConn struct {
	net.Conn
	starttls *fault.SMTP
	mu       sync.Mutex
	pending  []byte // client bytes not yet handed to go-smtp
	upgraded bool   // STARTTLS went through: the wire is ciphertext now
}

func (c *faultConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	strip := c.starttls != nil && c.starttls.Effect == "not_offered" && !c.upgraded
	c.mu.Unlock()
	if strip && bytes.Contains(p, []byte("250-STARTTLS\r\n")) {
		if _, err := c.Conn.Write(bytes.Replace(p, []byte("250-STARTTLS\r\n"), nil, 1)); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *faultConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	refuse := c.starttls != nil && c.starttls.Reply != nil && !c.upgraded
	c.mu.Unlock()
	if !refuse {
		if n, ok := c.drain(p); ok {
			return n, nil
		}
		n, err := c.Conn.Read(p)
		if n > 0 && bytes.Contains(bytes.ToUpper(p[:n]), []byte("STARTTLS\r\n")) {
			c.mu.Lock()
			c.upgraded = true
			c.mu.Unlock()
		}
		return n, err
	}
	// Answer STARTTLS here with the fault's reply; pass every other line on.
	for {
		if n, ok := c.drain(p); ok {
			return n, nil
		}
		buf := make([]byte, 4096)
		n, err := c.Conn.Read(buf)
		if n > 0 {
			c.mu.Lock()
			c.pending = append(c.pending, buf[:n]...)
			c.mu.Unlock()
			c.answerStartTLS()
		}
		if err != nil {
			if m, ok := c.drain(p); ok {
				return m, nil
			}
			return 0, err
		}
	}
}

// drain hands go-smtp the complete lines received so far.
func (c *faultConn) drain(p []byte) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := bytes.LastIndexByte(c.pending, '\n')
	if i < 0 {
		return 0, false
	}
	n := copy(p, c.pending[:min(i+1, len(p))])
	c.pending = c.pending[n:]
	return n, true
}

func (c *faultConn) answerStartTLS() {
	c.mu.Lock()
	defer c.mu.Unlock()
	var kept []byte
	for len(c.pending) > 0 {
		i := bytes.IndexByte(c.pending, '\n')
		if i < 0 {
			kept = append(kept, c.pending...)
			break
		}
		line := c.pending[:i+1]
		c.pending = c.pending[i+1:]
		if strings.EqualFold(strings.TrimSpace(string(line)), "STARTTLS") {
			r := c.starttls.Reply
			fmt.Fprintf(c.Conn, "%d %s %s\r\n", r.Code, enhanced(r.EnhancedCode), r.Message)
			continue
		}
		kept = append(kept, line...)
	}
	c.pending = kept
}

// tlsConfigFor fails the handshake of a connection a handshake fault
// struck; every other connection gets the host's certificate.
func (s *Server) tlsConfigFor(base *tls.Config) *tls.Config {
	if base == nil {
		return nil
	}
	conf := base.Clone()
	conf.GetConfigForClient = func(hi *tls.ClientHelloInfo) (*tls.Config, error) {
		if fc, ok := hi.Conn.(*faultConn); ok && fc.starttls != nil && fc.starttls.Effect == "handshake" {
			return nil, errors.New("simulated TLS handshake failure")
		}
		return nil, nil
	}
	return conf
}

// fault asks the injector whether a fault strikes this host at stage.
func (s *Server) fault(stage string, port int, rcpt string) *fault.SMTP {
	if s.cfg.Faults == nil {
		return nil
	}
	return s.cfg.Faults.SMTPAt(s.cfg.Host.Name, stage, port, rcpt)
}

// advance makes the server take d of simulated time: a slow server, which
// the client measures against its own timeout.
func (s *Server) advance(d time.Duration) {
	if s.cfg.Advance != nil && d > 0 {
		s.cfg.Advance(d)
	}
}

// publishFault tells that a fault struck, before its effect shows.
func (s *Server) publishFault(f *fault.SMTP, port int, what string) {
	e := event.Event{Kind: event.FaultInjected, Host: s.cfg.Host.Name, Stage: f.Stage, Port: port, Error: what}
	if f.Reply != nil {
		e.Code, e.Enhanced = f.Reply.Code, enhanced(f.Reply.EnhancedCode)
		if what == "" {
			e.Error = f.Reply.Message
		}
	}
	if f.Delay > 0 {
		e.Detail = "answers after " + f.Delay.String()
	}
	s.cfg.Publish(e)
}
