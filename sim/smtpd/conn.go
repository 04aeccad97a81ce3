package smtpd

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/fault"
	"github.com/mailflow/mailflow/topology"
)

// lineBuffer is the most a command line may hold: RFC 4954 §4 lets an AUTH
// line reach 12288 octets.
const lineBuffer = 16 << 10

// maxBadCommands ends a connection that keeps sending what is not SMTP.
const maxBadCommands = 10

var (
	errLineTooLong = errors.New("line too long")
	errShed        = errors.New("connection shed to make room")
)

// conn is one SMTP connection, from accept to close.
type conn struct {
	srv   *Server
	slots *slots
	svc   topology.Service
	port  int      // the service's well-known port, for events
	raw   net.Conn // the accepted TCP connection
	nc    net.Conn // raw, or TLS over it
	tls   bool
	r     *bufio.Reader
	w     *bufio.Writer

	// Faults that struck this connection when it was accepted.
	greeting *fault.SMTP
	starttls *fault.SMTP

	sess     *session // made at HELO/EHLO, again after STARTTLS
	helo     string
	esmtp    bool // the client said EHLO
	inMail   bool // MAIL accepted: a transaction is open
	authFail int
	bad      int // unknown or malformed commands

	// waitingSince is when the server began waiting for this client (Unix
	// nanoseconds), 0 while it works for it: the measure by which a full
	// listener sheds.
	waitingSince atomic.Int64
	shed         atomic.Bool
}

// newConn applies the faults that strike a connection as it arrives, in
// the order connections arrive: a refused connection is reset here and nil
// returned.
func (s *Server) newConn(nc net.Conn, svc topology.Service, port int, sl *slots) *conn {
	if f := s.fault("connect", port, ""); f != nil {
		s.advance(f.Delay)
		if f.Effect == "refuse" {
			s.publishFault(f, port, "connection refused")
			if tc, ok := nc.(*net.TCPConn); ok {
				tc.SetLinger(0) // a reset, as a closed port answers
			}
			nc.Close()
			return nil
		}
	}
	c := &conn{srv: s, slots: sl, svc: svc, port: port, raw: nc, nc: nc}
	c.waitingSince.Store(time.Now().UnixNano())
	if f := s.fault("greeting", port, ""); f != nil && f.Reply != nil {
		s.publishFault(f, port, "")
		c.greeting = f
		return c
	}
	if f := s.fault("starttls", port, ""); f != nil {
		s.publishFault(f, port, map[string]string{"not_offered": "STARTTLS not offered",
			"handshake": "TLS handshake fails"}[f.Effect])
		c.starttls = f
	}
	return c
}

// run admits the connection to a slot and serves it.
func (c *conn) run() {
	defer c.srv.wg.Done()
	defer c.srv.forget(c)
	defer c.raw.Close()
	if !c.slots.admit(c) {
		// Every slot is busy: say so rather than leave the client hanging
		// (on 465 the client expects TLS, and only the close can tell it).
		c.srv.cfg.Logger.Debug("smtp: every slot busy, connection refused", "service", c.svc)
		if c.svc != topology.Submissions {
			_ = c.raw.SetWriteDeadline(time.Now().Add(time.Second))
			fmt.Fprintf(c.raw, "421 4.3.2 %s Too many connections, try again later\r\n", c.srv.cfg.Host.Name)
		}
		return
	}
	defer c.slots.release(c)
	c.serve()
}

func (c *conn) serve() {
	cfg := c.srv.cfg
	defer func() {
		// A bug met by one client must not end the whole process.
		if r := recover(); r != nil {
			c.srv.panics.Add(1)
			cfg.Logger.Error("smtp: panic serving a connection", "service", c.svc, "panic", r,
				"stack", string(debug.Stack()))
			if c.w != nil {
				c.reply(421, "4.3.0", cfg.Host.Name+" Internal error, closing connection")
			}
		}
	}()
	if c.svc == topology.Submissions {
		tc, err := c.handshake()
		if err != nil {
			cfg.Logger.Debug("smtp tls handshake", "service", c.svc, "err", err)
			return
		}
		c.nc, c.tls = tc, true
	}
	c.r = bufio.NewReaderSize(c.nc, lineBuffer)
	c.w = bufio.NewWriter(c.nc)
	if c.greeting != nil {
		refuseSession(c, c.greeting.Reply)
		return
	}
	if c.reply(220, "", cfg.Host.Name+" ESMTP Service Ready") != nil {
		return
	}
	for {
		line, err := c.readLine(c.commandTimeout())
		if err != nil {
			c.readFailed(err)
			return
		}
		if !c.dispatch(line) {
			return
		}
	}
}

// handshake runs a server TLS handshake on the raw connection within the
// handshake deadline.
func (c *conn) handshake() (*tls.Conn, error) {
	conf := c.srv.cfg.TLSConfig
	if c.starttls != nil && c.starttls.Effect == "handshake" {
		conf = conf.Clone()
		conf.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return nil, errors.New("simulated TLS handshake failure")
		}
	}
	tc := tls.Server(c.raw, conf)
	_ = c.raw.SetDeadline(time.Now().Add(c.srv.cfg.HandshakeTimeout))
	if c.shed.Load() {
		return nil, errShed
	}
	err := tc.Handshake()
	_ = c.raw.SetDeadline(time.Time{})
	return tc, err
}

// commandTimeout is the deadline for the next command: shorter while the
// listener's slots run low.
func (c *conn) commandTimeout() time.Duration {
	if c.slots.busy() {
		return min(c.srv.cfg.BusyTimeout, c.srv.cfg.ReadTimeout)
	}
	return c.srv.cfg.ReadTimeout
}

// readLine reads one line within d, however slowly its bytes arrive: the
// deadline is set once, for the whole line.
func (c *conn) readLine(d time.Duration) (string, error) {
	c.waiting()
	defer c.working()
	if err := c.nc.SetReadDeadline(time.Now().Add(d)); err != nil {
		return "", err
	}
	if c.shed.Load() {
		return "", errShed
	}
	line, err := c.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return "", errLineTooLong
	}
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(line), "\r\n"), nil
}

func (c *conn) waiting() { c.waitingSince.Store(time.Now().UnixNano()) }
func (c *conn) working() { c.waitingSince.Store(0) }

// shedNow makes the connection's pending read fail, so that its own
// goroutine says goodbye and closes it.
func (c *conn) shedNow() {
	c.shed.Store(true)
	_ = c.raw.SetReadDeadline(time.Now())
}

// readFailed ends a connection whose read failed, with the reply RFC 5321
// §4.2 and §4.5.3.2 suggest when the client is still there to read it.
func (c *conn) readFailed(err error) {
	host := c.srv.cfg.Host.Name
	var ne net.Error
	switch {
	case c.shed.Load():
		c.srv.cfg.Logger.Debug("smtp: idle connection shed for a new one", "service", c.svc)
		c.reply(421, "4.4.2", host+" Connection idle while others wait, closing")
	case errors.Is(err, errLineTooLong):
		c.reply(500, "5.5.2", "Line too long, closing connection")
	case errors.As(err, &ne) && ne.Timeout():
		c.reply(421, "4.4.2", host+" Timeout waiting for the client, closing connection")
	}
}

// reply writes one reply: every line but the last as "code-text", the
// last as "code text", the enhanced status code (RFC 2034) before each
// line's text when there is one.
func (c *conn) reply(code int, enhanced string, lines ...string) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
	if enhanced != "" {
		enhanced += " "
	}
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		fmt.Fprintf(c.w, "%d%s%s%s\r\n", code, sep, enhanced, l)
	}
	return c.w.Flush()
}

// replyErr writes an error from the session: its own reply when it is an
// SMTP reply, 451 4.3.0 otherwise.
func (c *conn) replyErr(err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return c.reply(se.Code, event.EnhancedOf(se.EnhancedCode), se.Message)
	}
	c.srv.cfg.Logger.Error("smtp session", "service", c.svc, "err", err)
	return c.reply(errLocalError.Code, event.EnhancedOf(errLocalError.EnhancedCode), errLocalError.Message)
}

// dispatch runs one command; false ends the connection.
func (c *conn) dispatch(line string) bool {
	verb, arg, _ := strings.Cut(line, " ")
	verb = strings.ToUpper(verb)
	arg = strings.TrimSpace(arg)
	var err error
	switch verb {
	case "EHLO", "HELO":
		err = c.hello(verb == "EHLO", arg)
	case "MAIL":
		err = c.mail(arg)
	case "RCPT":
		err = c.rcpt(arg)
	case "DATA":
		return c.data(arg)
	case "RSET":
		c.resetTransaction()
		err = c.reply(250, "2.0.0", "Session reset")
	case "NOOP":
		err = c.reply(250, "2.0.0", "OK")
	case "VRFY":
		// RFC 5321 §3.5.3: neither confirm nor deny an address.
		err = c.reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery")
	case "QUIT":
		c.reply(221, "2.0.0", "Bye")
		return false
	case "STARTTLS":
		return c.startTLS(arg)
	case "AUTH":
		return c.auth(arg)
	case "EXPN", "HELP", "TURN", "ETRN", "BDAT", "SEND", "SOML", "SAML":
		err = c.reply(502, "5.5.1", verb+" command not implemented")
	default:
		return c.badCommand(500, "5.5.2", "Syntax error, command unrecognized")
	}
	return err == nil
}

// badCommand answers a command that is not SMTP, and ends a connection
// that sends too many.
func (c *conn) badCommand(code int, enhanced, text string) bool {
	c.bad++
	if c.bad > maxBadCommands {
		c.reply(421, "4.7.0", c.srv.cfg.Host.Name+" Too many errors, closing connection")
		return false
	}
	return c.reply(code, enhanced, text) == nil
}

// outOfSequence is RFC 5321 §4.2.4's 503 for a command in the wrong place.
func (c *conn) outOfSequence(text string) error {
	return c.reply(503, "5.5.1", text)
}

// resetTransaction forgets the mail transaction (RSET, a new EHLO, the end
// of DATA), keeping the greeting and the login.
func (c *conn) resetTransaction() {
	c.inMail = false
	if c.sess != nil {
		c.sess.Reset()
	}
}
