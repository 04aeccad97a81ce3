// Package dnsd is the simulation's authoritative DNS server: it answers for
// the simulated zones over UDP and TCP on one loopback port, reports every
// exchange, and can be told to fail (SERVFAIL, NXDOMAIN, empty answers,
// silence) for lessons on DNS trouble.
package dnsd

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflow/mailflow/sim/slots"
)

// Limits. DNS over TCP carries short exchanges; a slow or idle client is
// cut off rather than holding a slot, and shed at once when a new client
// needs the slot.
const (
	tcpReadTimeout  = 2 * time.Second // for a whole query, however it is trickled
	tcpWriteTimeout = 5 * time.Second
	tcpIdleTimeout  = 10 * time.Second
	maxTCPConns     = 64
	maxTCPQueries   = 128 // per connection, then the client reconnects
	bindAttempts    = 20  // a busy machine may hold the TCP side of a few free UDP ports
)

// Config describes one DNS server.
type Config struct {
	// Addr is a loopback host:port. Port 0 picks a free port; UDP and TCP
	// always share the port. Empty means "127.0.0.1:0".
	Addr string
	// Zones are the apexes we are authoritative for, e.g. "example.test."
	// (the trailing dot is optional).
	Zones []string
	// Records of those zones. Each must lie inside one of Zones. A zone
	// without an SOA or NS at its apex gets synthesized ones
	// (ns1.<zone>, hostmaster.<zone>, serial 1, minimum TTL 300).
	Records []dns.RR
	// Observe, if set, is called once per answered (or fault-dropped)
	// query, from the serving goroutines (possibly at once): keep it quick.
	// Close waits for calls in progress.
	Observe func(Exchange)
	// Logger receives debug lines per exchange; nil discards.
	Logger *slog.Logger
	// Faults, if set, is consulted for every question (its Name spelled as
	// the client sent it: compare with dns.CanonicalName); a non-nil,
	// non-zero Fault replaces the normal answer. It may be called from
	// several goroutines at once.
	Faults func(q dns.Question) *Fault
}

// Server is a running DNS server. Its zone data is fixed at Start.
type Server struct {
	addr      netip.AddrPort
	udp, tcp  *dns.Server
	wg        sync.WaitGroup // the two serve loops
	closeOnce sync.Once
	closeErr  error
}

// Start binds UDP and TCP, loads the zones and serves. When it returns
// without error, both sockets accept queries.
func Start(cfg Config) (*Server, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	pc, ln, err := listen(cfg.Addr)
	if err != nil {
		return nil, err
	}
	addr := addrPort(pc.LocalAddr())
	zones, err := buildZones(cfg.Zones, cfg.Records, addr.Addr())
	if err != nil {
		pc.Close()
		ln.Close()
		return nil, err
	}
	h := &handler{zones: zones, faults: cfg.Faults, observe: cfg.Observe, log: log.With("server", "dnsd", "addr", addr.String())}

	s := &Server{addr: addr}
	udpStarted, tcpStarted := make(chan struct{}), make(chan struct{})
	s.udp = &dns.Server{
		PacketConn:        pc,
		Handler:           h,
		UDPSize:           maxUDPSize,
		NotifyStartedFunc: func() { close(udpStarted) },
	}
	s.tcp = &dns.Server{
		Listener:          &limitListener{Listener: ln, slots: slots.New(maxTCPConns), log: h.log},
		Handler:           h,
		ReadTimeout:       tcpReadTimeout,
		WriteTimeout:      tcpWriteTimeout,
		IdleTimeout:       func() time.Duration { return tcpIdleTimeout },
		MaxTCPQueries:     maxTCPQueries,
		NotifyStartedFunc: func() { close(tcpStarted) },
	}

	// Wait until each loop is running or has failed: miekg/dns refuses to
	// shut down a server that has not started, which would leak its loop.
	var serveErr error
	for _, loop := range []struct {
		srv     *dns.Server
		started chan struct{}
	}{{s.udp, udpStarted}, {s.tcp, tcpStarted}} {
		done := make(chan error, 1)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			err := loop.srv.ActivateAndServe()
			if err != nil {
				h.log.Error("dns server stopped", "err", err)
			}
			done <- err
		}()
		select {
		case <-loop.started:
		case err := <-done:
			if err == nil {
				err = errors.New("stopped before it started")
			}
			serveErr = errors.Join(serveErr, fmt.Errorf("dnsd: serve: %w", err))
		}
	}
	if serveErr != nil {
		s.Close()
		pc.Close()
		ln.Close()
		return nil, serveErr
	}
	h.log.Debug("dns server listening", "zones", len(cfg.Zones), "records", len(cfg.Records))
	return s, nil
}

// Addr is the address both UDP and TCP listen on.
func (s *Server) Addr() netip.AddrPort { return s.addr }

// Close stops both servers and waits until every goroutine they started,
// including handlers in progress, has ended. It is safe to call twice.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		for _, srv := range []*dns.Server{s.udp, s.tcp} {
			if err := srv.Shutdown(); err != nil {
				errs = append(errs, err)
			}
		}
		s.wg.Wait()
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("dnsd: close: %w", err)
		}
	})
	return s.closeErr
}

// listen binds UDP first (port 0 lets the kernel choose), then TCP on the
// same port. Another program may hold that TCP port, so with port 0 it
// tries again with a new UDP port.
func listen(addr string) (net.PacketConn, net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("dnsd: address %q: %w", addr, err)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
		return nil, nil, fmt.Errorf("dnsd: address %q: the simulation binds loopback addresses only", addr)
	}
	var lastErr error
	for range bindAttempts {
		pc, err := net.ListenPacket("udp", net.JoinHostPort(host, port))
		if err != nil {
			return nil, nil, fmt.Errorf("dnsd: listen udp %s: %w", addr, err)
		}
		udpPort := addrPort(pc.LocalAddr()).Port()
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(int(udpPort))))
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		lastErr = fmt.Errorf("dnsd: listen tcp on udp's port %d: %w", udpPort, err)
		if port != "0" {
			break // a fixed port: retrying cannot help
		}
	}
	return nil, nil, lastErr
}

// limitListener caps concurrent TCP connections. When all slots are
// taken, a new client sheds the connection doing the least: one that has
// sent nothing, then one that sent half a query, then one idling after its
// answer. A half-sent query cannot hold a slot against normal queries.
type limitListener struct {
	net.Listener
	slots *slots.Pool
	log   *slog.Logger
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		sc := &slotConn{Conn: c}
		slot, ok := l.slots.Admit(func() {
			l.log.Info("dns tcp connection shed for a new client", "client", c.RemoteAddr().String())
			c.Close()
		})
		if !ok { // every connection is being answered right now
			l.log.Warn("dns tcp connection refused: too many connections", "client", c.RemoteAddr().String())
			c.Close()
			continue
		}
		sc.slot = slot
		return sc, nil
	}
}

// slotConn keeps its slot's phase and gives the slot back when closed,
// however often Close is called.
type slotConn struct {
	net.Conn
	slot *slots.Slot
}

func (c *slotConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.slot.Set(slots.Reading)
	}
	return n, err
}

func (c *slotConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.slot.Set(slots.Idle) // answered: what comes next is a new query
	return n, err
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.slot.Release()
	return err
}
