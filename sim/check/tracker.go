package check

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/mailflow/mailflow/sim/client"
	"github.com/mailflow/mailflow/sim/event"
)

// Recipient states, from the events. Final ones end a wait.
const (
	StateSent      = "in flight"
	StateDelivered = "delivered"
	StateQueued    = "queued"   // a delivery attempt failed temporarily
	StateFailed    = "failed"   // a later hop refused permanently, no notice yet
	StateRejected  = "rejected" // the submission server refused it
	StateBounced   = "bounced"  // failed, and the sender was sent a notice
	StateDropped   = "dropped"  // failed, and by rule no notice (a bounce's own failure, NOTIFY)
	StateExpanded  = "expanded" // an alias or SRS address: its members carry on
)

// Final reports whether a recipient state ends its story.
func Final(state string) bool {
	switch state {
	case StateDelivered, StateRejected, StateBounced, StateDropped, StateFailed, StateExpanded:
		return true
	}
	return false
}

// Tracker follows every message's recipients through the events: a sink on
// the bus, so its view is exactly what the trace says.
type Tracker struct {
	mu       sync.Mutex
	messages map[string]*tracked
	order    []string
	fetches  map[string]client.Fetched
	keep     int      // finished messages kept; 0 keeps all (tracker_release.go)
	done     []string // finished messages, oldest first, when keep is set
}

type tracked struct {
	id, from, subject string
	accepted          bool              // a server answered 250 to the message's DATA
	rcpts             map[string]string // lower-cased address → state
	rcptOrder         []string
	steps             []int
	mailboxes         []string
	lastError         string
	finished          bool // counted in Tracker.done
}

func NewTracker() *Tracker {
	return &Tracker{messages: map[string]*tracked{}, fetches: map[string]client.Fetched{}}
}

// Expect registers a message about to be sent.
func (t *Tracker) Expect(id, from, subject string, rcpts []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := &tracked{id: id, from: from, subject: subject, rcpts: map[string]string{}}
	for _, r := range rcpts {
		k := strings.ToLower(r)
		if _, dup := m.rcpts[k]; !dup {
			m.rcptOrder = append(m.rcptOrder, k)
		}
		m.rcpts[k] = StateSent
	}
	t.messages[id] = m
	t.order = append(t.order, id)
}

// Handle updates states from one event.
func (t *Tracker) Handle(e event.Event) {
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
	defer t.afterHandle(m)
	if e.Step > 0 && (len(m.steps) == 0 || !containsInt(m.steps, e.Step)) {
		m.steps = append(m.steps, e.Step)
	}
	set := func(state string) {
		for _, r := range e.To {
			k := strings.ToLower(r)
			if _, known := m.rcpts[k]; !known {
				m.rcptOrder = append(m.rcptOrder, k)
			}
			cur := m.rcpts[k]
			if Final(cur) && !(cur == StateFailed && (state == StateBounced || state == StateDropped)) {
				continue // a failure may still turn into a bounce; nothing else changes a final state
			}
			m.rcpts[k] = state
		}
	}
	switch e.Kind {
	case event.SMTPAccepted:
		m.accepted = true
		if m.subject == "" {
			m.subject = e.Subject
		}
		if m.from == "" {
			m.from = e.From
		}
		set(StateSent)
	case event.MailboxStore:
		set(StateDelivered)
		m.mailboxes = append(m.mailboxes, e.User+"/"+e.Folder)
	case event.QueueDeferred:
		set(StateQueued)
		m.lastError = e.Error
	case event.QueueFailed:
		set(StateFailed)
		m.lastError = e.Error
	case event.QueueRetry, event.QueueWait:
		set(StateQueued)
	case event.DSNSent:
		if e.State == "failed" {
			set(StateBounced)
		}
	case event.MessageDropped:
		set(StateDropped)
	case event.RouteDecision:
		if e.Route == "alias" || e.Route == "srs" {
			set(StateExpanded)
		}
	case event.SMTPReply:
		// The client's own account of a refusal: what a server refuses on
		// a later hop is the queue's to report (deferred or failed).
		if _, client := event.ClientUser(e.Actor); client && e.Failed() {
			set(StateRejected)
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

// Settled reports whether every recipient of the given messages (all when
// ids is empty) is in a final state: delivered, failed or rejected.
func (t *Tracker) Settled(ids []string) bool {
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
			if !Final(st) {
				return false
			}
		}
	}
	return true
}

// Steps returns the distinct steps a message went through, in order.
func (t *Tracker) Steps(id string) []int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m, ok := t.messages[id]; ok {
		return append([]int(nil), m.steps...)
	}
	return nil
}

// Outcomes lists every message's final state for the summary. A message is
// delivered when every recipient is, and otherwise takes the state of its
// first unfinished recipient ("partly delivered" when some arrived).
func (t *Tracker) Outcomes() []event.MessageOutcome {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []event.MessageOutcome
	for _, id := range t.order {
		m := t.messages[id]
		o := event.MessageOutcome{Msg: id, From: m.from, Subject: m.subject, Steps: append([]int(nil), m.steps...),
			Mailboxes: append([]string(nil), m.mailboxes...), Error: m.lastError}
		delivered, counted, state := 0, 0, ""
		for _, r := range m.rcptOrder {
			o.To = append(o.To, r)
			switch st := m.rcpts[r]; {
			case st == StateExpanded: // an alias: its members are listed on their own
			case st == StateDelivered:
				delivered++
				counted++
			default:
				counted++
				if state == "" {
					state = st
				}
			}
		}
		switch {
		case delivered == counted:
			o.State = StateDelivered
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

// RecordFetch keeps what a fetch action read, for the fetched
// expectations.
func (t *Tracker) RecordFetch(id string, r client.Fetched) {
	t.mu.Lock()
	t.fetches[id] = r
	t.mu.Unlock()
}

// Fetched returns what a fetch action read, false when it did not run.
func (t *Tracker) Fetched(id string) (client.Fetched, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.fetches[id]
	return r, ok
}

// Conservation checks that every message a server accepted with 250 ended
// in a mailbox, a bounce, the queue, or was dropped by a named rule — never
// lost. It returns the recipients that are unaccounted for.
func (t *Tracker) Conservation() (counts map[string]int, lost []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	counts = map[string]int{}
	for _, id := range t.order {
		m := t.messages[id]
		if !m.accepted {
			continue
		}
		for _, r := range m.rcptOrder {
			st := m.rcpts[r]
			switch st {
			case StateDelivered, StateBounced, StateQueued, StateDropped, StateRejected, StateExpanded:
				counts[st]++
			default:
				lost = append(lost, fmt.Sprintf("%s → %s (%s)", id, r, st))
			}
		}
	}
	return counts, lost
}

// Tally counts the recipients of the messages whose ids keep accepts (all
// when nil) by state — delivered, bounced, queued, dropped, rejected,
// expanded, and "in flight" for those in no final state yet, lost once the
// network has settled — and lists those in flight.
func (t *Tracker) Tally(keep func(id string) bool) (counts map[string]int, unsettled []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	counts = map[string]int{}
	for _, id := range t.order {
		if keep != nil && !keep(id) {
			continue
		}
		m := t.messages[id]
		for _, r := range m.rcptOrder {
			st := m.rcpts[r]
			counts[st]++
			if !Final(st) && st != StateQueued {
				unsettled = append(unsettled, fmt.Sprintf("%s → %s (%s)", id, r, st))
			}
		}
	}
	return counts, unsettled
}

// Textless: the tracker reads no narration (event.Textless).
func (t *Tracker) Textless() {}
