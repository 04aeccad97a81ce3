package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailflow/mailflow/sim"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/topology"
	"github.com/mailflow/mailflow/viz/narrate"
)

// upHistory is how many recent events `up` keeps for its actions to wait
// on; older ones were printed already and are let go, so memory stays
// bounded however long it runs and however much clients send.
const upHistory = 10_000

// upMemoryLimit is the soft limit on the heap `up` sets for the Go runtime
// unless GOMEMLIMIT says otherwise: the garbage collector works harder as
// the heap nears it, which keeps a busy network (10,000 messages from 16
// clients) near 110 MB instead of 160 MB at no cost in throughput. What
// the network must keep (mailboxes, recent events) is never refused.
const upMemoryLimit = 90 << 20

// upStopWithin bounds the wait for the servers after Ctrl-C: the process
// ends then in any case.
const upStopWithin = 1500 * time.Millisecond

type upOptions struct {
	endpointsJSON string
	caOut         string
	lang          string
	quiet         bool
	highPorts     bool
	net           string   // --net; empty takes the first free /24 from base
	history       int      // events kept; 0 is upHistory
	web           webFlags // --http: the web view and JSON API (web_cmd.go)

	// base and ready let tests use their own address range and learn
	// when the network is up; users get topology.UpPrefix.
	base  netip.Prefix
	ready func(endpoints, string)
}

func newUpCommand() *cobra.Command {
	var o upOptions
	cmd := &cobra.Command{
		Use:   "up SCENARIO",
		Short: "Start a scenario's network and keep it running for real clients",
		Long: `Up starts the scenario's simulated internet on a loopback network,
127.25.0.0/24 unless that is taken (then 127.25.1.0/24, 127.25.2.0/24, ...,
or the one --net names), plays its actions, and keeps every server running
until Ctrl-C, so that swaks, curl, dig, openssl or Thunderbird can talk to
it. It prints the network, hosts, addresses, ports, users and passwords,
with examples that work as printed.

Ports: the standard ones (25, 53, 110, 143, 465, 587, 993, 995) where they
may be bound; otherwise (not root) the high-port plan, standard + 10000
(10025, 10053, ...). The table says which plan is in use.

Certificates are dated from the real clock, valid from an hour ago for 398
days, so that real clients trust them today and a year from today; the
deliberately broken ones of a scenario are broken today (expired three days
ago, or valid only from two days ahead).`,
		Example: `  mailflow up cross-domain
  mailflow up cross-domain --endpoints-json endpoints.json --ca-out ca.pem
  mailflow up cross-domain --net 127.25.7.0/24
  mailflow up lesson.yaml --high-ports --quiet
  mailflow up cross-domain --http 127.0.0.1:8025   # the web view and JSON API`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return upScenario(cmd.Context(), cmd.OutOrStdout(), args[0], o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.endpointsJSON, "endpoints-json", "", "write hosts, ports, users and the CA file name as JSON to this file")
	f.StringVar(&o.caOut, "ca-out", "", "write the simulated CA certificate (PEM) here (default: a file in the temp directory)")
	f.StringVar(&o.lang, "lang", "", "narration language: en or vi (default from LANG)")
	f.BoolVar(&o.quiet, "quiet", false, "do not narrate events while running")
	f.BoolVar(&o.highPorts, "high-ports", false, "use the high-port plan even where standard ports could be bound")
	f.StringVar(&o.net, "net", "", "the loopback /24 to use, e.g. 127.25.7.0/24 (default: 127.25.0.0/24, or the next free one)")
	o.web.register(f, "")
	return cmd
}

func upScenario(ctx context.Context, stdout io.Writer, arg string, o upOptions) error {
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(upMemoryLimit))
	}
	lang, err := pickLang(o.lang)
	if err != nil {
		return err
	}
	s, err := loadScenario(arg)
	if err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	base := topology.UpPrefix
	if o.base.IsValid() {
		base = o.base
	}
	nets, err := upNetworks(o.net, base)
	if err != nil {
		return err
	}
	var live *switchSink // one per attempt: a network that could not bind says nothing
	n, prefix, err := startUpNetwork(s, nets, o.net != "", func(p netip.Prefix) sim.Options {
		opts := sim.Options{Prefix: p, Ports: sim.PortsStandard, Narrate: narrate.Func(lang),
			CertClock: time.Now, HistoryLimit: cmp.Or(o.history, upHistory), Caches: true,
			KeepMessages: upHistory}
		if o.highPorts {
			opts.Ports = sim.PortsHigh
		}
		live = &switchSink{}
		if !o.quiet {
			opts.Sinks = []event.Sink{live}
		}
		return opts
	})
	if err != nil {
		return err
	}
	defer closeWithin(stdout, n, upStopWithin)

	caFile := o.caOut
	if caFile == "" {
		dir, err := os.MkdirTemp("", "mailflow-up-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		caFile = filepath.Join(dir, "ca.pem")
	}
	if err := os.WriteFile(caFile, n.CA.CertPEM(), 0o644); err != nil {
		return fmt.Errorf("--ca-out: %w", err)
	}
	ep := endpointsOf(n, prefix, caFile)
	if o.web.addr != "" {
		url, stopWeb, err := startWeb(n, lang, o.web, nil)
		if err != nil {
			return err
		}
		defer stopWeb()
		ep.HTTP = url
	}
	if o.endpointsJSON != "" {
		b, _ := json.MarshalIndent(ep, "", "  ")
		if err := os.WriteFile(o.endpointsJSON, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("--endpoints-json: %w", err)
		}
	}
	printEndpoints(stdout, ep)
	live.set(newTextSink(stdout, lang, false, colorWanted(stdout)))
	if err := n.Play(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintln(stdout, "mailflow: actions:", err)
	}
	n.SetParallel(sim.DefaultParallel) // real clients need no repeatable trace: deliver in parallel
	n.StartDriver()                    // deliver what real clients send from now on
	fmt.Fprintln(stdout, "\nServers are up. Press Ctrl-C to stop.")
	if o.ready != nil {
		o.ready(ep, caFile)
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "\nStopping.")
	return nil
}

// closeWithin closes the network, waiting at most d: Ctrl-C must end `up`
// promptly even if some connection does not let go.
func closeWithin(w io.Writer, n *sim.Network, d time.Duration) {
	done := make(chan struct{})
	go func() {
		n.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
		fmt.Fprintf(w, "mailflow: some servers did not stop within %s; exiting anyway\n", d)
	}
}
