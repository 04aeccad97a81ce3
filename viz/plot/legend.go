package plot

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mailflow/mailflow/viz/plot/flow"
)

const legendHeight = 0.42 * vg.Inch

var white = color.RGBA{0xff, 0xff, 0xff, 0xff}

// drawLegend writes the key under the timeline: the colour of each step
// that occurs, then the marks that occur.
func drawLegend(c draw.Canvas, f *flow.Flow) {
	steps := map[int]bool{}
	tones := map[flow.Tone]bool{}
	for _, b := range f.Bars {
		steps[b.Step] = true
	}
	for _, h := range f.Hops {
		steps[h.Step] = true
		if h.Tone == flow.Failed || h.Tone == flow.Deferred {
			tones[h.Tone] = true
		}
	}
	for _, m := range f.Marks {
		tones[m.Tone] = true
	}
	x := c.Min.X + 0.25*vg.Inch
	c.FillText(textStyle(baseFont, true, ink), vg.Point{X: x, Y: (c.Min.Y + c.Max.Y) / 2}, "Steps:")
	x += 0.6 * vg.Inch
	y := (c.Min.Y + c.Max.Y) / 2
	st := textStyle(baseFont, false, ink)
	item := func(txt string, swatch func(at vg.Point)) {
		swatch(vg.Point{X: x + 5, Y: y})
		x += 14
		c.FillText(st, vg.Point{X: x, Y: y}, txt)
		x += st.Width(txt) + 16
	}
	for s := 1; s <= 6; s++ {
		if !steps[s] {
			continue
		}
		col := StepColor(s)
		item(fmt.Sprintf("%d %s", s, StepShort(s)), func(at vg.Point) {
			r := vg.Rectangle{Min: vg.Point{X: at.X - 5, Y: at.Y - 4}, Max: vg.Point{X: at.X + 5, Y: at.Y + 4}}
			fillRect(c, fade(col, 0x55), r.Min.X, r.Min.Y, r.Max.X, r.Max.Y)
			strokeRect(c, draw.LineStyle{Color: col, Width: 1.2}, r)
		})
	}
	x += 10
	for _, t := range []flow.Tone{flow.Failed, flow.Deferred, flow.Retry, flow.Bounce} {
		if !tones[t] {
			continue
		}
		col, _ := ToneColor(t)
		item(toneWord[t], func(at vg.Point) { glyph(c, t, col, at) })
	}
	if len(f.Hops) > 0 {
		item("reply", func(at vg.Point) {
			c.StrokeLine2(draw.LineStyle{Color: grey, Width: 1.6, Dashes: []vg.Length{4, 2.5}}, at.X-6, at.Y, at.X+6, at.Y)
		})
	}
}

var toneWord = map[flow.Tone]string{
	flow.Failed:   "failed",
	flow.Deferred: "deferred (4xx)",
	flow.Retry:    "retry",
	flow.Bounce:   "bounce (DSN)",
}
