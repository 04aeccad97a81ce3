// Package sim runs one simulated internet: it starts the DNS server and, for
// every mail host, its SMTP, POP3 and IMAP servers and its outbound queue,
// all on loopback; plays a scenario's actions against them as real clients;
// and checks the scenario's expectations. One Close stops it all.
package sim

import (
	"cmp"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/check"
	"github.com/mailflow/mailflow/sim/client"
	"github.com/mailflow/mailflow/sim/clock"
	"github.com/mailflow/mailflow/sim/dnsd"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/fault"
	"github.com/mailflow/mailflow/sim/imapd"
	"github.com/mailflow/mailflow/sim/local"
	"github.com/mailflow/mailflow/sim/mailauth"
	"github.com/mailflow/mailflow/sim/mailstore"
	"github.com/mailflow/mailflow/sim/pki"
	"github.com/mailflow/mailflow/sim/policy"
	"github.com/mailflow/mailflow/sim/pop3d"
	"github.com/mailflow/mailflow/sim/queue"
	"github.com/mailflow/mailflow/sim/smtpd"
	"github.com/mailflow/mailflow/topology"
)

// PortMode says which ports the servers bind.
type PortMode int

// Port modes: ephemeral ports for runs and tests, the standard ports for
// `mailflow up` (25, 53, 110, ...), or the high-port plan (standard + 10000:
// 10025, 10053, ...) for users who may not bind ports below 1024.
const (
	PortsEphemeral PortMode = iota
	PortsStandard
	PortsHigh
)

// HighPortOffset is added to a standard port in the high-port plan.
const HighPortOffset = 10000

// Options configure a network.
type Options struct {
	// Prefix is the /24 of 127.0.0.0/8 the hosts get addresses from;
	// defaults to a fresh one per network (topology.RunPrefix).
	Prefix netip.Prefix
	Ports  PortMode
	// Narrate fills the text of every event.
	Narrate func(event.Event) string
	// Sinks see every event from the first one on.
	Sinks  []event.Sink
	Logger *slog.Logger
	// CertClock is the time certificates are issued at and verified
	// against. Nil means the simulated clock, so that runs and traces do
	// not depend on the day; `mailflow up` sets time.Now, since real
	// clients verify against their own clocks.
	CertClock func() time.Time
	// HistoryLimit, when positive, keeps only about the last so many events
	// in the bus's history (event.Bus.SetHistoryLimit): a network that runs
	// for days sets it; runs keep everything for their checks.
	HistoryLimit int
	// KeepMessages, when positive, makes the network forget messages that
	// reached their final state beyond about so many (the newest are
	// kept): a network that runs for days sets it; runs keep every message
	// for their checks and summary.
	KeepMessages int
	// Caches turns the hosts' DNS and SMTP connection caches on unless a
	// host's delivery settings turn them off (mailflow up and load); runs
	// keep them off unless a host turns them on, so that every lookup and
	// connection of a lesson shows.
	Caches bool
	// Timeout bounds every wall-clock wait of the protocols (server read
	// timeouts, client command timeouts). Defaults to 60s; a step-through
	// view that pauses the world for minutes sets it long.
	Timeout time.Duration
}

// Network is a running simulated internet.
type Network struct {
	Scenario *scenarios.Scenario
	Topology *topology.Network
	Clock    *clock.Sim
	Bus      *event.Bus
	Store    *mailstore.Store
	CA       *pki.CA
	IDs      *event.MessageIDs
	// PortPlan is the port mode actually in use (Standard may fall back to High).
	PortPlan PortMode

	log     *slog.Logger
	timeout time.Duration
	// certNow is Options.CertClock, or the simulated clock.
	certNow func() time.Time
	faults  *fault.Injector
	drops   dropWatch
	tracker *check.Tracker
	// clients are the users' mail clients (sim/client).
	clients *client.Env
	dns     *dnsd.Server
	mu      sync.Mutex
	ports   map[string]map[topology.Service]int // host name → service → real port
	closers []func() error
	queues  map[string]*queue.Queue
	// inFlight caps the message content all SMTP servers hold at once.
	inFlight *smtpd.Budget
	closed   bool
	// stopDriver tells the background driver of StartDriver to end;
	// driverDone is closed when it has.
	stopDriver func()
	driverDone chan struct{}
	caches     bool // Options.Caches
	// liveLoad, when set, makes Play run load actions live (load.go).
	liveLoad *LoadOptions
}

// Start builds the scenario's topology and starts every server. On error
// whatever was started is stopped again.
func Start(s *scenarios.Scenario, opts Options) (n *Network, err error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	shared := !topology.LoopbackRoutable()
	prefix := opts.Prefix
	if !prefix.IsValid() {
		prefix = topology.RunPrefix()
	}
	topo, err := topology.Build(s, topology.NewPlan(prefix, shared))
	if err != nil {
		return nil, err
	}
	start := topo.Start
	n = &Network{Scenario: s, Topology: topo, Clock: clock.New(start), Store: mailstore.New(),
		IDs: event.NewMessageIDs(), log: opts.Logger, PortPlan: opts.Ports, timeout: opts.Timeout,
		ports: map[string]map[topology.Service]int{}, queues: map[string]*queue.Queue{},
		inFlight: smtpd.NewBudget(smtpd.DefaultInFlight)}
	if n.timeout == 0 {
		n.timeout = time.Minute
	}
	n.caches = opts.Caches
	n.certNow = opts.CertClock
	if n.certNow == nil {
		n.certNow = n.Clock.Now
	}
	n.faults = fault.New(topo.Faults, s.Seed, n.Clock.Now)
	n.Bus = event.NewBus(n.Clock, opts.Narrate)
	n.Bus.SetHistoryLimit(opts.HistoryLimit)
	n.tracker = check.NewTracker()
	n.tracker.KeepFinished(opts.KeepMessages)
	n.Bus.Attach(n.tracker)
	for _, sink := range opts.Sinks {
		n.Bus.Attach(sink)
	}
	defer func() {
		if err != nil {
			n.Close()
			n = nil
		}
	}()
	if n.CA, err = pki.NewCA("mailflow simulated CA", n.certNow()); err != nil {
		return n, err
	}
	n.clients = &client.Env{Topology: topo, Bus: n.Bus, IDs: n.IDs, Seed: s.Seed, Now: n.Clock.Now,
		RootCAs: n.CA.Pool(), CertTime: n.certNow, Port: n.Port, Timeout: n.timeout, Follow: n.tracker.Expect}
	for _, u := range topo.Users {
		n.Store.AddUser(u.Address, u.Password)
	}
	n.Bus.Publish(event.Event{Kind: event.RunStart, Host: "-", Scenario: s.Name})
	if err = n.startDNS(); err != nil {
		return n, err
	}
	for _, h := range topo.Hosts {
		if err = n.startHost(h); err != nil {
			return n, fmt.Errorf("host %s: %w", h.Name, err)
		}
	}
	return n, nil
}

// port returns the port to bind for a service.
func (n *Network) port(svc topology.Service) int {
	switch n.PortPlan {
	case PortsStandard:
		return topology.StandardPort(svc)
	case PortsHigh:
		return topology.StandardPort(svc) + HighPortOffset
	}
	return 0
}

func (n *Network) startDNS() error {
	var rrs []dns.RR
	for _, r := range n.Topology.Records {
		rr, err := dns.NewRR(r.String())
		if err != nil {
			return fmt.Errorf("DNS record %q: %w", r.String(), err)
		}
		rrs = append(rrs, rr)
	}
	cfg := dnsd.Config{Zones: n.Topology.Zones(), Records: rrs, Logger: n.log, Observe: n.observeDNS,
		Faults: n.dnsFault}
	for {
		cfg.Addr = netip.AddrPortFrom(n.Topology.DNSAddr, uint16(n.port(topology.DNS))).String()
		srv, err := dnsd.Start(cfg)
		if err != nil && n.PortPlan == PortsStandard && errors.Is(err, syscall.EACCES) {
			n.PortPlan = PortsHigh // not allowed below 1024: use the documented high-port plan
			continue
		}
		if err != nil {
			return fmt.Errorf("DNS server: %w", err)
		}
		n.dns = srv
		n.closers = append(n.closers, srv.Close)
		return nil
	}
}

// observeDNS reports queries from outside the simulation (a student's dig);
// the simulated hosts report their own lookups with the message they serve.
// A query dropped by a fault is told to the resolver waiting for it.
func (n *Network) observeDNS(x dnsd.Exchange) {
	if x.Dropped {
		n.drops.dropped(x.Client.Addr().Unmap(), x.ID)
	}
	if a := x.Client.Addr().Unmap(); a == n.Topology.ClientAddr || n.Topology.HostByAddr(a) != nil {
		return
	}
	n.Bus.Publish(event.Event{Kind: event.DNSAnswer, Host: "dns", Peer: x.Client.String(),
		QName: x.Question.Name, QType: dns.TypeToString[x.Question.Qtype], Rcode: x.RcodeName(),
		Records: dnsd.RecordsOf(x.Answer)})
}

func (n *Network) startHost(h *topology.Host) error {
	set := n.settings(h.Name)
	certFault, err := pki.ParseFault(set.Certificate)
	if err != nil {
		return err
	}
	cert, err := n.CA.Issue([]string{h.Name}, []net.IP{net.IP(h.Addr.AsSlice())},
		pki.IssueOptions{Now: n.certNow(), Fault: certFault})
	if err != nil {
		return err
	}
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	publish := func(e event.Event) { n.Bus.Publish(e) }
	qpolicy, err := n.queuePolicy(set)
	if err == nil {
		err = n.deliveryPolicy(&qpolicy, set)
	}
	if err != nil {
		return err
	}
	q := queue.New(queue.Config{Host: h, DNS: n.DNSAddrPort(), PortOf: n.PortOf, RootCAs: n.CA.Pool(),
		TLSTime: n.certNow, Publish: publish, Now: n.Clock.Now, Schedule: n.Clock.Schedule, Register: n.IDs.Register,
		Policy: qpolicy, Seed: n.Scenario.Seed, Logger: n.log.With("host", h.Name, "part", "queue"),
		WallTimeout: n.timeout, Advance: n.Clock.Advance, DNSDropped: n.drops.watch,
		Filer: &local.Filer{Resolver: local.New(n.Topology), Store: n.Store}})
	n.queues[h.Name] = q
	n.closers = append(n.closers, q.Close)
	var authCache *mailauth.Cache // the host's DNS cache serves its sender checks too
	if qpolicy.DNSCache {
		authCache = &mailauth.Cache{Now: n.Clock.Now}
	}
	full := map[string]string{}
	for _, f := range set.Full {
		full[strings.ToLower(f.User)] = cmp.Or(f.Kind, "temporary")
	}
	smtpSrv := smtpd.New(smtpd.Config{Host: h, Network: n.Topology, Store: n.Store, TLSConfig: tlsConf,
		IDs: n.IDs, Publish: publish, Take: outgoing(h, q.Take, n.Clock.Now), Now: n.Clock.Now, Faults: n.faults,
		AuthDNS: n.DNSAddrPort(), AuthDNSDropped: n.drops.watch, AuthCache: authCache,
		Advance: n.Clock.Advance, MaxReceived: set.MaxReceived, Full: full, Policy: policy.New(h.Policy),
		MaxMessageBytes: int64(set.MaxMessageSize), MaxRecipients: set.MaxRecipients,
		Logger: n.log.With("host", h.Name, "part", "smtpd"), ReadTimeout: n.timeout, WriteTimeout: n.timeout,
		InFlight: n.inFlight, AllowPlaintextAuth: set.AllowPlaintextAuth})
	n.closers = append(n.closers, smtpSrv.Close)
	for _, svc := range []topology.Service{topology.SMTP, topology.Submission, topology.Submissions} {
		if !h.Runs(svc) {
			continue
		}
		l, err := n.listen(h, svc)
		if err != nil {
			return err
		}
		if err := smtpSrv.Serve(l, svc); err != nil {
			return err
		}
	}
	if !h.Mailboxes {
		return nil
	}
	return n.startRetrieval(h, tlsConf, set.AllowPlaintextAuth, publish)
}

func (n *Network) startRetrieval(h *topology.Host, tlsConf *tls.Config, plaintext bool, publishAll func(event.Event)) error {
	// The servers report the real (ephemeral) ports; events speak of the
	// service's well-known port and of the peer's address, so that traces
	// do not change from run to run.
	publish := func(e event.Event) {
		if p := topology.StandardPort(topology.Service(e.Service)); p != 0 {
			e.Port = p
		}
		if ap, err := netip.ParseAddrPort(e.Peer); err == nil {
			e.Peer = ap.Addr().String()
		}
		publishAll(e)
	}
	pop := pop3d.New(pop3d.Config{Host: h.Name, Store: n.Store, TLSConfig: tlsConf, Publish: publish,
		Logger: n.log.With("host", h.Name, "part", "pop3d"), ReadTimeout: n.timeout, AllowPlaintextAuth: plaintext})
	imap := imapd.New(imapd.Config{Host: h.Name, Store: n.Store, TLSConfig: tlsConf, Publish: publish,
		Logger: n.log.With("host", h.Name, "part", "imapd"), ReadTimeout: n.timeout, Now: n.Clock.Now,
		AllowPlaintextAuth: plaintext})
	var wg sync.WaitGroup
	n.closers = append(n.closers, func() error {
		pop.Close()
		imap.Close()
		wg.Wait()
		return nil
	})
	serve := map[topology.Service]func(net.Listener, bool) error{
		topology.POP3: pop.Serve, topology.POP3S: pop.Serve, topology.IMAP: imap.Serve, topology.IMAPS: imap.Serve}
	for _, svc := range []topology.Service{topology.POP3, topology.POP3S, topology.IMAP, topology.IMAPS} {
		if !h.Runs(svc) {
			continue
		}
		l, err := n.listen(h, svc)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func(serve func(net.Listener, bool) error, implicit bool) {
			defer wg.Done()
			if err := serve(l, implicit); err != nil {
				n.log.Error("serve", "host", h.Name, "service", svc, "err", err)
			}
		}(serve[svc], topology.ImplicitTLS(svc))
	}
	return nil
}

// listen binds a host's service on the host's own address.
func (n *Network) listen(h *topology.Host, svc topology.Service) (net.Listener, error) {
	addr := netip.AddrPortFrom(h.Addr, uint16(n.port(svc)))
	if n.Topology.HostByAddr(h.Addr) == nil && n.PortPlan != PortsEphemeral {
		addr = netip.AddrPortFrom(h.Addr, 0) // hosts share one address: fixed ports would clash
	}
	l, err := net.Listen("tcp", addr.String())
	if err != nil {
		return nil, fmt.Errorf("listen %s on %s: %w", svc, addr, err)
	}
	n.mu.Lock()
	if n.ports[h.Name] == nil {
		n.ports[h.Name] = map[topology.Service]int{}
	}
	n.ports[h.Name][svc] = l.Addr().(*net.TCPAddr).Port
	n.mu.Unlock()
	// Views learn the topology from these (a replayed trace too); the port
	// named is the service's well-known one, the real one is in Port().
	// Stamped without moving the clock on: setting up takes no simulated time.
	n.Bus.Publish(event.Event{Kind: event.ServerListen, Host: h.Name, Service: string(svc),
		Port: topology.StandardPort(svc), Peer: h.Addr.String(), Time: n.Clock.Now()})
	return l, nil
}

// PortOf says where a host's service really listens. The address from DNS
// picks the host; where hosts share one address the name does.
func (n *Network) PortOf(addr netip.Addr, name string, svc topology.Service) (netip.AddrPort, error) {
	h := n.Topology.HostByAddr(addr)
	if h == nil {
		h = n.Topology.Host(name)
	}
	if h == nil {
		return netip.AddrPort{}, fmt.Errorf("no simulated host at %s", addr)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	p, ok := n.ports[h.Name][svc]
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("%s does not run %s: connection refused", h.Name, svc)
	}
	return netip.AddrPortFrom(addr, uint16(p)), nil
}

// Port returns the real port of a host's service, 0 when it does not run it.
func (n *Network) Port(host string, svc topology.Service) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ports[host][svc]
}

// DNSAddrPort is where the simulated DNS server listens.
func (n *Network) DNSAddrPort() netip.AddrPort {
	if n.dns == nil {
		return netip.AddrPort{}
	}
	return n.dns.Addr()
}

// Queue returns a host's outbound queue.
func (n *Network) Queue(host string) *queue.Queue { return n.queues[host] }

// Close stops the driver, every server and queue, in reverse order of
// starting, and waits for all their goroutines.
func (n *Network) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	closers := n.closers
	stop, driverDone := n.stopDriver, n.driverDone
	n.mu.Unlock()
	if stop != nil {
		stop()
	}
	n.Clock.Stop() // no driver starts another delivery attempt from now on
	// The driver may be inside a delivery attempt: closing the servers and
	// queues first ends it, so waiting for the driver cannot hang.
	var errs []error
	for i := len(closers) - 1; i >= 0; i-- {
		if err := closers[i](); err != nil {
			errs = append(errs, err)
		}
	}
	if driverDone != nil {
		<-driverDone
	}
	n.Clock.WaitTasks() // attempts running in parallel end with their queues
	return errors.Join(errs...)
}

// settings returns the scenario's tuning of a host (zero when none).
func (n *Network) settings(host string) scenarios.Server {
	for _, s := range n.Scenario.Servers {
		if strings.EqualFold(s.Host, host) {
			return s
		}
	}
	return scenarios.Server{Host: host}
}

// queuePolicy turns a host's settings (or the scenario's queue) into the
// queue's retry and TLS policy.
func (n *Network) queuePolicy(set scenarios.Server) (queue.Policy, error) {
	p := queue.Policy{TLS: set.TLSPolicy, TLSFailure: set.TLSFailure, RelayTo: set.RelayTo, RelayPort: set.RelayPort,
		RelayAuth: queue.RelayAuth{Username: set.RelayUsername, Password: set.RelayPassword, Mechanism: set.RelayMechanism}}
	qs := set.Queue
	if qs == nil {
		qs = n.Scenario.Queue
	}
	if qs == nil {
		return p, nil
	}
	var err error
	parse := func(s string) time.Duration {
		if s == "" || err != nil {
			return 0
		}
		var d time.Duration
		d, err = scenarios.ParseDuration(s)
		return d
	}
	for _, r := range qs.Retry {
		p.Retry = append(p.Retry, parse(r))
	}
	p.GiveUp, p.DelayNotice = parse(qs.GiveUp), parse(qs.DelayNotice)
	return p, err
}

// dnsFault maps the scenario's DNS faults onto the DNS server's answers.
func (n *Network) dnsFault(q dns.Question) *dnsd.Fault {
	f := n.faults.DNSFor(q.Name, dns.TypeToString[q.Qtype])
	if f == nil {
		return nil
	}
	n.Bus.Publish(event.Event{Kind: event.FaultInjected, Host: "dns", QName: q.Name,
		QType: dns.TypeToString[q.Qtype], Fault: &event.Fault{Target: "dns", Effect: f.Answer}})
	switch f.Answer {
	case "nxdomain":
		return &dnsd.Fault{Rcode: dns.RcodeNameError}
	case "servfail":
		return &dnsd.Fault{Rcode: dns.RcodeServerFailure}
	case "no_answer":
		return &dnsd.Fault{NoAnswer: true}
	}
	return &dnsd.Fault{Drop: true}
}
