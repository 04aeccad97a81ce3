package queue

import (
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-smtp"

	"github.com/mailflow/mailflow/sim/dsn"
	"github.com/mailflow/mailflow/sim/envelope"
	"github.com/mailflow/mailflow/sim/event"
)

// bounceFailed sends the sender one DSN covering the message's failed
// recipients (RFC 3464), once no recipient is pending any more. It sends
// none for a bounce itself (null sender: RFC 5321 §4.5.5, never a bounce
// for a bounce), nor for recipients whose NOTIFY leaves out FAILURE
// (RFC 3461 §4.1).
func (q *Queue) bounceFailed(e *Entry) {
	var failed []*Recipient
	for _, r := range e.Recipients {
		if r.State == Failed {
			failed = append(failed, r)
		}
	}
	if len(failed) == 0 {
		return
	}
	if e.From == "" {
		q.publish(event.Event{Kind: event.MessageDropped, Msg: e.Msg, To: addresses(failed),
			Reason: event.ReasonNullSender})
		return
	}
	var notify []*Recipient
	for _, r := range failed {
		if wants(e.Notify[strings.ToLower(r.Address)], smtp.DSNNotifyFailure) {
			notify = append(notify, r)
		}
	}
	if len(notify) < len(failed) {
		var quiet []*Recipient
		for _, r := range failed {
			if !slices.Contains(notify, r) {
				quiet = append(quiet, r)
			}
		}
		q.publish(event.Event{Kind: event.MessageDropped, Msg: e.Msg, To: addresses(quiet),
			Reason: event.ReasonNotify})
	}
	if len(notify) > 0 {
		q.sendDSN(e, notify, dsn.Failed)
	}
}

// notifyDelay sends a "delayed" notice for the pending recipients that did
// not refuse it (RFC 3461 §4.1: without NOTIFY the MTA may send one).
func (q *Queue) notifyDelay(e *Entry) {
	if e.From == "" {
		return
	}
	var delayed []*Recipient
	for _, r := range e.Recipients {
		if r.State == Pending && wants(e.Notify[strings.ToLower(r.Address)], smtp.DSNNotifyDelayed) {
			delayed = append(delayed, r)
		}
	}
	if len(delayed) > 0 {
		q.sendDSN(e, delayed, dsn.Delayed)
	}
}

// wants reports whether a NOTIFY list asks for a kind of notice; no NOTIFY
// means failures and delays (RFC 3461 §4.1 leaves delays to the MTA).
func wants(notify []smtp.DSNNotify, kind smtp.DSNNotify) bool {
	if len(notify) == 0 {
		return kind == smtp.DSNNotifyFailure || kind == smtp.DSNNotifyDelayed
	}
	return slices.Contains(notify, kind)
}

func addresses(rs []*Recipient) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Address)
	}
	return out
}

// sendDSN builds the notice and queues it for the sender like any message:
// MAIL FROM:<> through the real servers into the sender's mailbox.
func (q *Queue) sendDSN(e *Entry, rs []*Recipient, action dsn.Action) {
	q.mu.Lock()
	q.bounce++
	n := q.bounce
	q.mu.Unlock()
	now := q.cfg.Now()
	host := q.cfg.Host.Name
	suffix := map[dsn.Action]string{dsn.Failed: "bounce", dsn.Delayed: "delay"}[action]
	id := fmt.Sprintf("%s.%s", e.Msg, suffix)
	messageID := fmt.Sprintf("<%s.%d.%s@%s>", e.Msg, n, suffix, host)
	rep := dsn.Report{ReportingMTA: "dns;" + host, ArrivalDate: e.Arrived, EnvelopeID: e.EnvID,
		From: "Mail Delivery System <MAILER-DAEMON@" + host + ">", To: e.From, Return: dsn.Return(e.Ret),
		Original: e.Data, MessageID: messageID, Date: now}
	for _, r := range rs {
		dr := dsn.Recipient{Original: e.ORCPT[strings.ToLower(r.Address)], Final: r.Address, Action: action,
			Status: r.Status, Diagnostic: r.Diagnosis, LastAttempt: r.Attempted}
		if r.Remote != "" {
			dr.RemoteMTA = "dns;" + r.Remote
		}
		if action == dsn.Delayed {
			dr.WillRetryUntil = e.Arrived.Add(q.cfg.Policy.GiveUp)
		}
		rep.Recipients = append(rep.Recipients, dr)
	}
	raw, err := dsn.Build(rep)
	if err != nil {
		q.cfg.Logger.Error("building a DSN", "msg", e.Msg, "err", err)
		return
	}
	q.cfg.Register(messageID, id)
	notice := &event.Notice{ID: id, Action: string(action), Status: rs[0].Status, Diagnostic: rs[0].Diagnosis}
	if len(rs) > 1 { // each recipient with its own status, as the notice reports them
		for _, r := range rs {
			notice.Recipients = append(notice.Recipients,
				event.NoticeRecipient{Address: r.Address, Status: r.Status, Diagnostic: r.Diagnosis})
		}
	}
	q.publish(event.Event{Kind: event.DSNSent, Msg: e.Msg, From: e.From, To: addresses(rs), State: string(action),
		Notice: notice})
	// The notice is a message of its own, with the null sender so that it
	// can never cause another notice.
	q.Enqueue(envelope.Message{Msg: id, From: "", To: []string{e.From}, Data: raw, Arrived: now, FromHost: host})
}
