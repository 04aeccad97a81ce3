package pop3d

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/mailflow/mailflow/sim/mailstore"
	"github.com/mailflow/mailflow/sim/slots"
)

// command is one POP3 command: the states it is valid in and its handler,
// which gets the text after the command name.
type command struct {
	states state
	run    func(s *session, arg string) error
}

var commands = map[string]command{
	"CAPA": {authorization | transaction, (*session).capa},
	"STLS": {authorization, (*session).stls},
	"USER": {authorization, (*session).userCmd},
	"PASS": {authorization, (*session).pass},
	"AUTH": {authorization, (*session).auth},
	"STAT": {transaction, (*session).stat},
	"LIST": {transaction, (*session).list},
	"UIDL": {transaction, (*session).uidl},
	"RETR": {transaction, (*session).retr},
	"TOP":  {transaction, (*session).top},
	"DELE": {transaction, (*session).dele},
	"RSET": {transaction, (*session).rset},
	"NOOP": {transaction, (*session).noop},
	"QUIT": {authorization | transaction, (*session).quit},
}

// capa lists the capabilities (RFC 2449 §5).
func (s *session) capa(string) error {
	caps := []string{"TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"}
	if s.state == authorization {
		if s.plainAllowed() {
			caps = append(caps, "USER", "SASL PLAIN")
		}
		if s.srv.cfg.TLSConfig != nil && !s.tls {
			caps = append(caps, "STLS")
		}
	}
	caps = append(caps, "IMPLEMENTATION mailflow-pop3d")
	return s.multi("capability list follows", caps)
}

// stls switches the connection to TLS (RFC 2595 §4).
func (s *session) stls(string) error {
	if s.tls {
		return s.fail("already using TLS")
	}
	if s.srv.cfg.TLSConfig == nil {
		return s.fail("STLS not available")
	}
	if err := s.ok("begin TLS negotiation"); err != nil {
		return err
	}
	if err := s.flush(); err != nil {
		return err
	}
	// Plaintext the client sent after STLS must not run inside TLS
	// (command injection, CVE-2011-0411): drop it.
	if n := s.r.Buffered(); n > 0 {
		_, _ = s.r.Discard(n)
	}
	tc := tls.Server(s.conn, s.srv.cfg.TLSConfig)
	s.slot.Set(slots.Handshake)
	s.setHandshaking(true)
	err := handshake(tc, s.srv.cfg.ReadTimeout)
	s.setHandshaking(false)
	if err != nil {
		s.log.Info("STLS handshake failed", "err", err)
		return fmt.Errorf("%w: TLS handshake: %w", errClose, err)
	}
	s.setConn(tc)
	s.tls = true
	s.r.Reset(tc)
	s.w.Reset(tc)
	s.userArg = "" // RFC 2595 §4: forget what was said in the clear
	return nil
}

// plainAllowed reports whether a password may be sent now: over TLS, or
// where the host allows plaintext.
func (s *session) plainAllowed() bool { return s.tls || s.srv.cfg.AllowPlaintextAuth }

const plaintextRefused = "[AUTH] Plaintext authentication is disabled: use STLS or port 995 first"

func (s *session) userCmd(arg string) error {
	if !s.plainAllowed() {
		return s.fail(plaintextRefused)
	}
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return s.fail("USER needs a mailbox name")
	}
	s.userArg = arg
	return s.ok("send PASS")
}

// pass takes the rest of the line as the password: it may hold spaces
// (RFC 1939 §7).
func (s *session) pass(arg string) error {
	if s.userArg == "" {
		return s.fail("USER first")
	}
	name := s.userArg
	s.userArg = ""
	return s.login(name, arg)
}

// auth implements AUTH PLAIN (RFC 5034, RFC 4616), with or without an
// initial response. AUTH alone lists the mechanisms.
func (s *session) auth(arg string) error {
	fields := strings.Fields(arg)
	if len(fields) == 0 {
		return s.multi("SASL mechanisms follow", []string{"PLAIN"})
	}
	if !strings.EqualFold(fields[0], "PLAIN") || len(fields) > 2 {
		return s.fail("unsupported SASL mechanism; try AUTH PLAIN")
	}
	if !s.plainAllowed() {
		return s.fail(plaintextRefused)
	}
	var resp string
	if len(fields) == 2 {
		resp = fields[1]
		if resp == "=" { // an empty initial response (RFC 5034 §4)
			resp = ""
		}
	} else {
		if err := s.writeLine("+ "); err != nil {
			return err
		}
		if err := s.flush(); err != nil {
			return err
		}
		line, err := s.readLine()
		if err != nil {
			return fmt.Errorf("%w: AUTH response: %w", errClose, err)
		}
		s.record("C: ****")
		if line == "*" {
			return s.fail("AUTH cancelled")
		}
		resp = line
	}
	raw, err := base64.StdEncoding.DecodeString(resp)
	if err != nil {
		return s.fail("malformed AUTH PLAIN response (not base64)")
	}
	parts := bytes.Split(raw, []byte{0})
	if len(parts) != 3 {
		return s.fail("malformed AUTH PLAIN response")
	}
	authz, authc := string(parts[0]), string(parts[1])
	if authz != "" && !strings.EqualFold(authz, authc) {
		return s.fail("[AUTH] cannot act as another user")
	}
	return s.login(authc, string(parts[2]))
}

// login checks credentials, locks the maildrop and snapshots INBOX.
func (s *session) login(name, password string) error {
	s.tried = name
	if !s.tls {
		s.plainAuth = true
	}
	addr, err := s.srv.cfg.Store.Authenticate(name, password)
	if err != nil {
		s.failures++
		s.log.Info("login failed", "user", name, "failures", s.failures)
		if s.failures >= maxFailures {
			_ = s.fail("[AUTH] too many failures")
			return errClose
		}
		return s.fail("[AUTH] invalid user name or password")
	}
	if !s.srv.lock(strings.ToLower(addr)) {
		return s.fail("[IN-USE] maildrop already locked by another POP3 session")
	}
	info, msgs, err := s.srv.cfg.Store.List(addr, mailstore.Inbox)
	if err != nil {
		s.srv.unlock(strings.ToLower(addr))
		s.log.Warn("cannot open maildrop", "user", addr, "err", err)
		return s.fail("[SYS/TEMP] cannot open maildrop")
	}
	s.user, s.state, s.uidValidity = addr, transaction, info.UIDValidity
	s.drop = make([]dropMsg, len(msgs))
	for i, m := range msgs {
		s.drop[i] = dropMsg{uid: m.UID, raw: m.Raw, size: popSize(m.Raw, m.WireSize)}
	}
	s.recount()
	s.log.Info("logged in", "user", addr, "messages", len(msgs), "tls", s.tls)
	n, size := s.totals()
	return s.ok(fmt.Sprintf("%s has %d messages (%d octets)", addr, n, size))
}

// totals are the messages not marked deleted and their size, kept as
// messages are marked: STAT is answered without a walk of the maildrop.
func (s *session) totals() (n, size int) { return s.live, s.liveSize }

// recount counts the totals afresh (at login and RSET).
func (s *session) recount() {
	s.live, s.liveSize = 0, 0
	for _, m := range s.drop {
		if !m.deleted {
			s.live++
			s.liveSize += m.size
		}
	}
}

func (s *session) stat(string) error {
	n, size := s.totals()
	return s.ok(fmt.Sprintf("%d %d", n, size))
}

func (s *session) list(arg string) error {
	return s.listing(arg, func(n int, m *dropMsg) string { return fmt.Sprintf("%d %d", n, m.size) })
}

// uidl gives each message "<uidvalidity>-<uid>", which stays the same
// across sessions as long as the message is in INBOX.
func (s *session) uidl(arg string) error {
	return s.listing(arg, func(n int, m *dropMsg) string { return fmt.Sprintf("%d %d-%d", n, s.uidValidity, m.uid) })
}

// listing serves LIST and UIDL: one message with an argument, all
// undeleted messages without.
func (s *session) listing(arg string, format func(n int, m *dropMsg) string) error {
	if strings.TrimSpace(arg) != "" {
		n, err := s.message(arg)
		if err != nil {
			return s.fail(err.Error())
		}
		return s.ok(format(n, &s.drop[n-1]))
	}
	var lines []string
	for i := range s.drop {
		if !s.drop[i].deleted {
			lines = append(lines, format(i+1, &s.drop[i]))
		}
	}
	n, size := s.totals()
	return s.multi(fmt.Sprintf("%d messages (%d octets)", n, size), lines)
}

func (s *session) retr(arg string) error {
	n, err := s.message(arg)
	if err != nil {
		return s.fail(err.Error())
	}
	m := &s.drop[n-1]
	s.retrieved[n] = true
	if err := s.ok(fmt.Sprintf("%d octets", m.size)); err != nil {
		return err
	}
	return s.writeMessage(n, m.bytes(), -1)
}

func (s *session) top(arg string) error {
	fields := strings.Fields(arg)
	if len(fields) != 2 {
		return s.fail("usage: TOP msg lines")
	}
	n, err := s.message(fields[0])
	if err != nil {
		return s.fail(err.Error())
	}
	lines, err := parseNumber(fields[1])
	if err != nil {
		return s.fail("invalid line count")
	}
	if err := s.ok("top of message follows"); err != nil {
		return err
	}
	return s.writeMessage(n, s.drop[n-1].bytes(), lines)
}

func (s *session) dele(arg string) error {
	n, err := s.message(arg)
	if err != nil {
		return s.fail(err.Error())
	}
	if m := &s.drop[n-1]; !m.deleted {
		m.deleted = true
		s.live--
		s.liveSize -= m.size
	}
	return s.ok(fmt.Sprintf("message %d deleted", n))
}

func (s *session) rset(string) error {
	for i := range s.drop {
		s.drop[i].deleted = false
	}
	s.recount()
	n, size := s.totals()
	return s.ok(fmt.Sprintf("maildrop has %d messages (%d octets)", n, size))
}

func (s *session) noop(string) error { return s.ok("") }

// quit ends the session; from TRANSACTION it goes through UPDATE, which
// removes the marked messages and marks the retrieved ones \Seen, so an
// IMAP client sees what the POP3 client did.
func (s *session) quit(string) error {
	bye := fmt.Sprintf("%s POP3 server signing off", s.srv.cfg.Host)
	if s.state != transaction {
		_ = s.ok(bye)
		return errClose
	}
	s.state = update
	var del, seen []uint32
	for i, m := range s.drop {
		switch {
		case m.deleted:
			del = append(del, m.uid)
		case s.retrieved[i+1]:
			seen = append(seen, m.uid)
		}
	}
	store := s.srv.cfg.Store
	if len(seen) > 0 {
		if _, err := store.SetFlags(s.user, mailstore.Inbox, seen, mailstore.AddFlags, []string{`\Seen`}); err != nil {
			s.log.Warn("cannot mark messages seen", "err", err)
		}
	}
	removed, err := store.Expunge(s.user, mailstore.Inbox, del)
	s.removed = len(removed)
	s.release()
	if err != nil {
		s.log.Warn("cannot remove messages", "err", err)
		_ = s.fail("[SYS/TEMP] some deleted messages not removed")
		return errClose
	}
	_ = s.ok(fmt.Sprintf("%s (%d messages deleted)", bye, len(del)))
	return errClose
}

// message parses a message-number argument and checks it names a message
// still in the maildrop.
func (s *session) message(arg string) (int, error) {
	fields := strings.Fields(arg)
	if len(fields) != 1 {
		return 0, errors.New("expected one message number")
	}
	n, err := parseNumber(fields[0])
	if err != nil || n < 1 {
		return 0, errors.New("invalid message number")
	}
	if n > len(s.drop) {
		return 0, fmt.Errorf("no message %d", n)
	}
	if s.drop[n-1].deleted {
		return 0, fmt.Errorf("message %d already deleted", n)
	}
	return n, nil
}

// parseNumber accepts only plain decimal digits (no sign), as RFC 1939
// numbers are.
func parseNumber(s string) (int, error) {
	if s == "" || len(s) > 9 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("not a number: %q", s)
	}
	return strconv.Atoi(s)
}
