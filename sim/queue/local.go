package queue

import (
	"bytes"
	"mime"
	"net/mail"
	"strings"

	"github.com/mailflow/mailflow/sim/envelope"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/local"
)

// fileLocal delivers a message for mailboxes this host keeps — mail it
// generated itself, a bounce or a delay notice for a local sender — by
// filing it, as the same-domain lesson says: step 3 decides "local", step
// 6 files. No DNS lookup, no SMTP connection to its own address.
func (q *Queue) fileLocal(e *Entry, rcpts []string) map[string]result {
	q.publish(event.Event{Kind: event.RouteDecision, Step: 3, Msg: e.Msg, To: rcpts, Route: "local"})
	m := headerInfo(e.Data)
	out := map[string]result{}
	for _, rcpt := range rcpts {
		var res result
		f, err := q.cfg.Filer.File(rcpt, e.From, e.Data, m, q.cfg.Now())
		switch {
		case err != nil:
			res.err = localError(false, 6, event.ReasonStore, "", "filing in the mailbox failed: %v", err)
		case f.Kind == local.Unknown:
			res.err = localError(true, 6, event.ReasonNoMailbox, "", "no mailbox %s on %s", rcpt, q.cfg.Host.Name)
		default:
			q.reportFiling(e, rcpt, f, m.Subject)
		}
		if res.err != nil {
			q.report(e, []string{rcpt}, res.err, "")
		}
		out[strings.ToLower(rcpt)] = res
	}
	return out
}

// reportFiling tells what became of one recipient filed locally, and
// queues the copies for other domains.
func (q *Queue) reportFiling(e *Entry, rcpt string, f local.Filing, subject string) {
	switch f.Kind {
	case local.Bounce:
		q.publish(event.Event{Kind: event.RouteDecision, Step: 6, Msg: e.Msg, To: []string{rcpt}, Route: "srs",
			Targets: f.Expanded})
	case local.Group:
		ev := event.Event{Kind: event.RouteDecision, Step: 6, Msg: e.Msg, To: []string{rcpt}, Route: "alias",
			Targets: f.Expanded}
		if f.Loop != nil {
			ev.Error = f.Loop.Error()
		}
		q.publish(ev)
	}
	for _, c := range f.Copies {
		if c.Deleted {
			q.publish(event.Event{Kind: event.MessageDropped, Step: 6, Msg: e.Msg, To: []string{rcpt}, User: c.User,
				Reason: event.ReasonFilter, Rule: c.Filter})
			continue
		}
		q.publish(event.Event{Kind: event.MailboxStore, Step: 6, Msg: e.Msg, User: c.User, To: []string{rcpt},
			Folder: c.Folder, UID: c.UID, Subject: subject, Rule: c.Filter, Flags: c.Flags, Peer: "-"})
	}
	if len(f.Forward) > 0 {
		// Passed on with the null sender the notice already has: nothing
		// to rewrite, and a notice about a notice is never sent.
		q.Enqueue(envelope.Message{Msg: e.Msg, From: e.From, To: f.Forward, Data: e.Data, Arrived: q.cfg.Now(),
			FromHost: q.cfg.Host.Name})
	}
}

// headerInfo reads what filters look at from a message's header.
func headerInfo(raw []byte) local.Message {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return local.Message{}
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	from := msg.Header.Get("From")
	if a, err := mail.ParseAddress(from); err == nil {
		from = a.Address
	}
	return local.Message{From: from, Subject: subject}
}
