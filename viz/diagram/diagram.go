// Package diagram writes a run as a sequence diagram: Mermaid, for slides
// and Markdown, or plain text, for a terminal. Participants are the run's
// actors in lane order (sender to recipient), arrows carry reply codes, and
// a note opens each step of delivery. It is pure: the same events always
// give the same diagram.
package diagram

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
	"github.com/mailflow/mailflow/viz/plot/flow"
)

// Format is a diagram notation.
type Format string

// The notations.
const (
	Mermaid Format = "mermaid"
	Text    Format = "text"
)

// ParseFormat accepts the names of the --format flag.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case Mermaid, Text:
		return f, nil
	case "":
		return Text, nil
	}
	return "", fmt.Errorf("unknown diagram format %q (use mermaid or text)", s)
}

// Options shape a diagram.
type Options struct {
	// Lang names the steps in the step notes; default English.
	Lang narrate.Lang
	// NoSteps leaves the step notes out.
	NoSteps bool
}

// Write writes the events' sequence diagram in format to w.
func Write(w io.Writer, format Format, events []event.Event, o Options) error {
	f := flow.Build(events)
	var s string
	switch format {
	case Mermaid:
		s = MermaidOf(f, o)
	case Text:
		s = TextOf(f, o)
	default:
		return fmt.Errorf("unknown diagram format %q", format)
	}
	if _, err := io.WriteString(w, s); err != nil {
		return fmt.Errorf("writing the diagram: %w", err)
	}
	return nil
}

// row is one line of a diagram, before notation: a hop, a mark, a step
// note or a gap in time.
type row struct {
	at   time.Time
	hop  *flow.Hop
	mark *flow.Mark
	// step opens a step: its number and the lanes of its first row.
	step   int
	lo, hi int
	// gap is a long quiet time before the next row.
	gap time.Duration
}

// rows walks the flow in event order, adding step notes and long gaps.
func rows(f *flow.Flow, o Options) []row {
	items := f.Items()
	var times []time.Time
	for _, it := range items {
		times = append(times, itemTime(it))
	}
	long := flow.GapThreshold(times)
	lang := o.Lang
	if lang == "" {
		lang = narrate.English
	}
	var out []row
	step := 0
	var prev time.Time
	for i, it := range items {
		at := itemTime(it)
		if i > 0 && long > 0 && at.Sub(prev) > long {
			out = append(out, row{at: at, gap: at.Sub(prev)})
		}
		prev = at
		s, lo, hi := itemStep(it)
		if s >= 1 && s <= 6 && s != step && !o.NoSteps {
			out = append(out, row{at: at, step: s, lo: lo, hi: hi})
		}
		if s >= 1 && s <= 6 {
			step = s
		}
		out = append(out, row{at: at, hop: it.Hop, mark: it.Mark})
	}
	return out
}

func itemTime(it flow.Item) time.Time {
	if it.Hop != nil {
		return it.Hop.Time
	}
	return it.Mark.Time
}

func itemStep(it flow.Item) (step, lo, hi int) {
	if it.Hop != nil {
		return it.Hop.Step, min(it.Hop.From, it.Hop.To), max(it.Hop.From, it.Hop.To)
	}
	return it.Mark.Step, it.Mark.Lane, it.Mark.Lane
}

// stepTitle is "Step 4 · DNS lookup of the MX" in the diagram's language.
func stepTitle(lang narrate.Lang, step int) string {
	if lang == "" {
		lang = narrate.English
	}
	word := "Step"
	if lang == narrate.Vietnamese {
		word = "Bước"
	}
	return fmt.Sprintf("%s %d · %s", word, step, narrate.StepName(lang, step))
}

// markSign is the one-character sign of a mark in the text diagram.
func markSign(t flow.Tone) string {
	switch t {
	case flow.Failed:
		return "X"
	case flow.Deferred:
		return "!"
	case flow.Retry:
		return "~"
	case flow.Bounce:
		return "B"
	case flow.Info:
		return "*"
	}
	return "o"
}
