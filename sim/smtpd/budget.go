package smtpd

import "sync"

// Budget caps the message content that connections hold at once, so that
// many clients sending at the same time cannot make the process grow
// without bound: a transfer that cannot get room is read to its end
// without being kept and answered 452 4.3.1. One Budget may be shared by
// the servers of several hosts: each raises it, if need be, to hold one
// message of its size limit.
type Budget struct {
	mu          sync.Mutex
	limit, used int64
}

// DefaultInFlight is the budget of a server not given one.
const DefaultInFlight = 64 << 20

// NewBudget returns a budget of limit bytes.
func NewBudget(limit int64) *Budget { return &Budget{limit: limit} }

// fit raises the limit so that one message of size bytes always fits.
func (b *Budget) fit(size int64) {
	b.mu.Lock()
	b.limit = max(b.limit, size+chunkSize)
	b.mu.Unlock()
}

// take reserves n bytes, if there is room.
func (b *Budget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.limit {
		return false
	}
	b.used += n
	return true
}

// give returns n reserved bytes.
func (b *Budget) give(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// InUse returns the bytes reserved now.
func (b *Budget) InUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}
