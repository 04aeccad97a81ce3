package event

import (
	"context"
	"sync"
	"time"
)

// Sink receives every event in sequence order. Sinks are called with the bus
// lock held, one event at a time, so they must not publish and must not block
// for long; a slow view buffers and drops frames, never events.
type Sink interface {
	Handle(Event)
}

// Textless is implemented by sinks that never read an event's Text (a
// tracker, a counter, a meter). While only such sinks are attached, the bus
// does not narrate as it publishes: the text is made when something reads
// the event from History or Wait, or not at all (mailflow up --quiet).
type Textless interface {
	Sink
	Textless()
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(Event)

// Handle calls f(e).
func (f SinkFunc) Handle(e Event) { f(e) }

// Clock is what the bus needs of the simulated clock: a time for each event,
// moving on as events happen.
type Clock interface {
	Stamp() time.Time
}

// Bus numbers events, stamps them with simulated time, keeps the history and
// fans them out to sinks. It is safe for concurrent use.
type Bus struct {
	clock   Clock
	narrate func(Event) string
	gate    func(Event)
	mu      sync.Mutex
	seq     int64
	history []Event
	dropped int // events dropped from the front of history
	limit   int // SetHistoryLimit; 0 keeps every event
	sinks   []Sink
	// eager: some sink reads Text, so events are narrated as published.
	eager   bool
	changed chan struct{} // closed and replaced on every publish
}

// NewBus returns a bus stamping events with clock. narrate, when not nil,
// fills the Text of events published without one: as they are published
// when a sink that reads text is attached, otherwise when they are read.
func NewBus(clock Clock, narrate func(Event) string) *Bus {
	return &Bus{clock: clock, narrate: narrate, changed: make(chan struct{})}
}

// Attach adds a sink; it sees only events published after it was attached.
func (b *Bus) Attach(s Sink) {
	b.mu.Lock()
	b.sinks = append(b.sinks, s)
	if _, ok := s.(Textless); !ok {
		b.eager = true
	}
	b.mu.Unlock()
}

// SetGate installs a function called with every event before it is
// published, outside the bus lock, in the goroutine that publishes it. A
// gate that blocks holds that goroutine where it stands: this is how a
// step-through view pauses the world before a step.
func (b *Bus) SetGate(gate func(Event)) {
	b.mu.Lock()
	b.gate = gate
	b.mu.Unlock()
}

// SetHistoryLimit makes the bus keep only about the last n events (at
// least n, fewer than 2n) for History and Wait, so that a network that runs
// for days (mailflow up) does not grow without bound. 0 keeps every event,
// as runs and their checks need.
func (b *Bus) SetHistoryLimit(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.limit = max(n, 0)
	if b.limit > 0 {
		b.trim()
		// room for 2n from the start: appending never grows it further
		b.history = append(make([]Event, 0, 2*b.limit), b.history...)
	}
}

// Publish numbers e, stamps it and hands it to every sink. It returns the
// event as published.
func (b *Bus) Publish(e Event) Event {
	b.mu.Lock()
	gate := b.gate
	b.mu.Unlock()
	if gate != nil {
		gate(e)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	e.Seq = b.seq
	e.V = Version
	if e.Actor == "" {
		e.Actor = e.Host
	}
	if e.Time.IsZero() {
		e.Time = b.clock.Stamp()
	}
	if e.Text == "" && b.narrate != nil && b.eager {
		e.Text = b.narrate(e)
	}
	b.history = append(b.history, e)
	b.trim()
	for _, s := range b.sinks {
		s.Handle(e)
	}
	close(b.changed)
	b.changed = make(chan struct{})
	return e
}

// trim keeps the newest limit events once 2*limit are held, copying them
// so that the dropped events' memory is released.
func (b *Bus) trim() {
	if b.limit == 0 || len(b.history) < 2*b.limit {
		return
	}
	drop := len(b.history) - b.limit
	b.history = append(make([]Event, 0, 2*b.limit), b.history[drop:]...)
	b.dropped += drop
}

// Seq is the number of the last event published.
func (b *Bus) Seq() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seq
}

// History returns a copy of every event published so far (of the last
// ones only, with SetHistoryLimit).
func (b *Bus) History() []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range b.history {
		b.textLocked(&b.history[i])
	}
	return append([]Event(nil), b.history...)
}

// textLocked narrates a kept event not narrated yet, once.
func (b *Bus) textLocked(e *Event) {
	if e.Text == "" && b.narrate != nil {
		e.Text = b.narrate(*e)
	}
}

// Wait blocks until some event satisfies match (already published ones
// still kept count) or ctx ends. It is how actions and tests await what
// the servers do instead of sleeping.
func (b *Bus) Wait(ctx context.Context, match func(Event) bool) (Event, error) {
	next := 0 // counted from the first event ever published
	for {
		b.mu.Lock()
		next = max(next, b.dropped)
		for ; next < b.dropped+len(b.history); next++ {
			if e := b.history[next-b.dropped]; match(e) {
				b.textLocked(&b.history[next-b.dropped])
				e = b.history[next-b.dropped]
				b.mu.Unlock()
				return e, nil
			}
		}
		changed := b.changed
		b.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}
