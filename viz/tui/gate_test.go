package tui

import (
	"sync"
	"testing"
	"time"

	"github.com/mailflow/mailflow/sim/event"
)

// holdAsync runs Hold in a goroutine, as a publisher would, and reports on
// the returned channel when Hold lets it go.
func holdAsync(g *Gate, e event.Event) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		g.Hold(e)
		close(done)
	}()
	return done
}

func waitPending(t *testing.T, g *Gate, changed <-chan struct{}, step int) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		if e, ok := g.Pending(); ok && e.Step == step {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no step %d waiting at the gate", step)
		}
	}
}

func released(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestGatePausesBeforeEachStep(t *testing.T) {
	changed := make(chan struct{}, 100)
	g := NewGate(false, time.Second, func() { changed <- struct{}{} })
	msg := func(kind event.Kind, step int) event.Event { return event.Event{Kind: kind, Step: step, Msg: "m1"} }

	// Events that start no step go straight through.
	g.Hold(msg(event.ActionStart, 0))
	g.Hold(event.Event{Kind: event.SMTPAuth, Step: 1})

	first := holdAsync(g, msg(event.SMTPConnect, 1))
	waitPending(t, g, changed, 1)
	if released(first) {
		t.Fatal("step 1 went through while paused")
	}
	if !g.Step() {
		t.Fatal("Step found nothing waiting")
	}
	<-first
	// Later events of the same step do not stop again.
	g.Hold(msg(event.SMTPTLS, 1))
	if _, ok := g.Pending(); ok {
		t.Fatal("something waits after the step went through")
	}
	// A key pressed between two steps lets the next one through when it
	// comes, not later.
	if g.Step() {
		t.Fatal("Step found a waiting step")
	}
	g.Hold(msg(event.SMTPAccepted, 2)) // returns at once: the credit

	// Two publishers at once go one at a time, in order.
	a := holdAsync(g, msg(event.RouteDecision, 3))
	waitPending(t, g, changed, 3)
	b := holdAsync(g, event.Event{Kind: event.SMTPConnect, Step: 1, Msg: "m2"})
	for len(g.queueLen()) < 2 {
		<-changed
	}
	g.Step()
	<-a
	if released(b) {
		t.Fatal("the second waiter went through with the first")
	}
	waitPending(t, g, changed, 1)

	// Close lets everything go and stops pausing.
	g.Close()
	<-b
	g.Hold(msg(event.MailboxStore, 6))
	g.Close() // twice is fine
}

func TestGatePlays(t *testing.T) {
	changed := make(chan struct{}, 100)
	g := NewGate(true, time.Millisecond, func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	for s := 1; s <= 6; s++ {
		g.Hold(event.Event{Kind: "x.y", Step: s, Msg: "m1"}) // each returns after about an interval
	}
	// Paused mid-way, a waiting step stays until played again.
	g.SetPlaying(false, time.Millisecond)
	done := holdAsync(g, event.Event{Kind: event.DNSQuery, Step: 4, Msg: "m1"})
	waitPending(t, g, changed, 4)
	g.SetPlaying(true, 0) // full speed: no waiting at all
	<-done
	g.Hold(event.Event{Kind: event.RelayConnect, Step: 5, Msg: "m1"})
}

func TestGateManyPublishers(t *testing.T) {
	changed := make(chan struct{}, 1)
	g := NewGate(false, 0, func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			g.Hold(event.Event{Kind: event.SMTPConnect, Step: 1, Msg: "m" + string(rune('a'+i))})
		}(i)
	}
	// Twenty presses let twenty steps through, whether a press finds its
	// publisher waiting (Step reports true) or comes first and is kept as
	// a credit for the next arrival.
	released := 0
	for i := 0; i < 20; i++ {
		if g.Step() {
			released++
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("publishers still held after 20 presses (%d found waiting)", released)
	}
	g.Close()
}

// queueLen is for tests: the waiting steps.
func (g *Gate) queueLen() []*waiter {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]*waiter(nil), g.queue...)
}

// Just after a failure the gate holds the next event, whatever it is, so
// the class sees the failure before the world goes on; the same failure
// told again by the sender does not stop twice.
func TestGateStopsAfterAFailure(t *testing.T) {
	changed := make(chan struct{}, 100)
	g := NewGate(false, 0, func() { changed <- struct{}{} })
	g.Step() // a key pressed ahead: step 4 goes through when it comes
	g.Hold(event.Event{Kind: event.DNSQuery, Step: 4, Msg: "m1"})
	g.Hold(event.Event{Kind: event.DNSAnswer, Step: 4, Msg: "m1", Rcode: "NXDOMAIN"})
	after := holdAsync(g, event.Event{Kind: event.QueueFailed, Step: 5, Msg: "m1"})
	deadline := time.After(5 * time.Second)
	for !g.Waiting() {
		select {
		case <-changed:
		case <-deadline:
			t.Fatal("nothing held after the NXDOMAIN")
		}
	}
	if _, ok := g.Pending(); ok {
		t.Error("what waits after a failure is no step to announce")
	}
	if released(after) {
		t.Fatal("the event after the failure went through while paused")
	}
	g.Step()
	<-after
	// The queue's account of the same failure was no new failure: the
	// bounce's note goes straight through.
	g.Hold(event.Event{Kind: event.DSNSent, Msg: "m1", State: "failed"})
	if g.Waiting() {
		t.Error("the gate holds again for the same failure")
	}
}
