package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mailflow/mailflow/sim"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
)

// textSink prints the narrated log: simulated time, then the sentence.
type textSink struct {
	w          io.Writer
	lang       narrate.Lang // for the day markers and the transcripts' notes
	transcript bool
	color      bool
	day        string // the simulated day of the last line, to mark a new one
}

func newTextSink(w io.Writer, lang narrate.Lang, transcript, color bool) *textSink {
	return &textSink{w: w, lang: lang, transcript: transcript, color: color}
}

// stepColors are ANSI colours for steps 1-6, so a class can follow a step
// down the screen.
var stepColors = [7]string{"", "36", "34", "35", "33", "32", "92"}

func (t *textSink) Handle(e event.Event) {
	switch e.Kind {
	case event.Summary, event.ExpectResult:
		return // printed as the outcome block
	case event.ServerListen:
		return // the topology is for views; `mailflow up` prints it as a table
	case event.SMTPTranscript:
		if !t.transcript {
			return
		}
	}
	text := e.Text
	if t.color && e.Step >= 1 && e.Step <= 6 {
		text = "\x1b[" + stepColors[e.Step] + "m" + text + "\x1b[0m"
	}
	if t.color && (e.Kind == event.SMTPReply || e.Kind == event.QueueFailed || e.Kind == event.QueueDeferred) {
		text = "\x1b[31m" + e.Text + "\x1b[0m"
	}
	if day := narrate.Day(t.lang, e.Time); day != t.day {
		if t.day != "" {
			fmt.Fprintf(t.w, "── %s ──\n", day) // queues wait for days: say when the date moves on
		}
		t.day = day
	}
	fmt.Fprintf(t.w, "%s  %s\n", e.Time.Format("15:04:05.000"), text)
	if e.Kind == event.SMTPTranscript {
		for _, l := range e.Transcript {
			fmt.Fprintf(t.w, "              │ %s\n", narrate.TranscriptNote(t.lang, l))
		}
	}
}

// colorWanted is true for a terminal, unless NO_COLOR is set (no-color.org).
func colorWanted(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func printOutcome(w io.Writer, lang narrate.Lang, outcomes []event.MessageOutcome, results []sim.Result) {
	fmt.Fprintf(w, "\n%s\n", narrate.Word(lang, "outcome"))
	for _, o := range outcomes {
		steps := make([]string, len(o.Steps))
		for i, s := range o.Steps {
			steps[i] = fmt.Sprint(s)
		}
		fmt.Fprintf(w, "  %-4s %-10s %s → %s  %q  %s %s\n", o.Msg, narrate.State(lang, o.State), o.From,
			strings.Join(o.To, ", "), o.Subject, narrate.Word(lang, "steps"), strings.Join(steps, "→"))
		if o.Error != "" && o.State != "delivered" {
			fmt.Fprintf(w, "       %s\n", narrate.Detail(lang, o.Error))
		}
	}
	if len(results) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\n", narrate.Word(lang, "expectations"))
	for _, r := range results {
		mark := "✔"
		if !r.Passed {
			mark = "✘"
		}
		fmt.Fprintf(w, "  %s %s: %s %s\n", mark, r.Kind, narrate.Word(lang, "expected"), narrate.Expected(lang, r.Expected))
		if !r.Passed {
			where := ""
			if r.Pos.Line > 0 {
				where = fmt.Sprintf(" (%s %d)", narrate.Word(lang, "line"), r.Pos.Line)
			}
			fmt.Fprintf(w, "      %s %s%s\n", narrate.Word(lang, "observed"), narrate.Observed(lang, r.Observed), where)
		}
	}
}
