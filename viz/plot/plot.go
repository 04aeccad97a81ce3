// Package plot draws a run's pictures with gonum/plot: a swimlane timeline
// of one or a few messages (lanes per actor, bars per exchange, arrows per
// hop, failures and retries marked, long queue waits cut out of the time
// axis) and, for runs of many messages, load charts (latency per step,
// throughput over time, a latency histogram). Pictures are PNG or SVG.
//
// The data behind the timeline comes from package flow, which is pure and
// tested on its own; this package only lays it out and renders it.
package plot

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/plot/flow"
)

// Chart names a picture.
type Chart string

// The pictures.
const (
	Auto     Chart = "auto"     // the timeline for a few messages, the load charts for many
	Timeline Chart = "timeline" // lanes, exchanges, hops and marks over time
	Load     Chart = "load"     // per-step latency, throughput, latency histogram
)

// ParseChart accepts the chart names of the --chart flag.
func ParseChart(s string) (Chart, error) {
	switch c := Chart(strings.ToLower(s)); c {
	case "", Auto:
		return Auto, nil
	case Timeline, Load:
		return c, nil
	}
	return "", fmt.Errorf("unknown chart %q (use auto, timeline or load)", s)
}

// manyMessages: from this many messages on, Auto draws the load charts; a
// timeline of more is a tangle.
const manyMessages = 6

// Format is an image format.
type Format string

// The formats pictures are written in.
const (
	PNG Format = "png"
	SVG Format = "svg"
)

// FormatOf picks the format from a file name's extension.
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return PNG, nil
	case ".svg":
		return SVG, nil
	}
	return "", fmt.Errorf("%s: cannot tell the picture format: name it .png or .svg", path)
}

// Options shape a picture.
type Options struct {
	Chart Chart     // default Auto
	Title string    // default: the scenario and what became of its messages
	Width vg.Length // default 13.33 inches (a 16:9 slide), wider for a busy timeline
	DPI   int       // PNG resolution, default 120 (1600 pixels across)
}

// ErrNoEvents is returned for a trace with nothing in it to draw.
var ErrNoEvents = errors.New("the trace holds no events")

// Pick is the chart Auto means for these events.
func Pick(f *flow.Flow, c Chart) Chart {
	if c != Auto && c != "" {
		return c
	}
	if f.Messages >= manyMessages {
		return Load
	}
	return Timeline
}

// Write draws the events' picture in format to w.
func Write(w io.Writer, format Format, events []event.Event, o Options) error {
	if len(events) == 0 {
		return ErrNoEvents
	}
	if o.DPI == 0 {
		o.DPI = 120
	}
	f := flow.Build(events)
	title := o.Title
	if title == "" {
		title = titleOf(f)
	}
	var (
		height vg.Length
		paint  func(draw.Canvas)
	)
	switch Pick(f, o.Chart) {
	case Timeline:
		if o.Width == 0 {
			o.Width = timelineWidth(f)
		}
		p := newTimeline(f, title)
		height = timelineHeight(len(f.Lanes)) + legendHeight
		paint = func(dc draw.Canvas) {
			p.Draw(draw.Crop(dc, 0, 0, legendHeight, 0))
			drawLegend(draw.Crop(dc, 0, 0, 0, -(dc.Max.Y-dc.Min.Y-legendHeight)), f)
		}
	case Load:
		var err error
		if height, paint, err = loadPicture(LoadOf(events), title, &o); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown chart %q", o.Chart)
	}
	return paintTo(w, format, o, height, paint)
}

// paintTo paints a picture of the given height in format to w.
func paintTo(w io.Writer, format Format, o Options, height vg.Length, paint func(draw.Canvas)) error {
	var c vg.CanvasWriterTo
	switch format {
	case PNG:
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(o.Width, height), vgimg.UseDPI(o.DPI))}
	case SVG:
		c = vgsvg.New(o.Width, height)
	default:
		return fmt.Errorf("unknown picture format %q (use png or svg)", format)
	}
	dc := draw.New(c)
	fillRect(dc, white, dc.Min.X, dc.Min.Y, dc.Max.X, dc.Max.Y)
	paint(dc)
	if format == SVG {
		// Name fallbacks for viewers without the Liberation fonts.
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return fmt.Errorf("writing the picture: %w", err)
		}
		b := bytes.ReplaceAll(buf.Bytes(), []byte("font-family:Liberation Sans;"), []byte(svgFonts))
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("writing the picture: %w", err)
		}
		return nil
	}
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("writing the picture: %w", err)
	}
	return nil
}

const svgFonts = "font-family:'Liberation Sans',Arimo,Arial,Helvetica,sans-serif;"

// loadPicture lays out the three load charts under a title.
func loadPicture(st LoadStats, title string, o *Options) (vg.Length, func(draw.Canvas), error) {
	plots, err := loadPlots(st)
	if err != nil {
		return 0, nil, err
	}
	if o.Width == 0 {
		o.Width = 13.33 * vg.Inch
	}
	return 5.4 * vg.Inch, func(dc draw.Canvas) {
		top := vg.Length(0.45 * vg.Inch)
		ts := textStyle(baseFont+3, true, ink)
		ts.XAlign = draw.XCenter
		dc.FillText(ts, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - top/2}, title)
		drawRow(draw.Crop(dc, 0, 0, 0, -top), plots)
	}, nil
}

// SaveLoad draws the load charts of st into a file, its format from the
// name: for statistics gathered live (LoadMeter) rather than from a trace.
func SaveLoad(path string, st LoadStats, o Options) (err error) {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	if st.Messages == 0 {
		return ErrNoEvents
	}
	if o.DPI == 0 {
		o.DPI = 120
	}
	height, paint, err := loadPicture(st, o.Title, &o)
	if err != nil {
		return err
	}
	return writeFile(path, func(w io.Writer) error { return paintTo(w, format, o, height, paint) })
}

// Save draws the events' picture into a file, its format from the name.
func Save(path string, events []event.Event, o Options) (err error) {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	return writeFile(path, func(w io.Writer) error { return Write(w, format, events, o) })
}

// writeFile creates path and writes it with write; an error closing the
// file is an error of the write, as the picture may not be whole.
func writeFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	return write(f)
}

// drawRow lays plots side by side.
func drawRow(dc draw.Canvas, plots []*plot.Plot) {
	if len(plots) == 0 {
		return
	}
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Inch / 5, PadTop: vg.Inch / 8,
		PadBottom: vg.Inch / 10, PadLeft: vg.Inch / 10, PadRight: vg.Inch / 5}
	for i, p := range plots {
		p.Draw(tiles.At(dc, i, 0))
	}
}
