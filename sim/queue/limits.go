package queue

import (
	"fmt"
	"sync"
	"time"

	"github.com/mailflow/mailflow/sim/event"
)

// Limits per destination, as a real MTA keeps them (Postfix's
// default_destination_concurrency_limit and
// default_destination_rate_delay). A destination is where a group of
// recipients goes: the smarthost, the message's next hop, or the domain.

// DefaultConcurrency is how many deliveries to one destination run at once
// unless the host's settings say otherwise.
const DefaultConcurrency = 20

type destinations struct {
	mu sync.Mutex
	m  map[string]*destination
}

type destination struct {
	slots chan struct{} // one per delivery under way
	next  time.Time     // when the next delivery may start (rate)
}

func (q *Queue) destination(name string) *destination {
	q.dests.mu.Lock()
	defer q.dests.mu.Unlock()
	if q.dests.m == nil {
		q.dests.m = map[string]*destination{}
	}
	d := q.dests.m[name]
	if d == nil {
		d = &destination{slots: make(chan struct{}, q.cfg.Policy.Concurrency)}
		q.dests.m[name] = d
	}
	return d
}

// destinationOf names where mail for a domain goes from this host.
func (q *Queue) destinationOf(e *Entry, domain string) string {
	switch {
	case q.cfg.Policy.RelayTo != "":
		return q.cfg.Policy.RelayTo
	case e.NextHop != "":
		return e.NextHop
	}
	return domain
}

// acquire takes one of a destination's delivery slots, waiting while all
// are taken (only attempts running in parallel ever wait); false when the
// queue closes first.
func (q *Queue) acquire(dest string) (release func(), ok bool) {
	d := q.destination(dest)
	select {
	case d.slots <- struct{}{}:
		return func() { <-d.slots }, true
	case <-q.ctx.Done():
		return nil, false
	}
}

// waitTurn applies the rate limit of a destination: it reports whether the
// message may go now, and otherwise when its turn is (reserved for it).
func (q *Queue) waitTurn(e *Entry, dest string, now time.Time) (turn time.Time, wait bool) {
	gap := q.cfg.Policy.RateGap
	if gap <= 0 {
		return time.Time{}, false
	}
	d := q.destination(dest)
	q.dests.mu.Lock()
	defer q.dests.mu.Unlock()
	switch {
	case !e.turn.IsZero() && !now.Before(e.turn): // its reserved turn has come
		e.turn = time.Time{}
		return time.Time{}, false
	case !e.turn.IsZero():
		return e.turn, true
	case !now.Before(d.next):
		d.next = now.Add(gap)
		return time.Time{}, false
	}
	e.turn = d.next
	d.next = d.next.Add(gap)
	return e.turn, true
}

// waitForTurn keeps a message queued until its destination's turn: no
// attempt is made and none is counted.
func (q *Queue) waitForTurn(e *Entry, dest string, turn time.Time) {
	q.mu.Lock()
	e.NextTry = turn
	q.mu.Unlock()
	q.publish(event.Event{Kind: event.QueueWait, Msg: e.Msg, To: pendingOf(e), Peer: dest,
		State: "queued", Next: &turn, Rule: "rate " + rateText(q.cfg.Policy.RateGap)})
	q.cfg.Schedule(turn, func() { q.attempt(e) })
}

// rateText says a gap between deliveries as a rate: "2/s", "30/m", "1 per 1h0m0s".
func rateText(gap time.Duration) string {
	switch {
	case gap <= time.Second && time.Second%gap == 0:
		return fmt.Sprintf("%d/s", time.Second/gap)
	case gap <= time.Minute && time.Minute%gap == 0:
		return fmt.Sprintf("%d/m", time.Minute/gap)
	}
	return "1 per " + gap.String()
}
