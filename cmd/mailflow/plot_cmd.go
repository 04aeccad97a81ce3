package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"gonum.org/v1/plot/vg"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/diagram"
	"github.com/mailflow/mailflow/viz/plot"
	"github.com/mailflow/mailflow/viz/report"
)

// readTraceArg reads a JSON Lines trace from a file, or standard input
// for "-".
func readTraceArg(cmd *cobra.Command, arg string) ([]event.Event, error) {
	var r io.Reader = cmd.InOrStdin()
	if arg != "-" {
		f, err := os.Open(arg)
		if err != nil {
			return nil, badInput(fmt.Errorf("trace: %w", err))
		}
		defer f.Close()
		r = f
	}
	events, err := event.ReadTrace(r)
	if err != nil {
		return nil, badInput(fmt.Errorf("%s: %w", arg, err))
	}
	if len(events) == 0 {
		return nil, badInput(fmt.Errorf("%s: %w", arg, plot.ErrNoEvents))
	}
	return events, nil
}

type plotOptions struct {
	output, chart, title string
	width                float64
	dpi                  int
}

func newPlotCommand() *cobra.Command {
	var o plotOptions
	cmd := &cobra.Command{
		Use:   "plot TRACE.jsonl -o FILE.png|FILE.svg",
		Short: "Draw a run's timeline or load charts from its trace",
		Long: `Plot draws the picture of a recorded run (see 'mailflow run --trace'):

  timeline  one lane per actor (mail clients, SMTP servers, DNS, relays,
            mailboxes), each SMTP, DNS and POP3/IMAP exchange as a bar, each
            hop as an arrow with its reply code, failures in red, deferrals
            and retries in orange; a long queue wait is cut out of the time
            axis and labelled ("≈ 2h 10m")
  load      for runs of many messages: latency per step, throughput over
            time and a histogram of delivery latency

The format follows the output name: .png or .svg. TRACE may be - for
standard input.`,
		Example: `  mailflow run cross-domain --trace run.jsonl
  mailflow plot run.jsonl -o run.png
  mailflow plot run.jsonl -o run.svg --chart timeline
  mailflow run cross-domain --plot run.png      # both at once`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			chart, err := plot.ParseChart(o.chart)
			if err != nil {
				return badInput(err)
			}
			if o.output == "" {
				return badInput(fmt.Errorf("name the picture with -o FILE.png or -o FILE.svg"))
			}
			if _, err := plot.FormatOf(o.output); err != nil {
				return badInput(err)
			}
			if o.width < 0 || o.dpi < 0 {
				return badInput(fmt.Errorf("--width and --dpi must be positive"))
			}
			events, err := readTraceArg(cmd, args[0])
			if err != nil {
				return err
			}
			opts := plot.Options{Chart: chart, Title: o.title, Width: vg.Length(o.width) * vg.Inch, DPI: o.dpi}
			if err := plot.Save(o.output, events, opts); err != nil {
				return badInput(fmt.Errorf("plot: %w", err))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "picture file: .png or .svg")
	f.StringVar(&o.chart, "chart", "auto", "timeline, load, or auto (the timeline for a few messages, load for many)")
	f.StringVar(&o.title, "title", "", "title (default: the scenario and what became of its messages)")
	f.Float64Var(&o.width, "width", 0, "width in inches (default: a 16:9 slide, wider for a busy timeline)")
	f.IntVar(&o.dpi, "dpi", 0, "PNG resolution in dots per inch (default 120)")
	return cmd
}

type diagramOptions struct {
	format, output, lang string
	noSteps              bool
}

func newDiagramCommand() *cobra.Command {
	var o diagramOptions
	cmd := &cobra.Command{
		Use:   "diagram TRACE.jsonl [--format mermaid|text]",
		Short: "Write a run's sequence diagram (Mermaid or text) from its trace",
		Long: `Diagram writes the sequence diagram of a recorded run: one participant per
actor, from the sender's mail client to the recipient's mailbox, an arrow per
hop with its reply code, a note where each step of delivery begins.

  text     a fixed-width diagram for a terminal (the default)
  mermaid  a Mermaid sequenceDiagram for Markdown pages and slides

TRACE may be - for standard input.`,
		Example: `  mailflow run cross-domain --trace run.jsonl
  mailflow diagram run.jsonl
  mailflow diagram run.jsonl --format mermaid -o run.mmd
  mailflow run same-domain --format json | mailflow diagram -`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := diagram.ParseFormat(o.format)
			if err != nil {
				return badInput(err)
			}
			lang, err := pickLang(o.lang)
			if err != nil {
				return err
			}
			events, err := readTraceArg(cmd, args[0])
			if err != nil {
				return err
			}
			return writeOutput(cmd, o.output, func(w io.Writer) error {
				return diagram.Write(w, format, events, diagram.Options{Lang: lang, NoSteps: o.noSteps})
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "text", "text or mermaid")
	f.StringVarP(&o.output, "output", "o", "", "write to this file instead of standard output")
	f.StringVar(&o.lang, "lang", "", "language of the step notes: en or vi (default from LANG)")
	f.BoolVar(&o.noSteps, "no-steps", false, "leave out the notes that open each step")
	return cmd
}

type reportOptions struct {
	output, lang, title string
}

func newReportCommand() *cobra.Command {
	var o reportOptions
	cmd := &cobra.Command{
		Use:   "report TRACE.jsonl -o report.html",
		Short: "Write a self-contained HTML report of a run from its trace",
		Long: `Report writes one HTML page about a recorded run: what became of each
message, the expectations, the timeline (inline SVG), the sequence diagram,
the narrated log and every SMTP dialogue. The page loads nothing from
anywhere, so it can be handed out or attached to a CI job as it is.

TRACE may be - for standard input.`,
		Example: `  mailflow run cross-domain --trace run.jsonl
  mailflow report run.jsonl -o report.html
  mailflow report run.jsonl -o bao-cao.html --lang vi`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.output == "" {
				return badInput(fmt.Errorf("name the page with -o FILE.html"))
			}
			opts := report.Options{Title: o.title}
			if o.lang != "" {
				lang, err := pickLang(o.lang)
				if err != nil {
					return err
				}
				opts.Lang = lang
			}
			events, err := readTraceArg(cmd, args[0])
			if err != nil {
				return err
			}
			if err := report.Save(o.output, events, opts); err != nil {
				return badInput(fmt.Errorf("report: %w", err))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "the HTML file to write")
	f.StringVar(&o.lang, "lang", "", "narrate the log again in this language: en or vi (default: as recorded)")
	f.StringVar(&o.title, "title", "", "page title (default: mailflow report: SCENARIO)")
	return cmd
}

// writeOutput writes to a file when one is named, else to standard output.
func writeOutput(cmd *cobra.Command, path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		return write(cmd.OutOrStdout())
	}
	f, err := os.Create(path)
	if err != nil {
		return badInput(err)
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// checkPlotFile fails early, before a run, when --plot names a file whose
// format cannot be told.
func checkPlotFile(path string) error {
	if path == "" {
		return nil
	}
	if _, err := plot.FormatOf(path); err != nil {
		return badInput(fmt.Errorf("--plot: %w", err))
	}
	return nil
}

// plotRun draws a finished run's picture for --plot.
func plotRun(path string, events []event.Event) error {
	if path == "" {
		return nil
	}
	if err := plot.Save(path, events, plot.Options{}); err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	return nil
}
