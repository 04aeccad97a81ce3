package smtpd

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/emersion/go-smtp"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/local"
	"github.com/mailflow/mailflow/topology"
)

// accept files or queues a received message; it returns nil (250) only once
// every recipient's copy is in a mailbox or in the queue, or was dropped by
// a rule that says so in an event.
func (ss *session) accept(raw []byte) error {
	cfg := ss.srv.cfg
	now := cfg.Now()
	info := inspect(raw)
	submission := !ss.fromServer()
	if submission {
		raw = completeHeaders(raw, info, cfg.Host.Name, now)
		if ss.user != "" {
			var err error
			if raw, err = ss.sendAs(raw, info); err != nil {
				return err
			}
		}
		info = inspect(raw)
	}
	msg := ss.msgFromEnvID()
	if msg == "" && cfg.IDs != nil {
		msg = cfg.IDs.Assign(info.messageID)
	}
	spam := false
	if cfg.Policy != nil {
		switch action, word := cfg.Policy.Content(info.subject, info.text); action {
		case "reject":
			e := *errContent
			e.Message = fmt.Sprintf("Message refused: it contains %q", word)
			return ss.reject(ss.stepHere(2), "data", &e, ss.rcpts...)
		case "spam":
			spam = true
			ss.publish(event.Event{Kind: event.RouteDecision, Step: 6, Msg: msg, To: ss.rcpts, Route: "spam",
				Detail: fmt.Sprintf("content rule: %q → Spam folder", word)})
		}
	}
	raw = append([]byte(ss.receivedHeader(now)), raw...)

	ss.publish(event.Event{Kind: event.SMTPAccepted, Step: ss.stepHere(2), Msg: msg, From: ss.from, To: ss.rcpts,
		Subject: info.subject, Size: len(raw), Attachments: info.attachments, Code: 250})

	var locals, remote []string
	for _, rcpt := range ss.rcpts {
		if topology.DomainOf(rcpt) == cfg.Host.Domain.Name {
			locals = append(locals, rcpt)
		} else {
			remote = append(remote, rcpt)
		}
	}
	// Step 3 is the sending side's decision; a relay that passes mail on
	// repeats it (and steps 4 and 5).
	if submission || len(remote) > 0 {
		if len(locals) > 0 {
			ss.publish(event.Event{Kind: event.RouteDecision, Step: 3, Msg: msg, To: locals, Route: "local"})
		}
		if len(remote) > 0 {
			e := event.Event{Kind: event.RouteDecision, Step: 3, Msg: msg, To: remote, Route: "relay"}
			if ss.relayWhy != "" {
				e.Detail = "relaying allowed: " + ss.relayWhy
			}
			ss.publish(e)
		}
	}
	if len(remote) > 0 && cfg.Enqueue != nil {
		if err := cfg.Enqueue(ss.outbound(msg, remote, raw, now)); err != nil {
			cfg.Logger.Error("enqueue", "conn", ss.id, "msg", msg, "err", err)
			return ss.reject(3, "data", errLocalError, remote...)
		}
	}
	m := local.Message{From: info.from, Subject: info.subject}
	for _, rcpt := range locals {
		if err := ss.deliverLocal(msg, rcpt, raw, m, spam); err != nil {
			return err
		}
	}
	return nil
}

// deliverLocal is step 6 for one recipient of the host's domain: a host
// that does not keep the mailboxes passes it on to the one that does; an
// SRS address is a bounce to pass back; aliases expand; each user's filters
// decide the folder.
func (ss *session) deliverLocal(msg, rcpt string, raw []byte, m local.Message, spam bool) error {
	cfg := ss.srv.cfg
	d := cfg.Host.Domain
	if !cfg.Host.Mailboxes && d.MailboxHost != nil && cfg.Enqueue != nil {
		out := ss.outbound(msg, []string{rcpt}, raw, cfg.Now())
		out.NextHop = d.MailboxHost.Name
		return cfg.Enqueue(out)
	}
	kind, orig := cfg.Resolver.Kind(rcpt)
	if kind == local.Bounce {
		ss.publish(event.Event{Kind: event.RouteDecision, Step: 6, Msg: msg, To: []string{rcpt}, Route: "srs",
			Detail: fmt.Sprintf("%s is an SRS address: the notice goes back to %s", rcpt, orig)})
		return ss.forward(msg, []string{orig}, raw, "")
	}
	targets, loopErr := cfg.Resolver.Expand(rcpt)
	if kind == local.Group {
		var names []string
		for _, t := range targets {
			names = append(names, targetName(t))
		}
		detail := fmt.Sprintf("%s → %s", rcpt, strings.Join(names, ", "))
		if loopErr != nil {
			detail += " (" + loopErr.Error() + ": stopped there)"
		}
		ss.publish(event.Event{Kind: event.RouteDecision, Step: 6, Msg: msg, To: []string{rcpt}, Route: "alias",
			Detail: detail})
	}
	var forwards []string
	for _, t := range targets {
		if t.Remote != "" {
			forwards = append(forwards, t.Remote)
			continue
		}
		m.Tag = t.Tag
		fwd, err := ss.store(msg, rcpt, t.User, raw, m, spam)
		if err != nil {
			return err
		}
		forwards = append(forwards, fwd...)
	}
	if len(forwards) > 0 {
		return ss.forward(msg, forwards, raw, ss.from)
	}
	return nil
}

func targetName(t local.Target) string {
	if t.User != nil {
		return t.User.Address
	}
	return t.Remote
}

// store files one copy in a user's mailbox, where the filters say; it
// returns the addresses a filter forwards to.
func (ss *session) store(msg, rcpt string, u *topology.User, raw []byte, m local.Message, spam bool) ([]string, error) {
	cfg := ss.srv.cfg
	dec := local.Filter(u, m)
	if spam {
		dec.Folder = "Spam"
	}
	if dec.Delete {
		ss.publish(event.Event{Kind: event.MessageDropped, Step: 6, Msg: msg, To: []string{rcpt}, User: u.Address,
			Detail: "deleted by " + u.Address + "'s " + dec.Filter})
		return dec.Forward, nil
	}
	// RFC 5321 §4.4: the final delivery records the envelope sender.
	filed := append([]byte(fmt.Sprintf("Return-Path: <%s>\r\n", ss.from)), raw...)
	uid, err := cfg.Store.Deliver(u.Address, dec.Folder, filed, cfg.Now(), dec.Flags...)
	if err != nil {
		cfg.Logger.Error("deliver", "conn", ss.id, "rcpt", rcpt, "err", err)
		return nil, ss.reject(6, "data", errLocalError, rcpt)
	}
	e := event.Event{Kind: event.MailboxStore, Step: 6, Msg: msg, User: u.Address, To: []string{rcpt},
		Folder: dec.Folder, UID: uid, Subject: m.Subject, Peer: "-"}
	if dec.Filter != "" {
		e.Detail = dec.Filter
		if len(dec.Flags) > 0 {
			e.Detail += ", flagged " + strings.Join(dec.Flags, " ")
		}
	}
	ss.publish(e)
	return dec.Forward, nil
}

// forward queues a copy for addresses in other domains. The envelope sender
// is rewritten with SRS so that the next hops see this domain as the
// sender and a bounce comes back here first.
func (ss *session) forward(msg string, to []string, raw []byte, sender string) error {
	cfg := ss.srv.cfg
	if cfg.Enqueue == nil {
		return nil
	}
	out := ss.outbound(msg, to, raw, cfg.Now())
	out.From = local.SRSForward(sender, cfg.Host.Domain.Name, cfg.Now())
	out.Notify, out.ORCPT = nil, nil
	if sender != "" {
		ss.publish(event.Event{Kind: event.RouteDecision, Step: 6, Msg: msg, To: to, Route: "forward",
			Detail: fmt.Sprintf("envelope sender rewritten (SRS): %s → %s", sender, out.From)})
	}
	if err := cfg.Enqueue(out); err != nil {
		return ss.reject(6, "data", errLocalError, to...)
	}
	return nil
}

// sendAs checks the From: header of a submission against the user's
// identities (553 5.7.1 for an address the user may not use) and, for an
// identity other than the user's own, adds Sender: (RFC 5322 §3.6.2: who
// actually sent it, shown as "on behalf of") and the identity's Reply-To.
func (ss *session) sendAs(raw []byte, info messageInfo) ([]byte, error) {
	u := ss.srv.cfg.Network.User(ss.user)
	if u == nil || info.from == "" {
		return raw, nil
	}
	ok, replyTo := u.MaySendAs(info.from)
	if !ok {
		e := *errSendAs
		e.Message = fmt.Sprintf("%s may not send as %s", ss.user, info.from)
		return nil, ss.reject(2, "data", &e, ss.rcpts...)
	}
	if strings.EqualFold(info.from, u.Address) {
		return raw, nil
	}
	var add bytes.Buffer
	if !info.hasSender {
		fmt.Fprintf(&add, "Sender: %s\r\n", u.Address)
	}
	if replyTo != "" && !info.hasReplyTo {
		fmt.Fprintf(&add, "Reply-To: %s\r\n", replyTo)
	}
	return append(add.Bytes(), raw...), nil
}

// checkSendAs refuses MAIL FROM an address the authenticated user may not
// use (553 5.7.1).
func (ss *session) checkSendAs(from string) *smtp.SMTPError {
	if ss.user == "" || from == "" || ss.fromServer() { // a server logging in to a smarthost relays others' mail
		return nil
	}
	u := ss.srv.cfg.Network.User(ss.user)
	if u == nil {
		return nil
	}
	if ok, _ := u.MaySendAs(from); !ok {
		e := *errSendAs
		e.Message = fmt.Sprintf("%s may not send as %s", ss.user, from)
		return &e
	}
	return nil
}
