package clock

import (
	"container/heap"
	"sync"
	"time"
)

// Scheduled work: the queue's delivery attempts and retries are tasks on the
// simulated clock. A driver runs the tasks that are due, one at a time, in
// order of time and then of scheduling. Running them one at a time, after
// the actors are done, makes the order of events, and so the trace, the same
// in every run; jumping to the next task's time when nothing else is going
// on makes days of retries take no wall time.
//
// A network that real clients use (mailflow up, mailflow load) does not
// need the same trace twice: with SetParallel the driver starts due tasks
// in goroutines of their own, up to a limit, in the same order, and moves
// the clock ahead only when none is running. Their events interleave as
// the work does.

type task struct {
	at  time.Time
	seq uint64
	fn  func()
}

type taskHeap []task

func (h taskHeap) Len() int { return len(h) }
func (h taskHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h taskHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *taskHeap) Push(x any)   { *h = append(*h, x.(task)) }
func (h *taskHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

type scheduler struct {
	tasks taskHeap
	seq   uint64
	wake  chan struct{}
	runMu sync.Mutex // one driver at a time
	// parallel, when positive, is how many tasks may run at once, each in
	// a goroutine of its own; inFlight counts those running.
	parallel int
	inFlight int
	running  sync.WaitGroup
	// changed is closed and replaced when a task is scheduled or ends.
	changed chan struct{}
	// stopped: Stop was called; no task starts any more.
	stopped bool
}

// Schedule adds fn to run when the clock reaches at (now when at is past).
func (c *Sim) Schedule(at time.Time, fn func()) {
	c.mu.Lock()
	c.sched.seq++
	heap.Push(&c.sched.tasks, task{at: at, seq: c.sched.seq, fn: fn})
	wake := c.sched.wake
	c.changedLocked()
	c.mu.Unlock()
	select {
	case wake <- struct{}{}:
	default:
	}
}

// changedLocked wakes whoever waits on Changed. Called with c.mu held.
func (c *Sim) changedLocked() {
	if c.sched.changed != nil {
		close(c.sched.changed)
		c.sched.changed = nil
	}
}

// Changed returns a channel closed when a task is next scheduled or ends:
// a driver waiting for running tasks waits on it.
func (c *Sim) Changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sched.changed == nil {
		c.sched.changed = make(chan struct{})
	}
	return c.sched.changed
}

// SetParallel makes RunDue start due tasks in goroutines of their own, at
// most n running at once; 0 runs them one at a time in the driver (the
// default, which runs and tests keep).
func (c *Sim) SetParallel(n int) {
	c.mu.Lock()
	c.sched.parallel = max(n, 0)
	c.mu.Unlock()
}

// InFlight is the number of tasks running in goroutines of their own.
func (c *Sim) InFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sched.inFlight
}

// WaitTasks waits until no task runs in a goroutine of its own. Call it
// after Stop: a driver could otherwise start another task meanwhile.
func (c *Sim) WaitTasks() { c.sched.running.Wait() }

// Stop makes the clock start no more tasks: RunDue runs none and Jump
// reports none pending, so that a driver still running (a run's actions
// in another goroutine) ends instead of starting work on a network that
// is closing. The tasks already running go on; WaitTasks waits for them.
func (c *Sim) Stop() {
	c.mu.Lock()
	c.sched.stopped = true
	c.changedLocked()
	c.mu.Unlock()
}

// Wake is signalled when a task is scheduled, for a driver that waits.
func (c *Sim) Wake() <-chan struct{} { return c.sched.wake }

// Pending is the number of scheduled tasks not yet run.
func (c *Sim) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sched.tasks)
}

// Next returns when the next task is due.
func (c *Sim) Next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sched.tasks) == 0 {
		return time.Time{}, false
	}
	return c.sched.tasks[0].at, true
}

// RunDue runs every task due now or earlier, tasks they schedule for now
// included, one at a time in the calling goroutine, and returns how many
// ran. With SetParallel it starts them in goroutines of their own instead,
// while fewer than the limit run, and returns without waiting for them.
func (c *Sim) RunDue() int {
	c.sched.runMu.Lock()
	defer c.sched.runMu.Unlock()
	ran := 0
	for {
		c.mu.Lock()
		par := c.sched.parallel
		if c.sched.stopped || len(c.sched.tasks) == 0 || c.sched.tasks[0].at.After(c.now) ||
			par > 0 && c.sched.inFlight >= par {
			c.mu.Unlock()
			return ran
		}
		t := heap.Pop(&c.sched.tasks).(task)
		if par > 0 {
			c.sched.inFlight++
			c.sched.running.Add(1)
		}
		c.mu.Unlock()
		ran++
		if par == 0 {
			t.fn()
			continue
		}
		go func() {
			defer c.sched.running.Done()
			t.fn()
			c.mu.Lock()
			c.sched.inFlight--
			c.changedLocked()
			c.mu.Unlock()
		}()
	}
}

// Jump moves the clock to the next task's time if that is later than now;
// it reports whether a task is pending at all. While tasks run in
// goroutines of their own it does neither and reports false: the clock
// waits for the work under way (see Changed).
func (c *Sim) Jump() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sched.stopped || len(c.sched.tasks) == 0 || c.sched.inFlight > 0 {
		return false
	}
	if at := c.sched.tasks[0].at; at.After(c.now) {
		c.now = at
	}
	return true
}
