// Package smtpclient opens the SMTP client connections of the simulation —
// a user's mail client submitting (steps 1–2) and a server relaying (step 5)
// — with the TLS mode asked for, a name in EHLO, timeouts, and a transcript.
package smtpclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/transcript"
)

// TLS modes of a connection.
const (
	StartTLS = "starttls" // plain connection, upgraded with STARTTLS (RFC 3207)
	Implicit = "implicit" // TLS from the first byte (RFC 8314)
	None     = "none"     // no encryption
)

// ErrNoStartTLS is returned when STARTTLS was asked for and the server does
// not offer it.
var ErrNoStartTLS error = noStartTLS{}

type noStartTLS struct{}

func (noStartTLS) Error() string       { return "server does not offer STARTTLS" }
func (noStartTLS) LocalReason() string { return event.ReasonNoStartTLS }

// Options say how to connect.
type Options struct {
	Local   netip.Addr     // source address: the simulated host or client
	Remote  netip.AddrPort // where the server listens
	Name    string         // our name in EHLO
	TLS     string         // StartTLS, Implicit or None
	Config  *tls.Config    // for StartTLS and Implicit
	Timeout time.Duration  // dial and per-command timeout
	Record  *transcript.Recorder
}

// Dial connects, sets up TLS as asked and says EHLO. A failure comes as a
// *DialError naming the dialogue stage it happened at.
func Dial(ctx context.Context, o Options) (*smtp.Client, error) {
	c, stage, err := dial(ctx, o)
	if err != nil {
		return nil, &DialError{Stage: stage, Err: err}
	}
	return c, nil
}

func dial(ctx context.Context, o Options) (*smtp.Client, string, error) {
	d := net.Dialer{Timeout: o.Timeout, LocalAddr: &net.TCPAddr{IP: net.IP(o.Local.AsSlice())}}
	dialed, err := d.DialContext(ctx, "tcp", o.Remote.String())
	if err != nil {
		return nil, event.StageConnect, err
	}
	// Ending ctx ends the session too, not just the dial: closing the
	// network must not wait for a command timeout.
	var raw net.Conn = &ctxConn{Conn: dialed, stop: context.AfterFunc(ctx, func() { dialed.Close() })}
	var conn net.Conn = raw
	if o.TLS == Implicit {
		// The recorder goes under TLS (for the direction) and go-smtp gets
		// the *tls.Conn itself, which is how it knows the connection is
		// encrypted.
		under := raw
		if o.Record != nil {
			o.Record.Encrypted()
			under = o.Record.Wrap(raw)
		}
		tc := tls.Client(under, o.Config)
		hctx, cancel := context.WithTimeout(ctx, o.Timeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			raw.Close()
			return nil, event.StageConnect, &TLSError{Err: err}
		}
		conn = tc
	}
	if o.Record != nil && o.TLS != Implicit {
		conn = o.Record.Wrap(conn)
	}
	// stage names what a failure answered: the greeting, EHLO or STARTTLS,
	// as the transcript's last command says.
	stage := func(after string) string {
		if o.Record == nil {
			return after
		}
		switch o.Record.LastCommand() {
		case "":
			return event.StageConnect
		case "STARTTLS":
			return event.StageStartTLS
		}
		return event.StageEHLO
	}
	var c *smtp.Client
	if o.TLS == StartTLS {
		// go-smtp's STARTTLS helper greets as "localhost" before a name can
		// be given; say the real name on the wire.
		c, err = smtp.NewClientStartTLS(&heloConn{Conn: conn, name: o.Name}, o.Config)
		if err != nil {
			raw.Close()
			if err.Error() == "smtp: server doesn't support STARTTLS" {
				return nil, event.StageStartTLS, ErrNoStartTLS
			}
			var se *smtp.SMTPError
			if !errors.As(err, &se) && stage(event.StageStartTLS) == event.StageStartTLS {
				return nil, event.StageStartTLS, &TLSError{Err: err}
			}
			return nil, stage(event.StageConnect), err
		}
	} else {
		c = smtp.NewClient(conn)
	}
	if o.Record != nil {
		c.DebugWriter = o.Record
	}
	c.CommandTimeout = o.Timeout
	c.SubmissionTimeout = o.Timeout
	if err := c.Hello(o.Name); err != nil {
		c.Close()
		var se *smtp.SMTPError
		if o.TLS == StartTLS && !errors.As(err, &se) {
			// the handshake runs with the first command after STARTTLS
			return nil, event.StageStartTLS, &TLSError{Err: err}
		}
		if o.TLS == StartTLS {
			return nil, event.StageEHLO, err
		}
		return nil, stage(event.StageEHLO), err
	}
	return c, "", nil
}

// DialError is a failure to set up a connection, with the stage of the
// dialogue it happened at (connect, ehlo, starttls).
type DialError struct {
	Stage string
	Err   error
}

// Error leaves out the socket addresses a network error names: the
// ephemeral port differs in every run, and a trace reads the same in every
// run of a scenario.
func (e *DialError) Error() string {
	s := e.Err.Error()
	var oe *net.OpError
	if errors.As(e.Err, &oe) && oe.Err != nil {
		s = strings.Replace(s, oe.Error(), oe.Err.Error(), 1)
	}
	return s
}
func (e *DialError) Unwrap() error { return e.Err }

// StageOf is the dialogue stage of a Dial failure, "connect" for others.
func StageOf(err error) string {
	var de *DialError
	if errors.As(err, &de) && de.Stage != "" {
		return de.Stage
	}
	return event.StageConnect
}

// TLSError is a failed TLS handshake.
type TLSError struct{ Err error }

func (e *TLSError) Error() string { return "TLS handshake: " + e.Err.Error() }
func (e *TLSError) Unwrap() error { return e.Err }

// LocalReason classifies the failure for events: a certificate the client
// does not trust, a server that closed the connection without a word of
// TLS (as on 465 when it refuses), or another handshake failure.
func (e *TLSError) LocalReason() string {
	if r, _ := event.LocalReasonOf(e.Err); r == event.ReasonCertificate || r == event.ReasonClosed {
		return r
	}
	return event.ReasonTLS
}

// heloConn replaces the placeholder name in the first EHLO.
type heloConn struct {
	net.Conn
	name string
	once sync.Once
}

func (c *heloConn) Write(p []byte) (int, error) {
	n := len(p)
	c.once.Do(func() {
		if q, ok := bytes.CutPrefix(p, []byte("EHLO localhost\r\n")); ok {
			p = append([]byte("EHLO "+c.name+"\r\n"), q...)
		}
	})
	if _, err := c.Conn.Write(p); err != nil {
		return 0, err
	}
	return n, nil
}

// ctxConn is a connection closed when its context ends; closing it first
// forgets the context.
type ctxConn struct {
	net.Conn
	stop func() bool
}

func (c *ctxConn) Close() error {
	c.stop()
	return c.Conn.Close()
}
