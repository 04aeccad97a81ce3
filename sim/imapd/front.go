package imapd

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailflow/mailflow/sim/slots"
)

// front is the connection imapserver reads and writes: a line-level guard
// in front of it. It owns TLS (port 993 and STARTTLS), the deadlines and
// the connection's slot; it answers itself what imapserver would get wrong
// (unknown and empty commands, plaintext logins, oversized literals) and
// rewords the few replies imapserver gets wrong. It hands imapserver one
// command line at a time, never more, so its view of where a command starts
// is imapserver's too.
type front struct {
	srv     *Server
	raw     net.Conn // the TCP connection
	slot    *slots.Slot
	id      string
	service string
	port    int

	// The read side belongs to the goroutine reading (imapserver's
	// connection goroutine), the write side to the one writing.
	cur         net.Conn // raw, or the TLS connection over it
	br          *bufio.Reader
	pending     []byte    // the part of the current line imapserver has not read
	literal     int64     // literal octets still to pass on
	syncLit     int64     // a synchronising literal waiting for the server's "+"
	midLine     bool      // a literal ended the last piece: its line goes on
	cmdDeadline time.Time // when the current command must have arrived
	badCmds     int
	readFailed  error

	wline []byte // an output line not yet complete
	wlit  int64  // output literal octets still to pass on

	mu       sync.Mutex
	tlsConn  *tls.Conn // after a handshake
	tag      string    // of the command imapserver is carrying out
	cmd      string
	done     bool // imapserver answered the command
	contSeen bool // imapserver asked for more (a literal, a SASL step, IDLE)
	authed   bool
	broken   bool // the TLS handshake failed
	// tlsPending: TLS started, handshake not done; raw bytes would break it.
	tlsPending bool

	closeMu      sync.Mutex
	closed       bool
	sessionEnded bool
	finished     bool
}

const (
	// handshakeTimeout bounds a TLS handshake (993, STARTTLS), or
	// ReadTimeout when shorter.
	handshakeTimeout = 10 * time.Second
	// idleTimeout is how long a logged-in client may be silent between
	// commands (RFC 3501 §5.4 asks for at least 30 minutes; IDLE relies on it).
	idleTimeout = 35 * time.Minute
	// maxLine is the longest command line (literals aside); imapserver
	// refuses more than 50 KiB.
	maxLine = 48 << 10
	// maxSmallLiteral is the biggest literal before login and the biggest
	// non-synchronising one (LITERAL-, RFC 7888).
	maxSmallLiteral = 4096
	// maxBadCommands ends a connection that is not speaking IMAP (the
	// cross-protocol defence imapserver has, with some patience).
	maxBadCommands = 10
	// literalRate is the slowest transfer a literal is given time for.
	literalRate = 64 << 10 // octets a second
)

var errTimeout = errors.New("imapd: client too slow")

// knownCommands are those imapserver carries out; the front answers others.
var knownCommands = map[string]bool{
	"NOOP": true, "CHECK": true, "LOGOUT": true, "CAPABILITY": true, "STARTTLS": true,
	"AUTHENTICATE": true, "LOGIN": true, "ENABLE": true, "CREATE": true, "DELETE": true,
	"RENAME": true, "SUBSCRIBE": true, "UNSUBSCRIBE": true, "STATUS": true, "LIST": true,
	"LSUB": true, "NAMESPACE": true, "IDLE": true, "SELECT": true, "EXAMINE": true,
	"CLOSE": true, "UNSELECT": true, "APPEND": true, "FETCH": true, "UID FETCH": true,
	"EXPUNGE": true, "UID EXPUNGE": true, "STORE": true, "UID STORE": true, "COPY": true,
	"UID COPY": true, "MOVE": true, "UID MOVE": true, "SEARCH": true, "UID SEARCH": true,
}

func newFront(s *Server, raw net.Conn, id, service string, port int, implicitTLS bool) *front {
	f := &front{srv: s, raw: raw, id: id, service: service, port: port, cur: raw}
	if implicitTLS {
		f.cur = tls.Server(raw, s.cfg.TLSConfig)
		f.tlsPending = true
	}
	f.br = bufio.NewReader(f.cur)
	return f
}

// handshake completes the TLS handshake of an implicit-TLS connection
// within handshakeTimeout, so a silent client cannot keep its slot.
func (f *front) handshake() error {
	tc, ok := f.cur.(*tls.Conn)
	if !ok {
		return nil
	}
	_ = f.raw.SetDeadline(time.Now().Add(min(handshakeTimeout, f.srv.cfg.ReadTimeout)))
	err := tc.Handshake()
	_ = f.raw.SetDeadline(time.Time{})
	f.mu.Lock()
	f.tlsPending = false
	if err != nil {
		f.broken = true
	} else {
		f.tlsConn = tc
	}
	f.mu.Unlock()
	return err
}

func (f *front) tlsState() (tls.ConnectionState, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tlsConn == nil {
		return tls.ConnectionState{}, false
	}
	return f.tlsConn.ConnectionState(), true
}

// plainAllowed reports whether a password may cross now: over TLS, or
// where the host allows plaintext.
func (f *front) plainAllowed() bool {
	_, isTLS := f.tlsState()
	return isTLS || f.srv.cfg.AllowPlaintextAuth
}

// Read hands imapserver the next piece of the client's current command.
// An error sticks: imapserver may read again after one.
func (f *front) Read(p []byte) (int, error) {
	if f.readFailed != nil {
		return 0, f.readFailed
	}
	n, err := f.read(p)
	if err != nil {
		f.readFailed = err
	}
	return n, err
}

func (f *front) read(p []byte) (int, error) {
	for {
		if f.takeDone() {
			if err := f.abandon(); err != nil {
				return 0, err
			}
		}
		switch {
		case len(f.pending) > 0:
			n := copy(p, f.pending)
			f.pending = f.pending[n:]
			return n, nil
		case f.literal > 0:
			n, err := f.br.Read(p[:min(int64(len(p)), f.literal)])
			f.literal -= int64(n)
			if f.literal == 0 {
				f.midLine = true
			}
			return n, f.readErr(err)
		case f.syncLit > 0:
			if f.sawContinuation() {
				f.startLiteral(f.syncLit)
				f.syncLit = 0
				continue
			}
			// imapserver refused the literal, so the client will not send
			// it: end the line for imapserver, which is about to answer.
			f.syncLit = 0
			f.pending = []byte("\r\n")
		case f.inCommand():
			if err := f.readPiece(); err != nil {
				return 0, err
			}
		default:
			if err := f.nextCommand(); err != nil {
				return 0, err
			}
		}
	}
}

// readPiece reads a line inside a command: the rest of a line after a
// literal, a SASL response, or the DONE ending IDLE.
func (f *front) readPiece() error {
	wait, deadline := f.srv.cfg.ReadTimeout, time.Time{}
	f.mu.Lock()
	idling := f.cmd == "IDLE"
	f.mu.Unlock()
	switch {
	case f.midLine:
		deadline = f.cmdDeadline
	case idling:
		wait = idleTimeout
	}
	line, err := f.readLine(wait, deadline)
	if err != nil {
		return err
	}
	f.midLine = false
	f.pending = line
	if n, nonSync, ok := literalSuffix(line); ok {
		f.announceLiteral(n, nonSync)
	}
	return nil
}

func (f *front) announceLiteral(n int64, nonSync bool) {
	if nonSync {
		f.startLiteral(n)
		return
	}
	f.mu.Lock()
	f.contSeen = false
	f.mu.Unlock()
	f.syncLit = n
}

// startLiteral gives a literal time in proportion to its size, counted
// from now and not renewed by each octet, so trickling gains nothing.
func (f *front) startLiteral(n int64) {
	f.literal = n
	f.cmdDeadline = time.Now().Add(f.srv.cfg.ReadTimeout + time.Duration(n/literalRate)*time.Second)
	_ = f.cur.SetReadDeadline(f.cmdDeadline)
	if n == 0 {
		f.midLine = true
	}
}

// nextCommand reads command lines until one is for imapserver, answering
// itself those it must not see.
func (f *front) nextCommand() error {
	for {
		f.mu.Lock()
		authed := f.authed
		f.mu.Unlock()
		wait, phase := f.srv.cfg.ReadTimeout, slots.Waiting
		if authed {
			wait, phase = idleTimeout, slots.Idle
		} else if f.srv.slots.Crowded() {
			wait = min(wait, slots.CrowdedTimeout)
		}
		f.slot.Set(phase)
		line, err := f.readLine(wait, time.Time{})
		if errors.Is(err, errLineTooLong) {
			if err := f.reply("* BAD Command line too long"); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		pass, err := f.inspect(line, authed)
		if err != nil || pass {
			return err
		}
	}
}

var errLineTooLong = errors.New("line too long")

// readLine reads one line. The client has wait for its first octet; from
// there the whole line must arrive within ReadTimeout (or by deadline when
// set), however the client spreads its octets.
func (f *front) readLine(wait time.Duration, deadline time.Time) ([]byte, error) {
	if deadline.IsZero() {
		_ = f.cur.SetReadDeadline(time.Now().Add(wait))
		if _, err := f.br.Peek(1); err != nil {
			return nil, f.readErr(err)
		}
		deadline = time.Now().Add(f.commandTimeout())
		f.cmdDeadline = deadline
	}
	f.slot.Set(slots.Reading)
	_ = f.cur.SetReadDeadline(deadline)
	var line []byte
	tooLong := false
	for {
		chunk, err := f.br.ReadSlice('\n')
		if len(line)+len(chunk) > maxLine {
			tooLong = true // read on to the end of the line, keeping nothing
		} else {
			line = append(line, chunk...)
		}
		if err == nil {
			if tooLong {
				return nil, errLineTooLong
			}
			return line, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, f.readErr(err)
		}
	}
}

// commandTimeout is the time a command line gets once begun: ReadTimeout,
// or less before login while the slots are crowded.
func (f *front) commandTimeout() time.Duration {
	f.mu.Lock()
	authed := f.authed
	f.mu.Unlock()
	if !authed && f.srv.slots.Crowded() {
		return min(f.srv.cfg.ReadTimeout, slots.CrowdedTimeout)
	}
	return f.srv.cfg.ReadTimeout
}

// readErr says goodbye to a client that ran out of time.
func (f *front) readErr(err error) error {
	var ne net.Error
	if err == nil || !errors.As(err, &ne) || !ne.Timeout() {
		return err
	}
	f.mu.Lock()
	authed := f.authed
	f.mu.Unlock()
	text := "* BYE Disconnected: command not sent in time"
	if authed {
		text = "* BYE Autologout: idle for too long"
	}
	_ = f.reply(text)
	return fmt.Errorf("%w: %w", errTimeout, err)
}

// inspect looks at a command line before imapserver does. It reports
// whether imapserver should have it; otherwise the front has answered.
func (f *front) inspect(line []byte, authed bool) (bool, error) {
	text := strings.TrimRight(string(line), "\r\n")
	litN, nonSync, hasLit := literalSuffix(line)
	tag, rest, _ := strings.Cut(text, " ")
	name, args, _ := strings.Cut(rest, " ")
	name = strings.ToUpper(name)
	if name == "UID" {
		sub, _, _ := strings.Cut(args, " ")
		name += " " + strings.ToUpper(sub)
	}
	refuse := func(resp string) (bool, error) {
		if err := f.reply(resp); err != nil {
			return false, err
		}
		return false, f.skipLiterals(litN, nonSync, hasLit)
	}
	bad := func(resp string) (bool, error) {
		f.badCmds++
		if !authed && f.badCmds >= maxBadCommands {
			_ = f.reply(resp)
			_ = f.reply("* BYE Too many invalid commands")
			return false, errors.New("imapd: too many invalid commands")
		}
		return refuse(resp)
	}
	switch {
	case text == "":
		return bad("* BAD Empty command line")
	case !validTag(tag):
		return bad("* BAD Invalid tag")
	case rest == "" || name == "" || name == "UID ":
		return bad(tag + " BAD Missing command")
	case !knownCommands[name]:
		return bad(tag + " BAD Unknown command")
	case hasLit && nonSync && litN > maxSmallLiteral:
		return refuse(tag + " BAD [TOOBIG] Non-synchronizing literals are limited to 4096 octets")
	case hasLit && !authed && litN > maxSmallLiteral:
		return refuse(tag + " NO [TOOBIG] Literals before login are limited to 4096 octets")
	case name == "STARTTLS":
		return false, f.startTLS(tag, authed)
	case (name == "LOGIN" || name == "AUTHENTICATE") && !authed && !f.plainAllowed():
		return refuse(tag + " NO [PRIVACYREQUIRED] Plaintext authentication is disabled: use STARTTLS or port 993 first")
	}
	f.badCmds = 0
	f.mu.Lock()
	f.tag, f.cmd, f.done, f.contSeen = tag, name, false, false
	f.mu.Unlock()
	f.pending = line
	if hasLit {
		f.announceLiteral(litN, nonSync)
	}
	f.slot.Set(slots.Busy)
	return true, nil
}

// validTag: an atom without "+" (RFC 3501 §9).
func validTag(tag string) bool {
	if tag == "" {
		return false
	}
	for _, c := range []byte(tag) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`(){%*"\]+`, c) >= 0 {
			return false
		}
	}
	return true
}

// literalSuffix finds a literal announced at the end of a line: {n} or {n+}.
func literalSuffix(line []byte) (n int64, nonSync, ok bool) {
	l := bytes.TrimRight(line, "\r\n")
	if !bytes.HasSuffix(l, []byte("}")) {
		return 0, false, false
	}
	open := bytes.LastIndexByte(l, '{')
	if open < 0 {
		return 0, false, false
	}
	num := string(l[open+1 : len(l)-1])
	if strings.HasSuffix(num, "+") || strings.HasSuffix(num, "-") {
		num, nonSync = num[:len(num)-1], true
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, false, false
	}
	return n, nonSync, true
}

// skipLiterals throws away the rest of a command the front refused: a
// non-synchronising literal the client sends anyway, and the pieces of the
// line after it. A synchronising literal is never sent once refused.
func (f *front) skipLiterals(n int64, nonSync, ok bool) error {
	for ok && nonSync {
		if n > maxAppend {
			_ = f.reply("* BYE Literal too big to skip")
			return errors.New("imapd: refused literal too big to skip")
		}
		f.cmdDeadline = time.Now().Add(f.srv.cfg.ReadTimeout + time.Duration(n/literalRate)*time.Second)
		_ = f.cur.SetReadDeadline(f.cmdDeadline)
		if _, err := io.CopyN(io.Discard, f.br, n); err != nil {
			return f.readErr(err)
		}
		line, err := f.readLine(0, f.cmdDeadline)
		if err != nil {
			return err
		}
		n, nonSync, ok = literalSuffix(line)
	}
	return nil
}

// abandon drops what is left of a command imapserver answered before
// reading it all (a refused literal, a syntax error before one).
func (f *front) abandon() error {
	n, skip := f.literal, f.literal > 0
	f.pending, f.literal, f.syncLit, f.midLine = nil, 0, 0, false
	if skip {
		return f.skipLiterals(n, true, true)
	}
	return nil
}

// startTLS runs STARTTLS itself, so imapserver never sees TLS change
// under it. Whatever the client sent after the command is dropped
// (RFC 3501 §6.2.1: no plaintext may be injected into the TLS session).
func (f *front) startTLS(tag string, authed bool) error {
	_, isTLS := f.tlsState()
	switch {
	case isTLS:
		return f.reply(tag + " BAD TLS is already active")
	case authed:
		return f.reply(tag + " BAD STARTTLS is only valid before login")
	case f.srv.cfg.TLSConfig == nil:
		return f.reply(tag + " NO STARTTLS is not available here")
	}
	if err := f.reply(tag + " OK Begin TLS negotiation now"); err != nil {
		return err
	}
	f.slot.Set(slots.Handshake)
	f.mu.Lock()
	f.cur = tls.Server(f.raw, f.srv.cfg.TLSConfig)
	f.tlsPending = true
	f.mu.Unlock()
	if err := f.handshake(); err != nil {
		return fmt.Errorf("imapd: STARTTLS handshake: %w", err)
	}
	f.br = bufio.NewReader(f.cur)
	return nil
}

// reply writes a line of the front's own.
func (f *front) reply(line string) error {
	_ = f.raw.SetWriteDeadline(time.Now().Add(f.srv.cfg.ReadTimeout))
	_, err := io.WriteString(f.cur, line+"\r\n")
	return err
}

// command is the name of the command imapserver is carrying out.
func (f *front) command() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cmd
}

func (f *front) inCommand() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tag != "" && !f.done
}

func (f *front) takeDone() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tag != "" && f.done {
		f.tag, f.cmd = "", ""
		return true
	}
	return false
}

func (f *front) sawContinuation() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.contSeen
	f.contSeen = false
	return c
}

// shed closes a connection to make room for a new one.
func (f *front) shed() {
	_ = f.raw.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
	f.mu.Lock()
	var w io.Writer
	switch {
	case f.tlsConn != nil:
		w = f.tlsConn
	case !f.tlsPending:
		w = f.raw
	}
	f.mu.Unlock()
	if w != nil { // not in the middle of a TLS handshake
		_, _ = io.WriteString(w, "* BYE Server busy: idle connection closed for a new client\r\n")
	}
	f.srv.log.Info("connection shed for a new client", "conn", f.id)
	f.raw.Close()
}

// imapserver manages its own read deadlines; the front's replace them.
func (f *front) SetReadDeadline(time.Time) error { return nil }

func (f *front) SetWriteDeadline(t time.Time) error { return f.raw.SetWriteDeadline(t) }

func (f *front) SetDeadline(t time.Time) error { return f.raw.SetWriteDeadline(t) }

func (f *front) LocalAddr() net.Addr  { return f.raw.LocalAddr() }
func (f *front) RemoteAddr() net.Addr { return f.raw.RemoteAddr() }

func (f *front) Close() error {
	err := f.raw.Close()
	f.slot.Release()
	f.closeMu.Lock()
	f.closed = true
	f.closeMu.Unlock()
	f.maybeDone()
	return err
}

func (f *front) endSession() {
	f.closeMu.Lock()
	f.sessionEnded = true
	f.closeMu.Unlock()
	f.maybeDone()
}

// maybeDone counts the connection gone once its session has ended and the
// socket is closed, the last two things imapserver's goroutine does.
func (f *front) maybeDone() {
	f.closeMu.Lock()
	finished := f.closed && f.sessionEnded && !f.finished
	if finished {
		f.finished = true
	}
	f.closeMu.Unlock()
	if finished {
		f.srv.mu.Lock()
		delete(f.srv.conns, f)
		f.srv.mu.Unlock()
		f.srv.wg.Done()
	}
}
