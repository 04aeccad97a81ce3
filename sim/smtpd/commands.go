package smtpd

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/local"
	"github.com/mailflow/mailflow/topology"
)

// hello answers HELO and EHLO. The reply begins with the server's own name
// (RFC 5321 §4.1.1.1) and carries no enhanced status code (RFC 2034 §3).
func (c *conn) hello(ehlo bool, arg string) error {
	host := c.srv.cfg.Host.Name
	name, _, _ := strings.Cut(arg, " ")
	if name == "" {
		c.bad++
		if ehlo {
			return c.reply(501, "", "Syntax: EHLO hostname")
		}
		return c.reply(501, "", "Syntax: HELO hostname")
	}
	if c.sess == nil {
		sess, err := c.srv.newSession(c)
		if err != nil {
			return c.replyErr(err)
		}
		c.sess = sess
	} else {
		// RFC 5321 §4.1.4: a second EHLO resets the transaction.
		c.resetTransaction()
	}
	c.helo, c.esmtp = name, ehlo
	greet := host + " Hello " + name
	if !ehlo {
		return c.reply(250, "", greet)
	}
	lines := []string{greet, "PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"}
	if c.offersStartTLS() {
		lines = append(lines, "STARTTLS")
	}
	if c.offersAuth() {
		lines = append(lines, "AUTH PLAIN LOGIN")
	}
	lines = append(lines, "DSN", fmt.Sprintf("SIZE %d", c.srv.cfg.MaxMessageBytes))
	return c.reply(250, "", lines...)
}

// offersStartTLS: on 25 and 587 until the connection is encrypted, unless
// a fault strikes STARTTLS from the list.
func (c *conn) offersStartTLS() bool {
	return !c.tls && c.srv.cfg.TLSConfig != nil && c.svc != topology.Submissions &&
		(c.starttls == nil || c.starttls.Effect != "not_offered")
}

// offersAuth: on the submission ports, over TLS unless the host allows
// passwords in the clear. Port 25 takes mail for the domain without login,
// so nobody relays through it.
func (c *conn) offersAuth() bool {
	return c.svc != topology.SMTP && (c.tls || c.srv.cfg.AllowPlaintextAuth)
}

func (c *conn) mail(arg string) error {
	switch {
	case c.helo == "":
		return c.outOfSequence("Send HELO or EHLO first")
	case c.inMail:
		return c.outOfSequence("Nested MAIL command")
	}
	rest, ok := cutPrefixFold(arg, "FROM:")
	if !ok {
		c.bad++
		return c.reply(501, "5.5.4", "Syntax: MAIL FROM:<address>")
	}
	from, params, err := parsePath(rest, true)
	if err != nil {
		return c.reply(501, "5.1.7", "Bad sender address syntax")
	}
	opts, perr := c.mailOptions(params)
	if perr != nil {
		return c.replyErr(perr)
	}
	if err := c.sess.Mail(from, opts); err != nil {
		return c.replyErr(err)
	}
	c.inMail = true
	return c.reply(250, "2.0.0", fmt.Sprintf("Roger, accepting mail from <%s>", from))
}

func (c *conn) rcpt(arg string) error {
	if !c.inMail {
		return c.outOfSequence("Need MAIL before RCPT")
	}
	rest, ok := cutPrefixFold(arg, "TO:")
	if !ok {
		c.bad++
		return c.reply(501, "5.5.4", "Syntax: RCPT TO:<address>")
	}
	to, params, err := parsePath(rest, false)
	if err != nil {
		return c.reply(501, "5.1.3", "Bad recipient address syntax")
	}
	if strings.EqualFold(to, local.Postmaster) {
		// RFC 5321 §4.5.1: <postmaster> without a domain is the server's own.
		to = local.Postmaster + "@" + c.srv.cfg.Host.Domain.Name
	}
	opts, perr := rcptOptions(params)
	if perr != nil {
		return c.replyErr(perr)
	}
	if err := c.sess.Rcpt(to, opts); err != nil {
		return c.replyErr(err)
	}
	return c.reply(250, "2.0.0", fmt.Sprintf("I'll make sure <%s> gets this", to))
}

// data receives the message. Whatever happens, the transaction ends with
// it; false ends the connection.
func (c *conn) data(arg string) bool {
	switch {
	case arg != "":
		return c.badCommand(501, "5.5.4", "DATA takes no parameters")
	case !c.inMail:
		return c.outOfSequence("Need MAIL command") == nil
	case len(c.sess.rcpts) == 0:
		return c.outOfSequence("Need RCPT command") == nil
	}
	defer c.resetTransaction()
	if c.reply(354, "", "Go ahead. End your data with <CR><LF>.<CR><LF>") != nil {
		return false
	}
	if f := c.srv.fault("data_disconnect", c.port, ""); f != nil {
		// The connection drops during DATA, before the final reply: the
		// server takes the content, then hangs up without answering, so
		// nothing was accepted. (Reading it all first makes the client see
		// the same end every run: no reply, instead of a reset mid-write.)
		c.srv.publishFault(f, c.port, "connection lost during DATA, before the reply")
		c.readData(true)
		return false
	}
	msg, err := c.readData(false)
	if err != nil {
		c.readFailed(err)
		return false
	}
	if msg.refusal != nil {
		return c.replyErr(c.sess.reject(c.sess.stepHere(2), "data", msg.refusal, c.sess.rcpts...)) == nil
	}
	err = c.sess.Data(msg.bytes())
	msg.release() // before the reply: the copies now belong to the mailboxes and the queue
	if err != nil {
		return c.replyErr(err) == nil
	}
	return c.reply(replyDataOK.Code, event.EnhancedOf(replyDataOK.EnhancedCode), replyDataOK.Message) == nil
}

// startTLS upgrades the connection (RFC 3207). After a failed handshake
// nothing more is written: the client is speaking TLS by then, and a
// plaintext reply would only be noise to it.
func (c *conn) startTLS(arg string) bool {
	switch {
	case arg != "":
		return c.badCommand(501, "5.5.4", "STARTTLS takes no parameters")
	case c.tls:
		return c.outOfSequence("TLS already active") == nil
	case !c.offersStartTLS():
		return c.reply(502, "5.5.1", "STARTTLS command not implemented") == nil
	case c.starttls != nil && c.starttls.Reply != nil:
		r := c.starttls.Reply
		return c.reply(r.Code, event.EnhancedOf(r.EnhancedCode), r.Message) == nil
	}
	if c.reply(220, "2.0.0", "Ready to start TLS") != nil {
		return false
	}
	if c.r.Buffered() > 0 {
		// Commands sent behind STARTTLS, before the client could have seen
		// the 220, would be taken as sent over TLS: the plaintext injection
		// RFC 3207 §6 warns of. Such a client gets no TLS.
		c.srv.cfg.Logger.Warn("smtp: data pipelined after STARTTLS", "service", c.svc)
		return false
	}
	tc, err := c.handshake()
	if err != nil {
		c.srv.cfg.Logger.Debug("smtp starttls handshake", "service", c.svc, "err", err)
		return false
	}
	c.nc, c.tls = tc, true
	c.r = bufio.NewReaderSize(tc, lineBuffer)
	c.w.Reset(tc)
	// RFC 3207 §4.2: forget all the client said before; it greets again.
	if c.sess != nil {
		c.sess.Reset()
	}
	c.sess, c.helo, c.esmtp, c.inMail = nil, "", false, false
	return true
}
