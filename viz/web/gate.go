package web

import (
	"sync"
	"time"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/tui"
)

// Gate pauses the world before each step until the page lets it through:
// `mailflow run --http` installs it with Bus.SetGate(gate.Hold). It is the
// classroom view's gate (the same rule of what starts a step), with a
// signal the event stream listens to so the page learns at once that the
// world waits.
type Gate struct {
	*tui.Gate
	mu      sync.Mutex
	changed chan struct{}
}

// NewGate returns a gate that starts paused.
func NewGate() *Gate {
	g := &Gate{changed: make(chan struct{})}
	g.Gate = tui.NewGate(false, 0, g.signal)
	return g
}

// signal is called by the gate, with its lock held, on every change.
func (g *Gate) signal() {
	g.mu.Lock()
	close(g.changed)
	g.changed = make(chan struct{})
	g.mu.Unlock()
}

// Changed returns a channel closed at the gate's next change.
func (g *Gate) Changed() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.changed
}

// Control is the step control's state as the API reports it.
type Control struct {
	// Mode is "step" when the world pauses before each step for the page,
	// "live" when it runs freely (mailflow up).
	Mode string `json:"mode"`
	// Playing is true in step mode once play (or run) let the world go.
	Playing bool `json:"playing"`
	// IntervalMS is the pace while playing: one step per interval.
	IntervalMS int64 `json:"interval_ms"`
	// Held is true while the world waits at the gate: before a step
	// (Waiting names it) or just after a failure (Waiting is empty).
	Held bool `json:"held"`
	// Waiting, when the world is held before a step, names that step and
	// its message — never what the step will bring.
	Waiting *Waiting `json:"waiting,omitempty"`
}

// Waiting is the step the world is held before.
type Waiting struct {
	Step int    `json:"step"`
	Msg  string `json:"msg"`
}

// controller keeps the pace set through the API beside the gate.
type controller struct {
	gate     *Gate
	mu       sync.Mutex
	playing  bool
	interval time.Duration
}

func (c *controller) state() Control {
	if c.gate == nil {
		return Control{Mode: "live", Playing: true}
	}
	c.mu.Lock()
	st := Control{Mode: "step", Playing: c.playing, IntervalMS: c.interval.Milliseconds()}
	c.mu.Unlock()
	st.Held = c.gate.Waiting()
	if e, ok := c.gate.Pending(); ok {
		st.Waiting = waitingOf(e)
	}
	return st
}

func waitingOf(e event.Event) *Waiting { return &Waiting{Step: e.Step, Msg: e.Msg} }

func (c *controller) setPlaying(playing bool, interval time.Duration) {
	c.mu.Lock()
	c.playing, c.interval = playing, interval
	c.mu.Unlock()
	c.gate.SetPlaying(playing, interval)
}
