package flow

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Human writes a duration the way a teacher says it: "2h 10m", "45s",
// "12 ms".
func Human(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", d.Seconds()), ".0") + "s"
	}
	d = d.Round(time.Minute)
	days, h, m := d/(24*time.Hour), d%(24*time.Hour)/time.Hour, d%time.Hour/time.Minute
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%dd", days))
	}
	if h > 0 {
		parts = append(parts, fmt.Sprintf("%dh", h))
	}
	if m > 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%dm", m))
	}
	return strings.Join(parts, " ")
}

// BreakFactor: a quiet gap longer than this many median gaps between events
// is one the pictures cut short (a queue waiting hours between attempts
// that take milliseconds).
const BreakFactor = 20

// GapThreshold is the length above which a gap between two successive
// distinct times counts as long; 0 when there are too few gaps to tell.
func GapThreshold(times []time.Time) time.Duration {
	ts := append([]time.Time(nil), times...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	var gaps []time.Duration
	for i := 1; i < len(ts); i++ {
		if d := ts[i].Sub(ts[i-1]); d > 0 {
			gaps = append(gaps, d)
		}
	}
	if len(gaps) < 3 {
		return 0
	}
	sort.Slice(gaps, func(i, j int) bool { return gaps[i] < gaps[j] })
	return BreakFactor * gaps[len(gaps)/2]
}
