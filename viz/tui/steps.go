package tui

import (
	"strings"

	"github.com/mailflow/mailflow/sim/event"
)

// StartsStep reports whether e moves its message on to a new step, given the
// step the message is in (0 before any). It is the one rule behind the
// strip, the stops of step-through and the gate that pauses the world, so
// all three agree on what "the next step" is.
//
// An event starts a step when it belongs to a message and a step other than
// the current one, and either goes forward or opens something again (a
// relay hop or a retry repeats steps 3–5). Events that only close what a
// step began — a connection's transcript, the sending side's "done" after
// the mailbox already has the message — never start one.
func StartsStep(current int, e event.Event) bool {
	if e.Msg == "" || e.Step < 1 || e.Step > 6 || e.Step == current || closes(e.Kind) {
		return false
	}
	return e.Step > current || opens(e.Kind)
}

// closes lists the kinds that report the end of something already shown.
func closes(k event.Kind) bool {
	return k == event.SMTPTranscript || k == event.RelayDone
}

// opens lists the kinds that begin a step's work, including kinds that may
// come later (queue.retry, ...), by their last word.
func opens(k event.Kind) bool {
	switch k {
	case event.SMTPConnect, event.RelayConnect, event.DNSQuery, event.RouteDecision:
		return true
	}
	s := string(k)
	return strings.HasSuffix(s, ".connect") || strings.HasSuffix(s, ".query") || strings.HasSuffix(s, ".retry")
}

// StepState is how far a message got with one step.
type StepState int

// The states a step box can show.
const (
	StepNone    StepState = iota // not reached (yet)
	StepCurrent                  // the message is in this step now
	StepDone                     // finished
	StepWaiting                  // queued: a temporary failure, a retry will come
	StepFailed                   // failed for good
)

// failed reports whether e says the step it belongs to failed for good: a
// permanent (5xx) refusal, a queue that gives up.
func failed(e event.Event) bool {
	switch e.Kind {
	case event.QueueFailed:
		return true
	case event.SMTPReply, event.SMTPAuth:
		return e.Code >= 500
	}
	return strings.HasSuffix(string(e.Kind), ".failed") || strings.HasSuffix(string(e.Kind), ".bounced")
}

// deferred reports whether e says the message waits: a temporary (4xx)
// refusal, a deferral, a retry scheduled.
func deferred(e event.Event) bool {
	switch e.Kind {
	case event.QueueDeferred, event.QueueRetry:
		return true
	case event.SMTPReply:
		return e.Code >= 400 && e.Code < 500
	}
	return strings.HasSuffix(string(e.Kind), ".deferred")
}
