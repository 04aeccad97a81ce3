package topology

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
)

// Plan hands out host addresses. On Linux every address in 127.0.0.0/8 is a
// working loopback address, so each simulated host gets its own and a server
// can see which host connects. Where only 127.0.0.1 works (macOS) every host
// shares it and the hosts differ by port.
type Plan struct {
	prefix netip.Prefix
	shared bool
	next   netip.Addr
	dns    netip.Addr
}

// UpPrefix is the fixed range `mailflow up` uses, so that printed examples
// stay the same from one day to the next.
var UpPrefix = netip.MustParsePrefix("127.25.0.0/24")

// NewPlan returns a plan over prefix (a /24 inside 127.0.0.0/8): the DNS
// server at .53 and hosts from .10 up. When shared is true every address is
// 127.0.0.1.
func NewPlan(prefix netip.Prefix, shared bool) *Plan {
	base := prefix.Masked().Addr().As4()
	dns, first := base, base
	dns[3], first[3] = 53, 10
	p := &Plan{prefix: prefix, shared: shared, next: netip.AddrFrom4(first), dns: netip.AddrFrom4(dns)}
	if shared {
		p.dns = netip.MustParseAddr("127.0.0.1")
	}
	return p
}

// DNS is the address of the simulated DNS server.
func (p *Plan) DNS() netip.Addr { return p.dns }

// Client is the address the users' computers (mail clients) connect from.
func (p *Plan) Client() netip.Addr {
	if p.shared {
		return p.dns
	}
	a := p.prefix.Masked().Addr().As4()
	a[3] = 9
	return netip.AddrFrom4(a)
}

// Shared reports whether all hosts share one address.
func (p *Plan) Shared() bool { return p.shared }

// Next returns the next free host address.
func (p *Plan) Next() (netip.Addr, error) {
	if p.shared {
		return netip.MustParseAddr("127.0.0.1"), nil
	}
	a := p.next
	if a == p.dns {
		a = a.Next()
	}
	if !p.prefix.Contains(a) || a.As4()[3] == 255 {
		return netip.Addr{}, fmt.Errorf("address plan %s is full", p.prefix)
	}
	p.next = a.Next()
	return a, nil
}

var (
	runPlanMu   sync.Mutex
	runPlanNext = 0
)

// RunPrefix returns a fresh /24 for one `mailflow run`, so scenarios running
// side by side in one process keep apart: 127.100.100.0/24,
// 127.100.101.0/24, ...
func RunPrefix() netip.Prefix {
	runPlanMu.Lock()
	defer runPlanMu.Unlock()
	n := runPlanNext
	runPlanNext++
	// Three-digit octets (127.1xx.1xx.0): the addresses in Received: headers,
	// and so the message sizes in a trace, are as long for every run.
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{127, byte(100 + n/100%100), byte(100 + n%100), 0}), 24)
}

// LoopbackRoutable reports whether addresses of 127.0.0.0/8 besides
// 127.0.0.1 can be bound here (true on Linux, false on macOS by default).
func LoopbackRoutable() bool {
	l, err := net.Listen("tcp", "127.100.255.254:0")
	if err != nil {
		return false
	}
	l.Close()
	return true
}
