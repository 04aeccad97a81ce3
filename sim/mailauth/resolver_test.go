package mailauth

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflow/mailflow/sim/dnsd"
)

// drops is what the simulator does with a DNS server's reports: it tells
// the resolver waiting for a query that the query was dropped.
type drops struct {
	mu      sync.Mutex
	waiting map[uint16]chan struct{}
	from    []netip.Addr
}

func (d *drops) watch(from netip.Addr, id uint16) (<-chan struct{}, func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	ch := make(chan struct{})
	d.waiting[id] = ch
	d.from = append(d.from, from)
	return ch, func() {
		d.mu.Lock()
		delete(d.waiting, id)
		d.mu.Unlock()
	}
}

func (d *drops) observe(x dnsd.Exchange) {
	if !x.Dropped {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if ch, ok := d.waiting[x.ID]; ok {
		close(ch)
		delete(d.waiting, x.ID)
	}
}

// A question the DNS server drops costs the resolver's timeout on the
// simulated clock, and next to nothing in real time.
func TestDroppedQueryCostsSimulatedTime(t *testing.T) {
	d := &drops{waiting: map[uint16]chan struct{}{}}
	rr, err := dns.NewRR(`example.test. 300 IN TXT "v=spf1 -all"`)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := dnsd.Start(dnsd.Config{Zones: []string{"example.test"}, Records: []dns.RR{rr}, Observe: d.observe,
		Faults: func(q dns.Question) *dnsd.Fault {
			if q.Qtype == dns.TypeTXT {
				return &dnsd.Fault{Drop: true}
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var mu sync.Mutex
	var simulated time.Duration
	var seen []Exchange
	local := netip.MustParseAddr("127.0.0.1")
	res := &Resolver{Server: srv.Addr(), Local: local, Timeout: 30 * time.Second, Dropped: d.watch,
		Advance: func(by time.Duration) { mu.Lock(); simulated += by; mu.Unlock() },
		Observe: func(x Exchange) { mu.Lock(); seen = append(seen, x); mu.Unlock() }}
	start := time.Now()
	_, err = res.LookupTXT(context.Background(), "example.test")
	wall := time.Since(start)
	if err == nil {
		t.Fatal("a dropped question got an answer")
	}
	mu.Lock()
	defer mu.Unlock()
	if simulated != 30*time.Second {
		t.Errorf("simulated time advanced by %s, want the 30s timeout", simulated)
	}
	if wall > 10*time.Second {
		t.Errorf("the lookup took %s of real time: the timeout was waited for in real time", wall)
	}
	if len(seen) != 1 || seen[0].Rcode != "TIMEOUT" {
		t.Errorf("exchanges seen: %+v", seen)
	}
	if len(d.from) != 1 || d.from[0] != local {
		t.Errorf("the resolver watched for drops from %v, want %v", d.from, local)
	}

	// An answered question costs no simulated time.
	simulated = 0
	mu.Unlock()
	mx, err := res.LookupMX(context.Background(), "example.test")
	mu.Lock()
	if err == nil || len(mx) != 0 || simulated != 0 {
		t.Errorf("MX of example.test: %v, %v; simulated %s, want not found and no time", mx, err, simulated)
	}
}
