package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/spf13/pflag"

	"github.com/mailflow/mailflow/sim"
	"github.com/mailflow/mailflow/viz/narrate"
	"github.com/mailflow/mailflow/viz/web"
)

// webFlags are the --http flags of up and run.
type webFlags struct {
	addr        string
	allowRemote bool
}

func (w *webFlags) register(f *pflag.FlagSet, what string) {
	f.StringVar(&w.addr, "http", "", "serve the web view and JSON API on this address, e.g. 127.0.0.1:8025"+what)
	f.BoolVar(&w.allowRemote, "http-allow-remote", false,
		"let --http bind a non-loopback address (the API shows the scenario's passwords and sends mail)")
}

// startWeb serves the web view of n on the --http address and returns its
// URL and a function that stops it.
func startWeb(n *sim.Network, lang narrate.Lang, flags webFlags, gate *web.Gate) (string, func(), error) {
	l, err := web.Listen(flags.addr, flags.allowRemote)
	if err != nil {
		return "", nil, badInput(err)
	}
	srv := web.New(web.Config{Network: n, Gate: gate, Lang: lang, AllowRemote: flags.allowRemote})
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	stop := func() {
		srv.Close()
		<-done
	}
	return "http://" + l.Addr().String() + "/", stop, nil
}

// runWeb is 'run --http': the run, held before each step until the web
// page (or POST /api/control) lets it through. Once it is over the page
// stays up, and the network with it, until Ctrl-C.
func runWeb(ctx context.Context, stdout io.Writer, arg string, o runOptions) error {
	if o.tui {
		return badInput(fmt.Errorf("--http and --tui are two views of a run: choose one"))
	}
	s, lang, err := runInputs(arg, o)
	if err != nil {
		return err
	}
	for _, a := range s.Actions { // the world may stand still for minutes between steps
		if a.Wait != nil {
			a.Wait.Timeout = pausedTimeout.String()
		}
	}
	notes := stdout // what the web view says goes beside the log, not into JSON Lines
	if o.format == "json" {
		notes = os.Stderr
	}
	sinks, recorders, closeTrace, err := runSinks(stdout, lang, o)
	if err != nil {
		return err
	}
	defer closeTrace()
	ctx, stop := signal.NotifyContext(orBackground(ctx), os.Interrupt)
	defer stop()

	n, err := sim.Start(s, sim.Options{Narrate: narrate.Func(lang), Sinks: sinks, Timeout: pausedTimeout})
	if err != nil {
		return fmt.Errorf("starting the simulated network: %w", err)
	}
	defer n.Close()
	gate := web.NewGate()
	n.Bus.SetGate(gate.Hold)
	defer context.AfterFunc(ctx, gate.Close)() // Ctrl-C lets a held world go, so it can stop
	url, stopWeb, err := startWeb(n, lang, o.web, gate)
	if err != nil {
		gate.Close()
		return err
	}
	defer stopWeb()
	fmt.Fprintf(notes, "Web view: %s — the run waits before each step: open the page and press Step (space).\n", url)
	if o.webReady != nil {
		o.webReady(url)
	}

	playErr := n.Play(ctx)
	if playErr == nil {
		playErr = n.WaitSettled(ctx)
	}
	if ctx.Err() != nil {
		return nil // stopped before the end: nothing to judge
	}
	results := n.Check()
	n.Summarize()
	if err := recordersErr(recorders); err != nil {
		return err
	}
	if o.format == "text" {
		printOutcome(stdout, lang, n.Outcomes(), results)
	}
	if err := plotRun(o.plot, n.Bus.History()); err != nil {
		return err
	}
	n.StartDriver() // mail sent from the page is delivered from now on
	fmt.Fprintf(notes, "\nThe run is over; the web view stays at %s until Ctrl-C.\n", url)
	<-ctx.Done()
	failed := 0
	for _, r := range results {
		if !r.Passed {
			failed++
		}
	}
	return runVerdict(playErr, failed, len(results))
}
