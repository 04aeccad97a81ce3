// Package smtpd is the SMTP side of a simulated mail host: an MX listener on
// port 25 accepting mail for the host's domain, and submission on 587
// (STARTTLS) and 465 (implicit TLS) where users authenticate before sending.
// It files local mail in the mailstore (step 6) and hands mail for other
// domains to the host's queue (steps 4 and 5).
package smtpd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/net/netutil"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/fault"
	"github.com/mailflow/mailflow/sim/local"
	"github.com/mailflow/mailflow/sim/mailstore"
	"github.com/mailflow/mailflow/sim/policy"
	"github.com/mailflow/mailflow/topology"
)

// Outbound is a message the server accepted for another host: the queue
// resolves and transfers it.
type Outbound struct {
	Msg      string   // event message id
	From     string   // envelope sender
	To       []string // recipients still to deliver
	Data     []byte   // the message, Received: header included
	Arrived  time.Time
	EnvID    string
	FromHost string
	// NextHop, when set, is the host to hand the message to instead of the
	// recipient domain's MX: the host keeping the domain's mailboxes.
	NextHop string
	// DSN parameters (RFC 3461): RET, and per recipient (lower-cased) NOTIFY
	// and ORCPT.
	Ret    smtp.DSNReturn
	Notify map[string][]smtp.DSNNotify
	ORCPT  map[string]string
}

// Config is what one host's SMTP server needs.
type Config struct {
	Host      *topology.Host
	Network   *topology.Network
	Store     *mailstore.Store
	TLSConfig *tls.Config
	IDs       *event.MessageIDs
	Publish   func(event.Event)
	// Enqueue hands messages to the host's outbound queue, all or none. An
	// error makes the server answer 451, so the client keeps the message.
	Enqueue func(...Outbound) error
	// Now is the simulated time, for Received: headers.
	Now    func() time.Time
	Logger *slog.Logger

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

	ReadTimeout     time.Duration // default 60s
	WriteTimeout    time.Duration // default 60s
	MaxMessageBytes int64         // default 25 MiB
	MaxRecipients   int           // default 100
	MaxConns        int           // per listener, default 100
}

// Server runs one host's SMTP listeners.
type Server struct {
	cfg     Config
	mu      sync.Mutex
	servers []*smtp.Server
	wg      sync.WaitGroup
	connSeq atomic.Int64
	closed  bool
}

// New returns a server for cfg.Host; call Serve for each listener.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Publish == nil {
		cfg.Publish = func(event.Event) {}
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 60 * time.Second
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 60 * time.Second
	}
	if cfg.MaxMessageBytes == 0 {
		cfg.MaxMessageBytes = 25 << 20
	}
	if cfg.MaxRecipients == 0 {
		cfg.MaxRecipients = 100
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = 100
	}
	if cfg.MaxReceived == 0 {
		cfg.MaxReceived = 30
	}
	if cfg.Resolver == nil && cfg.Network != nil {
		cfg.Resolver = local.New(cfg.Network)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Server{cfg: cfg}
}

// Serve starts serving svc (smtp, submission or submissions) on l in the
// background. For submissions, l is wrapped in TLS here.
func (s *Server) Serve(l net.Listener, svc topology.Service) error {
	switch svc {
	case topology.SMTP, topology.Submission, topology.Submissions:
	default:
		return fmt.Errorf("smtpd: cannot serve %s", svc)
	}
	l = netutil.LimitListener(l, s.cfg.MaxConns)
	port := topology.StandardPort(svc)
	l = &faultListener{Listener: l, srv: s, port: port}
	tlsConf := s.tlsConfigFor(s.cfg.TLSConfig)
	if svc == topology.Submissions {
		if s.cfg.TLSConfig == nil {
			return errors.New("smtpd: submissions needs a TLS config")
		}
		// TLS outermost: go-smtp recognises a TLS connection by its type.
		l = tls.NewListener(l, tlsConf)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return s.newSession(c, svc)
	}))
	srv.Domain = s.cfg.Host.Name
	srv.TLSConfig = tlsConf
	srv.ReadTimeout = s.cfg.ReadTimeout
	srv.WriteTimeout = s.cfg.WriteTimeout
	srv.MaxMessageBytes = s.cfg.MaxMessageBytes
	// The session counts recipients itself (452 4.5.3, RFC 5321 §4.5.3.1.10)
	// so that the refusal shows as an event.
	srv.MaxRecipients = 0
	srv.EnableDSN = true
	srv.ErrorLog = log.New(slogWriter{s.cfg.Logger}, "", 0)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return errors.New("smtpd: server closed")
	}
	s.servers = append(s.servers, srv)
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		if err := srv.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			s.cfg.Logger.Error("smtp serve", "service", svc, "err", err)
		}
	}()
	return nil
}

// Close stops every listener and connection and waits for the serve loops.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	servers := s.servers
	s.servers = nil
	s.mu.Unlock()
	for _, srv := range servers {
		srv.Close()
	}
	s.wg.Wait()
	return nil
}

// slogWriter routes go-smtp's error log into slog.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Warn("smtp", "msg", string(p))
	return len(p), nil
}
