package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
)

type runOptions struct {
	format     string
	trace      string
	lang       string
	transcript bool
	timeout    time.Duration
	tui        bool   // the classroom view (tui_cmd.go)
	step       bool   // ... paused before each step
	theme      string // ... in these colours
	plot       string
	web        webFlags         // --http: the web view, paused before each step (web_cmd.go)
	webReady   func(url string) // tests learn the web view's address
}

func newRunCommand() *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run SCENARIO",
		Short: "Run a scenario and narrate each step of delivery",
		Long: `Run starts the scenario's simulated internet on fresh loopback addresses and
ephemeral ports, plays its actions, checks its expectations and stops.
SCENARIO is a built-in name (see 'mailflow list') or a YAML file.

Exit status: 0 when every expectation holds, 1 when one fails, 2 when the
scenario cannot be read.`,
		Example: `  mailflow run cross-domain
  mailflow run same-domain --lang vi
  mailflow run cross-domain --transcript        # show each SMTP dialogue
  mailflow run cross-domain --format json | jq .text
  mailflow run lesson.yaml --trace run.jsonl    # record while narrating
  mailflow run same-domain --tui --step         # the classroom view, step by step
  mailflow run cross-domain --http 127.0.0.1:8025  # the web view, step by step`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScenario(cmd.Context(), cmd.OutOrStdout(), args[0], o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "text", "output format: text (narrated) or json (JSON Lines events)")
	f.StringVar(&o.trace, "trace", "", "also record the events as JSON Lines in this file")
	f.StringVar(&o.lang, "lang", "", "narration language: en or vi (default from LANG)")
	f.BoolVar(&o.transcript, "transcript", false, "print each connection's dialogue (C:/S: lines)")
	f.DurationVar(&o.timeout, "timeout", time.Minute, "give up when the run takes longer than this (wall time)")
	f.BoolVar(&o.tui, "tui", false, "show the run in the classroom view (a terminal UI); without a terminal, narrate")
	f.BoolVar(&o.step, "step", false, "with --tui: pause before each step until space is pressed")
	addThemeFlag(cmd, &o.theme)
	f.StringVar(&o.plot, "plot", "", "after the run, draw its timeline into this file (.png or .svg)")
	o.web.register(f, "; the run waits before each step for the page")
	return cmd
}

func pickLang(flag string) (narrate.Lang, error) {
	if flag == "" {
		return narrate.FromEnv(), nil
	}
	l, err := narrate.ParseLang(flag)
	if err != nil {
		return l, badInput(err)
	}
	return l, nil
}

func runScenario(ctx context.Context, stdout io.Writer, arg string, o runOptions) error {
	if o.web.addr != "" {
		return runWeb(ctx, stdout, arg, o)
	}
	if o.tui {
		return runTUI(ctx, stdout, arg, o)
	}
	s, lang, err := runInputs(arg, o)
	if err != nil {
		return err
	}
	sinks, recorders, closeTrace, err := runSinks(stdout, lang, o)
	if err != nil {
		return err
	}
	defer closeTrace()
	ctx, stop := runContext(ctx, o.timeout)
	defer stop()

	rep, err := sim.Run(ctx, s, sim.Options{Narrate: narrate.Func(lang), Sinks: sinks})
	if err != nil {
		return fmt.Errorf("starting the simulated network: %w", err)
	}
	if err := recordersErr(recorders); err != nil {
		return err
	}
	if o.format == "text" {
		printOutcome(stdout, lang, rep.Outcomes, rep.Results)
	}
	if err := plotRun(o.plot, rep.Events); err != nil {
		return err
	}
	return runVerdict(rep.PlayErr, len(rep.Failed()), len(rep.Results))
}

// runInputs checks the flags that run and run --http share and reads the
// scenario.
func runInputs(arg string, o runOptions) (*scenarios.Scenario, narrate.Lang, error) {
	if o.format != "text" && o.format != "json" {
		return nil, "", badInput(fmt.Errorf("--format must be text or json, not %q", o.format))
	}
	lang, err := pickLang(o.lang)
	if err != nil {
		return nil, "", err
	}
	if err := checkPlotFile(o.plot); err != nil {
		return nil, "", err
	}
	s, err := loadScenario(arg)
	if err != nil {
		return nil, "", err
	}
	return s, lang, nil
}

// runSinks are where a run's events go: narration or JSON Lines on
// stdout, and the --trace file, which closeTrace closes.
func runSinks(stdout io.Writer, lang narrate.Lang, o runOptions) (sinks []event.Sink, recorders []*event.Recorder, closeTrace func(), err error) {
	if o.format == "json" {
		r := event.NewRecorder(stdout)
		recorders, sinks = append(recorders, r), append(sinks, r)
	} else {
		sinks = append(sinks, newTextSink(stdout, lang, o.transcript, colorWanted(stdout)))
	}
	closeTrace = func() {}
	if o.trace != "" {
		f, err := os.Create(o.trace)
		if err != nil {
			return nil, nil, nil, badInput(fmt.Errorf("trace: %w", err))
		}
		closeTrace = func() { f.Close() }
		r := event.NewRecorder(f)
		recorders, sinks = append(recorders, r), append(sinks, r)
	}
	return sinks, recorders, closeTrace, nil
}

// recordersErr is the first error a recorder met writing the events.
func recordersErr(recorders []*event.Recorder) error {
	for _, r := range recorders {
		if err := r.Err(); err != nil {
			return fmt.Errorf("writing events: %w", err)
		}
	}
	return nil
}

// runContext ends at Ctrl-C or after timeout of wall time.
func runContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	ctx, stopSignal := signal.NotifyContext(orBackground(ctx), os.Interrupt)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	return ctx, func() { cancel(); stopSignal() }
}

// runVerdict is a run's exit: failed when the play stopped on an error or
// an expectation failed.
func runVerdict(playErr error, failed, total int) error {
	switch {
	case playErr != nil:
		return &exitError{code: exitFailed, err: playErr}
	case failed > 0:
		return &exitError{code: exitFailed, err: fmt.Errorf("%d of %d expectation(s) failed", failed, total)}
	}
	return nil
}
