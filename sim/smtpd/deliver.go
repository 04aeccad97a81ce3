package smtpd

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailflow/mailflow/sim/envelope"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/local"
	"github.com/mailflow/mailflow/topology"
)

// accept files or queues a received message; it returns nil (250) only once
// every recipient's copy is in a mailbox or in the queue, or was dropped by
// a rule that says so in an event, and an error (the reply) only when no
// copy was kept at all: a client that retries after a 4xx never makes a
// recipient get the message twice.
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
	d := &delivery{ss: ss, msg: msg, now: now, filed: map[string]bool{}}
	spam := false
	if cfg.Policy != nil {
		switch action, word := cfg.Policy.Content(info.subject, info.text); action {
		case "reject":
			e := *errContent
			e.Message = fmt.Sprintf("Message refused: it contains %q", word)
			return ss.reject(ss.stepHere(2), "data", &e, ss.rcpts...)
		case "spam":
			spam = true
			d.note(event.Event{Kind: event.RouteDecision, Step: 6, Msg: msg, To: ss.rcpts, Route: "spam",
				Reason: "content", Rule: word, Folder: "Spam"})
		}
	}
	if ss.quarantine != "" && !spam {
		spam = true
		d.note(event.Event{Kind: event.RouteDecision, Step: 6, Msg: msg, To: ss.rcpts, Route: "spam",
			Reason: "dmarc", Rule: ss.quarantine, Folder: "Spam"})
	}
	d.raw = append([]byte(ss.receivedHeader(now)), raw...)

	accepted := event.Event{Kind: event.SMTPAccepted, Step: ss.stepHere(2), Msg: msg, From: ss.from, To: ss.rcpts,
		Subject: info.subject, Size: len(d.raw), Attachments: info.attachments}
	accepted.SetReply(event.ReplyOf(replyDataOK, event.StageData, event.SideServer))
	d.note(accepted)

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
			d.note(event.Event{Kind: event.RouteDecision, Step: 3, Msg: msg, To: locals, Route: "local"})
		}
		if len(remote) > 0 {
			e := event.Event{Kind: event.RouteDecision, Step: 3, Msg: msg, To: remote, Route: "relay"}
			e.Rule = ss.relayWhy
			d.note(e)
		}
	}
	if len(remote) > 0 && cfg.Take != nil {
		d.queue = append(d.queue, ss.outbound(msg, remote, d.raw, now))
	}
	m := local.Message{From: info.from, Subject: info.subject}
	for _, rcpt := range locals {
		if err := d.local(rcpt, m, spam); err != nil {
			return err
		}
	}
	return d.commit()
}

// delivery is one transaction's copies, planned before any is made: the
// messages for the queue, the mailbox copies, and the events that tell of
// them. Planning decides and checks everything; commit then hands the queued
// copies over all at once (the one step that can fail, and it fails whole)
// and files the mailbox copies, whose mailboxes the plan checked. So a 250
// to DATA means every copy is owned and a 451 means none was made.
type delivery struct {
	ss     *session
	msg    string
	now    time.Time
	raw    []byte
	queue  []envelope.Message
	files  []filing
	events []event.Event   // published in this order once the copies are made
	filed  map[string]bool // users given a copy: one per user per message
}

// filing is one mailbox copy.
type filing struct {
	user, rcpt, folder string
	flags              []string
	event              int // the mailbox.store event, told the UID once filed
}

func (d *delivery) note(e event.Event) { d.events = append(d.events, e) }

// commit makes the planned copies, then tells of them.
func (d *delivery) commit() error {
	ss, cfg := d.ss, d.ss.srv.cfg
	start := func() {}
	if len(d.queue) > 0 {
		var err error
		if start, err = cfg.Take(d.queue...); err != nil {
			cfg.Logger.Error("enqueue", "conn", ss.id, "msg", d.msg, "err", err)
			return ss.reject(ss.stepHere(2), "data", errLocalError, ss.rcpts...)
		}
	}
	for _, f := range d.files {
		// RFC 5321 §4.4: the final delivery records the envelope sender.
		filed := append([]byte(fmt.Sprintf("Return-Path: <%s>\r\n", ss.from)), d.raw...)
		uid, err := cfg.Store.Deliver(f.user, f.folder, filed, cfg.Now(), f.flags...)
		if err != nil {
			// The plan found the mailbox and mailboxes are never removed;
			// should it happen, the client keeps the message (a copy the
			// queue took may then go twice, which beats losing one).
			cfg.Logger.Error("deliver", "conn", ss.id, "rcpt", f.rcpt, "err", err)
			start()
			return ss.reject(6, "data", errLocalError, f.rcpt)
		}
		d.events[f.event].UID = uid
	}
	for _, e := range d.events {
		ss.publish(e)
	}
	start()
	return nil
}

// local plans step 6 for one recipient of the host's domain: a host that
// does not keep the mailboxes passes it on to the one that does; an SRS
// address is a bounce to pass back; aliases expand; each user's filters
// decide the folder.
func (d *delivery) local(rcpt string, m local.Message, spam bool) error {
	ss, cfg := d.ss, d.ss.srv.cfg
	dom := cfg.Host.Domain
	if !cfg.Host.Mailboxes && dom.MailboxHost != nil && cfg.Take != nil {
		out := ss.outbound(d.msg, []string{rcpt}, d.raw, d.now)
		out.NextHop = dom.MailboxHost.Name
		d.queue = append(d.queue, out)
		return nil
	}
	kind, orig := cfg.Resolver.Kind(rcpt)
	if kind == local.Bounce {
		d.note(event.Event{Kind: event.RouteDecision, Step: 6, Msg: d.msg, To: []string{rcpt}, Route: "srs",
			Targets: []string{orig}})
		d.forward([]string{orig}, "")
		return nil
	}
	targets, loopErr := cfg.Resolver.Expand(rcpt)
	if kind == local.Group {
		var names []string
		for _, t := range targets {
			names = append(names, targetName(t))
		}
		e := event.Event{Kind: event.RouteDecision, Step: 6, Msg: d.msg, To: []string{rcpt}, Route: "alias", Targets: names}
		if loopErr != nil {
			e.Error = loopErr.Error()
		}
		d.note(e)
	}
	var forwards []string
	for _, t := range targets {
		if t.Remote != "" {
			forwards = append(forwards, t.Remote)
			continue
		}
		m.Tag = t.Tag
		fwd, err := d.store(rcpt, t.User, m, spam)
		if err != nil {
			return err
		}
		forwards = append(forwards, fwd...)
	}
	if len(forwards) > 0 {
		d.forward(forwards, ss.from)
	}
	return nil
}

func targetName(t local.Target) string {
	if t.User != nil {
		return t.User.Address
	}
	return t.Remote
}

// store plans one copy for a user's mailbox, where the filters say; it
// returns the addresses a filter forwards to. A user reached twice in one
// message (named twice, or also through an alias) gets one copy.
func (d *delivery) store(rcpt string, u *topology.User, m local.Message, spam bool) ([]string, error) {
	ss, cfg := d.ss, d.ss.srv.cfg
	key := strings.ToLower(u.Address)
	if d.filed[key] {
		return nil, nil
	}
	d.filed[key] = true
	dec := local.Filter(u, m)
	if spam {
		dec.Folder = "Spam"
	}
	if dec.Delete {
		d.note(event.Event{Kind: event.MessageDropped, Step: 6, Msg: d.msg, To: []string{rcpt}, User: u.Address,
			Reason: event.ReasonFilter, Rule: dec.Filter})
		return dec.Forward, nil
	}
	if !cfg.Store.HasUser(u.Address) {
		cfg.Logger.Error("deliver", "conn", ss.id, "rcpt", rcpt, "err", "no mailbox for "+u.Address)
		return nil, ss.reject(6, "data", errLocalError, rcpt)
	}
	e := event.Event{Kind: event.MailboxStore, Step: 6, Msg: d.msg, User: u.Address, To: []string{rcpt},
		Folder: dec.Folder, Subject: m.Subject, Peer: "-"}
	e.Rule, e.Flags = dec.Filter, dec.Flags
	d.note(e)
	d.files = append(d.files, filing{user: u.Address, rcpt: rcpt, folder: dec.Folder, flags: dec.Flags,
		event: len(d.events) - 1})
	return dec.Forward, nil
}

// forward plans a copy for addresses in other domains. The envelope sender
// is rewritten with SRS so that the next hops see this domain as the
// sender and a bounce comes back here first.
func (d *delivery) forward(to []string, sender string) {
	ss, cfg := d.ss, d.ss.srv.cfg
	if cfg.Take == nil {
		return
	}
	out := ss.outbound(d.msg, to, d.raw, d.now)
	out.From = local.SRSForward(sender, cfg.Host.Domain.Name, d.now)
	out.Notify, out.ORCPT = nil, nil
	out.Forwarded = true
	if sender != "" {
		d.note(event.Event{Kind: event.RouteDecision, Step: 6, Msg: d.msg, To: to, Route: "forward",
			From: sender, Rewritten: out.From})
	}
	d.queue = append(d.queue, out)
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
