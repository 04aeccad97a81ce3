package scenarios

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// errWindowTime is the hint shared by every unreadable from or until.
var errWindowTime = errors.New("write a time of day such as 09:30, an RFC 3339 time such as 2026-01-06T08:00:00Z, or a span after the start such as +2h")

// StartTime is the simulated moment a validated scenario's run begins.
func (s *Scenario) StartTime() time.Time {
	t, err := time.Parse(time.RFC3339, s.Start)
	if err != nil {
		t, _ = time.Parse(time.RFC3339, DefaultStart)
	}
	return t
}

// moment reads a window's end: a time of day on start's day (in start's
// zone), an RFC 3339 time, or "+span" after start. clock says it was a
// time of day.
func moment(s string, start time.Time) (t time.Time, clock bool, err error) {
	if span, ok := strings.CutPrefix(s, "+"); ok {
		d, err := ParseDuration(span)
		if err != nil || d < 0 {
			return time.Time{}, false, fmt.Errorf("%q is not a span of time", s)
		}
		return start.Add(d), false, nil
	}
	for _, layout := range []string{"15:04", "15:04:05"} {
		if c, err := time.Parse(layout, s); err == nil {
			y, m, d := start.Date()
			return time.Date(y, m, d, c.Hour(), c.Minute(), c.Second(), 0, start.Location()), true, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, false, nil
	}
	return time.Time{}, false, fmt.Errorf("%q is not a time", s)
}

// Window is when a fault applies, in simulated time: from From (included)
// to Until (excluded). A zero end is open.
type Window struct {
	From, Until time.Time
}

// FaultWindow places a fault's from, until and for on the calendar of a
// run starting at start. The error names the field at fault.
func FaultWindow(f Fault, start time.Time) (w Window, field string, err error) {
	from, fromClock := start, false
	if f.From != "" {
		if from, fromClock, err = moment(f.From, start); err != nil {
			return w, "from", err
		}
		w.From = from
	}
	switch {
	case f.Until != "" && f.For != "":
		return w, "for", errors.New("a fault's window has until or for, not both")
	case f.Until != "":
		until, untilClock, err := moment(f.Until, start)
		if err != nil {
			return w, "until", err
		}
		if untilClock && (fromClock || f.From == "") && !until.After(from) {
			until = until.AddDate(0, 0, 1) // "from 22:00 until 02:00" ends the next day
		}
		if !until.After(from) && f.From != "" {
			return w, "until", fmt.Errorf("the window ends (%s) before it begins (%s)", stamp(until), stamp(from))
		}
		w.Until = until
	case f.For != "":
		d, err := ParseDuration(f.For)
		if err != nil || d <= 0 {
			return w, "for", fmt.Errorf("%q is not a duration", f.For)
		}
		w.Until = from.Add(d)
	}
	if !w.Until.IsZero() && !w.Until.After(start) {
		field = "until"
		if f.For != "" {
			field = "for"
		}
		return w, field, fmt.Errorf("the window ends (%s) before the run starts (%s), so the fault never applies", stamp(w.Until), stamp(start))
	}
	return w, "", nil
}

func stamp(t time.Time) string { return t.Format("Mon 2006-01-02 15:04:05") }
