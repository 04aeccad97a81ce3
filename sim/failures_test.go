package sim

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/mail"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/dsn"
	"github.com/mailflow/mailflow/topology"
)

// failureBuiltins are the built-in scenarios about failures: each shows one
// way delivery goes wrong and what the RFCs make of it.
var failureBuiltins = []string{
	"mx-fallback", "mx-equal-preference", "implicit-mx", "nxdomain", "dns-servfail-retry",
	"temp-failure-then-success", "greylisting", "give-up-after-retries", "unknown-user-bounce",
	"partial-failure-one-dsn", "mailbox-full", "message-too-big", "too-many-recipients",
	"starttls-not-offered", "tls-expired-cert-opportunistic", "tls-wrong-name-required",
	"tls-unknown-ca-required", "disconnect-mid-data", "mail-loop", "bounce-of-bounce-suppressed",
}

func TestFailureBuiltinsPass(t *testing.T) {
	for _, name := range failureBuiltins {
		t.Run(name, func(t *testing.T) {
			r := runToEnd(t, loadBuiltin(t, name))
			if r.PlayErr != nil {
				t.Errorf("actions did not finish: %v", r.PlayErr)
			}
			if len(r.Lost) > 0 {
				t.Errorf("recipients lost: %v", r.Lost)
			}
			if len(r.Results) < 3 {
				t.Errorf("only %d expectations: a failure lesson should check its outcome from several sides", len(r.Results))
			}
			for _, x := range r.Failed() {
				t.Errorf("expectation %s (expect[%d]) failed: expected %s; observed %s", x.Kind, x.Index, x.Expected, x.Observed)
			}
		})
	}
}

// The built-ins are regression tests only if their expectations notice when
// the behaviour they teach goes away. Each case breaks one behaviour by
// changing the loaded scenario and names an expectation that must then fail.
func TestFailureExpectationsCatchBrokenBehaviour(t *testing.T) {
	cases := []struct {
		builtin, broken string
		mutate          func(*scenarios.Scenario)
		// The expectation that must fail: its kind and a text of its
		// description.
		kind, about string
	}{
		{"mx-fallback", "the preferred MX works", withoutFaults, "tls", "mx2.school.test"},
		{"mx-fallback", "no backup MX", func(s *scenarios.Scenario) { scenarioHost(s, "mx2.school.test").MX = 0 },
			"delivered", "bob@school.test"},
		{"mx-equal-preference", "mx2 less preferred", func(s *scenarios.Scenario) { scenarioHost(s, "mx2.school.test").MX = 20 },
			"tls", "mx2.school.test"},
		{"implicit-mx", "the domain has no address either", func(s *scenarios.Scenario) { s.Faults[0].Type = "" },
			"delivered", "tuan@lab.test"},
		{"nxdomain", "DNS fails instead of denying", func(s *scenarios.Scenario) {
			s.Faults = append(s.Faults, scenarios.Fault{DNS: "students.school.test", Answer: "servfail"})
		}, "bounced", "status 5.1.2"},
		{"dns-servfail-retry", "DNS never fails", withoutFaults, "retries", "retried 2 time"},
		{"dns-servfail-retry", "DNS fails for good", func(s *scenarios.Scenario) { s.Faults[0].Times = 0 },
			"delivered", "bob@school.test"},
		{"temp-failure-then-success", "the failure is permanent", func(s *scenarios.Scenario) {
			s.Faults[0].Reply = &scenarios.Reply{Code: 554, Enhanced: "5.3.0", Text: "Transaction failed"}
		}, "delivered", "bob@school.test"},
		{"temp-failure-then-success", "no failure", withoutFaults, "reply", "451 4.3.0"},
		{"greylisting", "no greylisting", withoutServers, "reply", "451 4.7.1"},
		{"greylisting", "a delay longer than the first retry", func(s *scenarios.Scenario) { s.Servers[0].Greylist.Delay = "20m" },
			"retries", "retried 1 time"},
		{"greylisting", "the greylist never lets go", func(s *scenarios.Scenario) { s.Servers[0].Greylist.Delay = "10d" },
			"delivered", "bob@school.test"},
		{"give-up-after-retries", "the server comes back", withoutFaults, "bounced", "status 4.4.7"},
		{"give-up-after-retries", "no delay notice configured", func(s *scenarios.Scenario) { s.Queue.DelayNotice = "" },
			"bounced", "delayed"},
		{"give-up-after-retries", "NOTIFY leaves out DELAY", func(s *scenarios.Scenario) {
			s.Actions[0].Send.Notify = []string{"failure"}
		}, "bounced", "delayed"},
		{"unknown-user-bounce", "the user exists", func(s *scenarios.Scenario) { scenarioAddUser(s, "school.test", "bop") },
			"bounced", "status 5.1.1"},
		{"unknown-user-bounce", "NOTIFY=NEVER", func(s *scenarios.Scenario) { s.Actions[0].Send.Notify = []string{"never"} },
			"fetched", "Undelivered Mail Returned to Sender"},
		{"partial-failure-one-dsn", "bop exists", func(s *scenarios.Scenario) { scenarioAddUser(s, "school.test", "bop") },
			"bounced", "to bop@school.test"},
		{"mailbox-full", "mailboxes have room", withoutServers, "reply", "452 4.2.2"},
		{"mailbox-full", "bob's mailbox full for good", func(s *scenarios.Scenario) { s.Servers[0].Full[0].Kind = "permanent" },
			"bounced", "status 4.4.7"},
		{"message-too-big", "no size limit", withoutServers, "transcript", "MAIL FROM"},
		{"too-many-recipients", "no recipient limit", withoutServers, "transcript", "452 4.5.3"},
		{"starttls-not-offered", "STARTTLS offered", withoutFaults, "transcript", "offers no STARTTLS"},
		{"starttls-not-offered", "STARTTLS offered", withoutFaults, "delivered", "with ESMTP id"},
		{"tls-expired-cert-opportunistic", "a good certificate", func(s *scenarios.Scenario) { s.Servers[0].Certificate = "" },
			"tls", "NOT verified"},
		{"tls-expired-cert-opportunistic", "the sender requires TLS", func(s *scenarios.Scenario) { s.Servers[1].TLSPolicy = "required" },
			"delivered", "bob@school.test"},
		{"tls-wrong-name-required", "the sender is opportunistic", func(s *scenarios.Scenario) {
			s.Servers[1].TLSPolicy, s.Servers[1].TLSFailure = "opportunistic", ""
		}, "not_delivered", "bob@school.test"},
		{"tls-unknown-ca-required", "the sender defers", func(s *scenarios.Scenario) { s.Servers[1].TLSFailure = "defer" },
			"bounced", "status 5.7.5"},
		{"tls-unknown-ca-required", "a good certificate", func(s *scenarios.Scenario) { s.Servers[0].Certificate = "" },
			"tls", "NOT verified"},
		{"disconnect-mid-data", "the line holds", withoutFaults, "retries", "retried 1 time"},
		{"mail-loop", "the gateways are set right", withoutServers, "bounced", "status 5.4.6"},
		{"mail-loop", "gw2 hands mail to the mailbox host", func(s *scenarios.Scenario) { s.Servers[1].RelayTo = "store.school.test" },
			"not_delivered", "bob@school.test"},
		{"bounce-of-bounce-suppressed", "alice's mailbox has room", withoutServers, "delivered", "alice@example.test"},
	}
	for _, c := range cases {
		t.Run(c.builtin+"/"+strings.ReplaceAll(c.broken, " ", "_"), func(t *testing.T) {
			s := loadBuiltin(t, c.builtin)
			c.mutate(s)
			r := runToEnd(t, s)
			var kinds []string
			for _, x := range r.Results {
				if x.Kind == c.kind && strings.Contains(x.Expected, c.about) {
					if x.Passed {
						t.Fatalf("with %s, expectation %s (expect[%d]: %s) still holds; observed %s",
							c.broken, x.Kind, x.Index, x.Expected, x.Observed)
					}
					return
				}
				kinds = append(kinds, x.Kind+": "+x.Expected)
			}
			t.Fatalf("no %s expectation about %q in %s:\n%s", c.kind, c.about, c.builtin, strings.Join(kinds, "\n"))
		})
	}
}

func withoutFaults(s *scenarios.Scenario)  { s.Faults = nil }
func withoutServers(s *scenarios.Scenario) { s.Servers = nil }

func scenarioHost(s *scenarios.Scenario, name string) *scenarios.Host {
	for i := range s.Domains {
		for j := range s.Domains[i].Hosts {
			if s.Domains[i].Hosts[j].Name == name {
				return &s.Domains[i].Hosts[j]
			}
		}
	}
	panic("no host " + name) // a test table naming a host the built-in lacks
}

func scenarioAddUser(s *scenarios.Scenario, domain, name string) {
	for i := range s.Domains {
		if s.Domains[i].Name == domain {
			s.Domains[i].Users = append(s.Domains[i].Users, scenarios.User{Name: name, Password: "password"})
			return
		}
	}
	panic("no domain " + domain)
}

// A bounce is real mail: read back over IMAP by a real client, it parses as
// an RFC 3464 multipart/report whose fields tell what failed and where.
func TestDSNReadBackOverIMAP(t *testing.T) {
	n := startBuiltin(t, "unknown-user-bounce")
	requirePassed(t, play(t, n))

	const mailbox = "mail.example.test"
	h := n.Topology.Host(mailbox)
	if h == nil {
		t.Fatalf("no host %s", mailbox)
	}
	addr := netip.AddrPortFrom(h.Addr, uint16(n.Port(mailbox, topology.IMAPS)))
	conn, err := net.DialTimeout("tcp", addr.String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second)) // a hung server fails the test instead of stalling it
	conf := &tls.Config{ServerName: mailbox, RootCAs: n.CA.Pool(), Time: n.Clock.Now}
	c := imapclient.New(tls.Client(conn, conf), nil)
	defer c.Close()
	if err := c.Login("alice@example.test", "password").Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != 1 {
		t.Fatalf("alice's INBOX holds %d messages, want the bounce alone", sel.NumMessages)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{}}}).Collect()
	if err != nil || len(msgs) != 1 || len(msgs[0].BodySection) != 1 {
		t.Fatalf("fetch: %v (%d messages)", err, len(msgs))
	}
	raw := msgs[0].BodySection[0].Bytes
	if err := c.Logout().Wait(); err != nil {
		t.Fatal(err)
	}

	// go-message sees a three-part multipart/report (RFC 3462 §1).
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mr.Header.ContentType()
	if err != nil || mt != "multipart/report" || params["report-type"] != "delivery-status" {
		t.Fatalf("Content-Type %s %v (%v), want multipart/report; report-type=delivery-status", mt, params, err)
	}
	var types []string
	var status string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var ct string
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			ct, _, _ = h.ContentType()
		case *mail.AttachmentHeader:
			ct, _, _ = h.ContentType()
		}
		types = append(types, ct)
		if ct == "message/delivery-status" {
			b, _ := io.ReadAll(p.Body)
			status = string(b)
		}
	}
	if want := "text/plain,message/delivery-status,message/rfc822"; strings.Join(types, ",") != want {
		t.Errorf("parts %v, want %s", types, want)
	}
	for _, field := range []string{"Reporting-MTA: dns;smtp.example.test", "Final-Recipient: rfc822;bop@school.test",
		"Action: failed", "Status: 5.1.1"} {
		if !strings.Contains(strings.ReplaceAll(status, "; ", ";"), field) {
			t.Errorf("delivery-status part lacks %q:\n%s", field, status)
		}
	}

	// The project's own reader agrees, field by field (RFC 3464 §2.3).
	d, err := dsn.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if d.Subject != "Undelivered Mail Returned to Sender" || d.ReportType != "delivery-status" {
		t.Errorf("subject %q, report-type %q", d.Subject, d.ReportType)
	}
	if len(d.Recipients) != 1 {
		t.Fatalf("%d recipient groups, want 1: %+v", len(d.Recipients), d.Recipients)
	}
	r := d.Recipients[0]
	if r.Final != "bop@school.test" || r.Action != dsn.Failed || r.Status != "5.1.1" {
		t.Errorf("Final-Recipient %q, Action %q, Status %q; want bop@school.test, failed, 5.1.1", r.Final, r.Action, r.Status)
	}
	if !strings.Contains(r.Diagnostic, "550") || !strings.Contains(r.Diagnostic, "5.1.1") {
		t.Errorf("Diagnostic-Code %q does not quote the 550 5.1.1 reply", r.Diagnostic)
	}
	if !strings.Contains(r.RemoteMTA, "mail.school.test") {
		t.Errorf("Remote-MTA %q does not name the MX mail.school.test", r.RemoteMTA)
	}
	if d.OriginalType != "message/rfc822" || !bytes.Contains(d.Original, []byte("Subject: Saturday football")) {
		t.Errorf("returned original: %s, %.200q", d.OriginalType, d.Original)
	}
}

// BenchmarkGiveUpAfterFiveDays runs `mailflow test give-up-after-retries`:
// five simulated days of retries, a delay notice and a bounce, on real
// servers.
func BenchmarkGiveUpAfterFiveDays(b *testing.B) {
	s := loadBuiltin(b, "give-up-after-retries")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r := runToEnd(b, s)
		if !r.Passed() {
			b.Fatalf("give-up-after-retries failed: %+v", r.Failed())
		}
	}
}
