// Package bench holds the benchmarks that carry their own floor: mailflow's
// end-to-end delivery measured in the same run, on the same machine, as a
// bare two-hop mail path built from the same libraries (go-smtp, miekg/dns,
// crypto/tls) with none of mailflow's lessons — no events, no narration, no
// transcripts, no faults. The ratio between the two is what
// docs/performance.md reports, so that a busy or slow machine does not read
// as a regression.
package bench

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/miekg/dns"

	"github.com/mailflow/mailflow/sim/pki"
)

// The floor's names: one sending domain's submission server, one
// receiving domain whose MX is found through DNS.
const (
	floorSubmitHost = "submit.floor.test"
	floorDomain     = "dest.floor.test"
	floorMXHost     = "mx.dest.floor.test"
	floorUser       = "alice@floor.test"
	floorPassword   = "password"
)

// FloorWorkers is how many messages the floor's relay sends at once: the
// per-destination concurrency Postfix has by default
// (default_destination_concurrency_limit).
const FloorWorkers = 20

// Floor is the bare two-hop path: a submission server (587-style: STARTTLS,
// then AUTH PLAIN) that queues each message in memory and answers 250; a
// pool of relay workers that look up the MX and its address over UDP,
// open a new connection per message, STARTTLS with certificate
// verification, and hand the message to the MX; and the MX, which keeps
// what it receives in memory.
type Floor struct {
	// Submit is where clients submit; ServerName and Roots verify it.
	Submit     netip.AddrPort
	ServerName string
	Roots      *x509.CertPool
	User, Pass string
	To         string

	dnsSrv       *dns.Server
	dnsAddr      string
	sub, mx      *smtp.Server
	mxPort       int
	queue        chan queued
	workers      sync.WaitGroup
	mu           sync.Mutex
	mailbox      [][]byte
	delivered    atomic.Int64
	failed       atomic.Int64
	lastErr      atomic.Value
	deliveredSig chan struct{}
	ctx          context.Context
	cancel       context.CancelFunc
}

type queued struct {
	from string
	to   []string
	data []byte
}

// StartFloor starts the floor's DNS, MX and submission servers and its
// relay workers on 127.0.0.1.
func StartFloor() (*Floor, error) {
	ca, err := pki.NewCA("floor CA", time.Now())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &Floor{ServerName: floorSubmitHost, Roots: ca.Pool(), User: floorUser, Pass: floorPassword,
		To: "bob@" + floorDomain, queue: make(chan queued, 1<<16), deliveredSig: make(chan struct{}, 1),
		ctx: ctx, cancel: cancel}
	ok := false
	defer func() {
		if !ok {
			f.Close()
		}
	}()
	lo := net.IPv4(127, 0, 0, 1)
	cert := func(name string) (*tls.Config, error) {
		c, err := ca.Issue([]string{name}, []net.IP{lo}, pki.IssueOptions{Now: time.Now()})
		if err != nil {
			return nil, err
		}
		return &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12}, nil
	}
	mxTLS, err := cert(floorMXHost)
	if err != nil {
		return nil, err
	}
	subTLS, err := cert(floorSubmitHost)
	if err != nil {
		return nil, err
	}

	mxl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f.mxPort = mxl.Addr().(*net.TCPAddr).Port
	f.mx = newServer(floorMXHost, mxTLS, func(*smtp.Conn) (smtp.Session, error) {
		return &mxSession{f: f}, nil
	})
	go f.mx.Serve(mxl)

	subl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f.Submit = subl.Addr().(*net.TCPAddr).AddrPort()
	f.sub = newServer(floorSubmitHost, subTLS, func(*smtp.Conn) (smtp.Session, error) {
		return &submitSession{f: f}, nil
	})
	go f.sub.Serve(subl)

	if err := f.startDNS(); err != nil {
		return nil, err
	}
	for range FloorWorkers {
		f.workers.Add(1)
		go f.relay()
	}
	ok = true
	return f, nil
}

func newServer(name string, conf *tls.Config, sessions smtp.BackendFunc) *smtp.Server {
	s := smtp.NewServer(sessions)
	s.Domain = name
	s.TLSConfig = conf
	s.ReadTimeout, s.WriteTimeout = 30*time.Second, 30*time.Second
	s.MaxMessageBytes = 25 << 20
	s.MaxRecipients = 100
	return s
}

func (f *Floor) startDNS() error {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	f.dnsAddr = pc.LocalAddr().String()
	started := make(chan struct{})
	f.dnsSrv = &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) },
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
			m := new(dns.Msg)
			m.SetReply(r)
			m.Authoritative = true
			if len(r.Question) == 1 {
				q := r.Question[0]
				switch {
				case q.Qtype == dns.TypeMX && q.Name == dns.Fqdn(floorDomain):
					m.Answer = append(m.Answer, &dns.MX{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeMX,
						Class: dns.ClassINET, Ttl: 300}, Preference: 10, Mx: dns.Fqdn(floorMXHost)})
				case q.Qtype == dns.TypeA && q.Name == dns.Fqdn(floorMXHost):
					m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA,
						Class: dns.ClassINET, Ttl: 300}, A: net.IPv4(127, 0, 0, 1)})
				default:
					m.Rcode = dns.RcodeNameError
				}
			}
			w.WriteMsg(m)
		})}
	go f.dnsSrv.ActivateAndServe()
	<-started
	return nil
}

// Close stops the servers and the relay workers.
func (f *Floor) Close() {
	f.cancel()
	if f.sub != nil {
		f.sub.Close()
	}
	close(f.queue)
	f.workers.Wait()
	if f.mx != nil {
		f.mx.Close()
	}
	if f.dnsSrv != nil {
		f.dnsSrv.Shutdown()
	}
}

// Delivered is how many messages the MX has received so far.
func (f *Floor) Delivered() int64 { return f.delivered.Load() }

// Failed is how many relays failed, and the last error.
func (f *Floor) Failed() (int64, error) {
	err, _ := f.lastErr.Load().(error)
	return f.failed.Load(), err
}

// WaitDelivered waits until the MX has received n messages in all.
func (f *Floor) WaitDelivered(ctx context.Context, n int64) error {
	for f.delivered.Load() < n {
		if failed, err := f.Failed(); failed > 0 {
			return fmt.Errorf("%d relays failed, the last: %w", failed, err)
		}
		select {
		case <-f.deliveredSig:
		case <-ctx.Done():
			return fmt.Errorf("%d of %d delivered: %w", f.delivered.Load(), n, ctx.Err())
		}
	}
	return nil
}

// relay is one worker of the floor's queue: step 4 and 5 for each message.
func (f *Floor) relay() {
	defer f.workers.Done()
	for m := range f.queue {
		if err := f.relayOne(m); err != nil {
			f.lastErr.Store(err)
			f.failed.Add(1)
			select {
			case f.deliveredSig <- struct{}{}:
			default:
			}
		}
	}
}

func (f *Floor) relayOne(m queued) error {
	mx, err := f.lookup(floorDomain, dns.TypeMX)
	if err != nil {
		return err
	}
	if len(mx.Answer) == 0 {
		return errors.New("no MX")
	}
	target := mx.Answer[0].(*dns.MX).Mx
	a, err := f.lookup(target, dns.TypeA)
	if err != nil {
		return err
	}
	if len(a.Answer) == 0 {
		return errors.New("no address")
	}
	addr := net.JoinHostPort(a.Answer[0].(*dns.A).A.String(), fmt.Sprint(f.mxPort))
	name := dns.Fqdn(target)
	conf := &tls.Config{ServerName: name[:len(name)-1], RootCAs: f.Roots}
	return sendMail(f.ctx, netip.Addr{}, addr, conf, nil, m.from, m.to, m.data)
}

func (f *Floor) lookup(name string, qtype uint16) (*dns.Msg, error) {
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), qtype)
	q.RecursionDesired = false
	c := &dns.Client{Net: "udp", Timeout: 5 * time.Second}
	r, _, err := c.ExchangeContext(f.ctx, q, f.dnsAddr)
	return r, err
}

// submitSession is the floor's submission server: AUTH PLAIN after
// STARTTLS, then the message, queued in memory.
type submitSession struct {
	f      *Floor
	authed bool
	from   string
	to     []string
}

func (s *submitSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *submitSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.f.User || pass != s.f.Pass {
			return errors.New("invalid credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *submitSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *submitSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *submitSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	select {
	case s.f.queue <- queued{from: s.from, to: s.to, data: b}:
		return nil
	case <-s.f.ctx.Done():
		return errors.New("shutting down")
	}
}

func (s *submitSession) Reset()        { s.from, s.to = "", nil }
func (s *submitSession) Logout() error { return nil }

// mxSession is the floor's MX: it files what it receives.
type mxSession struct{ f *Floor }

func (s *mxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mxSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *mxSession) Reset()                               {}
func (s *mxSession) Logout() error                        { return nil }

func (s *mxSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.f.mu.Lock()
	s.f.mailbox = append(s.f.mailbox, b)
	s.f.mu.Unlock()
	s.f.delivered.Add(1)
	select {
	case s.f.deliveredSig <- struct{}{}:
	default:
	}
	return nil
}

// Login is a user name and password for AUTH PLAIN.
type Login struct{ User, Pass string }

// sendMail is one SMTP client connection: EHLO, STARTTLS with the given
// configuration, AUTH PLAIN when a login is given, one message, QUIT. Both
// the clients of the benchmarks and the floor's relay use it.
func sendMail(ctx context.Context, local netip.Addr, addr string, conf *tls.Config, login *Login, from string, to []string, data []byte) error {
	d := net.Dialer{Timeout: 5 * time.Second}
	if local.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: local.AsSlice()}
	}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	c, err := smtp.NewClientStartTLS(conn, conf) // EHLO as localhost, STARTTLS, EHLO again
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if login != nil {
		if err := c.Auth(sasl.NewPlainClient("", login.User, login.Pass)); err != nil {
			return err
		}
	}
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// Message is a 1 KB-sized test message (headers and a text body of size
// bytes in all, roughly).
func Message(from, to string, i, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: load %d\r\nMessage-ID: <load%d@bench.test>\r\n"+
		"Date: Mon, 05 Jan 2026 09:00:00 +0000\r\n\r\n", from, to, i, i)
	line := "The quick brown fox jumps over the lazy dog, again and again.\r\n"
	for b.Len() < size {
		b.WriteString(line)
	}
	return b.Bytes()
}
