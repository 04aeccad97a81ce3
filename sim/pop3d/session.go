package pop3d

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/mailstore"
	"github.com/mailflow/mailflow/sim/slots"
)

// A POP3 session goes through three states (RFC 1939 §3):
//
//   - AUTHORIZATION: the client may switch to TLS (STLS) and identifies
//     itself (USER+PASS or AUTH PLAIN).
//   - TRANSACTION: the maildrop, a snapshot of INBOX taken at login, is
//     locked; the client lists, reads and marks messages deleted. Message
//     numbers stay the same for the whole session.
//   - UPDATE: entered only by QUIT from TRANSACTION; the marked messages are
//     removed from the store, then the connection closes. A connection that
//     drops earlier deletes nothing.
type state int

const (
	authorization state = 1 << iota
	transaction
	update
)

const (
	// maxLine is the longest command line accepted, CRLF included. RFC 2449
	// §4 allows 255 octets; the margin leaves room for AUTH PLAIN.
	maxLine = 512
	// maxFailures failed logins end the connection.
	maxFailures = 3
	// maxDiscard is how much of an overlong line is skipped before the
	// server gives up on the connection.
	maxDiscard = 64 << 10
	// maxTranscript bounds the lines kept for the session event.
	maxTranscript = 200
)

var (
	errClose       = errors.New("close connection") // the handler said goodbye
	errLineTooLong = errors.New("line too long")
	errOverflow    = errors.New("line far too long")
	crlf           = []byte("\r\n")
)

// dropMsg is one message of the maildrop snapshot.
type dropMsg struct {
	uid     uint32
	raw     []byte // as stored, shared with the store
	size    int    // of data: the size POP3 reports
	data    []byte // CRLF line endings, made when first sent
	deleted bool
}

// bytes is the message with CRLF line endings, made on first use: a login
// to a large maildrop copies no message.
func (m *dropMsg) bytes() []byte {
	if m.data == nil {
		m.data = normalize(m.raw)
	}
	return m.data
}

// popSize is the length normalize gives raw, from its size with CRLF line
// endings (wire): normalize also ends an unterminated last line.
func popSize(raw []byte, wire int) int {
	switch {
	case len(raw) == 0 || raw[len(raw)-1] == '\n':
		return wire
	case raw[len(raw)-1] == '\r':
		return wire + 1
	}
	return wire + 2
}

type session struct {
	srv     *Server
	log     *slog.Logger
	raw     net.Conn // the TCP connection
	slot    *slots.Slot
	conn    net.Conn // raw, or a *tls.Conn (995, or after STLS)
	r       *bufio.Reader
	w       *bufio.Writer
	id      string
	service string
	port    int
	tls     bool

	state     state
	userArg   string // the USER argument, waiting for PASS
	tried     string // the last name a login was attempted with
	user      string // the authenticated address
	released  bool   // the maildrop lock is given back
	failures  int
	plainAuth bool // a password crossed the wire without TLS

	uidValidity    uint32
	drop           []dropMsg
	live, liveSize int // messages not marked deleted, and their size (STAT)
	retrieved      map[int]bool
	removed        int

	transcript []string

	mu          sync.Mutex // for shed, which runs on another goroutine
	shedConn    net.Conn   // what a goodbye may be written to; nil mid-handshake
	handshaking bool
}

func newSession(srv *Server, raw, conn net.Conn, id, service string, port int, implicitTLS bool) *session {
	return &session{
		srv:         srv,
		log:         srv.log.With("conn", id),
		raw:         raw,
		conn:        conn,
		shedConn:    conn,
		handshaking: implicitTLS,
		r:           bufio.NewReaderSize(conn, maxLine),
		w:           bufio.NewWriter(conn),
		id:          id,
		service:     service,
		port:        port,
		tls:         implicitTLS,
		state:       authorization,
		retrieved:   make(map[int]bool),
	}
}

// handshakeTimeout bounds a TLS handshake (995, STLS), or ReadTimeout
// when shorter: a silent client cannot keep its slot.
const handshakeTimeout = 10 * time.Second

func handshake(tc *tls.Conn, readTimeout time.Duration) error {
	_ = tc.SetDeadline(time.Now().Add(min(handshakeTimeout, readTimeout)))
	err := tc.Handshake()
	_ = tc.SetDeadline(time.Time{})
	return err
}

func (s *session) setHandshaking(on bool) {
	s.mu.Lock()
	s.handshaking = on
	s.mu.Unlock()
}

func (s *session) setConn(c net.Conn) {
	s.mu.Lock()
	s.conn, s.shedConn = c, c
	s.mu.Unlock()
}

// shed closes the connection to make room for a new client.
func (s *session) shed() {
	s.mu.Lock()
	w, hs := s.shedConn, s.handshaking
	s.mu.Unlock()
	_ = s.raw.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
	if !hs {
		_, _ = io.WriteString(w, "-ERR [SYS/TEMP] server busy: idle connection closed for a new client\r\n")
	}
	s.log.Info("connection shed for a new client")
	s.raw.Close()
}

func (s *session) serve() {
	defer s.finish()
	s.log.Debug("connection opened", "peer", s.conn.RemoteAddr().String())
	if tc, ok := s.conn.(*tls.Conn); ok {
		err := handshake(tc, s.srv.cfg.ReadTimeout)
		s.setHandshaking(false)
		if err != nil {
			s.log.Debug("TLS handshake failed", "err", err)
			return
		}
	}
	s.setWriteDeadline()
	if s.ok(fmt.Sprintf("%s POP3 server ready", s.srv.cfg.Host)) != nil || s.flush() != nil {
		return
	}
	for {
		line, err := s.readLine()
		if errors.Is(err, errLineTooLong) {
			if err = s.refuseLongLine(); err == nil {
				continue
			}
		}
		if err != nil {
			s.readFailed(err)
			return
		}
		s.record("C: " + maskSecret(line))
		s.setWriteDeadline()
		err = s.dispatch(line)
		if err == nil && s.r.Buffered() == 0 { // PIPELINING: one flush per batch
			err = s.flush()
		}
		if err != nil {
			if !errors.Is(err, errClose) {
				s.log.Debug("connection ended", "err", err)
			}
			return
		}
	}
}

// dispatch runs one command line.
func (s *session) dispatch(line string) error {
	name, arg, _ := strings.Cut(line, " ")
	if name == "" {
		return s.fail("empty command")
	}
	cmd, ok := commands[strings.ToUpper(name)]
	if !ok {
		return s.fail("unknown command")
	}
	if cmd.states&s.state == 0 {
		return s.fail("command not valid in this state")
	}
	return cmd.run(s, arg)
}

// readLine reads a command line. Its deadline is set once, so a client
// trickling octets cannot stretch it.
func (s *session) readLine() (string, error) {
	wait := s.srv.cfg.ReadTimeout
	if s.state == authorization && s.srv.slots.Crowded() { // make room sooner
		wait = min(wait, slots.CrowdedTimeout)
	}
	if err := s.conn.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return "", fmt.Errorf("set deadline: %w", err)
	}
	phase := slots.Waiting
	if s.state == transaction {
		phase = slots.Idle
	}
	s.slot.Set(phase)
	if _, err := s.r.Peek(1); err != nil {
		return "", err
	}
	s.slot.Set(slots.Reading)
	defer s.slot.Set(slots.Busy)
	line, err := s.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return "", s.discardLine()
	}
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(line), "\r\n"), nil
}

// discardLine skips the rest of an overlong line, up to maxDiscard octets.
// It returns errLineTooLong when the line ended (the session goes on) and
// errOverflow when the client kept sending.
func (s *session) discardLine() error {
	for n := 0; n < maxDiscard; {
		chunk, err := s.r.ReadSlice('\n')
		n += len(chunk)
		switch {
		case err == nil:
			return errLineTooLong
		case !errors.Is(err, bufio.ErrBufferFull):
			return err
		}
	}
	return errOverflow
}

// refuseLongLine answers a line that was skipped for being too long; the
// session goes on.
func (s *session) refuseLongLine() error {
	s.log.Info("line too long", "max", maxLine)
	s.record("C: (line too long)")
	if err := s.fail(fmt.Sprintf("line too long (limit %d octets)", maxLine)); err != nil {
		return err
	}
	return s.flush()
}

// readFailed tells the client why the server hangs up, when it can.
func (s *session) readFailed(err error) {
	var ne net.Error
	switch {
	case errors.Is(err, errOverflow):
		s.log.Info("line too long, closing", "max", maxLine)
		_ = s.fail(fmt.Sprintf("line too long (limit %d octets), closing", maxLine))
	case errors.As(err, &ne) && ne.Timeout():
		s.log.Info("read timeout", "after", s.srv.cfg.ReadTimeout)
		_ = s.fail("autologout: idle for too long")
	default:
		s.log.Debug("connection ended", "err", err)
	}
}

// finish releases the maildrop, closes the connection and reports the
// session.
func (s *session) finish() {
	s.release()
	s.setWriteDeadline()
	_ = s.flush()
	s.conn.Close()
	if s.user == "" && s.tried == "" {
		return // no login attempted: nothing worth telling
	}
	e := event.Event{
		Kind: event.RetrievalFetch, Host: s.srv.cfg.Host, User: s.user, Service: s.service,
		Port: s.port, Conn: s.id, Peer: s.conn.RemoteAddr().String(), Folder: mailstore.Inbox,
		Transcript: s.transcript,
		Fetch: &event.Fetch{Read: len(s.retrieved), Total: len(s.drop), Deleted: s.removed,
			AuthFailures: s.failures, PlainAuth: s.plainAuth},
	}
	if tc, ok := s.conn.(*tls.Conn); ok {
		e.TLS = &event.TLS{Version: tls.VersionName(tc.ConnectionState().Version)}
	}
	if s.user == "" {
		e.User = s.tried
		e.Error = "authentication failed (1 attempt)"
		if s.failures != 1 {
			e.Error = fmt.Sprintf("authentication failed (%d attempts)", s.failures)
		}
	}
	s.srv.publish(e)
}

// release unlocks the maildrop. It runs before the last reply goes out,
// so a client that reconnects at once finds the maildrop free.
func (s *session) release() {
	if s.user != "" && !s.released {
		s.released = true
		s.srv.unlock(strings.ToLower(s.user))
	}
}

// Replies. Every server line goes through writeLine so the transcript sees it.

func (s *session) writeLine(line string) error {
	s.record("S: " + line)
	_, err := s.w.WriteString(line + "\r\n")
	return err
}

func (s *session) ok(text string) error { return s.writeLine("+OK " + text) }

func (s *session) fail(text string) error { return s.writeLine("-ERR " + text) }

// multi writes a multi-line response: status, lines (dot-stuffed), ".".
func (s *session) multi(status string, lines []string) error {
	if err := s.ok(status); err != nil {
		return err
	}
	for _, l := range lines {
		if strings.HasPrefix(l, ".") {
			l = "." + l
		}
		if err := s.writeLine(l); err != nil {
			return err
		}
	}
	return s.writeLine(".")
}

// writeMessage sends a message dot-stuffed (RFC 1939 §3), followed by the
// terminating ".". bodyLines < 0 sends the whole body (RETR); otherwise
// only the header, the blank line and that many body lines (TOP).
func (s *session) writeMessage(n int, data []byte, bodyLines int) error {
	s.record(fmt.Sprintf("S: (message %d: %d octets)", n, len(data)))
	inBody, sent := false, 0
	for len(data) > 0 {
		i := bytes.Index(data, crlf) // data always ends with CRLF
		line := data[:i]
		data = data[i+2:]
		if inBody {
			if bodyLines >= 0 && sent >= bodyLines {
				break
			}
			sent++
		}
		if len(line) > 0 && line[0] == '.' {
			_ = s.w.WriteByte('.')
		}
		_, _ = s.w.Write(line)
		_, _ = s.w.Write(crlf)
		if len(line) == 0 {
			inBody = true
		}
	}
	return s.writeLine(".") // bufio keeps the first write error; it surfaces here or at flush
}

func (s *session) flush() error { return s.w.Flush() }

func (s *session) setWriteDeadline() {
	_ = s.conn.SetWriteDeadline(time.Now().Add(s.srv.cfg.ReadTimeout))
}

func (s *session) record(line string) {
	switch {
	case len(s.transcript) < maxTranscript:
		s.transcript = append(s.transcript, line)
	case len(s.transcript) == maxTranscript:
		s.transcript = append(s.transcript, "(transcript truncated)")
	}
}

// maskSecret hides passwords from transcripts and logs.
func maskSecret(line string) string {
	name, arg, _ := strings.Cut(line, " ")
	switch strings.ToUpper(name) {
	case "PASS":
		return name + " ****"
	case "AUTH":
		if mech, ir, ok := strings.Cut(strings.TrimSpace(arg), " "); ok && ir != "" {
			return name + " " + mech + " ****"
		}
	}
	return line
}

// normalize gives every line a CRLF ending, as POP3 sends it.
func normalize(raw []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(raw) + len(raw)/32 + 2)
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		b.Write(bytes.TrimSuffix(line, []byte{'\r'}))
		b.Write(crlf)
	}
	return b.Bytes()
}
