package plot

import (
	"fmt"
	"math"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mailflow/mailflow/sim/event"
)

// LoadStats is what the load charts draw, computed from the events alone.
type LoadStats struct {
	// Steps[s] holds, for each message that went through step s, the time
	// from its first event of step s to its first event of the next step
	// it reached (or to its last event of step s when none followed).
	Steps [7][]time.Duration
	// Latency of each delivered message: from its first event to its
	// last filing in a mailbox.
	Latency []time.Duration
	// When messages were handed over (step 2 accepted at submission) and
	// filed (mailbox.store).
	Accepted, Delivered []time.Time
	Start, End          time.Time
	Messages            int
}

// LoadOf computes the load statistics of a run.
func LoadOf(events []event.Event) LoadStats {
	var m LoadMeter
	for _, e := range events {
		m.Handle(e)
	}
	return m.Stats()
}

// unitFor picks the unit a set of durations reads best in.
func unitFor(ds ...time.Duration) (time.Duration, string) {
	var top time.Duration
	for _, d := range ds {
		top = max(top, d)
	}
	switch {
	case top >= 2*time.Hour:
		return time.Hour, "h"
	case top >= 2*time.Minute:
		return time.Minute, "min"
	case top >= 2*time.Second:
		return time.Second, "s"
	}
	return time.Millisecond, "ms"
}

func in(d, unit time.Duration) float64 { return float64(d) / float64(unit) }

// loadPlots makes the three load charts.
func loadPlots(st LoadStats) ([]*plot.Plot, error) {
	steps, err := stepPlot(st)
	if err != nil {
		return nil, err
	}
	thr, err := throughputPlot(st)
	if err != nil {
		return nil, err
	}
	hist, err := histogramPlot(st)
	if err != nil {
		return nil, err
	}
	steps.Title.Text = "latency per step"
	thr.Title.Text = "throughput over time"
	hist.Title.Text = fmt.Sprintf("delivery latency (%d delivered)", len(st.Latency))
	return []*plot.Plot{steps, thr, hist}, nil
}

func newLoadPlot() *plot.Plot {
	p := plot.New()
	styleAxes(p, baseFont)
	p.Title.TextStyle.Font = sans(baseFont+1, true)
	p.Add(plotter.NewGrid())
	return p
}

// stepPlot: one box per step, latency up the side.
func stepPlot(st LoadStats) (*plot.Plot, error) {
	p := newLoadPlot()
	var all []time.Duration
	for s := 1; s <= 6; s++ {
		all = append(all, st.Steps[s]...)
	}
	unit, name := unitFor(all...)
	logScale := wideSpread(all)
	if logScale {
		unit, name = time.Millisecond, "log scale"
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = durationLogTicks{}
	}
	p.Y.Label.Text = "time in step (" + name + ")"
	p.X.Label.Text = "step"
	var names []string
	for s := 1; s <= 6; s++ {
		names = append(names, fmt.Sprintf("%d %s", s, StepShort(s)))
		if len(st.Steps[s]) == 0 {
			continue
		}
		vals := make(plotter.Values, len(st.Steps[s]))
		for i, d := range st.Steps[s] {
			vals[i] = in(d, unit)
			if logScale {
				vals[i] = max(vals[i], logFloor)
			}
		}
		b, err := plotter.NewBoxPlot(vg.Points(22), float64(s-1), vals)
		if err != nil {
			return nil, fmt.Errorf("step %d box: %w", s, err)
		}
		col := StepColor(s)
		b.FillColor = fade(col, 0x66)
		b.BoxStyle.Color = col
		b.MedianStyle.Color = col
		b.MedianStyle.Width = 2
		b.WhiskerStyle.Color = col
		b.GlyphStyle.Color = col
		p.Add(b)
	}
	p.NominalX(names...)
	p.X.Tick.Label.Rotation = 0.5
	p.X.Tick.Label.XAlign = draw.XRight
	if !logScale {
		p.Y.Min = 0
	}
	return p, nil
}

// throughputPlot: messages handed over and filed per time bucket.
func throughputPlot(st LoadStats) (*plot.Plot, error) {
	p := newLoadPlot()
	span := st.End.Sub(st.Start)
	unit, name := unitFor(span)
	buckets := 24
	width := span / time.Duration(buckets)
	if width <= 0 {
		width = time.Millisecond
	}
	width = niceStep(width)
	n := int(span/width) + 1
	p.X.Label.Text = "time since start (" + name + ")"
	p.Y.Label.Text = fmt.Sprintf("messages per %s", Human(width))
	p.Y.Tick.Marker = countTicks{}
	top := 0
	for i, series := range []struct {
		label string
		times []time.Time
		step  int
	}{{"handed over", st.Accepted, 2}, {"filed in a mailbox", st.Delivered, 6}} {
		counts := make([]float64, n)
		for _, t := range series.times {
			k := int(t.Sub(st.Start) / width)
			if k >= 0 && k < n {
				counts[k]++
				top = max(top, int(counts[k]))
			}
		}
		pts := make(plotter.XYs, 0, n+1)
		for k := 0; k <= n; k++ {
			c := 0.0
			if k < n {
				c = counts[k]
			} else {
				c = counts[n-1]
			}
			pts = append(pts, plotter.XY{X: in(time.Duration(k)*width, unit), Y: c})
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("throughput line: %w", err)
		}
		l.StepStyle = plotter.PostStep
		l.Color = StepColor(series.step)
		l.Width = 2
		if i == 1 {
			l.Dashes = []vg.Length{5, 3}
		}
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%s (%d)", series.label, len(series.times)), l)
	}
	p.Legend.Top = true
	p.Legend.TextStyle.Font = sans(baseFont, false)
	p.Y.Min = 0
	p.Y.Max = float64(top) * 1.3 // room for the key above the lines
	if top == 0 {
		p.Y.Max = 1
	}
	return p, nil
}

// histogramPlot: how long delivery took, message by message.
func histogramPlot(st LoadStats) (*plot.Plot, error) {
	p := newLoadPlot()
	unit, name := unitFor(st.Latency...)
	_ = name
	p.X.Label.Text = "from first event to mailbox (" + name + ")"
	p.Y.Label.Text = "messages"
	p.Y.Tick.Marker = countTicks{}
	if len(st.Latency) == 0 {
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: 0.5, Y: 0.5}},
			Labels: []string{"no message reached a mailbox"}})
		if err != nil {
			return nil, err
		}
		l.TextStyle[0].XAlign = draw.XCenter
		l.TextStyle[0].Font = sans(baseFont+1, false)
		p.Add(l)
		return p, nil
	}
	vals := make(plotter.Values, len(st.Latency))
	logScale := wideSpread(st.Latency)
	for i, d := range st.Latency {
		vals[i] = in(d, unit)
		if logScale {
			// Bins even in log10 of milliseconds, labelled as durations.
			vals[i] = math.Log10(max(in(d, time.Millisecond), logFloor))
		}
	}
	if logScale {
		p.X.Label.Text = "from first event to mailbox (log scale)"
		p.X.Tick.Marker = log10Ticks{}
	}
	bins := int(math.Ceil(math.Sqrt(float64(len(vals)))))
	bins = max(4, min(bins, 30))
	h, err := plotter.NewHist(vals, bins)
	if err != nil {
		return nil, fmt.Errorf("latency histogram: %w", err)
	}
	col := StepColor(6)
	h.FillColor = fade(col, 0x88)
	h.LineStyle.Color = col
	p.Add(h)
	p.Y.Min = 0
	return p, nil
}

// logFloor: durations are drawn no shorter than this many milliseconds on
// a log scale, which has no room for zero.
const logFloor = 0.5

// wideSpread reports whether durations span more than three orders of
// magnitude: milliseconds of delivery next to hours in a queue.
func wideSpread(ds []time.Duration) bool {
	lo, hi := time.Duration(math.MaxInt64), time.Duration(0)
	for _, d := range ds {
		if d > 0 {
			lo = min(lo, d)
		}
		hi = max(hi, d)
	}
	return hi > 0 && lo < hi && hi/lo > 1000
}

// niceDurations are the ticks of a log axis of durations, in milliseconds.
var niceDurations = []float64{0.1, 1, 10, 100, 1e3, 1e4, 6e4, 6e5, 3.6e6, 3.6e7, 8.64e7, 8.64e8}

// durationLogTicks labels a log axis of milliseconds with durations.
type durationLogTicks struct{}

func (durationLogTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for _, v := range niceDurations {
		if v >= min/1.5 && v <= max*1.5 {
			ticks = append(ticks, plot.Tick{Value: v, Label: durationLabel(v)})
		}
	}
	return ticks
}

// log10Ticks labels an axis of log10(milliseconds) with durations.
type log10Ticks struct{}

func (log10Ticks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for _, v := range niceDurations {
		if e := math.Log10(v); e >= min-0.2 && e <= max+0.2 {
			ticks = append(ticks, plot.Tick{Value: e, Label: durationLabel(v)})
		}
	}
	return ticks
}

// countTicks labels a count axis with whole numbers.
type countTicks struct{}

func (countTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(min, max) {
		if t.Label != "" {
			if t.Value != math.Trunc(t.Value) {
				continue
			}
			t.Label = fmt.Sprintf("%d", int(t.Value))
		}
		ticks = append(ticks, t)
	}
	return ticks
}

func durationLabel(ms float64) string {
	if ms < 1 {
		return fmt.Sprintf("%g ms", ms)
	}
	return Human(time.Duration(ms * float64(time.Millisecond)))
}
