package sim

import (
	"sort"
	"strings"
	"sync"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/event"
)

// Recipient states, from the events. Final ones end a wait.
const (
	stateSent      = "in flight"
	stateDelivered = "delivered"
	stateQueued    = "queued"   // a delivery attempt failed temporarily
	stateFailed    = "failed"   // a later hop refused permanently
	stateRejected  = "rejected" // the submission server refused it
)

// tracker follows every message's recipients through the events: a sink on
// the bus, so its view is exactly what the trace says.
type tracker struct {
	mu       sync.Mutex
	messages map[string]*tracked
	order    []string
	fetches  map[string]fetchResult
}

type tracked struct {
	id, from, subject string
	rcpts             map[string]string // lower-cased address → state
	rcptOrder         []string
	steps             []int
	mailboxes         []string
	lastError         string
}

func newTracker(*scenarios.Scenario) *tracker {
	return &tracker{messages: map[string]*tracked{}, fetches: map[string]fetchResult{}}
}

// expect registers a message about to be sent.
func (t *tracker) expect(id, from, subject string, rcpts []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := &tracked{id: id, from: from, subject: subject, rcpts: map[string]string{}}
	for _, r := range rcpts {
		k := strings.ToLower(r)
		if _, dup := m.rcpts[k]; !dup {
			m.rcptOrder = append(m.rcptOrder, k)
		}
		m.rcpts[k] = stateSent
	}
	t.messages[id] = m
	t.order = append(t.order, id)
}

// Handle updates states from one event.
func (t *tracker) Handle(e event.Event) {
	if e.Msg == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	m, ok := t.messages[e.Msg]
	if !ok { // a message from outside the scenario, e.g. a student's swaks
		m = &tracked{id: e.Msg, from: e.From, subject: e.Subject, rcpts: map[string]string{}}
		t.messages[e.Msg] = m
		t.order = append(t.order, e.Msg)
	}
	if e.Step > 0 && (len(m.steps) == 0 || !containsInt(m.steps, e.Step)) {
		m.steps = append(m.steps, e.Step)
	}
	set := func(state string) {
		for _, r := range e.To {
			k := strings.ToLower(r)
			if _, known := m.rcpts[k]; !known {
				m.rcptOrder = append(m.rcptOrder, k)
			}
			if cur := m.rcpts[k]; cur == stateDelivered || cur == stateRejected || cur == stateFailed {
				continue // final
			}
			m.rcpts[k] = state
		}
	}
	switch e.Kind {
	case event.SMTPAccepted:
		if m.subject == "" {
			m.subject = e.Subject
		}
		if m.from == "" {
			m.from = e.From
		}
		set(stateSent)
	case event.MailboxStore:
		set(stateDelivered)
		m.mailboxes = append(m.mailboxes, e.User+"/"+e.Folder)
	case event.QueueDeferred:
		set(stateQueued)
		m.lastError = e.Error
	case event.QueueFailed:
		set(stateFailed)
		m.lastError = e.Error
	case event.SMTPReply:
		if e.Code >= 400 {
			set(stateRejected)
			m.lastError = e.Error
		}
	}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// settled reports whether every recipient of the given messages (all when
// ids is empty) is in a final state: delivered, failed or rejected.
func (t *tracker) settled(ids []string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(ids) == 0 {
		ids = t.order
	}
	for _, id := range ids {
		m, ok := t.messages[id]
		if !ok {
			return false
		}
		for _, st := range m.rcpts {
			if st == stateSent || st == stateQueued {
				return false
			}
		}
	}
	return true
}

// steps returns the distinct steps a message went through, in order.
func (t *tracker) steps(id string) []int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m, ok := t.messages[id]; ok {
		return append([]int(nil), m.steps...)
	}
	return nil
}

// outcomes lists every message's final state for the summary. A message is
// delivered when every recipient is, and otherwise takes the state of its
// first unfinished recipient ("partly delivered" when some arrived).
func (t *tracker) outcomes() []event.MessageOutcome {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []event.MessageOutcome
	for _, id := range t.order {
		m := t.messages[id]
		o := event.MessageOutcome{Msg: id, From: m.from, Subject: m.subject, Steps: append([]int(nil), m.steps...),
			Mailboxes: append([]string(nil), m.mailboxes...), Error: m.lastError}
		delivered, state := 0, ""
		for _, r := range m.rcptOrder {
			o.To = append(o.To, r)
			if m.rcpts[r] == stateDelivered {
				delivered++
			} else if state == "" {
				state = m.rcpts[r]
			}
		}
		switch {
		case delivered == len(m.rcptOrder):
			o.State = stateDelivered
		case delivered > 0:
			o.State = "partly delivered, " + state
		default:
			o.State = state
		}
		sort.Strings(o.Mailboxes)
		out = append(out, o)
	}
	return out
}

func (t *tracker) recordFetch(id string, r fetchResult) {
	t.mu.Lock()
	t.fetches[id] = r
	t.mu.Unlock()
}

func (t *tracker) fetched(id string) (fetchResult, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.fetches[id]
	return r, ok
}
