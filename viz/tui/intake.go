package tui

import (
	"sync"

	"github.com/mailflow/mailflow/sim/event"
)

// Intake is the view's event sink. Handle never blocks: it appends to a
// slice and pokes the view, which takes everything pending at its next
// frame. When drawing falls behind, events pile up here and the frames in
// between are skipped; no event is lost and no server waits for the screen.
type Intake struct {
	mu      sync.Mutex
	pending []event.Event
	notify  func()
}

// NewIntake returns an empty intake.
func NewIntake() *Intake { return &Intake{} }

// Handle queues e for the view.
func (in *Intake) Handle(e event.Event) {
	in.mu.Lock()
	in.pending = append(in.pending, e)
	notify := in.notify
	in.mu.Unlock()
	if notify != nil {
		notify()
	}
}

// Take returns and forgets the events queued since the last Take.
func (in *Intake) Take() []event.Event {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := in.pending
	in.pending = nil
	return out
}

// setNotify sets what Handle pokes; nil stops the poking.
func (in *Intake) setNotify(f func()) {
	in.mu.Lock()
	in.notify = f
	in.mu.Unlock()
}
