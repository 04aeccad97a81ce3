package sim

import (
	"net/netip"
	"sync"
)

// dropWatch tells a simulated resolver that the DNS server dropped its
// query (a drop fault), so that it stops waiting in real time and charges
// its timeout to the simulated clock instead.
type dropWatch struct {
	mu      sync.Mutex
	waiting map[dropKey]chan struct{}
}

type dropKey struct {
	from netip.Addr
	id   uint16
}

// watch returns a channel closed when the query with id from addr is
// dropped; stop forgets it.
func (w *dropWatch) watch(from netip.Addr, id uint16) (<-chan struct{}, func()) {
	k := dropKey{from.Unmap(), id}
	ch := make(chan struct{})
	w.mu.Lock()
	if w.waiting == nil {
		w.waiting = map[dropKey]chan struct{}{}
	}
	w.waiting[k] = ch
	w.mu.Unlock()
	return ch, func() {
		w.mu.Lock()
		if w.waiting[k] == ch {
			delete(w.waiting, k)
		}
		w.mu.Unlock()
	}
}

// dropped closes the channel of a query that was dropped.
func (w *dropWatch) dropped(from netip.Addr, id uint16) {
	k := dropKey{from.Unmap(), id}
	w.mu.Lock()
	if ch, ok := w.waiting[k]; ok {
		close(ch)
		delete(w.waiting, k)
	}
	w.mu.Unlock()
}
