package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/mailflow/mailflow/scenarios"
)

// Play runs the scenario's actions in order, as the users' mail clients
// would. A refused message is an outcome, not an error; Play fails only when
// it cannot go on (a wait that times out, a cancelled context).
func (n *Network) Play(ctx context.Context) error {
	rng := rand.New(rand.NewPCG(uint64(n.Scenario.Seed), uint64(n.Scenario.Seed)))
	for i, a := range n.Scenario.Actions {
		var err error
		switch {
		case a.Send != nil:
			if err = n.clients.Send(ctx, a.Send, rng); err == nil {
				n.Clock.RunDue() // the server's work for this message, before the next action
			}
		case a.Wait != nil:
			err = n.wait(ctx, a.Wait)
		case a.Fetch != nil:
			err = n.fetch(ctx, a.Fetch)
		case a.Load != nil:
			err = n.playLoad(ctx, a.Load, rng)
		}
		if err != nil {
			return fmt.Errorf("action %d: %w", i+1, err)
		}
	}
	return nil
}

// wait runs the scheduled work, jumping the clock ahead when nothing else
// is due, until the messages reach a final state or nothing is left to do
// (a message deferred with no retry stays queued).
func (n *Network) wait(ctx context.Context, w *scenarios.Wait) error {
	timeout := 10 * time.Second
	if w.Timeout != "" {
		d, err := time.ParseDuration(w.Timeout)
		if err != nil {
			return fmt.Errorf("wait timeout: %w", err)
		}
		timeout = d
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := n.drive(ctx, func() bool { return n.tracker.Settled(w.Messages) }); err != nil {
		return fmt.Errorf("wait: messages still in flight after %s of wall time", timeout)
	}
	return nil
}

// WaitSettled runs the scheduled work until every message has reached a
// final state or nothing is left to do.
func (n *Network) WaitSettled(ctx context.Context) error {
	return n.drive(ctx, func() bool { return n.tracker.Settled(nil) })
}

// drive is the simulation's driver: it runs due tasks and, when none is
// due and none is running, moves the clock to the next one, until done()
// holds or no task is left.
func (n *Network) drive(ctx context.Context, done func() bool) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		changed := n.Clock.Changed()
		n.Clock.RunDue()
		switch {
		case done():
			return nil
		case n.Clock.Jump():
			continue
		case n.Clock.InFlight() == 0:
			return nil
		}
		select { // tasks run in parallel (SetParallel): wait for one to end
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// StartDriver runs scheduled work in the background as it becomes due, for
// a network that real clients use (`mailflow up`). Close stops it.
func (n *Network) StartDriver() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed || n.stopDriver != nil {
		cancel()
		return
	}
	n.stopDriver, n.driverDone = cancel, done
	go func() {
		defer close(done)
		for {
			n.drive(ctx, func() bool { return false })
			select {
			case <-ctx.Done():
				return
			case <-n.Clock.Wake():
			}
		}
	}()
}

// fetch plays a fetch action and keeps what it read for the fetched
// expectations.
func (n *Network) fetch(ctx context.Context, f *scenarios.Fetch) error {
	res, err := n.clients.Fetch(ctx, f)
	if err != nil {
		return err
	}
	n.tracker.RecordFetch(f.ID, res)
	return nil
}
