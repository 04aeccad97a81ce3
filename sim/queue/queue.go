// Package queue is a mail host's outbound side: it finds the recipient
// domain's MX through the simulated DNS (step 4), connects from the host's
// own address to the MX on port 25 and transfers the message (step 5).
// A message that cannot be delivered stays queued.
package queue

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/smtpd"
	"github.com/mailflow/mailflow/topology"
)

// Config is what one host's queue needs.
type Config struct {
	Host *topology.Host
	// DNS is the simulated DNS server's address.
	DNS netip.AddrPort
	// PortOf says where a host's service listens: in the simulation the
	// well-known port of a service maps to a real port chosen at start.
	PortOf  func(addr netip.Addr, hostName string, svc topology.Service) (netip.AddrPort, error)
	RootCAs *x509.CertPool
	Publish func(event.Event)
	Now     func() time.Time
	// Schedule runs fn when the simulated clock reaches at. Delivery
	// attempts are scheduled, never run in goroutines of their own, so that
	// the simulation's driver decides their order.
	Schedule func(at time.Time, fn func())
	Logger   *slog.Logger
	// DialTimeout and CommandTimeout bound one attempt. Defaults 5s, 30s.
	DialTimeout    time.Duration
	CommandTimeout time.Duration
}

// State of a queued message.
type State string

// The states a message goes through in the queue.
const (
	Pending   State = "pending"   // waiting for (another) attempt
	Delivered State = "delivered" // every recipient accepted by the next hop
	Failed    State = "failed"    // a permanent failure
)

// Entry is a message in the queue with its state.
type Entry struct {
	smtpd.Outbound
	State     State
	Attempts  int
	LastError string
	// Done holds the recipients already handed on.
	Done []string
}

// Queue delivers a host's outbound mail.
type Queue struct {
	cfg    Config
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	items  []*Entry
	closed bool
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
	if cfg.Schedule == nil {
		cfg.Schedule = func(_ time.Time, fn func()) { go fn() }
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	if cfg.CommandTimeout == 0 {
		cfg.CommandTimeout = 30 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Queue{cfg: cfg, ctx: ctx, cancel: cancel}
}

// Enqueue takes responsibility for a message and schedules its first
// delivery attempt for now.
func (q *Queue) Enqueue(m smtpd.Outbound) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return errors.New("queue closed")
	}
	e := &Entry{Outbound: m, State: Pending}
	q.items = append(q.items, e)
	q.mu.Unlock()
	q.cfg.Schedule(q.cfg.Now(), func() { q.attempt(e) })
	return nil
}

// Entries returns a snapshot of the queue.
func (q *Queue) Entries() []Entry {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Entry, len(q.items))
	for i, e := range q.items {
		out[i] = *e
		out[i].To = append([]string(nil), e.To...)
		out[i].Done = append([]string(nil), e.Done...)
	}
	return out
}

// Close refuses new messages and makes a running attempt give up.
func (q *Queue) Close() error {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cancel()
	return nil
}

func (q *Queue) publish(e event.Event) {
	e.Host = q.cfg.Host.Name
	q.cfg.Publish(e)
}

// attempt tries every recipient domain of a message once.
func (q *Queue) attempt(e *Entry) {
	if q.ctx.Err() != nil {
		return
	}
	q.mu.Lock()
	e.Attempts++
	pending := append([]string(nil), e.To...)
	q.mu.Unlock()

	var lastErr error
	permanent := false
	for _, group := range byDomain(pending) {
		err := q.deliverDomain(e, group.domain, group.rcpts)
		q.mu.Lock()
		if err == nil {
			e.Done = append(e.Done, group.rcpts...)
		} else {
			lastErr = err
			var de *deliveryError
			if errors.As(err, &de) && de.permanent {
				permanent = true
			}
		}
		q.mu.Unlock()
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case lastErr == nil:
		e.State = Delivered
	case permanent:
		e.State, e.LastError = Failed, lastErr.Error()
	default:
		e.LastError = lastErr.Error()
	}
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

func sortMX(mx []mxTarget) {
	sort.SliceStable(mx, func(i, j int) bool { return mx[i].pref < mx[j].pref })
}

func trimDot(s string) string { return strings.TrimSuffix(s, ".") }
