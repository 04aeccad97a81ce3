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
}

// Schedule adds fn to run when the clock reaches at (now when at is past).
func (c *Sim) Schedule(at time.Time, fn func()) {
	c.mu.Lock()
	c.sched.seq++
	heap.Push(&c.sched.tasks, task{at: at, seq: c.sched.seq, fn: fn})
	wake := c.sched.wake
	c.mu.Unlock()
	select {
	case wake <- struct{}{}:
	default:
	}
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
// ran.
func (c *Sim) RunDue() int {
	c.sched.runMu.Lock()
	defer c.sched.runMu.Unlock()
	ran := 0
	for {
		c.mu.Lock()
		if len(c.sched.tasks) == 0 || c.sched.tasks[0].at.After(c.now) {
			c.mu.Unlock()
			return ran
		}
		t := heap.Pop(&c.sched.tasks).(task)
		c.mu.Unlock()
		t.fn()
		ran++
	}
}

// Jump moves the clock to the next task's time if that is later than now;
// it reports whether a task is pending at all.
func (c *Sim) Jump() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sched.tasks) == 0 {
		return false
	}
	if at := c.sched.tasks[0].at; at.After(c.now) {
		c.now = at
	}
	return true
}
