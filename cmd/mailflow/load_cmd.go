package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
	"github.com/mailflow/mailflow/viz/plot"
)

type loadOptions struct {
	count, concurrency, size int
	rate, plot               string
	timeout                  time.Duration
}

func newLoadCommand() *cobra.Command {
	var o loadOptions
	cmd := &cobra.Command{
		Use:   "load SCENARIO",
		Short: "Drive a scenario's network with many messages and measure it",
		Long: `Load starts the scenario's network as 'mailflow up' does (the queues
delivering in the background), plays its actions with every load action
submitted from several clients at once, waits until every message has
reached a final state, and prints:

  - the submission rate and the end-to-end rate (first submission to last
    message filed), in wall time;
  - the latency of each step and of the whole delivery, p50 and p99;
  - what became of every recipient, and a check that none was lost or
    filed twice.

A scenario without a load action gets one from its first send: the same
sender and recipients, --count messages (default 1000), and its other
actions are left out. The flags replace the load actions' own settings.
Expectations are not checked: a load is a measurement.

Exit status: 0 when every message reached a final state once, 1 when some
were lost or filed twice (or the time ran out), 2 for bad input.`,
		Example: `  mailflow load bulk-via-smarthost
  mailflow load cross-domain --count 10000 --concurrency 16
  mailflow load relay-rate-limit --plot load.png
  mailflow load lesson.yaml --rate 200/s --size 4096`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return loadScenarioRun(cmd.Context(), cmd.OutOrStdout(), args[0], o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.count, "count", 0, "messages per load action (default: the action's, or 1000)")
	f.IntVar(&o.concurrency, "concurrency", 0, "clients submitting at once (default: the action's, or 16)")
	f.IntVar(&o.size, "size", 0, "bytes per message (default: the action's, or 1024)")
	f.StringVar(&o.rate, "rate", "", "submit no faster than this, e.g. 200/s (default: the action's, or as fast as they go)")
	f.StringVar(&o.plot, "plot", "", "draw the load charts (latency per step, throughput, latency histogram) into this file (.png or .svg)")
	f.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up when the load takes longer than this (wall time)")
	return cmd
}

// prepareLoad applies the flags to the scenario's load actions, or makes
// one from its first send.
func prepareLoad(s *scenarios.Scenario, o loadOptions) ([]*scenarios.LoadAction, error) {
	switch {
	case o.count < 0 || o.count > scenarios.MaxLoadCount:
		return nil, fmt.Errorf("--count must be between 1 and %d", scenarios.MaxLoadCount)
	case o.concurrency < 0 || o.concurrency > scenarios.MaxLoadConcurrency:
		return nil, fmt.Errorf("--concurrency must be between 1 and %d", scenarios.MaxLoadConcurrency)
	case o.size < 0 || o.size > scenarios.MaxLoadSize:
		return nil, fmt.Errorf("--size must be between 1 and %d bytes", scenarios.MaxLoadSize)
	}
	if o.rate != "" {
		if _, err := scenarios.ParseRate(o.rate); err != nil {
			return nil, fmt.Errorf("--rate: %w", err)
		}
	}
	var loads []*scenarios.LoadAction
	for _, a := range s.Actions {
		if a.Load != nil {
			loads = append(loads, a.Load)
		}
	}
	if len(loads) == 0 {
		i := slices.IndexFunc(s.Actions, func(a scenarios.Action) bool { return a.Send != nil })
		if i < 0 {
			return nil, fmt.Errorf("%s has neither a load nor a send action to take senders and recipients from", s.Name)
		}
		send := s.Actions[i].Send
		if send.Auth != nil && !*send.Auth {
			return nil, fmt.Errorf("the first send of %s does not log in; a load's senders do", s.Name)
		}
		l := &scenarios.LoadAction{ID: "load1", Count: 1000, From: []string{send.From},
			To: append(append(slices.Clone(send.To), send.Cc...), send.Bcc...), Concurrency: 16,
			Size: scenarios.DefaultLoadSize, Subject: "Load test"}
		s.Actions = []scenarios.Action{{Load: l}}
		loads = append(loads, l)
	}
	for _, l := range loads {
		if o.count > 0 {
			l.Count = o.count
		}
		if o.concurrency > 0 {
			l.Concurrency = o.concurrency
		}
		if o.size > 0 {
			l.Size = o.size
		}
		if o.rate != "" {
			l.Rate = o.rate
		}
	}
	return loads, nil
}

// filings counts mailbox filings per message and mailbox: more than one is
// a duplicate.
type filings struct {
	mu   sync.Mutex
	seen map[string]int
	dups int
}

// Textless: the count reads no narration (event.Textless).
func (f *filings) Textless() {}

func (f *filings) Handle(e event.Event) {
	if e.Kind != event.MailboxStore {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k := e.Msg + "\x00" + strings.ToLower(e.User)
	if f.seen[k]++; f.seen[k] == 2 {
		f.dups++
	}
}

func loadScenarioRun(ctx context.Context, stdout io.Writer, arg string, o loadOptions) error {
	if err := checkPlotFile(o.plot); err != nil {
		return err
	}
	s, err := loadScenario(arg)
	if err != nil {
		return err
	}
	loads, err := prepareLoad(s, o)
	if err != nil {
		return badInput(err)
	}
	ctx, stop := runContext(ctx, o.timeout)
	defer stop()

	meter := &plot.LoadMeter{Now: time.Now}
	dups := &filings{seen: map[string]int{}}
	n, err := sim.Start(s, sim.Options{HistoryLimit: upHistory, Caches: true, Sinks: []event.Sink{meter, dups}})
	if err != nil {
		return fmt.Errorf("starting the simulated network: %w", err)
	}
	defer n.Close()
	for _, l := range loads {
		if n.Topology.User(l.From[0]) == nil {
			return badInput(fmt.Errorf("%s is no user of %s: a load's senders log in", l.From[0], s.Name))
		}
	}
	total := 0
	for _, l := range loads {
		total += l.Count
	}
	fmt.Fprintf(stdout, "mailflow load: %s — %s\n", s.Name, describeLoads(loads))
	bar := newLoadBar(stdout, total)
	n.SetParallel(sim.DefaultParallel)
	n.StartDriver()
	n.SetLiveLoad(sim.LoadOptions{Submitted: func(int) { bar.add("submitting") }})
	began := time.Now()
	playErr := n.Play(ctx)
	submitted := time.Since(began)
	bar.restart(total, "delivering")
	for playErr == nil && !n.Settled() && ctx.Err() == nil {
		bar.set(meter.Filed())
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond): // the bar's refresh; the run goes on meanwhile
		}
	}
	bar.finish()
	st := meter.Stats()
	counts, unsettled := n.Tally(func(id string) bool {
		for _, l := range loads {
			if n, ok := strings.CutPrefix(id, l.ID+"-"); ok {
				if _, err := strconv.Atoi(n); err == nil {
					return true
				}
			}
		}
		return false
	})
	writeLoadReport(stdout, total, submitted, st, counts, unsettled, dups.dups)
	if o.plot != "" {
		title := fmt.Sprintf("mailflow load: %s — %s", s.Name, describeLoads(loads))
		if err := plot.SaveLoad(o.plot, st, plot.Options{Title: title}); err != nil {
			return fmt.Errorf("--plot: %w", err)
		}
	}
	switch {
	case playErr != nil:
		return &exitError{code: exitFailed, err: playErr}
	case ctx.Err() != nil:
		return &exitError{code: exitFailed, err: fmt.Errorf("%d recipient(s) still in flight after %s", len(unsettled), o.timeout)}
	case len(unsettled) > 0 || dups.dups > 0:
		return &exitError{code: exitFailed, err: fmt.Errorf("%d lost, %d filed twice", len(unsettled), dups.dups)}
	}
	return nil
}

func describeLoads(loads []*scenarios.LoadAction) string {
	var parts []string
	for _, l := range loads {
		p := fmt.Sprintf("%d messages of %d bytes from %d client(s)", l.Count, l.Size, l.Concurrency)
		if l.Rate != "" {
			p += " at " + l.Rate
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

// writeLoadReport prints the rates, the latencies and the outcome.
func writeLoadReport(w io.Writer, total int, submitted time.Duration, st plot.LoadStats, counts map[string]int, unsettled []string, dups int) {
	rate := func(n int, d time.Duration) string {
		if d <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.0f msg/s", float64(n)/d.Seconds())
	}
	fmt.Fprintf(w, "\n  submitted  %6d in %-9s %s\n", total, round(submitted), rate(total, submitted))
	if len(st.Delivered) > 0 {
		last := slices.MaxFunc(st.Delivered, func(a, b time.Time) int { return a.Compare(b) })
		e2e := last.Sub(st.Start)
		fmt.Fprintf(w, "  filed      %6d in %-9s %s end to end\n", len(st.Delivered), round(e2e), rate(len(st.Delivered), e2e))
	}
	fmt.Fprintf(w, "\n  latency (wall time)                     p50       p99\n")
	for s := 1; s <= 6; s++ {
		if len(st.Steps[s]) == 0 {
			continue
		}
		fmt.Fprintf(w, "    %d %-34s %9s %9s\n", s, narrate.StepName(narrate.English, s),
			round(plot.Percentile(st.Steps[s], 50)), round(plot.Percentile(st.Steps[s], 99)))
	}
	if len(st.Latency) > 0 {
		fmt.Fprintf(w, "    %-36s %9s %9s\n", "whole delivery (client to mailbox)",
			round(plot.Percentile(st.Latency, 50)), round(plot.Percentile(st.Latency, 99)))
	}
	fmt.Fprintf(w, "\n  recipients: %d delivered, %d bounced, %d rejected, %d still queued, %d dropped by rule\n",
		counts["delivered"], counts["bounced"]+counts["failed"], counts["rejected"], counts["queued"], counts["dropped"])
	check := "✔ none lost, none filed twice"
	if len(unsettled) > 0 || dups > 0 {
		check = fmt.Sprintf("✘ %d lost (in no final state), %d filed twice", len(unsettled), dups)
		for i, u := range unsettled {
			if i == 5 {
				check += fmt.Sprintf("\n      ... and %d more", len(unsettled)-5)
				break
			}
			check += "\n      " + u
		}
	}
	fmt.Fprintf(w, "  %s\n", check)
}

// round shows a duration with three significant figures or so.
func round(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// loadBar is the progress bar on a terminal; elsewhere it does nothing.
type loadBar struct {
	mu  sync.Mutex
	w   io.Writer
	bar *progressbar.ProgressBar
}

func newLoadBar(w io.Writer, total int) *loadBar {
	b := &loadBar{w: w}
	if isTerminal(w) {
		b.restart(total, "submitting")
	}
	return b
}

func (b *loadBar) restart(total int, what string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		b.bar.Finish()
	} else if what != "submitting" {
		return
	}
	b.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(b.w), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond))
}

func (b *loadBar) add(string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		b.bar.Add(1)
	}
}

func (b *loadBar) set(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		b.bar.Set(n)
	}
}

func (b *loadBar) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bar != nil {
		b.bar.Finish()
		b.bar = nil
	}
}
