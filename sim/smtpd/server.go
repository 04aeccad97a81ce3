// Package smtpd is the SMTP side of a simulated mail host: an MX listener on
// port 25 accepting mail for the host's domain, and submission on 587
// (STARTTLS) and 465 (implicit TLS) where users authenticate before sending.
// It files local mail in the mailstore (step 6) and hands mail for other
// domains to the host's queue (steps 4 and 5).
//
// The server speaks the protocol itself, with go-smtp's types for what a
// transaction carries: it owns its listeners and connections (so Close
// cannot race a serve loop), sets one deadline per command that a client
// trickling bytes cannot extend, streams DATA under a size limit and an
// in-flight budget shared by all connections, sheds the connection that
// kept it waiting longest when a listener is full, and answers as RFC 5321,
// 2034, 3207 and 4954 ask (see docs/relay.md, "What the SMTP server answers").
package smtpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mailflow/mailflow/sim/envelope"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/fault"
	"github.com/mailflow/mailflow/sim/local"
	"github.com/mailflow/mailflow/sim/mailauth"
	"github.com/mailflow/mailflow/sim/mailstore"
	"github.com/mailflow/mailflow/sim/policy"
	"github.com/mailflow/mailflow/topology"
)

// Config is what one host's SMTP server needs.
type Config struct {
	Host      *topology.Host
	Network   *topology.Network
	Store     *mailstore.Store
	TLSConfig *tls.Config
	IDs       *event.MessageIDs
	Publish   func(event.Event)
	// Take hands messages to the host's outbound queue, all or none. An
	// error makes the server answer 451, so the client keeps the message.
	// The queue tries none of them before start is called, which the server
	// does once it has told of the transaction.
	Take func(...envelope.Message) (start func(), err error)
	// Now is the simulated time, for Received: headers.
	Now    func() time.Time
	Logger *slog.Logger

	// AuthDNS is the DNS server sender authentication asks (SPF, DKIM,
	// DMARC); zero checks nothing.
	AuthDNS netip.AddrPort
	// AuthCache, when set, keeps the answers of those checks for their TTL
	// (the host's DNS cache).
	AuthCache *mailauth.Cache
	// AuthDNSDropped tells those checks that the DNS server dropped one of
	// their queries, so that the wait costs simulated time (Advance), not
	// real time; nil waits in real time.
	AuthDNSDropped func(from netip.Addr, id uint16) (dropped <-chan struct{}, stop func())

	// Faults strike the host's SMTP stages; nil for none.
	Faults *fault.Injector
	// Advance moves the simulated clock on, for a slow server.
	Advance func(time.Duration)
	// MaxReceived Received: headers mean a loop (RFC 5321 §6.3); default 30.
	MaxReceived int
	// Full maps users whose mailbox is full to "temporary" or "permanent".
	Full map[string]string
	// Policy is the host's relay policy, limits and rules; nil allows
	// relaying for authenticated users only.
	Policy *policy.Host
	// Resolver knows the local addresses: users, aliases, SRS.
	Resolver *local.Resolver

	// AllowPlaintextAuth lets clients log in on 587 before STARTTLS (the
	// scenario's allow_plaintext_auth); by default AUTH is offered only
	// over TLS and refused before it with 538 5.7.11 (RFC 4954 §4).
	AllowPlaintextAuth bool

	// ReadTimeout is the deadline of one command: the whole line must
	// arrive within it, however it trickles in. Default 5m (RFC 5321
	// §4.5.3.2.7).
	ReadTimeout time.Duration
	// BusyTimeout replaces ReadTimeout, when shorter, while three quarters
	// of a listener's slots are taken. Default 10s.
	BusyTimeout time.Duration
	// DataTimeout bounds the whole message content after 354. Default 10m
	// (RFC 5321 §4.5.3.2.6), and never less than ReadTimeout.
	DataTimeout time.Duration
	// HandshakeTimeout bounds a TLS handshake (465, and after STARTTLS).
	// Default 10s, and never more than ReadTimeout.
	HandshakeTimeout time.Duration
	WriteTimeout     time.Duration // default 60s
	MaxMessageBytes  int64         // default 25 MiB
	MaxRecipients    int           // default 100
	// MaxConns is the number of slots of each listener, default 100. When
	// all are taken, a new client takes the slot of the connection that
	// has kept the server waiting longest (at least ShedAfter); only when
	// every client is busy is it refused, with 421 4.3.2.
	MaxConns  int
	ShedAfter time.Duration // default 1s
	// InFlight caps the message content held by all connections at once;
	// several servers may share one. Default DefaultInFlight, and always
	// room for one message of MaxMessageBytes. Over it, DATA gets 452 4.3.1.
	InFlight *Budget
	// MaxAuthFailures on one connection end it with 421 4.7.0, after the
	// last 535; each failure after the first waits AuthFailDelay, doubled
	// every time, before its 535. Defaults 3 and 500ms.
	MaxAuthFailures int
	AuthFailDelay   time.Duration
}

// Server runs one host's SMTP listeners.
type Server struct {
	cfg     Config
	connSeq atomic.Int64
	panics  atomic.Int64  // connections ended by a recovered panic
	done    chan struct{} // closed by Close
	// closing is cancelled by Close: work of a connection that waits on
	// something else than its socket (sender authentication's DNS) ends.
	closing     context.Context
	stopClosing context.CancelFunc

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	wg        sync.WaitGroup // accept loops and connections
}

// New returns a server for cfg.Host; call Serve for each listener.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Publish == nil {
		cfg.Publish = func(event.Event) {}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.ReadTimeout, 5*time.Minute)
	def(&cfg.BusyTimeout, 10*time.Second)
	def(&cfg.DataTimeout, max(10*time.Minute, cfg.ReadTimeout))
	def(&cfg.HandshakeTimeout, min(10*time.Second, cfg.ReadTimeout))
	def(&cfg.WriteTimeout, 60*time.Second)
	def(&cfg.ShedAfter, time.Second)
	def(&cfg.AuthFailDelay, 500*time.Millisecond)
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = 25 << 20
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = 100
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 100
	}
	if cfg.MaxAuthFailures <= 0 {
		cfg.MaxAuthFailures = 3
	}
	if cfg.MaxReceived == 0 {
		cfg.MaxReceived = 30
	}
	if cfg.InFlight == nil {
		cfg.InFlight = NewBudget(DefaultInFlight)
	}
	cfg.InFlight.fit(cfg.MaxMessageBytes)
	if cfg.Resolver == nil && cfg.Network != nil {
		cfg.Resolver = local.New(cfg.Network)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	closing, stop := context.WithCancel(context.Background())
	return &Server{cfg: cfg, done: make(chan struct{}), closing: closing, stopClosing: stop,
		listeners: map[net.Listener]struct{}{}, conns: map[*conn]struct{}{}}
}

// Serve starts serving svc (smtp, submission or submissions) on l in the
// background; for submissions every connection begins with a TLS
// handshake. The server owns l from here on: Close closes it.
func (s *Server) Serve(l net.Listener, svc topology.Service) error {
	switch svc {
	case topology.SMTP, topology.Submission, topology.Submissions:
	default:
		return fmt.Errorf("smtpd: cannot serve %s", svc)
	}
	if svc == topology.Submissions && s.cfg.TLSConfig == nil {
		return errors.New("smtpd: submissions needs a TLS config")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		l.Close()
		return errors.New("smtpd: server closed")
	}
	// Registered before the loop runs: a Close coming at once still
	// finds the listener and closes it.
	s.listeners[l] = struct{}{}
	s.wg.Add(1)
	go s.acceptLoop(l, svc, newSlots(s.cfg.MaxConns))
	return nil
}

// acceptLoop takes every connection at once, so that no client waits in the
// kernel's backlog without a greeting; admission to a slot comes after.
func (s *Server) acceptLoop(l net.Listener, svc topology.Service, sl *slots) {
	defer s.wg.Done()
	port := topology.StandardPort(svc)
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				// Out of descriptors or a transient failure: wait a little,
				// as net/http does, instead of spinning.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				select {
				case <-time.After(backoff):
					continue
				case <-s.done:
					return
				}
			}
			s.cfg.Logger.Error("smtp accept", "service", svc, "err", err)
			return
		}
		backoff = 0
		c := s.newConn(nc, svc, port, sl)
		if c == nil {
			continue
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go c.run()
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Close stops every listener and connection and waits until all their
// goroutines have ended.
func (s *Server) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.done)
		s.stopClosing()
		for l := range s.listeners {
			l.Close()
		}
		for c := range s.conns {
			c.raw.Close()
		}
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}
