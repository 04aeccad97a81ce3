package mailauth

import (
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Cache keeps the answers a host's checks got for the smallest TTL of
// their records, read on a clock (the simulated one), as a receiving MTA's
// resolver does: the next message from the same sender is checked without
// asking again. Only answers that name records are kept. It is safe for
// concurrent use, and shared by the checks of one host.
type Cache struct {
	Now func() time.Time
	mu  sync.Mutex
	m   map[cacheKey]cacheEntry
}

type cacheKey struct {
	name  string
	qtype uint16
}

type cacheEntry struct {
	rrs     []dns.RR
	expires time.Time
}

func (c *Cache) get(name string, qtype uint16) ([]dns.RR, time.Duration, bool) {
	if c == nil {
		return nil, 0, false
	}
	now := c.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	k := cacheKey{strings.ToLower(name), qtype}
	e, ok := c.m[k]
	if !ok || !now.Before(e.expires) {
		delete(c.m, k)
		return nil, 0, false
	}
	return e.rrs, e.expires.Sub(now), true
}

func (c *Cache) put(name string, qtype uint16, rrs []dns.RR) {
	if c == nil || len(rrs) == 0 {
		return
	}
	ttl := rrs[0].Header().Ttl
	for _, rr := range rrs[1:] {
		ttl = min(ttl, rr.Header().Ttl)
	}
	if ttl == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[cacheKey]cacheEntry{}
	}
	c.m[cacheKey{strings.ToLower(name), qtype}] = cacheEntry{rrs: rrs, expires: c.Now().Add(time.Duration(ttl) * time.Second)}
}
