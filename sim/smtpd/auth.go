package smtpd

import (
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/topology"
)

// loginServer is the server side of the LOGIN mechanism: not in an RFC but
// spoken by many mail clients (draft-murchison-sasl-login). go-sasl has only
// its client side.
type loginServer struct {
	step     int
	username string
	check    func(username, password string) error
}

func newLoginServer(check func(username, password string) error) sasl.Server {
	return &loginServer{check: check}
}

func (s *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch s.step {
	case 0:
		s.step++
		if len(response) > 0 { // initial response carries the user name
			s.username = string(response)
			s.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		s.username = string(response)
		s.step++
		return []byte("Password:"), false, nil
	case 2:
		s.step++
		return nil, true, s.check(s.username, string(response))
	default:
		return nil, true, errors.New("unexpected LOGIN response")
	}
}

// auth runs AUTH (RFC 4954) on the submission ports. Failures are
// throttled: each one after the first waits longer before its 535, and the
// last allowed one is followed by 421 4.7.0 and the end of the connection,
// the 535 always written first.
func (c *conn) auth(arg string) bool {
	switch {
	case c.svc == topology.SMTP:
		return c.reply(502, "5.5.1", "AUTH command not implemented on this port") == nil
	case !c.esmtp:
		return c.outOfSequence("Send EHLO first") == nil
	case c.sess.user != "":
		return c.outOfSequence("Already authenticated") == nil
	case c.inMail:
		return c.outOfSequence("AUTH not allowed during a mail transaction") == nil
	case !c.tls && !c.srv.cfg.AllowPlaintextAuth:
		return c.replyErr(c.sess.reject(c.sess.stepHere(1), "auth", errEncryptionRequired)) == nil
	}
	fields := strings.Fields(arg)
	if len(fields) == 0 || len(fields) > 2 {
		return c.badCommand(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]")
	}
	server := c.sess.saslServer(strings.ToUpper(fields[0]))
	if server == nil {
		return c.reply(504, "5.5.4", "Unrecognized authentication type") == nil
	}
	if err := c.sess.injected("auth", ""); err != nil {
		return c.replyErr(err) == nil
	}
	var response []byte
	if len(fields) == 2 {
		var err error
		if response, err = decodeSASL(fields[1]); err != nil {
			return c.reply(501, "5.5.2", "Invalid base64 data") == nil
		}
	}
	for {
		challenge, done, err := server.Next(response)
		if err != nil {
			return c.authFailed(err)
		}
		if done {
			break
		}
		if c.reply(334, "", base64.StdEncoding.EncodeToString(challenge)) != nil {
			return false
		}
		line, err := c.readLine(c.commandTimeout())
		if err != nil {
			c.readFailed(err)
			return false
		}
		if line == "*" {
			return c.reply(501, "5.0.0", "Authentication cancelled") == nil
		}
		if response, err = decodeSASL(line); err != nil {
			return c.reply(501, "5.5.2", "Invalid base64 data") == nil
		}
	}
	return c.reply(replyAuthOK.Code, event.EnhancedOf(replyAuthOK.EnhancedCode), replyAuthOK.Message) == nil
}

// authFailed answers a failed login, after the delay this connection's
// failures have earned; false ends the connection.
func (c *conn) authFailed(err error) bool {
	cfg := c.srv.cfg
	c.authFail++
	if c.authFail > 1 {
		delay := cfg.AuthFailDelay << min(c.authFail-2, 6)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-c.srv.done:
			t.Stop()
			return false
		}
	}
	// A malformed exchange counts and is answered as a wrong password.
	if !errors.Is(err, errBadCredentials) {
		cfg.Logger.Debug("smtp auth", "service", c.svc, "err", err)
	}
	if c.replyErr(errBadCredentials) != nil {
		return false
	}
	if c.authFail >= cfg.MaxAuthFailures {
		c.reply(421, "4.7.0", cfg.Host.Name+" Too many authentication failures, closing connection")
		return false
	}
	return true
}

func decodeSASL(s string) ([]byte, error) {
	if s == "=" {
		return []byte{}, nil
	}
	return base64.StdEncoding.DecodeString(s)
}
