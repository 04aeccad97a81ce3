package smtpd

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/topology"
)

// closeWithin closes the server and fails the test unless Close returns
// within d.
func closeWithin(t *testing.T, srv *Server, d time.Duration) {
	t.Helper()
	closed := make(chan struct{})
	began := time.Now()
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
		t.Logf("Close took %v", time.Since(began).Round(time.Millisecond))
	case <-time.After(d):
		t.Fatalf("Close still waiting after %v", d)
	}
}

// silentDNS is a DNS server that reads every question and answers none; it
// tells of each question it swallowed.
func silentDNS(t *testing.T) (netip.AddrPort, <-chan struct{}) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	asked := make(chan struct{}, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 512)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
			select {
			case asked <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() { pc.Close(); <-done })
	return netip.MustParseAddrPort(pc.LocalAddr().String()), asked
}

// Close does not wait for sender authentication's DNS questions: a
// message whose SPF check waits on a DNS server that never answers (up to
// 20 s of questions) is given up at once, and nothing is filed.
func TestCloseEndsSenderAuthLookups(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // last: after the DNS and the clients are gone
	dns, asked := silentDNS(t)
	h := start(t, func(c *Config) {
		c.AuthDNS = dns
		c.Host.Auth.SenderAuth.Verify = true
	})
	c := h.dial(topology.SMTP)
	c.expect("EHLO client.test", 250)
	c.expect("MAIL FROM:<dan@other.test>", 250)
	c.expect("RCPT TO:<bob@school.test>", 250)
	c.expect("DATA", 354)
	c.send(testMessage("checked"))
	select {
	case <-asked:
	case <-time.After(wait):
		t.Fatal("the server asked the DNS nothing")
	}
	closeWithin(t, h.srv, 5*time.Second)
	c.closed()
	if got := h.inbox("bob@school.test", "INBOX"); len(got) != 0 {
		t.Errorf("a message was filed though the server closed before its checks ended")
	}
}

// Close with connections in every state at once — waiting out an AUTH
// failure delay, half through DATA, greeted and silent, waiting for a
// slot, half through a TLS handshake — returns at once and leaves no
// goroutine.
func TestCloseWithConnectionsInEveryState(t *testing.T) {
	h := start(t, func(c *Config) {
		c.MaxConns = 3
		c.ShedAfter = time.Hour // nobody is shed: a fourth client waits for a slot
		c.AuthFailDelay = time.Hour
	})
	// 465: the second failed login waits out its delay before its 535.
	auth := h.dial(topology.Submissions)
	auth.expect("EHLO client.test", 250)
	auth.expect("AUTH PLAIN AGJvYkBzY2hvb2wudGVzdAB3cm9uZw==", 535)
	auth.send("AUTH PLAIN AGJvYkBzY2hvb2wudGVzdAB3cm9uZw==")
	h.await("the second failed login", 2, func(e event.Event) bool {
		return e.Kind == event.SMTPAuth && e.Code() == 535
	})
	// Port 25: one half through DATA, one greeted and silent, one more to
	// fill the slots, and a fourth that waits for one.
	data := h.dial(topology.SMTP)
	data.expect("EHLO client.test", 250)
	data.expect("MAIL FROM:<dan@other.test>", 250)
	data.expect("RCPT TO:<bob@school.test>", 250)
	data.expect("DATA", 354)
	data.send("Subject: half\r\n\r\nhalf a message")
	idle := h.dial(topology.SMTP)
	full := h.dial(topology.SMTP)
	waiting := h.connect(topology.SMTP)
	// 465 again: a client that never starts its handshake.
	silentTLS, err := net.Dial("tcp", h.addrs[topology.Submissions])
	if err != nil {
		t.Fatal(err)
	}
	defer silentTLS.Close()
	closeWithin(t, h.srv, 5*time.Second)
	for _, c := range []*client{auth, data, idle, full, waiting} {
		c.closed()
	}
	if got := h.inbox("bob@school.test", "INBOX"); len(got) != 0 {
		t.Errorf("a half-sent message was filed")
	}
	goleak.VerifyNone(t)
}
