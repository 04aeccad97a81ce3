// Package report writes one self-contained HTML page about a run: what
// became of each message, the expectations, the timeline (inline SVG), the
// sequence diagram, the narrated log and every SMTP dialogue. It loads
// nothing from anywhere, so a teacher can hand it out and a CI job can
// attach it.
package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/diagram"
	"github.com/mailflow/mailflow/viz/narrate"
	"github.com/mailflow/mailflow/viz/plot"
	"github.com/mailflow/mailflow/viz/plot/flow"
)

// Options shape a report.
type Options struct {
	// Title heads the page; default "mailflow report: SCENARIO".
	Title string
	// Lang narrates the log again in this language; "" keeps the text the
	// trace was recorded with.
	Lang narrate.Lang
}

//go:embed report.html.tmpl
var pageSource string

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"join": strings.Join,
}).Parse(pageSource))

// Write writes the report of a run to w.
func Write(w io.Writer, events []event.Event, o Options) error {
	if len(events) == 0 {
		return plot.ErrNoEvents
	}
	d, err := build(events, o)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := reportTemplate.Execute(&buf, d); err != nil {
		return fmt.Errorf("report template: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

// Save writes the report of a run into a file.
func Save(path string, events []event.Event, o Options) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	return Write(f, events, o)
}

// data is what the template shows.
type data struct {
	Lang        string
	Title       string
	Scenario    string
	Start       string
	Events      int
	Verdict     string // pass, fail or none
	Words       words
	Outcomes    []outcome
	Expect      []expectation
	Timeline    template.HTML
	Load        template.HTML
	Diagram     string
	Mermaid     string
	Log         []logLine
	Transcripts []transcript
	StepCSS     template.CSS
}

type outcome struct {
	event.MessageOutcome
	Steps     string
	StateText string // the state in the report's language (State stays the CSS class)
}

type expectation struct {
	Passed       bool
	Stage, Label string
}

type logLine struct {
	Seq   int64
	Time  string
	Step  int
	Class string // bad, warn, bounce or ""
	Text  string
	Link  string // anchor of the transcript this line tells of
}

type transcript struct {
	ID    string
	Title string
	Step  int
	Lines []transcriptLine
}

type transcriptLine struct {
	Class, Text string
}

func build(events []event.Event, o Options) (*data, error) {
	f := flow.Build(events)
	lang := o.Lang
	d := &data{Lang: "en", Scenario: f.Scenario, Events: len(events), Verdict: "none", Words: english}
	if lang == narrate.Vietnamese {
		d.Lang, d.Words = "vi", vietnamese
	}
	d.Title = o.Title
	if d.Title == "" {
		d.Title = "mailflow report"
		if f.Scenario != "" {
			d.Title += ": " + f.Scenario
		}
	}
	if !f.Start.IsZero() {
		d.Start = narrate.Day(lang, f.Start.UTC()) + " " + f.Start.UTC().Format("15:04:05 UTC")
	}
	for _, oc := range f.Outcomes {
		oc.Error = narrate.Detail(lang, oc.Error)
		var steps []string
		for _, s := range oc.Steps {
			steps = append(steps, fmt.Sprint(s))
		}
		d.Outcomes = append(d.Outcomes, outcome{MessageOutcome: oc, Steps: strings.Join(steps, "→"),
			StateText: narrate.State(lang, oc.State)})
	}
	for _, e := range events {
		d.addEvent(e, lang)
	}
	if err := d.pictures(events, f); err != nil {
		return nil, err
	}
	var b strings.Builder
	for s := 0; s <= 6; s++ {
		fmt.Fprintf(&b, ".s%d{background:%s}\n", s, plot.Hex(plot.StepColor(s)))
	}
	d.StepCSS = template.CSS(b.String())
	return d, nil
}

func (d *data) addEvent(e event.Event, lang narrate.Lang) {
	switch e.Kind {
	case event.ExpectResult:
		passed := e.Passed != nil && *e.Passed
		d.Expect = append(d.Expect, expectation{Passed: passed, Stage: e.Check,
			Label: narrate.Word(lang, "expected") + " " + narrate.Expected(lang, e.Expected) + "; " +
				narrate.Word(lang, "observed") + " " + narrate.Observed(lang, e.Observed)})
		switch {
		case !passed:
			d.Verdict = "fail"
		case d.Verdict == "none":
			d.Verdict = "pass"
		}
	}
	text := e.Text
	if lang != "" || text == "" {
		l := lang
		if l == "" {
			l = narrate.English
		}
		text = narrate.Text(l, e)
	}
	line := logLine{Seq: e.Seq, Step: e.Step, Class: trouble(e), Text: text}
	if !e.Time.IsZero() {
		line.Time = e.Time.UTC().Format("15:04:05.000")
	}
	if len(e.Transcript) > 0 {
		t := transcript{ID: fmt.Sprintf("t%d", e.Seq), Step: e.Step, Title: transcriptTitle(e)}
		for _, l := range e.Transcript {
			t.Lines = append(t.Lines, transcriptLine{Class: lineClass(l), Text: l})
		}
		d.Transcripts = append(d.Transcripts, t)
		line.Link = t.ID
	}
	d.Log = append(d.Log, line)
}

func transcriptTitle(e event.Event) string {
	s := e.Host
	if e.Peer != "" && e.Peer != "-" {
		s += " → " + e.Peer
	}
	if e.Service != "" || e.Port != 0 {
		s += " (" + e.Service
		if e.Port != 0 {
			s += fmt.Sprintf(" :%d", e.Port)
		}
		s += ")"
	}
	return fmt.Sprintf("%s — %d lines", strings.TrimSpace(s), len(e.Transcript))
}

func lineClass(l string) string {
	switch {
	case strings.HasPrefix(l, "C:"):
		return "c"
	case strings.HasPrefix(l, "S: 4"):
		return "s warn"
	case strings.HasPrefix(l, "S: 5"):
		return "s bad"
	case strings.HasPrefix(l, "S:"):
		return "s"
	}
	return "note"
}

// trouble classes a log line: bad for failures, warn for delays, bounce
// for a notification back to the sender.
func trouble(e event.Event) string {
	switch {
	case e.Kind == event.QueueFailed, e.Code() >= 500,
		e.Kind == event.ExpectResult && (e.Passed == nil || !*e.Passed):
		return "bad"
	case e.Kind == event.QueueDeferred, e.Kind == event.QueueRetry, e.Code() >= 400, e.Local != nil:
		return "warn"
	case e.Kind == event.DSNSent:
		return "bounce"
	}
	return ""
}

// maxTimeline: a run of more messages gets only the load charts; its
// timeline would be a tangle.
const maxTimeline = 20

// pictures renders the timeline (and for many messages the load charts)
// as inline SVG, and the sequence diagrams as text.
func (d *data) pictures(events []event.Event, f *flow.Flow) error {
	if len(f.Lanes) > 0 && f.Messages <= maxTimeline {
		svg, err := inlineSVG(events, plot.Options{Chart: plot.Timeline})
		if err != nil {
			return err
		}
		d.Timeline = svg
	}
	if plot.Pick(f, plot.Auto) == plot.Load {
		svg, err := inlineSVG(events, plot.Options{Chart: plot.Load})
		if err != nil {
			return err
		}
		d.Load = svg
	}
	lang := d.Lang
	if lang == "" {
		lang = "en"
	}
	d.Diagram = diagram.TextOf(f, diagram.Options{Lang: narrate.Lang(lang)})
	d.Mermaid = diagram.MermaidOf(f, diagram.Options{})
	return nil
}

var (
	xmlHeader = regexp.MustCompile(`^(?s).*?<svg`)
	// Inline SVG in HTML needs no namespace declarations, and the page
	// then names no web address at all.
	xmlns = regexp.MustCompile(`\s+xmlns(:xlink)?="[^"]*"`)
)

func inlineSVG(events []event.Event, o plot.Options) (template.HTML, error) {
	var buf bytes.Buffer
	if err := plot.Write(&buf, plot.SVG, events, o); err != nil {
		return "", fmt.Errorf("drawing the %s: %w", o.Chart, err)
	}
	s := xmlHeader.ReplaceAllString(buf.String(), "<svg")
	s = xmlns.ReplaceAllString(s, "")
	s = strings.Replace(s, "<svg", `<svg role="img" class="chart"`, 1)
	// The SVG comes from the plot package, which escapes every text it
	// draws (vgsvg uses html.EscapeString), so it is safe to inline.
	return template.HTML(s), nil //nolint:gosec // see above
}
