package mailauth

import (
	"context"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflow/mailflow/sim/dnsd"
)

// With a cache, a question asked again within the TTL is answered without
// crossing the wire, and the exchange says so; after the TTL it is asked
// again. Failures are not kept.
func TestCacheAnswersWithinTheTTL(t *testing.T) {
	rr, err := dns.NewRR(`example.test. 60 IN TXT "v=spf1 -all"`)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := dnsd.Start(dnsd.Config{Zones: []string{"example.test"}, Records: []dns.RR{rr}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	var seen []Exchange
	res := &Resolver{Server: srv.Addr(), Cache: &Cache{Now: func() time.Time { return now }},
		Observe: func(x Exchange) { seen = append(seen, x) }}
	ctx := context.Background()
	for i, want := range []struct {
		after  time.Duration
		cached bool
	}{{0, false}, {10 * time.Second, true}, {49 * time.Second, true}, {time.Second, false}} {
		now = now.Add(want.after)
		txt, err := res.LookupTXT(ctx, "example.test")
		if err != nil || len(txt) != 1 {
			t.Fatalf("lookup %d: %v %v", i, txt, err)
		}
		if x := seen[len(seen)-1]; x.Cached != want.cached {
			t.Fatalf("lookup %d after %s: cached %v, want %v (%+v)", i, want.after, x.Cached, want.cached, x)
		}
	}
	if x := seen[2]; x.Left != 1*time.Second {
		t.Errorf("left %s at 59 s of a 60 s TTL", x.Left)
	}
	for range 2 {
		if _, err := res.LookupTXT(ctx, "missing.example.test"); err == nil {
			t.Fatal("an answer for a name that does not exist")
		}
	}
	if last := seen[len(seen)-1]; last.Cached {
		t.Error("a failure was kept")
	}
}
