package tui

import "github.com/mailflow/mailflow/sim/event"

// Timeline is the history of a run and its stops: the places, between
// events, where a message is about to start a step or has just failed.
// Step-through stops there, back and forward move between them, and a
// replay seeks on them. Position k means "the first k events have happened".
type Timeline struct {
	events []event.Event
	stops  []bool // the view stops before events[i]
	starts []bool // events[i] starts a step of its message
	stop   *Stops
}

// NewTimeline returns a timeline holding events.
func NewTimeline(events []event.Event) *Timeline {
	t := &Timeline{stop: NewStops()}
	t.Append(events...)
	return t
}

// Append adds events at the end of the history.
func (t *Timeline) Append(events ...event.Event) {
	for _, e := range events {
		stop, starts := t.stop.Next(e)
		t.events = append(t.events, e)
		t.stops = append(t.stops, stop)
		t.starts = append(t.starts, starts)
	}
}

// Len is the number of events in the history.
func (t *Timeline) Len() int { return len(t.events) }

// Events returns the first k events (not a copy: do not modify).
func (t *Timeline) Events(k int) []event.Event { return t.events[:t.clamp(k)] }

// At returns event i.
func (t *Timeline) At(i int) event.Event { return t.events[i] }

// IsStop reports whether the view stops at position k: just before a step
// starts, or just after a failure.
func (t *Timeline) IsStop(k int) bool { return k >= 0 && k < len(t.events) && t.stops[k] }

// StartsAt reports whether event k starts a step: the step the view, at
// position k, waits before.
func (t *Timeline) StartsAt(k int) bool { return k >= 0 && k < len(t.events) && t.starts[k] }

// Next is the first stop after position k, or the end.
func (t *Timeline) Next(k int) int {
	for i := t.clamp(k) + 1; i < len(t.events); i++ {
		if t.stops[i] {
			return i
		}
	}
	return len(t.events)
}

// Prev is the last stop before position k, or the start.
func (t *Timeline) Prev(k int) int {
	for i := t.clamp(k) - 1; i > 0; i-- {
		if t.stops[i] {
			return i
		}
	}
	return 0
}

// First is the first stop: the world set up, nothing sent yet.
func (t *Timeline) First() int {
	if t.IsStop(0) {
		return 0
	}
	return t.Next(0)
}

func (t *Timeline) clamp(k int) int {
	switch {
	case k < 0:
		return 0
	case k > len(t.events):
		return len(t.events)
	}
	return k
}
