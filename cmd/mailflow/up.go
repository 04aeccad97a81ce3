package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mailflow/mailflow/sim"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/topology"
	"github.com/mailflow/mailflow/viz/narrate"
)

type upOptions struct {
	endpointsJSON string
	caOut         string
	lang          string
	quiet         bool
	highPorts     bool

	// prefix and ready let tests use their own address range and learn
	// when the network is up; users get topology.UpPrefix.
	prefix netip.Prefix
	ready  func(endpoints, string)
}

func newUpCommand() *cobra.Command {
	var o upOptions
	cmd := &cobra.Command{
		Use:   "up SCENARIO",
		Short: "Start a scenario's network and keep it running for real clients",
		Long: `Up starts the scenario's simulated internet on 127.25.0.0/24, plays its
actions, and keeps every server running until Ctrl-C, so that swaks, curl,
dig, openssl or Thunderbird can talk to it. It prints the hosts, addresses,
ports, users and passwords, with examples that work as printed.

Ports: the standard ones (25, 53, 110, 143, 465, 587, 993, 995) where they
may be bound; otherwise (not root) the high-port plan, standard + 10000
(10025, 10053, ...). The table says which plan is in use.`,
		Example: `  mailflow up cross-domain
  mailflow up cross-domain --endpoints-json endpoints.json --ca-out ca.pem
  mailflow up lesson.yaml --high-ports --quiet`,
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
	return cmd
}

func upScenario(ctx context.Context, stdout io.Writer, arg string, o upOptions) error {
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

	prefix := topology.UpPrefix
	if o.prefix.IsValid() {
		prefix = o.prefix
	}
	opts := sim.Options{Prefix: prefix, Ports: sim.PortsStandard, Narrate: narrate.Func(lang)}
	if o.highPorts {
		opts.Ports = sim.PortsHigh
	}
	live := &switchSink{}
	if !o.quiet {
		opts.Sinks = []event.Sink{live}
	}
	n, err := sim.Start(s, opts)
	if err != nil {
		return fmt.Errorf("starting the simulated network: %w", err)
	}
	defer n.Close()

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
	ep := endpointsOf(n, caFile)
	if o.endpointsJSON != "" {
		b, _ := json.MarshalIndent(ep, "", "  ")
		if err := os.WriteFile(o.endpointsJSON, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("--endpoints-json: %w", err)
		}
	}
	printEndpoints(stdout, ep)
	live.set(newTextSink(stdout, false, colorWanted(stdout)))
	if err := n.Play(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintln(stdout, "mailflow: actions:", err)
	}
	n.StartDriver() // deliver what real clients send from now on
	fmt.Fprintln(stdout, "\nServers are up. Press Ctrl-C to stop.")
	if o.ready != nil {
		o.ready(ep, caFile)
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "\nStopping.")
	return nil
}
