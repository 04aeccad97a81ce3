// Package imapd is the simulated IMAP server, built on go-imap's
// imapserver. It keeps no messages of its own: every command reads and
// changes the shared mailstore, the same one POP3 serves, and a message
// delivered while a client idles is announced at once (IDLE, RFC 2177).
package imapd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/mailstore"
	"github.com/mailflow/mailflow/sim/slots"
)

// Defaults for the zero values of Config.
const (
	DefaultReadTimeout = 60 * time.Second
	DefaultMaxConns    = 100
	// maxAppend caps one APPEND (advertised as APPENDLIMIT).
	maxAppend = 25 << 20
)

// Config configures a Server.
type Config struct {
	Host      string // simulated host name, shown in events
	Store     *mailstore.Store
	TLSConfig *tls.Config       // STARTTLS is offered and port 993 works only when set
	Publish   func(event.Event) // nil: no events
	Logger    *slog.Logger      // nil: discard
	// ReadTimeout bounds the wait for a command before login, and the
	// whole of a command line once its first octet came: a client cannot
	// stretch it by trickling. Once logged in, a client may stay silent
	// for 35 minutes between commands: RFC 3501 §5.4 asks for at least
	// 30, and IDLE relies on it.
	ReadTimeout time.Duration
	// MaxConns caps concurrent connections over all listeners. When all
	// are taken, a new client sheds the connection doing the least (a TLS
	// handshake, then one not logged in, then a slow command, then an idle
	// session); it is refused only when every connection is busy.
	MaxConns int
	// AllowPlaintextAuth lets LOGIN and AUTHENTICATE through before TLS
	// (the scenario's allow_plaintext_auth). By default, as Dovecot's
	// disable_plaintext_auth and the submission port, a client must use
	// STARTTLS or port 993 first; LOGINDISABLED is advertised.
	AllowPlaintextAuth bool
	// Now is the clock stamping APPENDed messages that carry no date; nil
	// means time.Now.
	Now func() time.Time
}

// Server is an IMAP server over a mailstore. One Server may serve several
// listeners (143 and 993).
type Server struct {
	cfg  Config
	log  *slog.Logger
	imap *imapserver.Server
	hub  *hub

	mu      sync.Mutex
	closed  bool
	serving []serveLoop
	conns   map[*front]struct{}
	slots   *slots.Pool
	nextID  int
	wg      sync.WaitGroup // connections until their session ended, and mailbox watchers
}

// New returns a server; call Serve to start it.
func New(cfg Config) *Server {
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{cfg: cfg, log: log.With("service", "imap", "host", cfg.Host), conns: make(map[*front]struct{}),
		slots: slots.New(cfg.MaxConns)}
	s.hub = newHub(cfg.Store, &s.wg, s.log)
	s.imap = imapserver.New(&imapserver.Options{
		NewSession: s.newSession,
		Caps: imap.CapSet{
			imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {},
			imap.CapNamespace: {}, imap.CapUIDPlus: {}, imap.CapMove: {},
			imap.CapESearch: {}, imap.CapSearchRes: {}, imap.CapListStatus: {},
			imap.CapStatusSize: {}, imap.CapSpecialUse: {},
		},
		Logger: logAdapter{s.log},
		// TLS and the plaintext policy belong to the front, which
		// imapserver cannot see behind.
		InsecureAuth: true,
	})
	return s
}

// Serve accepts connections on l until Close. With implicitTLS every
// connection starts with a TLS handshake (imaps, port 993). It returns nil
// after Close.
func (s *Server) Serve(l net.Listener, implicitTLS bool) error {
	if implicitTLS && s.cfg.TLSConfig == nil {
		return errors.New("imapd: implicit TLS needs Config.TLSConfig")
	}
	tl := &listener{Listener: l, srv: s, service: "imap", implicitTLS: implicitTLS, ready: make(chan struct{})}
	if a, ok := l.Addr().(*net.TCPAddr); ok {
		tl.port = a.Port
	}
	if implicitTLS {
		tl.service = "imaps"
	}
	done := make(chan struct{})
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return nil
	}
	s.serving = append(s.serving, serveLoop{ready: tl.ready, done: done})
	s.mu.Unlock()
	err := s.imap.Serve(tl)
	close(done)
	if s.isClosed() {
		l.Close() // Close may have come before imapserver knew l
		return nil
	}
	if err != nil {
		return fmt.Errorf("imapd: %w", err)
	}
	return nil
}

// Close stops every listener and connection and waits for their goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	serving := s.serving
	s.mu.Unlock()
	// imapserver.Serve counts itself in a WaitGroup that Close waits on;
	// were Close to run first, the two would race. Serve has counted itself
	// once it asks for a connection.
	for _, sv := range serving {
		select {
		case <-sv.ready:
		case <-sv.done:
		}
	}
	err := s.imap.Close()
	if err != nil && errors.Is(err, net.ErrClosed) {
		err = nil
	}
	// imapserver closes the connections it registered; a connection
	// accepted a moment before may not be registered yet.
	s.mu.Lock()
	for f := range s.conns {
		f.raw.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if err != nil {
		return fmt.Errorf("imapd: close: %w", err)
	}
	return nil
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Server) publish(e event.Event) {
	if s.cfg.Publish != nil {
		s.cfg.Publish(e)
	}
}

// serveLoop is one call of Serve: ready when imapserver first accepts,
// done when it returned.
type serveLoop struct{ ready, done chan struct{} }

// listener hands imapserver each accepted connection behind its front.
type listener struct {
	net.Listener
	srv         *Server
	service     string
	port        int
	implicitTLS bool
	ready       chan struct{}
	readyOnce   sync.Once
}

func (l *listener) Accept() (net.Conn, error) {
	l.readyOnce.Do(func() { close(l.ready) })
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if f := l.srv.track(c, l.service, l.port, l.implicitTLS); f != nil {
			return f, nil
		}
	}
}

// track admits a connection to a slot, shedding an idle one when all are
// taken, and refuses it only when every connection is busy.
func (s *Server) track(c net.Conn, service string, port int, implicitTLS bool) *front {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.Close()
		return nil
	}
	s.nextID++
	f := newFront(s, c, fmt.Sprintf("imap-%d", s.nextID), service, port, implicitTLS)
	s.conns[f] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	slot, ok := s.slots.Admit(f.shed)
	if !ok {
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		if !implicitTLS {
			_, _ = io.WriteString(c, "* BYE Too many connections, try later\r\n")
		}
		s.log.Warn("connection refused: every slot busy", "max", s.cfg.MaxConns)
		f.endSession()
		f.Close()
		return nil
	}
	f.slot = slot
	return f
}

// trackedConn finds our front under what imapserver holds.
func trackedConn(nc net.Conn) *front {
	f, _ := nc.(*front)
	return f
}

// logAdapter turns imapserver's Printf logging into slog. A client going
// away is routine and a malformed set or search key is the client's
// mistake (imapserver answers them NO [SERVERBUG]); the rest deserves a
// warning.
type logAdapter struct{ log *slog.Logger }

func (a logAdapter) Printf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	switch {
	case strings.HasPrefix(msg, "failed to read command"), strings.Contains(msg, net.ErrClosed.Error()):
		a.log.Debug(msg)
	case strings.Contains(msg, "bad number set"), strings.Contains(msg, "in search-key"):
		a.log.Info(msg)
	default:
		a.log.Warn(msg)
	}
}
