package clock

import (
	"slices"
	"testing"
	"time"
)

func TestStampMovesOnByQuantum(t *testing.T) {
	c := New(DefaultStart)
	a, b := c.Stamp(), c.Stamp()
	if b.Sub(a) != Quantum || !c.Now().Equal(b.Add(Quantum)) {
		t.Fatalf("stamps %v, %v; now %v", a, b, c.Now())
	}
	c.Advance(-time.Hour)
	if c.Now().Before(b) {
		t.Fatal("Advance went backwards")
	}
}

func TestTasksRunInOrderAndJumpAhead(t *testing.T) {
	c := New(DefaultStart)
	var order []string
	c.Schedule(DefaultStart.Add(2*time.Hour), func() { order = append(order, "retry") })
	c.Schedule(DefaultStart, func() {
		order = append(order, "first")
		c.Schedule(c.Now(), func() { order = append(order, "chained") })
	})
	c.Schedule(DefaultStart, func() { order = append(order, "second") })
	if n := c.RunDue(); n != 3 {
		t.Fatalf("ran %d tasks now, want 3", n)
	}
	if c.Pending() != 1 {
		t.Fatalf("pending %d", c.Pending())
	}
	if at, _ := c.Next(); !at.Equal(DefaultStart.Add(2 * time.Hour)) {
		t.Fatalf("next at %v", at)
	}
	if !c.Jump() || c.RunDue() != 1 {
		t.Fatal("jump did not reach the retry")
	}
	if !slices.Equal(order, []string{"first", "second", "chained", "retry"}) {
		t.Fatalf("order %v", order)
	}
	if c.Now().Before(DefaultStart.Add(2 * time.Hour)) {
		t.Fatalf("clock at %v after the jump", c.Now())
	}
	if c.Jump() {
		t.Fatal("jump with nothing pending")
	}
}

// In parallel, due tasks run at once up to the limit, the clock waits for
// them before it jumps, and Changed tells when one ends.
func TestParallelTasksRunAtOnceAndTheClockWaits(t *testing.T) {
	c := New(DefaultStart)
	c.SetParallel(2)
	release := make(chan struct{})
	started := make(chan int, 3)
	for i := range 3 {
		c.Schedule(DefaultStart, func() { started <- i; <-release })
	}
	c.Schedule(DefaultStart.Add(time.Hour), func() {})
	if n := c.RunDue(); n != 2 {
		t.Fatalf("started %d tasks, want 2 (the limit)", n)
	}
	<-started
	<-started
	if c.InFlight() != 2 || c.Jump() {
		t.Fatalf("in flight %d; the clock jumped while tasks ran", c.InFlight())
	}
	changed := c.Changed()
	release <- struct{}{}
	<-changed
	if n := c.RunDue(); n != 1 {
		t.Fatalf("after one ended, started %d, want the third", n)
	}
	<-started
	close(release)
	c.WaitTasks()
	if c.InFlight() != 0 || !c.Jump() || !c.Now().Equal(DefaultStart.Add(time.Hour)) {
		t.Fatalf("after all ended: in flight %d, now %v", c.InFlight(), c.Now())
	}
	c.RunDue()
	c.WaitTasks()
}

// A stopped clock starts no task: a driver still looping ends instead of
// starting work on a closing network, and the tasks already running are
// waited for.
func TestStopStartsNoMoreTasks(t *testing.T) {
	c := New(DefaultStart)
	c.SetParallel(2)
	release := make(chan struct{})
	started := make(chan struct{})
	c.Schedule(DefaultStart, func() { close(started); <-release })
	ran := false
	c.Schedule(DefaultStart.Add(time.Hour), func() { ran = true })
	if n := c.RunDue(); n != 1 {
		t.Fatalf("started %d tasks, want 1", n)
	}
	<-started
	c.Stop()
	close(release)
	c.WaitTasks()
	if c.Jump() || c.RunDue() != 0 || ran {
		t.Fatal("a stopped clock still runs tasks")
	}
	if c.Pending() != 1 {
		t.Fatalf("pending %d, want the task never started", c.Pending())
	}
}
