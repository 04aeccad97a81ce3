package plot

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/plot/flow"
)

// The timeline's geometry, in lane units (one lane is 1.0 high).
const (
	barHalf   = 0.13 // half the height of an exchange bar
	laneHalf  = 0.42 // half the height of a lane's stripe
	laneInch  = 0.78 // a lane's height on paper
	baseFont  = 10   // points
	labelFont = 9.5  // points, hop and mark labels
)

// timelineHeight is the plot's height for n lanes, title and axis included.
func timelineHeight(lanes int) vg.Length {
	if lanes < 2 {
		lanes = 2
	}
	return vg.Length(1.45+laneInch*float64(lanes)) * vg.Inch
}

// timelineWidth gives each distinct instant room for its labels: a slide's
// width at least, at most what still projects legibly.
func timelineWidth(f *flow.Flow) vg.Length {
	seen := map[time.Time]bool{}
	for _, h := range f.Hops {
		seen[h.Time] = true
	}
	for _, m := range f.Marks {
		seen[m.Time] = true
	}
	w := 3.5 + 0.8*float64(len(seen))
	return vg.Length(min(max(w, 13.33), 18)) * vg.Inch
}

// newTimeline builds the swimlane plot of a flow: lanes as rows, time
// across, exchanges as bars, hops as arrows, marks as glyphs.
func newTimeline(f *flow.Flow, title string) *plot.Plot {
	p := plot.New()
	styleAxes(p, baseFont)
	p.Title.Text = title
	p.Title.Padding = 6
	n := len(f.Lanes)
	var times []time.Time
	for _, b := range f.Bars {
		times = append(times, b.Start, b.End)
	}
	for _, h := range f.Hops {
		times = append(times, h.Time)
	}
	for _, m := range f.Marks {
		times = append(times, m.Time)
	}
	s := NewTimeScale(times)
	tp := &timelinePlotter{f: f, s: s}
	p.Add(tp)

	// Room on the right for the last labels, a little on the left.
	p.X.Min = -0.03 * s.Span
	p.X.Max = s.Span * 1.1
	if s.Span == 0 {
		p.X.Min, p.X.Max = -0.001, 0.001
	}
	p.X.Label.Text = "simulated time (UTC, " + s.Start.UTC().Format("Mon 2 Jan 2006") + ")"
	p.X.Tick.Marker = scaleTicker{s}
	p.Y.Min, p.Y.Max = -0.55, float64(n)-0.45
	var lanes []plot.Tick
	for i, l := range f.Lanes {
		label := l.Label
		if host, ok := strings.CutSuffix(l.Name, " mailboxes"); ok && l.Role == flow.RoleMailbox {
			label = host + "\nmailboxes (POP3/IMAP)"
		}
		lanes = append(lanes, plot.Tick{Value: laneY(n, i), Label: label})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(lanes)
	p.Y.Tick.Label.Font = sans(baseFont+1, true)
	p.Y.Tick.Length = 0
	p.Y.Padding = 8
	p.Y.LineStyle.Width = 0
	return p
}

func laneY(n, i int) float64 { return float64(n - 1 - i) }

// scaleTicker puts round clock times on the axis, skipping the breaks.
type scaleTicker struct{ s *TimeScale }

func (t scaleTicker) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	last := math.Inf(-1)
	for _, k := range t.s.Ticks(7) {
		// A label is about a seventh of the axis wide at most.
		if k.X-last < 0.11*(max-min) {
			continue
		}
		ticks = append(ticks, plot.Tick{Value: k.X, Label: k.Label})
		last = k.X
	}
	return ticks
}

type timelinePlotter struct {
	f *flow.Flow
	s *TimeScale
}

// Plot draws the lanes, the breaks, the bars, the hops and the marks, then
// places every label where it hides nothing already drawn.
func (tp *timelinePlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	f, s := tp.f, tp.s
	n := len(f.Lanes)
	pl := &placer{area: c.Rectangle}

	// Lanes: a stripe and a centre line each.
	for i := range f.Lanes {
		y := laneY(n, i)
		if i%2 == 0 {
			fillRect(c, laneFill, c.Min.X, trY(y-laneHalf), c.Max.X, trY(y+laneHalf))
		}
		c.StrokeLine2(draw.LineStyle{Color: lightGrey, Width: 0.8}, c.Min.X, trY(y), c.Max.X, trY(y))
	}

	// Breaks: a pale band with zigzag edges and the time left out.
	for _, b := range s.Breaks {
		x0, x1 := trX(b.X0), trX(b.X1)
		fillRect(c, color.RGBA{0xff, 0xff, 0xff, 0xff}, x0, c.Min.Y, x1, c.Max.Y)
		for _, x := range []vg.Length{x0, x1} {
			zigzag(c, x, c.Min.Y, c.Max.Y)
		}
		st := textStyle(baseFont, true, grey)
		st.XAlign = draw.XCenter
		st.Rotation = math.Pi / 2
		pt := vg.Point{X: (x0 + x1) / 2, Y: (c.Min.Y + c.Max.Y) / 2}
		c.FillText(st, pt, b.Label())
		pl.take(vg.Rectangle{Min: vg.Point{X: x0, Y: c.Min.Y}, Max: vg.Point{X: x1, Y: c.Max.Y}}, 5)
	}

	minW := vg.Length(5)
	// Bars, on both lanes of the exchange.
	for _, b := range f.Bars {
		col := StepColor(b.Step)
		edge := col
		if tc, ok := ToneColor(b.Tone); ok && b.Tone >= flow.Deferred {
			edge = tc
		}
		x0, x1 := trX(s.X(b.Start)), trX(s.X(b.End))
		if x1-x0 < minW {
			x1 = x0 + minW
		}
		for _, lane := range []int{b.From, b.To} {
			y := laneY(n, lane)
			r := vg.Rectangle{Min: vg.Point{X: x0, Y: trY(y - barHalf)}, Max: vg.Point{X: x1, Y: trY(y + barHalf)}}
			fillRect(c, fade(col, 0x55), r.Min.X, r.Min.Y, r.Max.X, r.Max.Y)
			strokeRect(c, draw.LineStyle{Color: edge, Width: 1.2}, r)
			pl.take(r, 0.3)
		}
	}

	// Arrows first, so that labels keep clear of all of them.
	var labels, minor []placed
	for _, h := range f.Hops {
		x := trX(s.X(h.Time))
		y0, y1 := laneY(n, h.From), laneY(n, h.To)
		dir := 1.0
		if y1 < y0 {
			dir = -1
		}
		from := vg.Point{X: x, Y: trY(y0 + dir*barHalf)}
		to := vg.Point{X: x, Y: trY(y1 - dir*barHalf)}
		if h.From == h.To {
			from.Y, to.Y = trY(y0+laneHalf*0.8), trY(y0+barHalf)
		}
		col := hopColor(h)
		ls := draw.LineStyle{Color: col, Width: 1.6}
		if h.Reply {
			ls.Dashes = []vg.Length{4, 2.5}
		}
		arrow(c, ls, from, to)
		if h.Tone == flow.Failed {
			cross(c, col, to, 5)
		}
		pl.take(vg.Rectangle{Min: vg.Point{X: x - 2, Y: min(from.Y, to.Y)}, Max: vg.Point{X: x + 2, Y: max(from.Y, to.Y)}}, 1)
		rank := hopRank(h)
		if rank < 0 {
			continue
		}
		st := textStyle(labelFont, h.Tone >= flow.Deferred, col)
		var at []candidate
		for _, fr := range []float64{0.5, 0.3, 0.7, 0.15, 0.85} {
			y := from.Y + vg.Length(fr)*(to.Y-from.Y)
			at = append(at, candidate{vg.Point{X: x + 4, Y: y}, draw.XLeft})
		}
		for _, fr := range []float64{0.5, 0.3, 0.7} {
			y := from.Y + vg.Length(fr)*(to.Y-from.Y)
			at = append(at, candidate{vg.Point{X: x - 4, Y: y}, draw.XRight})
		}
		// Beyond either end, past the bars, where other arrows rarely go.
		for _, depth := range []vg.Length{8, 22} {
			for _, y := range []vg.Length{trY(y0-dir*barHalf) - vg.Length(dir)*depth, trY(y1+dir*barHalf) + vg.Length(dir)*depth} {
				at = append(at, candidate{vg.Point{X: x - 3, Y: y}, draw.XLeft},
					candidate{vg.Point{X: x + 3, Y: y}, draw.XRight})
			}
		}
		l := placed{st: st, txt: h.Label, at: at, rank: rank}
		if rank == 0 {
			labels = append(labels, l)
		} else {
			minor = append(minor, l)
		}
	}
	// Minor labels in order of use: answers before questions.
	sort.SliceStable(minor, func(i, j int) bool { return minor[i].rank < minor[j].rank })

	// Marks: a glyph on the lane, the label above or below it.
	var markLabels []placed
	for _, m := range f.Marks {
		pt := vg.Point{X: trX(s.X(m.Time)), Y: trY(laneY(n, m.Lane))}
		col := StepColor(m.Step)
		if tc, ok := ToneColor(m.Tone); ok {
			col = tc
		}
		glyph(c, m.Tone, col, pt)
		pl.take(vg.Rectangle{Min: vg.Point{X: pt.X - 6, Y: pt.Y - 6}, Max: vg.Point{X: pt.X + 6, Y: pt.Y + 6}}, 1)
		st := textStyle(labelFont, m.Tone >= flow.Retry, col)
		if m.Tone <= flow.Info && !knownMark(m) {
			st.Color = grey
		}
		up := trY(laneY(n, m.Lane)+barHalf) + 7
		down := trY(laneY(n, m.Lane)-barHalf) - 7
		markLabels = append(markLabels, placed{st: st, txt: m.Label, at: []candidate{
			{vg.Point{X: pt.X - 4, Y: up}, draw.XLeft},
			{vg.Point{X: pt.X - 4, Y: down}, draw.XLeft},
			{vg.Point{X: pt.X + 8, Y: pt.Y}, draw.XLeft},
			{vg.Point{X: pt.X + 4, Y: up}, draw.XRight},
			{vg.Point{X: pt.X + 4, Y: down}, draw.XRight},
			{vg.Point{X: pt.X - 8, Y: pt.Y}, draw.XRight},
		}})
	}

	// Bar labels sit just above (or below) the upper lane's bar; they also
	// name the connection, so connect arrows need no label of their own.
	var barLabels []placed
	for _, b := range f.Bars {
		if !strings.HasPrefix(b.Label, "SMTP") {
			continue // DNS and POP3/IMAP arrows say it all
		}
		top := max(laneY(n, b.From), laneY(n, b.To))
		st := textStyle(labelFont-0.5, false, StepColor(b.Step))
		x := trX(s.X(b.Start))
		barLabels = append(barLabels, placed{st: st, txt: b.Label, at: []candidate{
			{vg.Point{X: x, Y: trY(top+barHalf) + 6}, draw.XLeft},
			{vg.Point{X: x, Y: trY(top-barHalf) - 6}, draw.XLeft},
			{vg.Point{X: x - 3, Y: trY(top+barHalf) + 6}, draw.XRight},
		}})
	}
	for _, group := range [][]placed{markLabels, labels, barLabels, minor} {
		for _, l := range group {
			pl.text(c, l.st, l.txt, l.at, l.rank > 0)
		}
	}
}

// placed is a label waiting for its place.
type placed struct {
	st   text.Style
	txt  string
	at   []candidate
	rank int // 0: always shown; more: shown only where it hides nothing
}

// hopRank says how much a hop's label matters: 0 always shown, higher
// numbers only where there is room, -1 never (a connect arrow's bar names
// the connection already).
func hopRank(h flow.Hop) int {
	if h.Tone >= flow.Deferred {
		return 0
	}
	switch h.Kind {
	case event.SMTPConnect, event.RelayConnect:
		return -1
	case event.DNSAnswer:
		return 1
	case event.SMTPAuth:
		return 2
	case event.SMTPTLS:
		return 3
	case event.DNSQuery:
		return 4
	}
	return 0
}

// knownMark reports whether a mark is one the timeline draws on purpose (a
// new message, a route decision, a verdict on the sender) rather than an event of an unknown kind.
func knownMark(m flow.Mark) bool {
	return m.Kind == event.ActionStart || m.Kind == event.RouteDecision || m.Kind == event.AuthResult
}

func hopColor(h flow.Hop) color.RGBA {
	if c, ok := ToneColor(h.Tone); ok {
		return c
	}
	return StepColor(h.Step)
}

// DataRange makes the plotter's extent known to gonum (the axes are set by
// hand, so it only has to be sane).
func (tp *timelinePlotter) DataRange() (xmin, xmax, ymin, ymax float64) {
	return 0, tp.s.Span, 0, float64(len(tp.f.Lanes))
}

func fillRect(c draw.Canvas, col color.Color, x0, y0, x1, y1 vg.Length) {
	c.FillPolygon(col, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
}

func strokeRect(c draw.Canvas, ls draw.LineStyle, r vg.Rectangle) {
	c.StrokeLines(ls, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}, r.Min})
}

// arrow draws a line with a filled head at to.
func arrow(c draw.Canvas, ls draw.LineStyle, from, to vg.Point) {
	dx, dy := float64(to.X-from.X), float64(to.Y-from.Y)
	l := math.Hypot(dx, dy)
	if l == 0 {
		return
	}
	ux, uy := dx/l, dy/l
	head := 7.0
	base := vg.Point{X: to.X - vg.Length(ux*head), Y: to.Y - vg.Length(uy*head)}
	c.StrokeLines(ls, []vg.Point{from, base})
	w := head * 0.45
	c.FillPolygon(ls.Color, []vg.Point{
		to,
		{X: base.X + vg.Length(-uy*w), Y: base.Y + vg.Length(ux*w)},
		{X: base.X - vg.Length(-uy*w), Y: base.Y - vg.Length(ux*w)},
	})
}

func cross(c draw.Canvas, col color.Color, at vg.Point, r vg.Length) {
	ls := draw.LineStyle{Color: col, Width: 2.4}
	c.StrokeLine2(ls, at.X-r, at.Y-r, at.X+r, at.Y+r)
	c.StrokeLine2(ls, at.X-r, at.Y+r, at.X+r, at.Y-r)
}

// glyph draws a mark's symbol: a cross for a failure, a triangle for a
// deferral, a ring for a retry, a square for a bounce, a diamond for a note.
func glyph(c draw.Canvas, t flow.Tone, col color.Color, at vg.Point) {
	r := vg.Length(5.5)
	switch t {
	case flow.Failed:
		cross(c, col, at, r)
	case flow.Deferred:
		c.FillPolygon(col, []vg.Point{{X: at.X, Y: at.Y + r*1.2}, {X: at.X - r, Y: at.Y - r*0.8}, {X: at.X + r, Y: at.Y - r*0.8}})
	case flow.Retry:
		c.DrawGlyph(draw.GlyphStyle{Color: col, Radius: r, Shape: draw.RingGlyph{}}, at)
		c.DrawGlyph(draw.GlyphStyle{Color: col, Radius: r * 0.4, Shape: draw.CircleGlyph{}}, at)
	case flow.Bounce:
		c.DrawGlyph(draw.GlyphStyle{Color: col, Radius: r, Shape: draw.BoxGlyph{}}, at)
	case flow.Info:
		c.FillPolygon(col, []vg.Point{{X: at.X, Y: at.Y + r}, {X: at.X + r, Y: at.Y}, {X: at.X, Y: at.Y - r}, {X: at.X - r, Y: at.Y}})
	default:
		c.DrawGlyph(draw.GlyphStyle{Color: col, Radius: r * 0.8, Shape: draw.CircleGlyph{}}, at)
	}
}

// zigzag draws the edge of an axis break across the plot.
func zigzag(c draw.Canvas, x, y0, y1 vg.Length) {
	var pts []vg.Point
	for i, y := 0, y0; y <= y1; i, y = i+1, y+6 {
		dx := vg.Length(2.5)
		if i%2 == 1 {
			dx = -dx
		}
		pts = append(pts, vg.Point{X: x + dx, Y: y})
	}
	c.StrokeLines(draw.LineStyle{Color: grey, Width: 1}, pts)
}

// candidate is one place a label may go: an anchor and how to align there.
type candidate struct {
	at    vg.Point
	align text.XAlignment
}

// placer puts labels where they overlap nothing placed before, falling
// back to the place that overlaps least; covering a label costs more than
// crossing a line.
type placer struct {
	area  vg.Rectangle
	taken []obstacle
}

type obstacle struct {
	r      vg.Rectangle
	weight float64
}

func (p *placer) take(r vg.Rectangle, weight float64) { p.taken = append(p.taken, obstacle{r, weight}) }

// text draws txt at the best candidate place; an optional label is left
// out when every place would hide something.
func (p *placer) text(c draw.Canvas, st text.Style, txt string, cands []candidate, optional bool) {
	if txt == "" || len(cands) == 0 {
		return
	}
	best, bestCost := 0, math.Inf(1)
	var bestRect vg.Rectangle
	for i, cd := range cands {
		st.XAlign = cd.align
		r := st.Rectangle(txt).Add(cd.at)
		r.Min.X -= 1.5
		r.Max.X += 1.5
		cost, hides := 0.0, 0.0
		for _, t := range p.taken {
			o := overlap(r, t.r)
			cost += t.weight * o
			if t.weight >= 1 {
				hides += o
			}
		}
		if optional && hides >= 1 {
			continue
		}
		// Leaving the plot is worse than covering a little.
		if r.Min.X < p.area.Min.X || r.Max.X > p.area.Max.X || r.Min.Y < p.area.Min.Y || r.Max.Y > p.area.Max.Y {
			if optional {
				continue
			}
			cost += 1e6
		}
		cost += float64(i) * 0.01 // earlier candidates are the better looking
		if cost < bestCost {
			best, bestCost, bestRect = i, cost, r
		}
	}
	if math.IsInf(bestCost, 1) {
		return // an optional label with no free place
	}
	st.XAlign = cands[best].align
	// A white halo keeps a label legible where it crosses a line.
	fillRect(c, white, bestRect.Min.X, bestRect.Min.Y, bestRect.Max.X, bestRect.Max.Y)
	c.FillText(st, cands[best].at, txt)
	p.take(bestRect, 20)
}

func overlap(a, b vg.Rectangle) float64 {
	w := min(a.Max.X, b.Max.X) - max(a.Min.X, b.Min.X)
	h := min(a.Max.Y, b.Max.Y) - max(a.Min.Y, b.Min.Y)
	if w <= 0 || h <= 0 {
		return 0
	}
	return float64(w * h)
}

// titleOf names the run and what became of its messages; bounces (sent
// with the null sender) are told apart from the messages people sent.
func titleOf(f *flow.Flow) string {
	name := f.Scenario
	if name == "" {
		name = "mailflow run"
	}
	var sent, notices []event.MessageOutcome
	for _, o := range f.Outcomes {
		if o.From == "" {
			notices = append(notices, o)
		} else {
			sent = append(sent, o)
		}
	}
	var title string
	switch len(sent) {
	case 0:
		title = name
	case 1:
		o := sent[0]
		title = fmt.Sprintf("%s: %s → %s, %s", name, o.From, strings.Join(o.To, ", "), o.State)
	default:
		title = fmt.Sprintf("%s: %d messages, %s", name, len(sent), countStates(sent))
	}
	if len(notices) > 0 {
		word := "bounce"
		if len(notices) > 1 {
			word = "bounces"
		}
		title += fmt.Sprintf("; %d %s %s", len(notices), word, countStates(notices))
	}
	return title
}

// countStates writes "2 delivered, 1 bounced", states in order of first
// appearance; a single state needs no number.
func countStates(os []event.MessageOutcome) string {
	counts := map[string]int{}
	var order []string
	for _, o := range os {
		if counts[o.State] == 0 {
			order = append(order, o.State)
		}
		counts[o.State]++
	}
	if len(order) == 1 && len(os) > 1 {
		return "all " + order[0]
	}
	if len(order) == 1 {
		return order[0]
	}
	var parts []string
	for _, s := range order {
		parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
	}
	return strings.Join(parts, ", ")
}
