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
	sinks   []Sink
	changed chan struct{} // closed and replaced on every publish
}

// NewBus returns a bus stamping events with clock. narrate, when not nil,
// fills the Text of events published without one.
func NewBus(clock Clock, narrate func(Event) string) *Bus {
	return &Bus{clock: clock, narrate: narrate, changed: make(chan struct{})}
}

// Attach adds a sink; it sees only events published after it was attached.
func (b *Bus) Attach(s Sink) {
	b.mu.Lock()
	b.sinks = append(b.sinks, s)
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
	if e.Time.IsZero() {
		e.Time = b.clock.Stamp()
	}
	if e.Text == "" && b.narrate != nil {
		e.Text = b.narrate(e)
	}
	b.history = append(b.history, e)
	for _, s := range b.sinks {
		s.Handle(e)
	}
	close(b.changed)
	b.changed = make(chan struct{})
	return e
}

// Seq is the number of the last event published.
func (b *Bus) Seq() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seq
}

// History returns a copy of every event published so far.
func (b *Bus) History() []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Event(nil), b.history...)
}

// Wait blocks until some event satisfies match (already published ones
// count) or ctx ends. It is how actions and tests await what the servers do
// instead of sleeping.
func (b *Bus) Wait(ctx context.Context, match func(Event) bool) (Event, error) {
	next := 0
	for {
		b.mu.Lock()
		for ; next < len(b.history); next++ {
			if match(b.history[next]) {
				e := b.history[next]
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
