package queue

import (
	"fmt"
	"strings"

	"github.com/mailflow/mailflow/sim/event"
)

// deliveryError is a failed attempt: either a reply the next hop sent
// (reply), or something this host found or decided itself (local) — a DNS
// failure, a refused connection, a TLS policy, giving up. Permanent ones are
// not retried (RFC 5321 §4.2.1: 5yz replies are permanent).
type deliveryError struct {
	permanent bool
	// connLevel failures (cannot connect, greeting, EHLO, TLS) send the
	// client on to the next MX; transaction replies do not.
	connLevel bool
	// step is where the failure happened: 4 (DNS) or 5 (transfer).
	step  int
	reply *event.Reply
	local *event.Local
	text  string // the words of a local failure
}

// fromError turns an error of the SMTP dialogue into a delivery error, the
// way events see it (event.SetError): the peer's reply, or a local failure.
func fromError(err error, stage string) *deliveryError {
	var e event.Event
	e.SetError(err, stage, event.SideClient)
	d := &deliveryError{step: 5, reply: e.Reply, local: e.Local, text: e.Error}
	if d.reply != nil {
		d.permanent = d.reply.Code >= 500
	}
	return d
}

// localError is a failure this host decided itself; status() gives its
// class from permanent.
func localError(permanent bool, step int, reason, stage, format string, args ...any) *deliveryError {
	return &deliveryError{permanent: permanent, step: step, text: fmt.Sprintf(format, args...),
		local: &event.Local{Reason: reason, Status: event.StatusOfReason(reason), Stage: stage}}
}

func (e *deliveryError) Error() string {
	if e.reply != nil {
		return strings.TrimSpace(fmt.Sprintf("%d %s %s", e.reply.Code, e.reply.Enhanced, e.reply.Text))
	}
	return e.text
}

// status is the DSN status of the failure (RFC 3463): the reply's enhanced
// code, or the local one; its class follows the queue's decision, so a
// refusal the queue keeps retrying (a smarthost's 535) reads 4.x.x.
func (e *deliveryError) status() string {
	s := ""
	switch {
	case e.reply != nil:
		s = e.reply.Enhanced
	case e.local != nil:
		s = e.local.Status
	}
	if s == "" {
		s = "4.0.0"
	}
	if e.permanent {
		return "5" + s[1:]
	}
	return "4" + s[1:]
}

// diagnostic is the Diagnostic-Code text: the remote reply when there was
// one.
func (e *deliveryError) diagnostic() string {
	if e.reply != nil {
		return "smtp; " + e.Error()
	}
	return e.text
}

// describe puts the failure on an event.
func (e *deliveryError) describe(ev *event.Event) {
	ev.Step = e.step
	switch {
	case e.reply != nil:
		ev.SetReply(*e.reply)
	default:
		l := event.Local{Reason: event.ReasonOther}
		if e.local != nil {
			l = *e.local
		}
		ev.SetLocal(l.Reason, e.status(), l.Stage, e.text)
	}
}
