package bench

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/mailflow/mailflow/internal/workers"
	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/topology"
	"github.com/mailflow/mailflow/viz/narrate"
)

// Path is a mail path the benchmarks drive: where clients submit, and how
// many messages reached the recipient's mailbox.
type Path interface {
	Target() Target
	Delivered() int64
	WaitDelivered(ctx context.Context, n int64) error
}

// Target says how a client submits to a path.
type Target struct {
	Local      netip.Addr // the client's address; zero for any
	Addr       netip.AddrPort
	ServerName string
	TLS        *tls.Config
	Login      Login
	From, To   string
}

// Target of the floor.
func (f *Floor) Target() Target {
	return Target{Addr: f.Submit, ServerName: f.ServerName,
		TLS: &tls.Config{ServerName: f.ServerName, RootCAs: f.Roots}, Login: Login{f.User, f.Pass},
		From: f.User, To: f.To}
}

// Round sends n messages (numbered from first) through p, clients at a
// time, each on a connection of its own, and returns the wall time from
// the first connection to the last message filed.
func Round(ctx context.Context, p Path, first, n, clients int) (time.Duration, error) {
	t := p.Target()
	base := p.Delivered()
	start := time.Now()
	err := workers.Numbered(clients, first, first+n, func(i int) (bool, error) {
		msg := Message(t.From, t.To, i, MessageSizeDefault)
		if err := sendMail(ctx, t.Local, t.Addr.String(), t.TLS.Clone(), &t.Login,
			t.From, []string{t.To}, msg); err != nil {
			return false, fmt.Errorf("message %d: %w", i, err)
		}
		return true, nil
	})
	if err != nil {
		return 0, err
	}
	if err := p.WaitDelivered(ctx, base+int64(n)); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// MessageSizeDefault is the size of the benchmarks' messages: 1 KB.
const MessageSizeDefault = 1024

// Mailflow is mailflow's own path: the built-in cross-domain network as
// `mailflow up --quiet` runs it (the driver delivering in the background,
// bounded event history, certificates in real time), alice@example.test
// submitting to bob@school.test.
type Mailflow struct {
	N         *sim.Network
	delivered atomic.Int64
	sig       chan struct{}
	bob       string
}

// StartMailflow starts the network.
func StartMailflow() (*Mailflow, error) {
	s, err := scenarios.Load("cross-domain")
	if err != nil {
		return nil, err
	}
	m := &Mailflow{sig: make(chan struct{}, 1), bob: "bob@school.test"}
	n, err := sim.Start(s, sim.Options{Narrate: narrate.Func(narrate.English), CertClock: time.Now,
		HistoryLimit: 10_000, KeepMessages: 10_000, Caches: true, Sinks: []event.Sink{filedSink{m}}})
	if err != nil {
		return nil, err
	}
	m.N = n
	n.SetParallel(sim.DefaultParallel)
	n.StartDriver()
	return m, nil
}

// filedSink counts bob's filings; it reads no narration, as `up --quiet`
// has no sink that does.
type filedSink struct{ m *Mailflow }

func (s filedSink) Handle(e event.Event) { s.m.count(e) }
func (filedSink) Textless()              {}

func (m *Mailflow) count(e event.Event) {
	if e.Kind == event.MailboxStore && e.User == m.bob {
		m.delivered.Add(1)
		select {
		case m.sig <- struct{}{}:
		default:
		}
	}
}

// Close stops the network.
func (m *Mailflow) Close() { m.N.Close() }

// Target of mailflow: alice's submission server on 587.
func (m *Mailflow) Target() Target {
	h := m.N.Topology.Domain("example.test").SubmissionHost()
	port := m.N.Port(h.Name, topology.Submission)
	return Target{Local: m.N.Topology.ClientAddr, Addr: netip.AddrPortFrom(h.Addr, uint16(port)),
		ServerName: h.Name, TLS: &tls.Config{ServerName: h.Name, RootCAs: m.N.CA.Pool()},
		Login: Login{"alice@example.test", "password"}, From: "alice@example.test", To: m.bob}
}

// Delivered is how many messages bob's mailbox has received.
func (m *Mailflow) Delivered() int64 { return m.delivered.Load() }

// WaitDelivered waits until bob's mailbox has received n messages in all.
func (m *Mailflow) WaitDelivered(ctx context.Context, n int64) error {
	for m.delivered.Load() < n {
		select {
		case <-m.sig:
		case <-ctx.Done():
			return fmt.Errorf("%d of %d delivered: %w", m.delivered.Load(), n, ctx.Err())
		}
	}
	return nil
}
