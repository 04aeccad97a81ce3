package sim

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"net/smtp"
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/topology"
	"github.com/mailflow/mailflow/viz/narrate"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startBuiltin starts a built-in scenario's network, closed with the test.
func startBuiltin(t *testing.T, name string) *Network {
	t.Helper()
	s, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return startScenario(t, s)
}

func startScenario(t *testing.T, s *scenarios.Scenario) *Network {
	t.Helper()
	n, err := Start(s, Options{Narrate: narrate.Func(narrate.English)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func play(t *testing.T, n *Network) []Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := n.Play(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.WaitSettled(ctx); err != nil {
		t.Fatal(err)
	}
	return n.Check()
}

func requirePassed(t *testing.T, results []Result) {
	t.Helper()
	if len(results) == 0 {
		t.Fatal("scenario has no expectations")
	}
	for _, r := range results {
		if !r.Passed {
			t.Errorf("expectation %s failed: expected %s; observed %s", r.Kind, r.Expected, r.Observed)
		}
	}
}

// stepsOf lists the steps of a message's events in publication order,
// repeats folded.
func stepsOf(events []event.Event, msg string) []int {
	var steps []int
	for _, e := range events {
		if e.Msg == msg && e.Step > 0 && (len(steps) == 0 || steps[len(steps)-1] != e.Step) {
			steps = append(steps, e.Step)
		}
	}
	return steps
}

func TestCrossDomainGoesThroughSixSteps(t *testing.T) {
	n := startBuiltin(t, "cross-domain")
	requirePassed(t, play(t, n))
	events := n.Bus.History()
	// First appearances must be 1..6 in order.
	var first []int
	for _, s := range stepsOf(events, "m1") {
		if !slices.Contains(first, s) {
			first = append(first, s)
		}
	}
	if !slices.Equal(first, []int{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("steps of m1 = %v, want 1..6 in order", first)
	}
	var sawMX bool
	for _, e := range events {
		if e.Kind == event.DNSAnswer && e.QType == "MX" && e.QName == "school.test." {
			sawMX = len(e.Records) == 1 && e.Records[0].Value == "mail.school.test." && e.Records[0].Pref == 10
		}
		if e.Kind == event.SMTPTLS && (e.TLS == nil || !e.TLS.Verified || !strings.HasPrefix(e.TLS.Version, "TLS 1.")) {
			t.Errorf("TLS not verified on a hop: %+v", e)
		}
		if e.Text == "" {
			t.Errorf("event without narration: %+v", e)
		}
	}
	if !sawMX {
		t.Error("no DNS answer naming mail.school.test as MX of school.test")
	}
	msgs, err := n.Store.Messages("bob@school.test", "INBOX")
	if err != nil || len(msgs) != 1 {
		t.Fatalf("bob's INBOX: %v, %v", msgs, err)
	}
	raw := string(msgs[0].Raw)
	if got := strings.Count(raw, "Received: from"); got != 2 {
		t.Errorf("want a Received: header per hop (2), got %d:\n%s", got, raw[:min(len(raw), 800)])
	}
	if !strings.Contains(raw, "by mail.school.test with ESMTPS") || !strings.Contains(raw, "by mail.example.test with ESMTPSA") {
		t.Errorf("Received: headers do not name both hops:\n%s", raw[:min(len(raw), 800)])
	}
}

func TestSameDomainSkipsDNSAndRelay(t *testing.T) {
	n := startBuiltin(t, "same-domain")
	requirePassed(t, play(t, n))
	for _, e := range n.Bus.History() {
		if e.Step == 4 || e.Step == 5 || e.Kind == event.DNSQuery || e.Kind == event.RelayConnect {
			t.Errorf("same-domain delivery has a step-4/5 event: %s", e.Text)
		}
	}
	var local bool
	for _, e := range n.Bus.History() {
		if e.Kind == event.RouteDecision && e.Route == "local" {
			local = true
		}
	}
	if !local {
		t.Error("step 3 did not choose local delivery")
	}
}

func TestListenersAreLoopbackAndHostsHaveOwnAddresses(t *testing.T) {
	n := startBuiltin(t, "cross-domain")
	seen := map[netip.Addr]bool{}
	for _, h := range n.Topology.Hosts {
		if !h.Addr.IsLoopback() {
			t.Errorf("%s listens on %s, not loopback", h.Name, h.Addr)
		}
		if topology.LoopbackRoutable() && seen[h.Addr] {
			t.Errorf("%s shares address %s", h.Name, h.Addr)
		}
		seen[h.Addr] = true
		for _, svc := range topology.AllMailServices {
			p := n.Port(h.Name, svc)
			if p == 0 {
				t.Errorf("%s: %s not listening", h.Name, svc)
				continue
			}
			c, err := net.Dial("tcp", netip.AddrPortFrom(h.Addr, uint16(p)).String())
			if err != nil {
				t.Errorf("%s %s: %v", h.Name, svc, err)
				continue
			}
			c.Close()
		}
	}
	if a := n.DNSAddrPort().Addr(); !a.IsLoopback() {
		t.Errorf("DNS on %s", a)
	}
}

// hostAddr is where a host's service listens.
func hostAddr(t *testing.T, n *Network, host string, svc topology.Service) string {
	t.Helper()
	h := n.Topology.Host(host)
	return netip.AddrPortFrom(h.Addr, uint16(n.Port(host, svc))).String()
}

// dialSMTP connects Go's net/smtp client, naming the server so that its
// PlainAuth accepts to send the password (it checks the name).
func dialSMTP(t *testing.T, n *Network, host string, svc topology.Service) *smtp.Client {
	t.Helper()
	conn, err := net.Dial("tcp", hostAddr(t, n, host, svc))
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(20 * time.Second)) // fail, never hang
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Go's own net/smtp client, independent of go-smtp, submits through 587
// with STARTTLS and AUTH PLAIN.
func TestStdlibClientSubmitsWithStartTLSAndAuth(t *testing.T) {
	n := startBuiltin(t, "cross-domain")
	c := dialSMTP(t, n, "mail.example.test", topology.Submission)
	defer c.Close()
	if err := c.Hello("laptop.example.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.StartTLS(&tls.Config{ServerName: "mail.example.test", RootCAs: n.CA.Pool(), Time: n.Clock.Now}); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(smtp.PlainAuth("", "alice@example.test", "password", "mail.example.test")); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("alice@example.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("bob@school.test"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("Subject: from net/smtp\r\nMessage-ID: <stdlib-1@example.test>\r\n\r\nhello\r\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.WaitSettled(ctx); err != nil {
		t.Fatal(err)
	}
	msgs, _ := n.Store.Messages("bob@school.test", "INBOX")
	if len(msgs) != 1 || !strings.Contains(string(msgs[0].Raw), "Subject: from net/smtp") {
		t.Fatalf("bob's INBOX = %d messages", len(msgs))
	}
}

func replyCode(err error) (int, string) {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code, te.Msg
	}
	return 0, ""
}

func TestRelayWithoutAuthIsRefused(t *testing.T) {
	n := startBuiltin(t, "cross-domain")
	// Port 25 of example.test's MX, a stranger asking it to carry mail to
	// another domain: an open relay would accept.
	c, err := smtp.Dial(hostAddr(t, n, "mail.example.test", topology.SMTP))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("spammer@elsewhere.test"); err != nil {
		t.Fatal(err)
	}
	code, msg := replyCode(c.Rcpt("bob@school.test"))
	if code != 550 || !strings.HasPrefix(msg, "5.7.1") {
		t.Fatalf("relay attempt got %d %q, want 550 5.7.1", code, msg)
	}
	// Mail for the host's own user is still welcome.
	if err := c.Rcpt("alice@example.test"); err != nil {
		t.Fatalf("local recipient refused: %v", err)
	}
	code, msg = replyCode(c.Rcpt("nobody@example.test"))
	if code != 550 || !strings.HasPrefix(msg, "5.1.1") {
		t.Fatalf("unknown local user got %d %q, want 550 5.1.1", code, msg)
	}
}

func TestSubmissionNeedsAuthAndRightPassword(t *testing.T) {
	n := startBuiltin(t, "cross-domain")
	c := dialSMTP(t, n, "mail.example.test", topology.Submission)
	defer c.Close()
	if err := c.StartTLS(&tls.Config{ServerName: "mail.example.test", RootCAs: n.CA.Pool(), Time: n.Clock.Now}); err != nil {
		t.Fatal(err)
	}
	if code, _ := replyCode(c.Mail("alice@example.test")); code != 530 {
		t.Fatalf("MAIL before AUTH got %d, want 530", code)
	}
	code, _ := replyCode(c.Auth(smtp.PlainAuth("", "alice@example.test", "wrong", "mail.example.test")))
	if code != 535 {
		t.Fatalf("wrong password got %d, want 535", code)
	}
}

func TestImplicitTLSOn465(t *testing.T) {
	n := startBuiltin(t, "cross-domain")
	d := &net.Dialer{Timeout: 10 * time.Second, Deadline: time.Now().Add(20 * time.Second)}
	conn, err := tls.DialWithDialer(d, "tcp", hostAddr(t, n, "mail.example.test", topology.Submissions),
		&tls.Config{ServerName: "mail.example.test", RootCAs: n.CA.Pool(), Time: n.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	c, err := smtp.NewClient(conn, "mail.example.test")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(smtp.PlainAuth("", "alice@example.test", "password", "mail.example.test")); err != nil {
		t.Fatal(err)
	}
}

func TestNetworksRunSideBySide(t *testing.T) {
	a := startBuiltin(t, "cross-domain")
	b := startBuiltin(t, "cross-domain")
	if topology.LoopbackRoutable() && a.Topology.Hosts[0].Addr == b.Topology.Hosts[0].Addr {
		t.Fatalf("two networks share %s", a.Topology.Hosts[0].Addr)
	}
	requirePassed(t, play(t, a))
	requirePassed(t, play(t, b))
}
