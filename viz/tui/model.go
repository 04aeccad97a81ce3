// Package tui is the live classroom view: a terminal screen that shows the
// six steps of delivery as they happen, pausing the world before each step
// when asked, in English or Vietnamese.
//
// It is split like k9s: a pure layer (Model, folded from events; Timeline,
// the history and its stops; Render* functions that turn the model into
// pane text) tested without a terminal, and a thin App that wires tview,
// keys and the event intake. The view only reads events, so a recorded
// trace replays into it exactly as a live run does.
package tui

import (
	"strconv"
	"strings"
	"time"

	"github.com/mailflow/mailflow/sim/event"
)

// Message states as the messages pane shows them.
const (
	StateInFlight  = "in flight"
	StateQueued    = "queued"
	StateDelivered = "delivered"
	StateBounced   = "bounced"
	StateRejected  = "rejected"
	StatePartly    = "partly delivered"
	StateDropped   = "dropped" // failed, and no bounce was sent
)

// Message is one message's progress through the six steps.
type Message struct {
	ID, From, Subject string
	To                []string
	// Current is the step the message is in, 0 before step 1.
	Current int
	// Steps holds the state of steps 1–6 (index 0 unused).
	Steps [7]StepState
	State string
	// Retry is when a queued message is tried again, as the queue tells it;
	// zero when unknown.
	Retry time.Time
	Error string
	// Failure is the event that marked a step failed (✗) or waiting (↻)
	// last: the strip tells its reason. Nil once a retry starts again.
	Failure *event.Event
	// Fetched lists how the recipient read it: "IMAPS", "POP3", ...
	Fetched []string
	rcpts   map[string]string // lower-cased recipient → state
	order   []string
}

// Model is the state of the view after some events: pure data, built by
// folding events with Apply, so that the view at any point of the history
// can be rebuilt by folding a prefix of it.
type Model struct {
	Scenario string
	// Events are the events folded so far, in order: the log.
	Events []event.Event
	// LogConn gives, for each event, the index in Conns of the connection
	// it belongs to, -1 for none.
	LogConn  []int
	Messages []*Message
	Conns    []*Conn
	Hosts    []*Host
	// Clock is the simulated time of the last event, Start that of the
	// first.
	Clock, Start time.Time
	// JustFailed is the message the last event said failed or must wait,
	// "" when the last event was no such failure: the view stands at the
	// failure and shows it.
	JustFailed string
	// Finished is set by the run's summary; Passed and Failed count the
	// expectations checked.
	Finished       bool
	Passed, Failed int

	msgs     map[string]*Message
	hosts    map[string]*Host
	openConn map[string]int
	progress progress
}

// NewModel returns an empty model whose topology starts with hosts (copied):
// a live run knows its hosts before any event, a replay learns them from the
// events.
func NewModel(hosts []Host) *Model {
	m := &Model{msgs: map[string]*Message{}, hosts: map[string]*Host{}, openConn: map[string]int{},
		progress: progress{}}
	for _, h := range hosts {
		h := h
		h.Services = append([]Service(nil), h.Services...)
		h.Faults = append([]string(nil), h.Faults...)
		m.Hosts = append(m.Hosts, &h)
		m.hosts[h.Name] = &h
	}
	return m
}

// Fold builds the model of a prefix of a run.
func Fold(hosts []Host, events []event.Event) *Model {
	m := NewModel(hosts)
	for _, e := range events {
		m.Apply(e)
	}
	return m
}

// Message returns a message by id, nil when unknown.
func (m *Model) Message(id string) *Message { return m.msgs[id] }

// Apply folds one event into the model. Kinds it does not know still make a
// log line; nothing an event says can make it fail.
func (m *Model) Apply(e event.Event) {
	m.Events = append(m.Events, e)
	if e.Time.After(m.Clock) {
		m.Clock = e.Time
	}
	if m.Start.IsZero() && !e.Time.IsZero() {
		m.Start = e.Time
	}
	m.JustFailed = ""
	if e.Msg != "" && e.Step >= 1 && e.Step <= 6 && (failed(e) || deferred(e)) {
		m.JustFailed = e.Msg
	}
	switch e.Kind {
	case event.RunStart:
		if e.Scenario != "" {
			m.Scenario = e.Scenario
		}
	case event.ExpectResult:
		if e.Passed != nil && *e.Passed {
			m.Passed++
		} else {
			m.Failed++
		}
	case event.Summary:
		m.Finished = true
		m.applyOutcomes(e.Outcomes)
	case event.FetchDone:
		for _, id := range e.Messages {
			if msg := m.msgs[id]; msg != nil && e.Service != "" {
				msg.Fetched = append(msg.Fetched, strings.ToUpper(e.Service))
			}
		}
	}
	m.LogConn = append(m.LogConn, m.applyConn(e))
	m.applyHosts(e)
	if e.Msg != "" {
		m.applyMessage(e)
	}
}

func (m *Model) message(id string) *Message {
	msg := m.msgs[id]
	if msg == nil {
		msg = &Message{ID: id, State: StateInFlight, rcpts: map[string]string{}}
		m.msgs[id] = msg
		m.Messages = append(m.Messages, msg)
	}
	return msg
}

func (m *Model) applyMessage(e event.Event) {
	msg := m.message(e.Msg)
	if msg.From == "" {
		msg.From = e.From
	}
	if msg.Subject == "" {
		msg.Subject = e.Subject
	}
	if m.progress.starts(e) {
		if e.Step <= msg.Current { // a retry: what waited in the queue moves again
			for k, st := range msg.rcpts {
				if st == StateQueued {
					msg.rcpts[k] = StateInFlight
				}
			}
			msg.Retry = time.Time{}
			msg.Failure = nil
		}
		// The steps before this one that were under way are finished.
		for s := 1; s < e.Step; s++ {
			if msg.Steps[s] == StepCurrent || msg.Steps[s] == StepWaiting {
				msg.Steps[s] = StepDone
			}
		}
		if msg.Current > e.Step && msg.Steps[msg.Current] == StepCurrent {
			msg.Steps[msg.Current] = StepDone
		}
		msg.Current = e.Step
		if msg.Steps[e.Step] != StepFailed {
			msg.Steps[e.Step] = StepCurrent
		}
	}
	if e.Step >= 1 && e.Step <= 6 && (failed(e) || deferred(e)) {
		// A failure or a wait marks its step, unless the step the message
		// is in already shows one and this is the sending side's account
		// of it (the queue reports at step 5 what DNS did at step 4).
		cur := msg.Steps[msg.Current]
		if e.Step == msg.Current || msg.Current == 0 || (cur != StepFailed && cur != StepWaiting) {
			if failed(e) {
				msg.Steps[e.Step] = StepFailed
			} else if msg.Steps[e.Step] != StepFailed {
				msg.Steps[e.Step] = StepWaiting
			}
			f := e
			msg.Failure = &f
		}
	}
	rcpts := e.To
	switch {
	case e.Kind == event.ActionStart, e.Kind == event.SMTPAccepted:
		msg.setRcpts(rcpts, StateInFlight)
	case e.Kind == event.MailboxStore:
		if len(rcpts) == 0 && e.User != "" {
			rcpts = []string{e.User}
		}
		msg.setRcpts(rcpts, StateDelivered)
		for s := 1; s <= 6; s++ {
			if msg.Steps[s] == StepCurrent || msg.Steps[s] == StepWaiting {
				msg.Steps[s] = StepDone
			}
		}
	case e.Kind == event.SMTPReply && !clientSide(e), e.Kind == event.SMTPAuth:
		// What a server refuses on a hop, the sending side reports next (a
		// client's refusal, the queue's deferral or failure).
	case e.Kind == event.DSNSent:
		if e.State == "failed" {
			msg.setRcpts(rcpts, StateBounced)
		}
	case e.Kind == event.MessageDropped:
		msg.setRcpts(rcpts, StateDropped)
	case failed(e):
		st := StateRejected
		if e.Kind == event.QueueFailed || strings.HasSuffix(string(e.Kind), ".bounced") {
			st = StateBounced
		}
		msg.setRcpts(rcpts, st)
		msg.Error = reply(e)
	case deferred(e):
		msg.setRcpts(rcpts, StateQueued)
		if r := reply(e); r != "" {
			msg.Error = r
		}
		if e.Next != nil {
			msg.Retry = *e.Next
		}
	}
	msg.State = msg.derive()
}

// setRcpts moves recipients to a state; a final state stays final.
func (msg *Message) setRcpts(rcpts []string, state string) {
	for _, r := range rcpts {
		k := strings.ToLower(r)
		cur, known := msg.rcpts[k]
		if !known {
			msg.order = append(msg.order, k)
			msg.To = append(msg.To, r)
		}
		if cur == StateDelivered || cur == StateBounced || cur == StateRejected || cur == StateDropped {
			continue
		}
		msg.rcpts[k] = state
	}
}

// derive is the message's state from its recipients': the worst pending
// one first, delivered only when all are.
func (msg *Message) derive() string {
	if len(msg.order) == 0 {
		return StateInFlight
	}
	delivered, first := 0, ""
	for _, k := range msg.order {
		switch st := msg.rcpts[k]; st {
		case StateDelivered:
			delivered++
		case StateInFlight, StateQueued:
			return st
		default:
			if first == "" {
				first = st
			}
		}
	}
	switch {
	case delivered == len(msg.order):
		return StateDelivered
	case delivered > 0:
		return StatePartly
	}
	return first
}

// applyOutcomes takes the summary's word for every message's final state.
func (m *Model) applyOutcomes(outs []event.MessageOutcome) {
	for _, o := range outs {
		if o.Msg == "" {
			continue
		}
		msg := m.message(o.Msg)
		if msg.From == "" {
			msg.From = o.From
		}
		if msg.Subject == "" {
			msg.Subject = o.Subject
		}
		if len(msg.To) == 0 {
			msg.setRcpts(o.To, StateInFlight)
		}
		switch st := o.State; {
		case st == "failed" || st == StateBounced:
			msg.State = StateBounced
		case strings.HasPrefix(st, "partly"):
			msg.State = StatePartly
		case st != "":
			msg.State = st
		}
		if o.Error != "" && msg.State != StateDelivered {
			msg.Error = o.Error
		}
		if msg.State == StateDelivered {
			for s := 1; s <= 6; s++ {
				if msg.Steps[s] == StepCurrent {
					msg.Steps[s] = StepDone
				}
			}
		}
	}
}

// reply is a failure's reply code and text, e.g. "550 5.1.1 no such user",
// or the status a host decided itself and its words.
func reply(e event.Event) string {
	var parts []string
	if e.Code() != 0 {
		parts = append(parts, strconv.Itoa(e.Code()))
	}
	if s := e.Status(); s != "" {
		parts = append(parts, s)
	}
	if e.Reply != nil && e.Reply.Text != "" {
		parts = append(parts, e.Reply.Text)
	}
	if e.Error != "" {
		parts = append(parts, e.Error)
	}
	return strings.Join(parts, " ")
}

// statusLabel is a failure's code or local status: "550 5.1.1", "4.4.1".
func statusLabel(e event.Event) string {
	if e.Code() != 0 {
		return strings.TrimSpace(strconv.Itoa(e.Code()) + " " + e.Status())
	}
	return e.Status()
}

// clientSide reports whether a reply event is told by the client that got
// it (a user's mail client, a relaying host), not the server that sent it.
func clientSide(e event.Event) bool {
	if _, ok := event.ClientUser(e.Actor); ok {
		return true
	}
	return e.Reply != nil && e.Reply.Side == event.SideClient
}
