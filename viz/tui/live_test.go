package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
)

// liveRun starts a built-in scenario on a real simulated network and shows
// it live; stop quits the view and closes the network.
type liveRun struct {
	s    *testScreen
	n    *sim.Network
	done chan error

	mu       sync.Mutex
	finished bool
}

func startLive(t *testing.T, name string, lang narrate.Lang, step bool) *liveRun {
	t.Helper()
	sc, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	s := newTestScreen(160, 40)
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	intake := NewIntake()
	n, err := sim.Start(sc, sim.Options{Narrate: narrate.Func(lang), Sinks: []event.Sink{intake},
		Timeout: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	app := NewApp(Options{Lang: lang, Title: name, Step: step, Screen: s, Intake: intake})
	r := &liveRun{s: s, n: n, done: make(chan error, 1)}
	go func() {
		r.done <- app.Live(context.Background(), World{SetGate: n.Bus.SetGate, Run: func(ctx context.Context) error {
			if err := n.Play(ctx); err != nil {
				return err
			}
			if err := n.WaitSettled(ctx); err != nil {
				return err
			}
			n.Check()
			n.Summarize()
			r.mu.Lock()
			r.finished = true
			r.mu.Unlock()
			return nil
		}})
	}()
	return r
}

// quit presses q and waits for the view and the world to end.
func (r *liveRun) quit(t *testing.T) {
	t.Helper()
	r.s.rune('q')
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("live view: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the live view did not quit")
	}
	if err := r.n.Close(); err != nil {
		t.Errorf("closing the network: %v", err)
	}
}

// published reports whether the bus has published an event of m1 in step.
// quitAtTheEnd fails unless the world ran to its end, then quits.
func (r *liveRun) quitAtTheEnd(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	finished := r.finished
	r.mu.Unlock()
	if !finished {
		t.Error("the world did not run to its end")
	}
	r.quit(t)
}

func (r *liveRun) published(step int) bool {
	for _, e := range r.n.Bus.History() {
		if e.Msg == "m1" && e.Step == step {
			return true
		}
	}
	return false
}

// The world really waits before each step: while the view says step N is
// next, the bus has published nothing of step N.
func TestLiveStepThrough(t *testing.T) {
	for _, lang := range []narrate.Lang{narrate.English, narrate.Vietnamese} {
		t.Run(string(lang), func(t *testing.T) {
			r := startLive(t, "cross-domain", lang, true)
			w := wordsFor(lang)
			for step := 1; step <= 6; step++ {
				next := fmt.Sprintf("⏸ %s: %s %d", w.next, w.step, step)
				r.s.waitFor(t, next, func(txt string) bool { return strings.Contains(stripLines(txt), next) })
				if r.published(step) {
					t.Fatalf("step %d was published while the view waits before it", step)
				}
				if step == 4 && lang == narrate.English {
					// Back replays the view; the world stays paused.
					r.s.rune('b')
					r.s.waitText(t, "↩ history", "⏸ next: Step 3")
					if r.published(4) {
						t.Fatal("going back let the world go on")
					}
					r.s.rune(' ') // forward through the history to the present
					r.s.waitText(t, "⏸ paused", "⏸ next: Step 4")
				}
				r.s.rune(' ')
			}
			r.s.waitText(t, "✔ "+w.finished, w.states[StateDelivered])
			if txt := r.s.text(); !strings.Contains(stripLines(txt), "✓6 "+w.short[5]) ||
				!strings.Contains(txt, fmt.Sprintf("%s 6 · ", w.step)) {
				t.Errorf("the end should show step 6 done:\n%s", txt)
			}
			r.quitAtTheEnd(t)
		})
	}
}

// Quitting while the world waits at the gate lets it go and ends cleanly
// (TestMain checks that no goroutine is left).
func TestLiveQuitWhilePaused(t *testing.T) {
	r := startLive(t, "cross-domain", narrate.English, true)
	r.s.waitText(t, "⏸ next: Step 1")
	r.s.rune(' ')
	r.s.waitText(t, "⏸ next: Step 2")
	r.quit(t)
}

// Without --step the run plays by itself; p pauses it, + makes it faster.
func TestLivePlays(t *testing.T) {
	r := startLive(t, "same-domain", narrate.English, false)
	r.s.waitText(t, "▶ playing · 1×")
	r.s.rune('p')
	r.s.waitText(t, "⏸ paused · 1×")
	for i := 0; i < 4; i++ {
		r.s.rune('+')
	}
	r.s.waitText(t, "⏸ paused · max")
	r.s.rune('p')
	r.s.waitText(t, "✔ finished · max")
	r.quit(t)
}

// The view never slows the world: while drawing is stuck, publishing goes
// on at full speed; when drawing resumes, frames are skipped but no event
// is lost.
func TestLiveSkipsFramesNotEvents(t *testing.T) {
	s := newTestScreen(100, 30)
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	app := NewApp(Options{Lang: narrate.English, Title: "flood", Screen: s})
	const total = 20000
	var frames atomic.Int64
	stuck := make(chan struct{})
	published := make(chan time.Duration, 1)
	done := make(chan error, 1)
	s.onShow = func() {
		frames.Add(1)
		<-stuck // drawing falls behind: every frame waits here
	}
	go func() {
		done <- app.Live(context.Background(), World{Run: func(ctx context.Context) error {
			start := time.Now()
			for i := 1; i <= total; i++ {
				app.Sink().Handle(event.Event{Seq: int64(i), Kind: "test.flood", Host: "-",
					Text: fmt.Sprintf("flood event %d", i)})
			}
			published <- time.Since(start)
			<-ctx.Done()
			return ctx.Err()
		}})
	}()
	select {
	case d := <-published:
		t.Logf("%d events published in %v while no frame could be drawn", total, d)
	case <-time.After(20 * time.Second):
		t.Fatal("publishing waited for the screen")
	}
	close(stuck)
	s.waitText(t, fmt.Sprintf("flood event %d", total))
	if f := frames.Load(); f > total/100 {
		t.Errorf("%d frames for %d events: frames should be skipped", f, total)
	}
	s.key(tcell.KeyCtrlC)
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("live view: %v", err)
	}
}
