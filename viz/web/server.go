// Package web serves a running simulated network to a browser and to
// programs: a page (embedded, no external requests) that draws the
// topology and animates each message through the six steps, and a JSON API
// over the same data — hosts, messages, mailboxes, the event stream, the
// queue — with a way to send mail through the real submission port.
//
// Everything it shows comes from the network's event bus and its servers'
// state: the wire is the truth.
package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/mailflow/mailflow/sim"
	"github.com/mailflow/mailflow/viz/narrate"
)

// Config says what to serve.
type Config struct {
	Network *sim.Network
	// Gate, when set, holds the world before each step (run --http); the
	// page and POST /api/control let steps through.
	Gate *Gate
	// Lang is the language the bus narrates in; the API narrates in
	// another when asked (?lang=vi).
	Lang narrate.Lang
	// AllowRemote turns off the check that requests name a loopback host
	// (a defence against DNS rebinding), for --http-allow-remote.
	AllowRemote bool
	Logger      *slog.Logger
	// Now is the wall clock of the monitoring rates; tests set it.
	Now func() time.Time
	// MaxEvents bounds the events kept for the page and the API (the
	// oldest go first); 0 is DefaultMaxEvents.
	MaxEvents int
}

// Server is the web view and API of one network.
type Server struct {
	cfg   Config
	net   *sim.Network
	idx   *index
	stats *stats
	ctl   *controller
	mux   *http.ServeMux
	done  chan struct{} // closed by Close: event streams end

	sendMu   sync.Mutex
	sendNext int
	sends    sync.WaitGroup // submissions running after their answer (step mode)

	mu      sync.Mutex
	servers []*http.Server
	closed  bool
}

// New indexes the network's events (those already published too) and
// prepares the handlers.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Lang == "" {
		cfg.Lang = narrate.English
	}
	s := &Server{cfg: cfg, net: cfg.Network, stats: newStats(cfg.Now), ctl: &controller{gate: cfg.Gate},
		mux: http.NewServeMux(), done: make(chan struct{})}
	s.idx = newIndex(s.stats, cfg.MaxEvents)
	s.idx.attach(s.net.Bus)
	s.routes()
	return s
}

// route is one API endpoint. The table is what the mux serves and what the
// OpenAPI test checks the document against.
type route struct {
	method, pattern string
	handle          http.HandlerFunc
}

func (s *Server) table() []route {
	return []route{
		{"GET", "/api/healthz", s.healthz},
		{"GET", "/api/hosts", s.hosts},
		{"GET", "/api/steps", s.steps},
		{"GET", "/api/messages", s.messages},
		{"GET", "/api/messages/{id}", s.message},
		{"GET", "/api/messages/{id}/raw", s.messageRaw},
		{"GET", "/api/mailboxes/{address}", s.mailbox},
		{"DELETE", "/api/mailboxes/{address}/messages", s.emptyMailbox},
		{"GET", "/api/mailboxes/{address}/messages/{uid}", s.mailboxMessage},
		{"GET", "/api/events", s.events},
		{"GET", "/api/events/stream", s.stream},
		{"POST", "/api/send", s.send},
		{"GET", "/api/queue", s.queue},
		{"GET", "/api/stats", s.statsHandler},
		{"GET", "/api/control", s.control},
		{"POST", "/api/control", s.setControl},
		{"GET", "/api/openapi.json", s.openapi},
	}
}

func (s *Server) routes() {
	methods := map[string][]string{}
	var paths []string
	for _, r := range s.table() {
		s.mux.HandleFunc(r.method+" "+r.pattern, r.handle)
		if methods[r.pattern] == nil {
			paths = append(paths, r.pattern)
		}
		methods[r.pattern] = append(methods[r.pattern], r.method)
	}
	// Any other method on a known path: a JSON 405 naming the allowed ones.
	for _, p := range paths {
		allow := strings.Join(methods[p], ", ")
		if strings.Contains(allow, "GET") {
			allow += ", HEAD"
		}
		s.mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed here; use %s", r.Method, allow))
		})
	}
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path+" (see /api/openapi.json)")
	})
	s.mux.Handle("/", s.static())
}

// Handler returns the page and API with the checks every request passes.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; "+
			"script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		if !s.cfg.AllowRemote && !loopbackHost(r.Host) {
			writeError(w, http.StatusMisdirectedRequest,
				"this server answers only to a loopback host name (localhost, 127.0.0.1, [::1])")
			return
		}
		s.mux.ServeHTTP(w, r)
	})
}

// loopbackHost reports whether a Host header names this machine: a web page
// of another site that re-points its own name at 127.0.0.1 (DNS rebinding)
// sends its own name and is turned away.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// Listen binds addr for the web view. Only loopback addresses are accepted
// unless allowRemote: the API shows the scenario's passwords and sends mail.
func Listen(addr string, allowRemote bool) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--http %q: want HOST:PORT, e.g. 127.0.0.1:8025: %w", addr, err)
	}
	if !allowRemote {
		a, err := netip.ParseAddr(strings.Trim(host, "[]"))
		if host != "localhost" && (err != nil || !a.Unmap().IsLoopback()) {
			return nil, fmt.Errorf("--http %q: not a loopback address; the web view shows passwords and sends "+
				"mail, so it binds 127.0.0.1 or [::1] unless --http-allow-remote is given", addr)
		}
	}
	return net.Listen("tcp", addr)
}

// Serve answers on l until Close.
func (s *Server) Serve(l net.Listener) error {
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute,
		MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn)}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return http.ErrServerClosed
	}
	s.servers = append(s.servers, hs)
	s.mu.Unlock()
	err := hs.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close ends the event streams and stops serving, waiting briefly for
// requests in progress.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	servers := s.servers
	s.mu.Unlock()
	if s.ctl.gate != nil {
		s.ctl.gate.Close() // the view is gone: the world may run to its end
	}
	s.sends.Wait()
	var errs []error
	for _, hs := range servers {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := hs.Shutdown(ctx); err != nil {
			errs = append(errs, err, hs.Close())
		}
		cancel()
	}
	return errors.Join(errs...)
}
