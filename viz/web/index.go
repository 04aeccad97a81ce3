package web

import (
	"sync"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/tui"
)

// DefaultMaxEvents bounds what the index keeps: a long `up` under load
// drops its oldest events rather than growing without end (an event takes
// about a kilobyte, a transcript a few).
const DefaultMaxEvents = 50_000

// index is a sink on the network's bus: every event in order, which of them
// start a step, the events of each message, and the monitoring counters. It
// is what the API reads, so a request never copies the bus's history.
type index struct {
	mu      sync.Mutex
	ready   bool          // the history before attaching is in
	pending []event.Event // events seen while the history was read
	events  []event.Event // events[i].Seq == first+i
	stops   []bool        // stops[i]: step-through stops before events[i]
	first   int64
	byMsg   map[string][]int64
	stopper *tui.Stops // the classroom view's rule of where to stop
	stats   *stats
	max     int           // events kept
	changed chan struct{} // closed and replaced on every new event
}

func newIndex(st *stats, max int) *index {
	if max <= 0 {
		max = DefaultMaxEvents
	}
	return &index{first: 1, byMsg: map[string][]int64{}, stopper: tui.NewStops(), stats: st, max: max,
		changed: make(chan struct{})}
}

// attach subscribes to bus and takes in what it published before. Events
// published meanwhile wait in pending and are merged by sequence number.
func (x *index) attach(bus *event.Bus) {
	bus.Attach(x)
	history := bus.History()
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, e := range history {
		x.addLocked(e)
	}
	for _, e := range x.pending {
		x.addLocked(e)
	}
	x.pending, x.ready = nil, true
	x.signalLocked()
}

// Handle is the bus sink: called with the bus lock held, so it only appends.
func (x *index) Handle(e event.Event) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.ready {
		x.pending = append(x.pending, e)
		return
	}
	x.addLocked(e)
	x.signalLocked()
}

func (x *index) addLocked(e event.Event) {
	if e.Seq < x.first+int64(len(x.events)) {
		return // already in, from the history
	}
	// The page stops where the terminal view and the gate stop: before
	// each step a message starts, and just after each failure.
	stop, starts := x.stopper.Next(e)
	x.events = append(x.events, e)
	x.stops = append(x.stops, stop)
	if e.Msg != "" {
		x.byMsg[e.Msg] = append(x.byMsg[e.Msg], e.Seq)
	}
	x.stats.add(e, starts)
	if len(x.events) > x.max {
		drop := max(x.max/10, 1)
		x.first += int64(drop)
		x.events = append([]event.Event(nil), x.events[drop:]...)
		x.stops = append([]bool(nil), x.stops[drop:]...)
		for id, seqs := range x.byMsg { // forget what was dropped; a message whose events all went keeps its name
			i := 0
			for i < len(seqs) && seqs[i] < x.first {
				i++
			}
			x.byMsg[id] = append(seqs[:0:0], seqs[i:]...)
		}
	}
}

func (x *index) signalLocked() {
	close(x.changed)
	x.changed = make(chan struct{})
}

// after returns up to limit events with a sequence number above seq, which
// of them step-through stops before, and a channel closed when more arrive.
func (x *index) after(seq int64, limit int) ([]event.Event, []bool, <-chan struct{}) {
	x.mu.Lock()
	defer x.mu.Unlock()
	i := max(seq-x.first+1, 0)
	if i >= int64(len(x.events)) {
		return nil, nil, x.changed
	}
	j := min(i+int64(limit), int64(len(x.events)))
	return append([]event.Event(nil), x.events[i:j]...), append([]bool(nil), x.stops[i:j]...), x.changed
}

// last is the sequence number of the newest event, 0 before any.
func (x *index) last() int64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.first + int64(len(x.events)) - 1
}

// message returns the events of one message still kept.
func (x *index) message(id string) []event.Event {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []event.Event
	for _, seq := range x.byMsg[id] {
		if i := seq - x.first; i >= 0 && i < int64(len(x.events)) {
			out = append(out, x.events[i])
		}
	}
	return out
}

// known reports whether any event ever named the message.
func (x *index) known(id string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	_, ok := x.byMsg[id]
	return ok
}
