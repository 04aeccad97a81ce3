package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mailflow/mailflow/internal/workers"
	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/client"
	"github.com/mailflow/mailflow/sim/queue"
)

// LoadOptions make the load actions run live, as `mailflow load` plays
// them: concurrency clients at a time, the rate in wall time, while the
// driver (StartDriver) delivers in the background. Without them (runs and
// tests) a load submits its messages one at a time, in order, the rate in
// simulated time, so that the trace is the same in every run.
type LoadOptions struct {
	// Concurrency, when positive, replaces the actions' own.
	Concurrency int
	// Submitted is told after each message's submission ended, accepted or
	// not, with the number of messages submitted so far by this load.
	Submitted func(n int)
}

// SetLiveLoad makes Play run the load actions live (see LoadOptions).
func (n *Network) SetLiveLoad(o LoadOptions) {
	n.mu.Lock()
	n.liveLoad = &o
	n.mu.Unlock()
}

// playLoad plays a load action.
func (n *Network) playLoad(ctx context.Context, l *scenarios.LoadAction, rng *rand.Rand) error {
	gap := time.Duration(0)
	if l.Rate != "" {
		var err error
		if gap, err = scenarios.ParseRate(l.Rate); err != nil {
			return err
		}
	}
	body, err := n.loadBody(l)
	if err != nil {
		return err
	}
	n.mu.Lock()
	live := n.liveLoad
	n.mu.Unlock()
	if live != nil {
		return n.playLoadLive(ctx, l, body, gap, *live)
	}
	start := n.Clock.Now()
	for i := 1; i <= l.Count; i++ {
		if gap > 0 {
			if err := n.runUntil(ctx, start.Add(gap*time.Duration(i-1))); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		s := l.Message(i)
		s.Body = body
		if err := n.clients.Send(ctx, s, rng); err != nil {
			return fmt.Errorf("load %s, message %d: %w", l.ID, i, err)
		}
		n.Clock.RunDue()
	}
	return nil
}

// playLoadLive submits a load's messages from several clients at once.
func (n *Network) playLoadLive(ctx context.Context, l *scenarios.LoadAction, body string, gap time.Duration, o LoadOptions) error {
	clients := l.Concurrency
	if o.Concurrency > 0 {
		clients = o.Concurrency
	}
	clients = max(1, min(clients, l.Count))
	var done atomic.Int64
	start := time.Now()
	err := workers.Numbered(clients, 1, l.Count+1, func(i int) (bool, error) {
		if ctx.Err() != nil {
			return false, nil
		}
		if gap > 0 {
			if wait := time.Until(start.Add(gap * time.Duration(i-1))); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return false, nil
				}
			}
		}
		s := l.Message(i)
		s.Body = body
		rng := rand.New(rand.NewPCG(uint64(n.Scenario.Seed), uint64(i)))
		if err := n.clients.Send(ctx, s, rng); err != nil {
			return false, fmt.Errorf("load %s, message %d: %w", l.ID, i, err)
		}
		if d := done.Add(1); o.Submitted != nil {
			o.Submitted(int(d))
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	return ctx.Err()
}

// runUntil runs the scheduled work due up to t, jumping the clock from
// task to task, and leaves the clock at t.
func (n *Network) runUntil(ctx context.Context, t time.Time) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n.Clock.RunDue()
		next, ok := n.Clock.Next()
		if !ok || next.After(t) {
			break
		}
		n.Clock.Jump()
	}
	n.Clock.Advance(t.Sub(n.Clock.Now()))
	return nil
}

// loadBody is the text of a load's messages: filled so that the message
// as the client writes it is about the load's size.
func (n *Network) loadBody(l *scenarios.LoadAction) (string, error) {
	s := l.Message(1)
	head, err := client.Compose(s, "", fmt.Sprintf("<%s.%d@%s>", s.ID, n.Scenario.Seed, "x"), n.Clock.Now(), nil)
	if err != nil {
		return "", err
	}
	const line = "This message is one of many, sent to show a relay under load.\n"
	want := l.Size - len(head)
	var b strings.Builder
	for b.Len()+len(line) <= want {
		b.WriteString(line)
	}
	if rest := want - b.Len(); rest > 1 {
		b.WriteString(strings.Repeat(".", rest-1) + "\n")
	}
	return b.String(), nil
}

// Tally counts the recipients of the messages whose ids keep accepts (all
// when nil) by state, and lists those in flight (check.Tracker.Tally).
func (n *Network) Tally(keep func(id string) bool) (counts map[string]int, unsettled []string) {
	return n.tracker.Tally(keep)
}

// Settled reports whether every message sent so far has reached a final
// state.
func (n *Network) Settled() bool { return n.tracker.Settled(nil) }

// DefaultParallel is how many delivery attempts a network that real
// clients use runs at once, over all its hosts (Postfix's
// default_process_limit); each host also keeps to its per-destination
// concurrency.
const DefaultParallel = 100

// SetParallel makes the driver run due delivery attempts in parallel, at
// most workers at once (0: one at a time, in order, as runs and tests do
// so that the same seed gives the same trace). mailflow up and mailflow
// load call it before StartDriver.
func (n *Network) SetParallel(workers int) { n.Clock.SetParallel(workers) }

// deliveryPolicy applies a host's delivery settings (concurrency and rate
// per destination, caches) to its queue's policy.
func (n *Network) deliveryPolicy(p *queue.Policy, set scenarios.Server) error {
	p.DNSCache, p.ConnCache = n.caches, n.caches
	d := set.Delivery
	if d == nil {
		return nil
	}
	p.Concurrency, p.ConnReuse = d.Concurrency, d.ConnectionReuse
	if d.DNSCache != nil {
		p.DNSCache = *d.DNSCache
	}
	if d.ConnectionCache != nil {
		p.ConnCache = *d.ConnectionCache
	}
	var err error
	if d.Rate != "" {
		if p.RateGap, err = scenarios.ParseRate(d.Rate); err != nil {
			return err
		}
	}
	if d.ConnectionIdle != "" {
		if p.ConnIdle, err = scenarios.ParseDuration(d.ConnectionIdle); err != nil {
			return err
		}
	}
	return nil
}
