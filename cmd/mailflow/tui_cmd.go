package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mailflow/mailflow/sim"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/topology"
	"github.com/mailflow/mailflow/viz/narrate"
	"github.com/mailflow/mailflow/viz/plot"
	"github.com/mailflow/mailflow/viz/tui"
)

// noTerminal is what --tui says when it cannot draw and falls back.
const noTerminal = "no terminal: showing the narrated log instead"

// pausedTimeout bounds the protocols' waits while the classroom view may
// pause the world: long enough that nothing times out during a lesson.
const pausedTimeout = 24 * time.Hour

func newDemoCommand() *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Show the six steps live, step by step, on the cross-domain scenario",
		Long: `Demo opens the classroom view on the cross-domain built-in with the world
paused before each step: space (or →) lets the next step happen, b steps
back through what already happened, o skips to the outcome, / filters the
log, p plays, w explains the step, ? lists the keys, q quits. It also stops
just after any failure, showing the ✗ and its reason. It is
'mailflow run cross-domain --tui --step'. --theme light suits a projector.

Without a terminal it prints the narrated log instead.`,
		Example: `  mailflow demo
  mailflow demo --lang vi
  mailflow demo --theme light          # dark text on white, for a projector
  mailflow demo --trace lesson.jsonl   # record it for 'mailflow replay'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.tui, o.step, o.format, o.timeout = true, true, "text", time.Minute
			return runScenario(cmd.Context(), cmd.OutOrStdout(), "cross-domain", o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.lang, "lang", "", "narration language: en or vi (default from LANG)")
	f.StringVar(&o.trace, "trace", "", "also record the events as JSON Lines in this file")
	addThemeFlag(cmd, &o.theme)
	return cmd
}

// addThemeFlag adds --theme to a command that opens the classroom view.
func addThemeFlag(cmd *cobra.Command, theme *string) {
	cmd.Flags().StringVar(theme, "theme", tui.ThemeDark, "classroom view colours: dark, or light for a projector")
}

// pickTheme reads --theme; NO_COLOR wins over either.
func pickTheme(name string) (tui.Theme, error) {
	th, err := tui.ParseTheme(name)
	if err != nil {
		return th, badInput(err)
	}
	return th, nil
}

func newReplayCommand() *cobra.Command {
	var lang, theme string
	var at int
	cmd := &cobra.Command{
		Use:   "replay TRACE.jsonl",
		Short: "Show a recorded run in the classroom view, with seek",
		Long: `Replay shows a trace recorded with --trace or --format json in the same view
as a live run, without starting any network. It starts paused before the
first step: space/→ and b/← move a step (stopping after failures too),
'.' and ',' one event, Home and End jump to the ends, o to the outcome,
g goes to an event number, / filters the log, p plays.

Without a terminal it prints the trace's narrated log instead.`,
		Example: `  mailflow run cross-domain --trace run.jsonl
  mailflow replay run.jsonl
  mailflow replay run.jsonl --lang vi --at 12`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return replayTrace(cmd.Context(), cmd.OutOrStdout(), args[0], lang, theme, at)
		},
	}
	cmd.Flags().StringVar(&lang, "lang", "", "narration language: en or vi (default from LANG)")
	cmd.Flags().IntVar(&at, "at", 0, "start at this event number (default: before the first step)")
	addThemeFlag(cmd, &theme)
	return cmd
}

// isTerminal reports whether w is a terminal the view can take over.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// openView opens the terminal, or says why not and reports false.
func openView(stdout io.Writer) (tcell.Screen, bool) {
	if !isTerminal(stdout) {
		fmt.Fprintln(os.Stderr, noTerminal)
		return nil, false
	}
	screen, err := tui.OpenTerminal()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s (%v)\n", noTerminal, err)
		return nil, false
	}
	return screen, true
}

// runTUI is 'run --tui': the scenario in the classroom view. Without a
// terminal it falls back to the narrated log.
func runTUI(ctx context.Context, stdout io.Writer, arg string, o runOptions) error {
	lang, err := pickLang(o.lang)
	if err != nil {
		return err
	}
	theme, err := pickTheme(o.theme)
	if err != nil {
		return err
	}
	s, err := loadScenario(arg)
	if err != nil {
		return err
	}
	screen, ok := openView(stdout)
	if !ok {
		o.tui = false
		return runScenario(ctx, stdout, arg, o)
	}
	closeScreen := func() { screen.Fini() }
	// The world may stand still for minutes: waits that count wall time
	// must not give up meanwhile.
	for _, a := range s.Actions {
		if a.Wait != nil {
			a.Wait.Timeout = pausedTimeout.String()
		}
	}
	intake := tui.NewIntake()
	sinks := []event.Sink{intake}
	var rec *event.Recorder
	if o.trace != "" {
		f, err := os.Create(o.trace)
		if err != nil {
			closeScreen()
			return badInput(fmt.Errorf("trace: %w", err))
		}
		defer f.Close()
		rec = event.NewRecorder(f)
		sinks = append(sinks, rec)
	}
	n, err := sim.Start(s, sim.Options{Narrate: narrate.Func(lang), Sinks: sinks, Timeout: pausedTimeout})
	if err != nil {
		closeScreen()
		return fmt.Errorf("starting the simulated network: %w", err)
	}
	app := tui.NewApp(tui.Options{Lang: lang, Title: s.Name, Hosts: viewHosts(n), Step: o.step,
		Theme: theme, Screen: screen, Intake: intake})

	ctx, stop := signal.NotifyContext(orBackground(ctx), os.Interrupt)
	defer stop()
	var results []sim.Result
	finished := false
	uiErr := app.Live(ctx, tui.World{
		SetGate: n.Bus.SetGate,
		Run: func(ctx context.Context) error {
			playErr := n.Play(ctx)
			if err := n.WaitSettled(ctx); err != nil {
				return playErr // the view quit before the end
			}
			results = n.Check()
			n.Summarize()
			finished = true
			return playErr
		},
	})
	n.Close()
	if uiErr != nil {
		return fmt.Errorf("classroom view: %w", uiErr)
	}
	if rec != nil {
		if err := rec.Err(); err != nil {
			return fmt.Errorf("writing events: %w", err)
		}
	}
	if !finished {
		return nil // the class left before the end: nothing to judge
	}
	printOutcome(stdout, lang, n.Outcomes(), results)
	failed := 0
	for _, r := range results {
		if !r.Passed {
			failed++
		}
	}
	if failed > 0 {
		return &exitError{code: exitFailed, err: fmt.Errorf("%d of %d expectation(s) failed", failed, len(results))}
	}
	return nil
}

// viewHosts is the topology pane's starting point: every host with its
// address and services, the DNS server and where the mail clients sit.
func viewHosts(n *sim.Network) []tui.Host {
	dns := tui.Host{Name: "dns", Role: tui.RoleDNS, Addr: n.Topology.DNSAddr.String(),
		Services: []tui.Service{{Name: "dns", Port: 53, Real: int(n.DNSAddrPort().Port())}}}
	hosts := []tui.Host{dns}
	for _, h := range n.Topology.Hosts {
		vh := tui.Host{Name: h.Name, Role: tui.RoleMail, Addr: h.Addr.String(), MX: h.MX, Mailboxes: h.Mailboxes}
		if h.Domain != nil {
			vh.Domain = h.Domain.Name
		}
		for _, svc := range h.Services {
			vh.Services = append(vh.Services, tui.Service{Name: string(svc), Port: topology.StandardPort(svc)})
		}
		hosts = append(hosts, vh)
	}
	hosts = append(hosts, tui.Host{Name: "clients", Role: tui.RoleClient, Addr: n.Topology.ClientAddr.String()})
	// Badges for what the scenario makes go wrong, before it strikes.
	badge := func(host, label string) {
		for i := range hosts {
			if strings.EqualFold(hosts[i].Name, host) {
				hosts[i].Faults = append(hosts[i].Faults, label)
			}
		}
	}
	for _, f := range n.Scenario.Faults {
		switch {
		case f.DNS != "":
			badge("dns", strings.TrimSpace(strings.TrimSuffix(f.DNS, ".")+" "+f.Type+" "+f.Answer))
		case f.Reply != nil:
			badge(f.Host, strings.ToUpper(f.Stage)+" "+strconv.Itoa(f.Reply.Code))
		default:
			badge(f.Host, strings.TrimSpace(strings.ToUpper(f.Stage)+" "+f.Effect))
		}
	}
	for _, sv := range n.Scenario.Servers {
		if sv.Certificate != "" {
			badge(sv.Host, "cert "+sv.Certificate)
		}
		if sv.TLSPolicy != "" && sv.TLSPolicy != "opportunistic" {
			badge(sv.Host, "TLS "+sv.TLSPolicy)
		}
	}
	for _, h := range n.Topology.Hosts {
		if d := h.Policy.Greylist; d > 0 {
			badge(h.Name, "greylist "+plot.Human(d))
		}
	}
	return hosts
}

// replayTrace is 'mailflow replay': a recorded run in the classroom view.
func replayTrace(ctx context.Context, stdout io.Writer, path, langFlag, themeFlag string, at int) error {
	lang, err := pickLang(langFlag)
	if err != nil {
		return err
	}
	theme, err := pickTheme(themeFlag)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return badInput(fmt.Errorf("trace: %w", err))
	}
	events, err := event.ReadTrace(f)
	f.Close()
	if err != nil {
		return badInput(fmt.Errorf("%s: %w", path, err))
	}
	if len(events) == 0 {
		return badInput(fmt.Errorf("%s: no events", path))
	}
	screen, ok := openView(stdout)
	if !ok {
		text := newTextSink(stdout, lang, false, colorWanted(stdout))
		for _, e := range events {
			e.Text = tui.LogText(lang, e)
			text.Handle(e)
		}
		return nil
	}
	title := path
	for _, e := range events {
		if e.Kind == event.RunStart && e.Scenario != "" {
			title = e.Scenario + " (" + path + ")"
			break
		}
	}
	ctx, stop := signal.NotifyContext(orBackground(ctx), os.Interrupt)
	defer stop()
	app := tui.NewApp(tui.Options{Lang: lang, Title: title, Theme: theme, Screen: screen, At: at})
	if err := app.Replay(ctx, events); err != nil {
		return fmt.Errorf("classroom view: %w", err)
	}
	return nil
}

func orBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}
