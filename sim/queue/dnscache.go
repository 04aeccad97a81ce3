package queue

import (
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflow/mailflow/sim/dnsd"
	"github.com/mailflow/mailflow/sim/event"
)

// A host's DNS cache, as a real MTA's resolver keeps one: an answer is
// kept for the smallest TTL of its records, in simulated time, and the
// next question for the same name and type is answered from it. Nothing
// crosses the wire then, and the event says so (dns.cached). Only answers
// that name records are kept: no failure, no empty answer.

type dnsKey struct {
	name  string
	qtype uint16
}

type cachedAnswer struct {
	msg     *dns.Msg
	expires time.Time
}

type dnsCache struct {
	mu sync.Mutex
	m  map[dnsKey]cachedAnswer
}

// cached returns the answer kept for a question, if still fresh, and the
// time it has left.
func (q *Queue) cached(name string, qtype uint16, now time.Time) (*dns.Msg, time.Duration) {
	q.dns.mu.Lock()
	defer q.dns.mu.Unlock()
	k := dnsKey{strings.ToLower(dns.Fqdn(name)), qtype}
	a, ok := q.dns.m[k]
	if !ok {
		return nil, 0
	}
	if !now.Before(a.expires) {
		delete(q.dns.m, k)
		return nil, 0
	}
	return a.msg, a.expires.Sub(now)
}

// keep stores a fresh answer for its TTL.
func (q *Queue) keep(name string, qtype uint16, r *dns.Msg, now time.Time) {
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 {
		return
	}
	ttl := r.Answer[0].Header().Ttl
	for _, rr := range r.Answer[1:] {
		ttl = min(ttl, rr.Header().Ttl)
	}
	if ttl == 0 {
		return
	}
	q.dns.mu.Lock()
	defer q.dns.mu.Unlock()
	if q.dns.m == nil {
		q.dns.m = map[dnsKey]cachedAnswer{}
	}
	q.dns.m[dnsKey{strings.ToLower(dns.Fqdn(name)), qtype}] = cachedAnswer{msg: r,
		expires: now.Add(time.Duration(ttl) * time.Second)}
}

// fromCache answers a question from the cache, telling it in an event
// whose records carry the TTL left; nil when the cache has no fresh answer.
func (q *Queue) fromCache(msg, name string, qtype uint16) *dns.Msg {
	r, left := q.cached(name, qtype, q.cfg.Now())
	if r == nil {
		return nil
	}
	records := dnsd.RecordsOf(r.Answer)
	for i := range records {
		records[i].TTL = uint32(left / time.Second)
	}
	q.publish(event.Event{Kind: event.DNSCached, Step: 4, Msg: msg, QName: dns.Fqdn(name),
		QType: dns.TypeToString[qtype], Rcode: dns.RcodeToString[r.Rcode], Records: records})
	return r
}
