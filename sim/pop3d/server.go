// Package pop3d is the simulated POP3 server (RFC 1939, with CAPA from
// RFC 2449, STLS from RFC 2595 and AUTH PLAIN from RFC 5034). It serves the
// INBOX of the shared mailstore, so what a POP3 client deletes is gone for
// IMAP too.
package pop3d

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/mailstore"
	"github.com/mailflow/mailflow/sim/slots"
)

// Defaults for the zero values of Config.
const (
	DefaultReadTimeout = 60 * time.Second
	DefaultMaxConns    = 100
)

// Config configures a Server.
type Config struct {
	Host      string // simulated host name, shown in the greeting and events
	Store     *mailstore.Store
	TLSConfig *tls.Config       // STLS is offered and port 995 works only when set
	Publish   func(event.Event) // nil: no events
	Logger    *slog.Logger      // nil: discard
	// ReadTimeout bounds the wait for each command line, counted from when
	// the wait starts, so trickling a line octet by octet gains nothing
	// (and each write; a TLS handshake gets at most 10 s).
	ReadTimeout time.Duration
	// MaxConns caps concurrent connections over all listeners. When all
	// are taken, a new client sheds the connection doing the least (a TLS
	// handshake, then one not logged in, then a slow command, then an idle
	// session); it is refused only when every connection is busy.
	MaxConns int
	// AllowPlaintextAuth lets USER/PASS and AUTH through before TLS (the
	// scenario's allow_plaintext_auth). By default, as Dovecot's
	// disable_plaintext_auth and the submission port, a client must use
	// STLS or port 995 first.
	AllowPlaintextAuth bool
}

// Server is a POP3 server over a mailstore. One Server may serve several
// listeners (110 and 995).
type Server struct {
	cfg Config
	log *slog.Logger

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}
	locked    map[string]bool // maildrops in TRANSACTION state (RFC 1939 §8)
	slots     *slots.Pool
	nextID    int
	wg        sync.WaitGroup // Serve loops and connection goroutines
}

// New returns a server; call Serve to start it.
func New(cfg Config) *Server {
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Server{
		cfg:       cfg,
		log:       log.With("service", "pop3", "host", cfg.Host),
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[net.Conn]struct{}),
		locked:    make(map[string]bool),
		slots:     slots.New(cfg.MaxConns),
	}
}

// Serve accepts connections on l until Close. With implicitTLS every
// connection starts with a TLS handshake (pop3s, port 995). It returns nil
// after Close.
func (s *Server) Serve(l net.Listener, implicitTLS bool) error {
	if implicitTLS && s.cfg.TLSConfig == nil {
		return errors.New("pop3d: implicit TLS needs Config.TLSConfig")
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return nil
	}
	s.listeners[l] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	service, port := "pop3", 0
	if implicitTLS {
		service = "pop3s"
	}
	if a, ok := l.Addr().(*net.TCPAddr); ok {
		port = a.Port
	}
	var backoff time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			if s.isClosed() || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() { // e.g. out of file descriptors: wait, retry
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed, retrying", "err", err, "in", backoff)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("pop3d: accept: %w", err)
		}
		backoff = 0
		id, ok := s.track(c)
		if !ok {
			continue
		}
		var conn net.Conn = c
		if implicitTLS {
			conn = tls.Server(c, s.cfg.TLSConfig)
		}
		sess := newSession(s, c, conn, id, service, port, implicitTLS)
		if sess.slot, ok = s.slots.Admit(sess.shed); !ok {
			// Every connection is busy: refuse, before any TLS (a pop3s
			// client sees a handshake error, as clear as it gets).
			_ = c.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = io.WriteString(c, "-ERR [SYS/TEMP] too many connections, try later\r\n")
			s.log.Warn("connection refused: every slot busy", "max", s.cfg.MaxConns)
			s.untrack(c)
			s.wg.Done()
			continue
		}
		go func() {
			defer s.wg.Done()
			defer s.untrack(c)
			defer sess.slot.Release()
			sess.serve()
		}()
	}
}

// track registers a new connection unless the server is closing. It
// returns the connection id.
func (s *Server) track(c net.Conn) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.Close()
		return "", false
	}
	s.conns[c] = struct{}{}
	s.nextID++
	s.wg.Add(1)
	return fmt.Sprintf("pop3-%d", s.nextID), true
}

func (s *Server) untrack(c net.Conn) {
	c.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// lock takes the maildrop lock of a user; false means another POP3 session
// holds it.
func (s *Server) lock(user string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.locked[user] {
		return false
	}
	s.locked[user] = true
	return true
}

func (s *Server) unlock(user string) {
	s.mu.Lock()
	delete(s.locked, user)
	s.mu.Unlock()
}

// Close stops every listener and connection and waits for their goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	var err error
	for l := range s.listeners {
		if cerr := l.Close(); cerr != nil && !errors.Is(cerr, net.ErrClosed) && err == nil {
			err = fmt.Errorf("pop3d: close listener: %w", cerr)
		}
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Server) publish(e event.Event) {
	if s.cfg.Publish != nil {
		s.cfg.Publish(e)
	}
}
