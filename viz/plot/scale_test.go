package plot

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestTimeScaleBreaksLongGaps(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	var times []time.Time
	for i := 0; i < 10; i++ {
		times = append(times, t0.Add(time.Duration(i)*time.Millisecond))
	}
	later := t0.Add(2*time.Hour + 10*time.Minute)
	for i := 0; i < 5; i++ {
		times = append(times, later.Add(time.Duration(i)*time.Millisecond))
	}
	s := NewTimeScale(times)
	if len(s.Breaks) != 1 {
		t.Fatalf("breaks = %+v, want one", s.Breaks)
	}
	b := s.Breaks[0]
	if b.Label() != "≈ 2h 10m" {
		t.Errorf("break label = %q", b.Label())
	}
	// The axis is milliseconds long, not hours, and keeps order.
	if s.Span > 0.1 {
		t.Errorf("span = %v s: the gap was not cut", s.Span)
	}
	prev := -1.0
	for _, tm := range times {
		x := s.X(tm)
		if x <= prev {
			t.Fatalf("X(%v) = %v not after %v", tm, x, prev)
		}
		prev = x
	}
	if x := s.X(times[9]); math.Abs(x-b.X0) > 1e-9 {
		t.Errorf("last time before the break at %v, break starts at %v", x, b.X0)
	}
	if x := s.X(later); math.Abs(x-b.X1) > 1e-9 {
		t.Errorf("first time after the break at %v, break ends at %v", x, b.X1)
	}
	// Ticks on both sides of the break.
	var labels []string
	for _, k := range s.Ticks(8) {
		labels = append(labels, k.Label)
	}
	all := strings.Join(labels, " ")
	if !strings.Contains(all, "09:00:00.") || !strings.Contains(all, "11:10:00.") {
		t.Errorf("ticks %q should label both sides of the break", labels)
	}
}

func TestTimeScaleNoBreakForEvenRuns(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	s := NewTimeScale([]time.Time{t0, t0.Add(time.Millisecond), t0.Add(3 * time.Millisecond), t0.Add(4 * time.Millisecond)})
	if len(s.Breaks) != 0 {
		t.Errorf("breaks = %+v, want none", s.Breaks)
	}
	if s.Span != 0.004 {
		t.Errorf("span = %v, want 0.004", s.Span)
	}
	// Degenerate inputs still give a usable scale.
	for _, ts := range [][]time.Time{nil, {t0}, {t0, t0}} {
		s := NewTimeScale(ts)
		if s.Span <= 0 || len(s.Ticks(5)) == 0 {
			t.Errorf("%v: span %v, ticks %v", ts, s.Span, s.Ticks(5))
		}
	}
}

func TestHuman(t *testing.T) {
	for d, want := range map[time.Duration]string{
		12 * time.Millisecond:           "12 ms",
		1500 * time.Millisecond:         "1.5s",
		45 * time.Second:                "45s",
		15 * time.Minute:                "15m",
		2*time.Hour + 10*time.Minute:    "2h 10m",
		3 * time.Hour:                   "3h",
		49 * time.Hour:                  "2d 1h",
		5*24*time.Hour + 30*time.Second: "5d 1m",
	} {
		if got := Human(d); got != want {
			t.Errorf("Human(%v) = %q, want %q", d, got, want)
		}
	}
}
