package plot

import (
	"fmt"
	"image/color"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mailflow/mailflow/viz/plot/flow"
)

// stepColors: one colour per step of delivery, kept apart from the red,
// orange and magenta that mark trouble.
var stepColors = [7]color.RGBA{
	{0x55, 0x5b, 0x66, 0xff}, // no step
	{0x2f, 0x6f, 0xb3, 0xff}, // 1 connect: blue
	{0x1f, 0x8f, 0x84, 0xff}, // 2 hand over: teal
	{0x7d, 0x57, 0xb5, 0xff}, // 3 decide: violet
	{0x4f, 0x8a, 0x2b, 0xff}, // 4 DNS: green
	{0x8c, 0x5e, 0x33, 0xff}, // 5 transfer: brown
	{0x2c, 0x4a, 0x7a, 0xff}, // 6 mailbox: navy
}

// StepColor is the colour of a step (1–6) in every picture and the report.
func StepColor(step int) color.RGBA {
	if step < 1 || step > 6 {
		return stepColors[0]
	}
	return stepColors[step]
}

// StepShort is the one-word name of each step in legends.
func StepShort(step int) string {
	if step < 1 || step > 6 {
		return ""
	}
	return [...]string{"connect", "hand over", "decide", "DNS", "transfer", "mailbox"}[step-1]
}

// ToneColor is the colour of a tone; Normal and Info have none of their own
// (they take the step's).
func ToneColor(t flow.Tone) (color.RGBA, bool) {
	switch t {
	case flow.Failed:
		return color.RGBA{0xd6, 0x28, 0x28, 0xff}, true
	case flow.Deferred:
		return color.RGBA{0xe0, 0x7b, 0x00, 0xff}, true
	case flow.Retry:
		return color.RGBA{0xc9, 0x8a, 0x00, 0xff}, true
	case flow.Bounce:
		return color.RGBA{0xc2, 0x18, 0x5b, 0xff}, true
	}
	return color.RGBA{}, false
}

// Hex writes a colour for CSS and SVG: "#2f6fb3".
func Hex(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

func fade(c color.RGBA, alpha uint8) color.NRGBA {
	return color.NRGBA{R: c.R, G: c.G, B: c.B, A: alpha}
}

var (
	grey      = color.RGBA{0x77, 0x7f, 0x8a, 0xff}
	lightGrey = color.RGBA{0xd5, 0xda, 0xe1, 0xff}
	laneFill  = color.RGBA{0xf3, 0xf5, 0xf8, 0xff}
	ink       = color.RGBA{0x22, 0x26, 0x2e, 0xff}
)

// sans is the typeface of every picture: sans-serif reads better projected.
func sans(size vg.Length, bold bool) font.Font {
	f := font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
	if bold {
		f.Weight = xfont.WeightBold
	}
	return f
}

func textStyle(size vg.Length, bold bool, c color.Color) text.Style {
	return text.Style{Color: c, Font: sans(size, bold), Handler: plot.DefaultTextHandler,
		XAlign: draw.XLeft, YAlign: draw.YCenter}
}

// styleAxes puts the sans typeface on a plot's title, axes and legend.
func styleAxes(p *plot.Plot, base vg.Length) {
	p.Title.TextStyle.Font = sans(base+3, true)
	p.Title.TextStyle.Color = ink
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(base+1, false)
		a.Tick.Label.Font = sans(base, false)
		a.Label.TextStyle.Color = ink
		a.Tick.Label.Color = ink
		a.Color = grey
		a.Tick.Color = grey
	}
	p.Legend.TextStyle.Font = sans(base, false)
}
