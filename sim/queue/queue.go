// Package queue is a mail host's outbound side: it finds the recipient
// domain's MX through the simulated DNS (step 4), connects from the host's
// own address to the MX on port 25 and transfers the message (step 5). A
// temporary failure keeps the message queued and schedules a retry on the
// simulated clock (RFC 5321 §4.5.4.1); a permanent one, or giving up, sends
// the sender a bounce (RFC 3464).
package queue

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mailflow/mailflow/sim/envelope"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/local"
	"github.com/mailflow/mailflow/topology"
)

// Policy is how a host retries and protects what it sends.
type Policy struct {
	// Retry lists the waits between attempts; the last repeats. Empty means
	// the default: 15m, 30m, then 2h to 3h drawn from the seeded source.
	Retry []time.Duration
	// GiveUp is how long after arrival the queue stops trying. Default 5 days.
	GiveUp time.Duration
	// DelayNotice, when positive, sends one "delayed" notice this long after
	// arrival.
	DelayNotice time.Duration
	// TLS is none, opportunistic (default) or required; TLSFailure, for
	// required, is defer (default) or bounce.
	TLS, TLSFailure string
	// RelayTo, when set, is the host all mail goes through (a smarthost)
	// instead of the MX of the recipient's domain, on RelayPort (25, 587
	// or 465), logging in with RelayAuth when it has a user name.
	RelayTo   string
	RelayPort int
	RelayAuth RelayAuth
	// CommandTimeout is the simulated time the client waits for a reply
	// (RFC 5321 §4.5.3.2 asks for minutes). Default 5m.
	CommandTimeout time.Duration
	// ResolverTimeout is the simulated time a DNS query that gets no
	// answer costs. Default 5s.
	ResolverTimeout time.Duration
	// Concurrency is how many deliveries to one destination may run at
	// once when attempts run in parallel. Default 20.
	Concurrency int
	// RateGap, when positive, is the simulated time between the starts of
	// two deliveries to one destination: messages wait their turn.
	RateGap time.Duration
	// DNSCache keeps DNS answers for their TTL in simulated time.
	DNSCache bool
	// ConnCache keeps connections to next hops open for the next message,
	// for at most ConnReuse messages (default 100) and ConnIdle of
	// simulated idle time (default 2s).
	ConnCache bool
	ConnReuse int
	ConnIdle  time.Duration
}

// RelayAuth is a smarthost login.
type RelayAuth struct {
	Username, Password, Mechanism string
}

// Config is what one host's queue needs.
type Config struct {
	Host *topology.Host
	// DNS is the simulated DNS server's address.
	DNS netip.AddrPort
	// PortOf says where a host's service listens: in the simulation the
	// well-known port of a service maps to a real port chosen at start.
	PortOf  func(addr netip.Addr, hostName string, svc topology.Service) (netip.AddrPort, error)
	RootCAs *x509.CertPool
	// TLSTime is the time peers' certificates are verified at; default Now.
	TLSTime func() time.Time
	Publish func(event.Event)
	Now     func() time.Time
	// Schedule runs fn when the simulated clock reaches at. Delivery
	// attempts are scheduled, never run in goroutines of their own, so that
	// the simulation's driver decides their order.
	Schedule func(at time.Time, fn func())
	// Register ties a new message's Message-ID (a bounce's) to its event id.
	Register func(messageID, msg string)
	Policy   Policy
	Seed     int64
	Logger   *slog.Logger
	// Filer files mail for the mailboxes this host keeps (bounces and
	// notices for its own users) without SMTP.
	Filer *local.Filer
	// Advance moves the simulated clock on: a DNS query that was dropped
	// costs the resolver's timeout.
	Advance func(time.Duration)
	// DNSDropped returns a channel closed when the DNS server drops the
	// query with this id from this address, so that the resolver stops
	// waiting in real time; stop forgets it.
	DNSDropped func(from netip.Addr, id uint16) (dropped <-chan struct{}, stop func())
	// DialTimeout and WallTimeout bound one attempt in wall time. Defaults
	// 5s and 60s.
	DialTimeout time.Duration
	WallTimeout time.Duration
}

// State of a recipient in the queue.
type State string

// The states a recipient goes through.
const (
	Pending   State = "pending"   // waiting for (another) attempt
	Delivered State = "delivered" // accepted by the next hop
	Failed    State = "failed"    // permanently failed (bounced or dropped)
)

// Recipient is one recipient of a queued message.
type Recipient struct {
	Address   string
	State     State
	LastError string
	Status    string // enhanced status of the last failure
	Remote    string // the MX that gave the last answer
	Diagnosis string // the reply as received, for the bounce
	Attempted time.Time
	step      int // the step of the last failure
}

// Entry is a message in the queue.
type Entry struct {
	envelope.Message
	Recipients []*Recipient
	Attempts   int
	NextTry    time.Time
	delaySent  bool
	turn       time.Time // its destination's turn reserved for it (rate)
}

// Pending reports whether some recipient is still waiting.
func (e *Entry) Pending() bool {
	for _, r := range e.Recipients {
		if r.State == Pending {
			return true
		}
	}
	return false
}

// Queue delivers a host's outbound mail.
type Queue struct {
	cfg    Config
	ctx    context.Context
	cancel context.CancelFunc
	rngMu  sync.Mutex // attempts may run in parallel
	rng    *rand.Rand
	mu     sync.Mutex
	items  map[*Entry]uint64 // the messages held, by order of arrival
	seq    uint64
	closed bool
	bounce int // count, for the bounces' Message-IDs
	dests  destinations
	dns    dnsCache
	conns  connCache
}

// New returns a queue; Close stops it.
func New(cfg Config) *Queue {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Publish == nil {
		cfg.Publish = func(event.Event) {}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TLSTime == nil {
		cfg.TLSTime = cfg.Now
	}
	if cfg.Schedule == nil {
		cfg.Schedule = func(_ time.Time, fn func()) { go fn() }
	}
	if cfg.Register == nil {
		cfg.Register = func(string, string) {}
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	if cfg.WallTimeout == 0 {
		cfg.WallTimeout = time.Minute
	}
	p := &cfg.Policy
	if p.GiveUp == 0 {
		p.GiveUp = 5 * 24 * time.Hour
	}
	if p.TLS == "" {
		p.TLS = "opportunistic"
	}
	if p.CommandTimeout == 0 {
		p.CommandTimeout = 5 * time.Minute
	}
	if p.ResolverTimeout == 0 {
		p.ResolverTimeout = 5 * time.Second
	}
	if p.Concurrency <= 0 {
		p.Concurrency = DefaultConcurrency
	}
	if p.ConnReuse <= 0 {
		p.ConnReuse = DefaultConnReuse
	}
	if p.ConnIdle <= 0 {
		p.ConnIdle = DefaultConnIdle
	}
	ctx, cancel := context.WithCancel(context.Background())
	var h uint64
	for _, c := range cfg.Host.Name {
		h = h*31 + uint64(c)
	}
	return &Queue{cfg: cfg, ctx: ctx, cancel: cancel, rng: rand.New(rand.NewPCG(uint64(cfg.Seed), h)),
		items: map[*Entry]uint64{}}
}

// Enqueue takes responsibility for messages, all or none (a server's
// transaction owns every copy or none), and schedules their first delivery
// attempts for now.
func (q *Queue) Enqueue(ms ...envelope.Message) error {
	start, err := q.Take(ms...)
	if err != nil {
		return err
	}
	start()
	return nil
}

// Take takes responsibility for messages, all or none, but schedules no
// attempt until start is called. A server calls start once it has told of
// the transaction, so that no event of step 4 can come before the events of
// steps 2 and 3 that led to it, even with a driver running in the background.
func (q *Queue) Take(ms ...envelope.Message) (start func(), err error) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil, errors.New("queue closed")
	}
	entries := make([]*Entry, 0, len(ms))
	for _, m := range ms {
		e := &Entry{Message: m}
		for _, r := range m.To {
			e.Recipients = append(e.Recipients, &Recipient{Address: r, State: Pending})
		}
		entries = append(entries, e)
	}
	for _, e := range entries {
		q.seq++
		q.items[e] = q.seq
	}
	q.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			for _, e := range entries {
				q.cfg.Schedule(q.cfg.Now(), func() { q.attempt(e) })
			}
		})
	}, nil
}

// Entries returns a snapshot of the messages still queued.
func (q *Queue) Entries() []Entry {
	q.mu.Lock()
	defer q.mu.Unlock()
	held := make([]*Entry, 0, len(q.items))
	for e := range q.items {
		held = append(held, e)
	}
	sort.Slice(held, func(i, j int) bool { return q.items[held[i]] < q.items[held[j]] })
	var out []Entry
	for _, e := range held {
		if !e.Pending() {
			continue
		}
		c := *e
		c.Recipients = nil
		for _, r := range e.Recipients {
			rc := *r
			c.Recipients = append(c.Recipients, &rc)
		}
		out = append(out, c)
	}
	return out
}

// Held is how many messages the queue holds: those with a recipient still
// pending. A delivered or bounced message is let go.
func (q *Queue) Held() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// Close refuses new messages and makes a running attempt give up.
func (q *Queue) Close() error {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cancel()
	q.closeConns()
	return nil
}

// release forgets a message with no recipient left pending, so that a
// queue that runs for days holds only what still waits.
func (q *Queue) release(e *Entry) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.items, e)
}

func (q *Queue) publish(e event.Event) {
	e.Host = q.cfg.Host.Name
	q.cfg.Publish(e)
}

// attempt tries every pending recipient once, then schedules a retry,
// gives up, or bounces, as the results say.
func (q *Queue) attempt(e *Entry) {
	if q.ctx.Err() != nil {
		return
	}
	now := q.cfg.Now()
	var pending []string
	for _, r := range e.Recipients {
		if r.State == Pending {
			pending = append(pending, r.Address)
		}
	}
	groups := byDomain(pending)
	if len(groups) > 0 {
		// The rate of the first destination decides when the message goes.
		dest := q.destinationOf(e, groups[0].domain)
		if turn, wait := q.waitTurn(e, dest, now); wait {
			q.waitForTurn(e, dest, turn)
			return
		}
	}
	q.mu.Lock() // Entries may be reading this entry (the web view's queue)
	e.Attempts++
	q.mu.Unlock()
	for _, g := range groups {
		release, ok := q.acquire(q.destinationOf(e, g.domain))
		if !ok {
			return // the queue closed
		}
		results := q.deliverDomain(e, g.domain, g.rcpts)
		release()
		q.mu.Lock()
		for _, r := range e.Recipients {
			res, ok := results[strings.ToLower(r.Address)]
			if !ok {
				continue
			}
			r.Attempted = now
			switch {
			case res.err == nil:
				r.State = Delivered
			default:
				r.LastError, r.Status, r.Remote, r.Diagnosis = res.err.Error(), res.err.status(), res.remote, res.err.diagnostic()
				r.step = res.err.step
				if res.err.permanent {
					r.State = Failed
				}
			}
		}
		q.mu.Unlock()
	}
	q.afterAttempt(e)
}

// afterAttempt decides what comes next for a message: nothing (all done),
// a bounce for the failed recipients, a delay notice, a retry, or giving up.
func (q *Queue) afterAttempt(e *Entry) {
	now := q.cfg.Now()
	if e.Pending() && now.Sub(e.Arrived) >= q.cfg.Policy.GiveUp {
		var gaveUp []Recipient
		q.mu.Lock()
		for _, r := range e.Recipients {
			if r.State == Pending {
				r.State = Failed
				r.Diagnosis = fmt.Sprintf("gave up after %d attempts over %s; last error: %s", e.Attempts,
					humanDuration(now.Sub(e.Arrived)), r.LastError)
				r.Status = "4.4.7" // RFC 3463 §3.5: delivery time expired
				gaveUp = append(gaveUp, *r)
			}
		}
		q.mu.Unlock()
		for _, r := range gaveUp { // published without the lock: a gate may hold the publisher
			ev := event.Event{Kind: event.QueueFailed, Step: r.step, Msg: e.Msg, To: []string{r.Address},
				State: "failed", Attempt: e.Attempts}
			ev.SetLocal(event.ReasonGiveUp, r.Status, "", r.Diagnosis)
			q.publish(ev)
		}
	}
	if !e.Pending() {
		q.bounceFailed(e)
		q.release(e)
		return
	}
	if d := q.cfg.Policy.DelayNotice; d > 0 && !e.delaySent && now.Sub(e.Arrived) >= d {
		e.delaySent = true
		q.notifyDelay(e)
	}
	wait := q.nextWait(e.Attempts)
	next := now.Add(wait)
	if deadline := e.Arrived.Add(q.cfg.Policy.GiveUp); next.After(deadline) {
		next = deadline // one last try when the time is up
	}
	q.mu.Lock()
	e.NextTry = next
	q.mu.Unlock()
	q.publish(event.Event{Kind: event.QueueRetry, Msg: e.Msg, To: pendingOf(e), State: "queued",
		Attempt: e.Attempts, Next: &next})
	q.cfg.Schedule(next, func() { q.attempt(e) })
}

// nextWait is the wait after the n-th attempt: by default two tries in the
// first hour, then every two to three hours (RFC 5321 §4.5.4.1 asks for at
// least 30 minutes between tries once the first have failed).
func (q *Queue) nextWait(n int) time.Duration {
	if r := q.cfg.Policy.Retry; len(r) > 0 {
		return r[min(n-1, len(r)-1)]
	}
	switch n {
	case 1:
		return 15 * time.Minute
	case 2:
		return 30 * time.Minute
	}
	q.rngMu.Lock()
	defer q.rngMu.Unlock()
	return 2*time.Hour + time.Duration(q.rng.Int64N(int64(time.Hour)))/time.Minute*time.Minute
}

func pendingOf(e *Entry) []string {
	var out []string
	for _, r := range e.Recipients {
		if r.State == Pending {
			out = append(out, r.Address)
		}
	}
	return out
}

func humanDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%.1f days", d.Hours()/24)
	case d >= time.Minute: // "2h12m", "15m": whole minutes, no "0s"
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	}
	return d.Round(time.Second).String()
}

type domainGroup struct {
	domain string
	rcpts  []string
}

func byDomain(rcpts []string) []domainGroup {
	idx := map[string]int{}
	var out []domainGroup
	for _, r := range rcpts {
		d := topology.DomainOf(r)
		i, ok := idx[d]
		if !ok {
			i = len(out)
			idx[d] = i
			out = append(out, domainGroup{domain: d})
		}
		out[i].rcpts = append(out[i].rcpts, r)
	}
	return out
}

// mxTarget is one host to try for a domain, with its preference.
type mxTarget struct {
	name string
	pref int
}

// sortMX orders MX hosts by preference, shuffling equal ones with the
// seeded source (RFC 5321 §5.1: spread the load among equal preferences).
func (q *Queue) sortMX(mx []mxTarget) {
	q.rngMu.Lock()
	q.rng.Shuffle(len(mx), func(i, j int) { mx[i], mx[j] = mx[j], mx[i] })
	q.rngMu.Unlock()
	sort.SliceStable(mx, func(i, j int) bool { return mx[i].pref < mx[j].pref })
}

func trimDot(s string) string { return strings.TrimSuffix(s, ".") }
