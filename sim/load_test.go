package sim

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/check"

	"github.com/mailflow/mailflow/sim/event"
)

// In a run a load submits one message at a time, in order, spaced by its
// rate in simulated time, and every message is delivered once.
func TestLoadPlaysInOrderAtItsRateInSimulatedTime(t *testing.T) {
	defer goleak.VerifyNone(t)
	r := runToEnd(t, loadBuiltin(t, "bulk-via-smarthost"))
	if !r.Passed() {
		t.Fatalf("failed: %+v lost %v play %v", r.Failed(), r.Lost, r.PlayErr)
	}
	var starts []event.Event
	for _, e := range r.Events {
		if e.Kind == event.ActionStart {
			starts = append(starts, e)
		}
	}
	if len(starts) != 9 {
		t.Fatalf("%d messages started, want 9", len(starts))
	}
	for i, e := range starts {
		if want := fmt.Sprintf("news-%d", i+1); e.Msg != want {
			t.Fatalf("message %d is %s, want %s", i+1, e.Msg, want)
		}
		if i > 0 {
			if gap := e.Time.Sub(starts[i-1].Time); gap != 100*time.Millisecond {
				t.Errorf("%s started %s after the one before, want 100ms (10/s)", e.Msg, gap)
			}
		}
	}
	for _, o := range r.Outcomes {
		if o.State != check.StateDelivered {
			t.Errorf("%s: %s", o.Msg, o.State)
		}
	}
}

// Live, a load submits from several clients at once while the driver
// delivers; each message arrives once.
func TestLoadLiveDeliversEveryMessageOnce(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := loadBuiltin(t, "bulk-via-smarthost")
	s.Actions[0].Load.Count = 30
	s.Actions[0].Load.Rate = ""
	n, err := Start(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	n.StartDriver()
	var submitted atomic.Int64
	n.SetLiveLoad(LoadOptions{Concurrency: 6, Submitted: func(int) { submitted.Add(1) }})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := n.Play(ctx); err != nil {
		t.Fatal(err)
	}
	if submitted.Load() != 30 {
		t.Fatalf("%d submitted", submitted.Load())
	}
	if _, err := n.Bus.Wait(ctx, func(event.Event) bool { return n.Settled() }); err != nil {
		t.Fatalf("not settled: %v", err)
	}
	counts, unsettled := n.Tally(nil)
	if counts[check.StateDelivered] != 30 || len(unsettled) > 0 {
		t.Fatalf("counts %v, unsettled %v", counts, unsettled)
	}
	total := 0
	for _, u := range []string{"an@home.test", "binh@home.test", "chi@family.test"} {
		msgs, err := n.Store.Messages(u, "INBOX")
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 10 {
			t.Errorf("%s holds %d messages, want 10", u, len(msgs))
		}
		total += len(msgs)
	}
	if total != 30 {
		t.Fatalf("%d filed", total)
	}
}

// Under up and load, attempts run in parallel within each destination's
// concurrency; the DNS cache answers repeated questions and kept-open
// connections carry later messages; every message arrives once.
func TestParallelDeliveryKeepsTheDestinationLimitAndCaches(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := loadBuiltin(t, "cross-domain")
	s.Servers = append(s.Servers, scenarios.Server{Host: "mail.example.test",
		Delivery: &scenarios.Delivery{Concurrency: 2}})
	s.Actions = []scenarios.Action{{Load: &scenarios.LoadAction{ID: "p", Count: 60, Concurrency: 8,
		From: []string{"alice@example.test"}, To: []string{"bob@school.test"}, Size: 1024, Subject: "Load"}}}
	s.Expect = nil
	var mu sync.Mutex
	open, most, reused, cached := 0, 0, 0, 0
	watch := event.SinkFunc(func(e event.Event) {
		if e.Host != "mail.example.test" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		switch {
		case e.Kind == event.RelayConnect:
			open++
			most = max(most, open)
			if e.Reuse > 1 {
				reused++
			}
		case e.Kind == event.SMTPTranscript && e.Step == 5:
			open--
		case e.Kind == event.DNSCached:
			cached++
		}
	})
	n, err := Start(s, Options{Caches: true, Sinks: []event.Sink{watch}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	n.SetParallel(DefaultParallel)
	n.StartDriver()
	n.SetLiveLoad(LoadOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := n.Play(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Bus.Wait(ctx, func(event.Event) bool { return n.Settled() }); err != nil {
		t.Fatalf("not settled: %v", err)
	}
	counts, unsettled := n.Tally(nil)
	msgs, err := n.Store.Messages("bob@school.test", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if counts[check.StateDelivered] != 60 || len(unsettled) > 0 || len(msgs) != 60 {
		t.Fatalf("counts %v, unsettled %v, %d in the INBOX", counts, unsettled, len(msgs))
	}
	mu.Lock()
	defer mu.Unlock()
	if most > 2 {
		t.Errorf("%d deliveries to school.test at once, limit 2", most)
	}
	if reused == 0 || cached == 0 {
		t.Errorf("%d messages over a kept connection, %d answers from the cache", reused, cached)
	}
	t.Logf("at most %d at once; %d over kept connections; %d cached answers", most, reused, cached)
}
