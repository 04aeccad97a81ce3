package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/check"
)

// BenchmarkCrossDomainDelivery measures one message's whole journey on a
// running network: submission with STARTTLS and AUTH, MX lookup, relay over
// port 25 with STARTTLS, filing in the mailbox.
func BenchmarkCrossDomainDelivery(b *testing.B) {
	s, err := scenarios.Load("cross-domain")
	if err != nil {
		b.Fatal(err)
	}
	n, err := Start(s, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	send := *s.Actions[0].Send
	rng := rand.New(rand.NewPCG(1, 1))
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := send
		m.ID = fmt.Sprintf("b%d", i)
		if err := n.clients.Send(ctx, &m, rng); err != nil {
			b.Fatal(err)
		}
		if err := n.WaitSettled(ctx); err != nil {
			b.Fatal(err)
		}
		if st := n.tracker.Outcomes(); st[len(st)-1].State != check.StateDelivered {
			b.Fatalf("%s: %s", m.ID, st[len(st)-1].State)
		}
	}
}

// BenchmarkRunCrossDomain measures a whole `mailflow run cross-domain`:
// starting every server, playing, checking, stopping.
func BenchmarkRunCrossDomain(b *testing.B) {
	s, err := scenarios.Load("cross-domain")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		n, err := Start(s, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := n.Play(ctx); err != nil {
			b.Fatal(err)
		}
		for _, r := range n.Check() {
			if !r.Passed {
				b.Fatalf("%s: %s", r.Expected, r.Observed)
			}
		}
		n.Close()
	}
}
