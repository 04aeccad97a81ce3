package tui

import (
	"sync"
	"time"

	"github.com/mailflow/mailflow/sim/event"
)

// Gate pauses the world before each step and just after each failure.
// Installed with Bus.SetGate, its Hold runs in the goroutine about to
// publish an event; when the view stops before that event (a step starts,
// or the event before it was a failure: see Stops) Hold blocks there until
// the view lets it through: at once at full speed, after an interval while playing, on a key
// press while paused. Several goroutines may wait at once; they go through
// one at a time, in the order they came.
//
// A held goroutine waits on a channel, never on the simulated clock, and the
// network runs with long protocol timeouts, so nothing times out while the
// class looks at a paused screen.
type Gate struct {
	mu       sync.Mutex
	stop     *Stops // where each message is
	queue    []*waiter
	playing  bool
	interval time.Duration
	last     time.Time // when the last step went through
	closed   bool
	// credits are steps let through before they arrived: a key pressed
	// while the world was between two steps is not lost.
	credits int
	changed chan struct{} // closed and replaced on every change
	notify  func()
}

type waiter struct {
	e        event.Event
	starts   bool // e starts a step (else it follows a failure)
	released bool
}

// NewGate returns a gate, paused or playing one step per interval (0: no
// pause at all). notify, when not nil, is called (and must not block)
// whenever a step starts or stops waiting, so a view can redraw.
func NewGate(playing bool, interval time.Duration, notify func()) *Gate {
	return &Gate{stop: NewStops(), playing: playing, interval: interval,
		changed: make(chan struct{}), notify: notify}
}

// Hold is the bus gate: it returns when e may be published.
func (g *Gate) Hold(e event.Event) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return
	}
	stop, starts := g.stop.Next(e)
	if !stop {
		return
	}
	w := &waiter{e: e, starts: starts}
	g.queue = append(g.queue, w)
	g.changedLocked()
	for !w.released && !g.closed {
		var timer *time.Timer
		var due <-chan time.Time
		if g.credits > 0 && g.queue[0] == w {
			g.credits--
			g.releaseLocked()
			continue
		}
		if g.playing && g.queue[0] == w {
			wait := g.interval - time.Since(g.last)
			if wait <= 0 {
				g.releaseLocked()
				continue
			}
			timer = time.NewTimer(wait)
			due = timer.C
		}
		changed := g.changed
		g.mu.Unlock()
		select {
		case <-changed:
		case <-due:
		}
		if timer != nil {
			timer.Stop()
		}
		g.mu.Lock()
	}
}

// maxCredits bounds how many steps a burst of key presses can let through
// ahead of time.
const maxCredits = 20

// Step lets the first waiting step through; it reports whether one was
// waiting. When none is, the next step to arrive goes through at once.
func (g *Gate) Step() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 {
		g.credits = min(g.credits+1, maxCredits)
		return false
	}
	g.releaseLocked()
	return true
}

// SetPlaying switches between paused (Step lets steps through) and playing
// (one step per interval; 0 lets every step through at once).
func (g *Gate) SetPlaying(playing bool, interval time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.playing, g.interval = playing, interval
	g.credits = 0 // a new pace forgets keys pressed ahead
	g.changedLocked()
}

// Pending returns the first step waiting to go through; it reports false
// when nothing waits, or what waits is no step but the world held just
// after a failure (see Waiting).
func (g *Gate) Pending() (event.Event, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 || !g.queue[0].starts {
		return event.Event{}, false
	}
	return g.queue[0].e, true
}

// Waiting reports whether the world is held at the gate.
func (g *Gate) Waiting() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue) > 0
}

// Close lets every waiting goroutine go and makes Hold a no-op: the view is
// gone, the world may run to its end.
func (g *Gate) Close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return
	}
	g.closed = true
	for _, w := range g.queue {
		w.released = true
	}
	g.queue = nil
	g.changedLocked()
}

func (g *Gate) releaseLocked() {
	g.queue[0].released = true
	g.queue = g.queue[1:]
	g.last = time.Now()
	g.changedLocked()
}

func (g *Gate) changedLocked() {
	close(g.changed)
	g.changed = make(chan struct{})
	if g.notify != nil {
		g.notify()
	}
}
