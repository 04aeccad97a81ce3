// Package clock is the simulated time of a run. Everything that stamps or
// schedules asks it instead of time.Now, so a run is repeatable and hours of
// simulated waiting cost no wall time.
package clock

import (
	"sync"
	"time"
)

// DefaultStart is the simulated moment a run begins at unless the scenario
// says otherwise: a Monday morning class.
var DefaultStart = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// Quantum is how far simulated time moves with every stamped event: a
// logical tick that keeps events in order on a timeline and makes times
// depend only on what happened, not on how fast the machine is.
const Quantum = time.Millisecond

// Sim is a simulated clock. It is safe for concurrent use.
type Sim struct {
	mu    sync.Mutex
	now   time.Time
	sched scheduler
}

// New returns a clock reading start.
func New(start time.Time) *Sim {
	return &Sim{now: start.UTC(), sched: scheduler{wake: make(chan struct{}, 1)}}
}

// Now returns the current simulated time.
func (c *Sim) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Stamp returns the current time and moves the clock on by one Quantum.
func (c *Sim) Stamp() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.now
	c.now = c.now.Add(Quantum)
	return t
}

// Advance moves the clock forward by d (never backward).
func (c *Sim) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
