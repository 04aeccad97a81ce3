package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim"
	"github.com/mailflow/mailflow/topology"
)

// upNetTries is how many /24s `up` tries, from the default one up, before
// it gives up looking for a free one.
const upNetTries = 32

// parseNet reads --net: a /24 of the loopback range, written as its network.
func parseNet(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	switch {
	case err != nil:
		return p, fmt.Errorf("--net %s: write a loopback network such as 127.25.1.0/24", s)
	case !p.Addr().Is4() || p.Addr().As4()[0] != 127 || p.Bits() != 24:
		return p, fmt.Errorf("--net %s: the network must be a /24 inside 127.0.0.0/8, such as 127.25.1.0/24", s)
	case p.Masked() != p:
		return p, fmt.Errorf("--net %s: write the network itself, %s", s, p.Masked())
	}
	return p, nil
}

// upNetworks lists the /24s `up` may use: the one --net names, else the
// default and the ones after it (127.25.0.0/24, 127.25.1.0/24, ...), so
// that a second `up` on one machine takes the next free one.
func upNetworks(chosen string, base netip.Prefix) ([]netip.Prefix, error) {
	if chosen != "" {
		p, err := parseNet(chosen)
		if err != nil {
			return nil, badInput(err)
		}
		return []netip.Prefix{p}, nil
	}
	if !topology.LoopbackRoutable() {
		return []netip.Prefix{base}, nil // every host is 127.0.0.1: the range changes nothing
	}
	var out []netip.Prefix
	a := base.Masked().Addr().As4()
	for i := range upNetTries {
		if int(a[2])+i > 255 {
			break
		}
		b := a
		b[2] += byte(i)
		out = append(out, netip.PrefixFrom(netip.AddrFrom4(b), 24))
	}
	return out, nil
}

// startUpNetwork starts s on the first of nets whose addresses are free.
// A network that cannot bind is exit 1 with one line: what is in the way
// and what to do.
func startUpNetwork(s *scenarios.Scenario, nets []netip.Prefix, chosen bool, opts func(netip.Prefix) sim.Options) (*sim.Network, netip.Prefix, error) {
	var firstErr error
	for _, p := range nets {
		n, err := sim.Start(s, opts(p))
		if err == nil {
			return n, p, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, p, &exitError{code: exitFailed, err: fmt.Errorf("starting the simulated network: %w", err)}
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	in := "an address"
	var op *net.OpError
	if errors.As(firstErr, &op) && op.Addr != nil {
		in = op.Addr.String()
	}
	var msg string
	switch {
	case chosen:
		msg = fmt.Sprintf("%s is already in use on --net %s (another mailflow up?): stop it, or choose another network, or leave out --net to take a free one",
			in, nets[0])
	case len(nets) == 1:
		msg = fmt.Sprintf("%s is already in use (another mailflow up?): stop it", in)
	default:
		msg = fmt.Sprintf("%s is already in use, and so is some address of every network from %s to %s (other mailflow ups, or a server listening on all addresses?): stop them, choose a network with --net, or use --high-ports",
			in, nets[0], nets[len(nets)-1])
	}
	return nil, netip.Prefix{}, &exitError{code: exitFailed, err: errors.New(msg)}
}
