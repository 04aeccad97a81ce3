package plot

import (
	"math"
	"sort"
	"time"

	"github.com/mailflow/mailflow/viz/plot/flow"
)

// Break is a stretch of simulated time the axis leaves out.
type Break struct {
	From, To time.Time // the events on either side of the gap
	X0, X1   float64   // where the break sits on the axis
}

// Gap is the time the break leaves out.
func (b Break) Gap() time.Duration { return b.To.Sub(b.From) }

// Label is what the picture writes on the break: "≈ 2h 10m".
func (b Break) Label() string { return "≈ " + Human(b.Gap()) }

// TimeScale maps simulated time to the axis: linear within each stretch of
// activity, with a fixed-width break where a gap is too long to draw.
type TimeScale struct {
	Start  time.Time
	Span   float64 // axis length, in seconds of drawn time
	Breaks []Break
	unit   time.Duration // median gap between distinct times
}

// NewTimeScale fits a scale to the times of a run.
func NewTimeScale(times []time.Time) *TimeScale {
	ts := append([]time.Time(nil), times...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	var uniq []time.Time
	for _, t := range ts {
		if len(uniq) == 0 || t.After(uniq[len(uniq)-1]) {
			uniq = append(uniq, t)
		}
	}
	s := &TimeScale{unit: time.Millisecond}
	if len(uniq) == 0 {
		s.Span = s.unit.Seconds()
		return s
	}
	s.Start = uniq[0]
	var gaps []time.Duration
	for i := 1; i < len(uniq); i++ {
		gaps = append(gaps, uniq[i].Sub(uniq[i-1]))
	}
	if len(gaps) > 0 {
		sorted := append([]time.Duration(nil), gaps...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
		s.unit = sorted[len(sorted)/2]
	}
	// Kept time first: the break width depends on it.
	kept := time.Duration(0)
	long := make([]bool, len(gaps))
	for i, g := range gaps {
		if len(gaps) >= 3 && g > flow.BreakFactor*s.unit {
			long[i] = true
			continue
		}
		kept += g
	}
	width := math.Max(3*s.unit.Seconds(), 0.06*kept.Seconds())
	if width == 0 {
		width = time.Millisecond.Seconds()
	}
	x := 0.0
	for i, g := range gaps {
		if long[i] {
			s.Breaks = append(s.Breaks, Break{From: uniq[i], To: uniq[i+1], X0: x, X1: x + width})
			x += width
		} else {
			x += g.Seconds()
		}
	}
	s.Span = x
	if s.Span == 0 {
		s.Span = s.unit.Seconds()
	}
	return s
}

// X is where t sits on the axis.
func (s *TimeScale) X(t time.Time) float64 {
	x := t.Sub(s.Start).Seconds()
	for _, b := range s.Breaks {
		switch {
		case !t.After(b.From):
			return x
		case t.Before(b.To):
			// inside a gap (no event is, but a bar may end there)
			f := t.Sub(b.From).Seconds() / b.To.Sub(b.From).Seconds()
			return b.X0 + f*(b.X1-b.X0)
		}
		x += (b.X1 - b.X0) - b.Gap().Seconds()
	}
	return x
}

// Unit is the typical time between events, in axis seconds: the smallest
// width worth drawing.
func (s *TimeScale) Unit() float64 { return s.unit.Seconds() }

// Tick is one labelled point of the time axis.
type Tick struct {
	X     float64
	Label string
}

// Ticks labels each stretch between breaks with round clock times, about
// n ticks across the whole axis.
func (s *TimeScale) Ticks(n int) []Tick {
	type seg struct{ from, to time.Time }
	var segs []seg
	from := s.Start
	for _, b := range s.Breaks {
		segs = append(segs, seg{from, b.From})
		from = b.To
	}
	end := s.Start.Add(time.Duration(s.Span * float64(time.Second)))
	if len(s.Breaks) > 0 {
		last := s.Breaks[len(s.Breaks)-1]
		end = last.To.Add(time.Duration((s.Span - last.X1) * float64(time.Second)))
	}
	segs = append(segs, seg{from, end})
	var ticks []Tick
	for _, g := range segs {
		d := g.to.Sub(g.from)
		share := s.X(g.to) - s.X(g.from)
		k := int(math.Round(float64(n) * share / s.Span))
		if k < 1 || d <= 0 {
			ticks = append(ticks, Tick{X: s.X(g.from), Label: clock(g.from, d)})
			continue
		}
		step := niceStep(d / time.Duration(k))
		t := g.from.Truncate(step)
		if t.Before(g.from) {
			t = t.Add(step)
		}
		for ; !t.After(g.to); t = t.Add(step) {
			ticks = append(ticks, Tick{X: s.X(t), Label: clock(t, step)})
		}
	}
	return ticks
}

// niceStep rounds d up to 1, 2 or 5 times a power of ten milliseconds, or
// to a round number of seconds, minutes or hours.
func niceStep(d time.Duration) time.Duration {
	for _, s := range []time.Duration{
		time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond,
		10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond,
		100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
		time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
	} {
		if d <= s {
			return s
		}
	}
	return d.Round(24 * time.Hour)
}

// clock writes t as precisely as step needs.
func clock(t time.Time, step time.Duration) string {
	t = t.UTC()
	switch {
	case step < time.Second:
		return t.Format("15:04:05.000")
	case step < time.Minute:
		return t.Format("15:04:05")
	}
	return t.Format("15:04")
}

// Human writes a duration the way a teacher says it: "2h 10m", "45s",
// "12 ms".
func Human(d time.Duration) string { return flow.Human(d) }
