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

// closes lists the kinds that report the end of something already shown:
// a dialogue, the sender's "done", the queue's account of an attempt.
func closes(k event.Kind) bool {
	switch k {
	case event.SMTPTranscript, event.RelayDone, event.QueueDeferred, event.QueueFailed, event.QueueRetry,
		event.DSNSent, event.MessageDropped:
		return true
	}
	return false
}

// progress follows each message for StartsStep. A deferral puts the
// message back before any step, so the retry that follows starts one again
// (and step-through stops before it) even when it repeats the same step.
type progress map[string]int

// starts reports whether e starts a step, and moves the message on.
func (p progress) starts(e event.Event) bool {
	s := StartsStep(p[e.Msg], e)
	switch {
	case s:
		p[e.Msg] = e.Step
	case e.Msg != "" && deferred(e):
		p[e.Msg] = 0
	}
	return s
}

// Stops decides where the view stops: before every step a message starts
// (StartsStep), and just after every failure of a message — a refusal, a
// deferral, a DNS error — so the class sees the ✗ and its reason before
// anything else happens. One failure told several times (the server's
// refusal, then the sender's account of it, then the queue's) stops once,
// unless a wait turns into a failure for good (the queue gives up after a
// last 451): that stops again.
//
// The timeline and the gate both use it, so a replay stops where the live
// world paused; another view following a run (the web page) uses it to
// stop at the same places.
type Stops struct {
	step    progress
	failing map[string]int // how bad the failure stopped at: 1 a wait, 2 for good
	after   bool           // the last event was a failure to stop after
}

// NewStops starts following a run from its first event.
func NewStops() *Stops { return &Stops{step: progress{}, failing: map[string]int{}} }

// Next takes the next event of the run and reports whether the view stops
// just before it, and whether it starts a step.
func (s *Stops) Next(e event.Event) (stop, starts bool) {
	stop, s.after = s.after, false
	starts = s.step.starts(e)
	if starts {
		delete(s.failing, e.Msg)
	}
	level := 0
	switch {
	case e.Msg == "" || e.Step < 1 || e.Step > 6:
	case failed(e):
		level = 2
	case deferred(e):
		level = 1
	}
	if level > s.failing[e.Msg] {
		s.failing[e.Msg] = level
		s.after = true
	}
	return stop || starts, starts
}

// opens lists the kinds that begin a step's work, including kinds that may
// come later (lmtp.connect, ...), by their last word.
func opens(k event.Kind) bool {
	switch k {
	case event.SMTPConnect, event.RelayConnect, event.DNSQuery, event.RouteDecision:
		return true
	}
	s := string(k)
	return strings.HasSuffix(s, ".connect") || strings.HasSuffix(s, ".query")
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
		return e.Code() >= 500 || e.Local != nil && strings.HasPrefix(e.Local.Status, "5")
	case event.DNSAnswer: // the domain does not exist (for a sender check, only a record)
		return e.Msg != "" && e.Rcode == "NXDOMAIN" && e.Purpose != event.PurposeAuth
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
		return e.Code() >= 400 && e.Code() < 500 || e.Local != nil && !strings.HasPrefix(e.Local.Status, "5")
	case event.DNSAnswer: // SERVFAIL, REFUSED: try again later
		return e.Msg != "" && e.Rcode != "" && e.Rcode != "NOERROR" && e.Rcode != "NXDOMAIN" && e.Purpose != event.PurposeAuth
	}
	return strings.HasSuffix(string(e.Kind), ".deferred")
}
