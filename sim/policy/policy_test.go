package policy

import (
	"net/netip"
	"testing"
	"time"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/topology"
)

// compile builds a one-host network with gw.corp.test on 127.1.1.10 and
// returns the policy the server settings give mx.corp.test.
func compile(t *testing.T, set scenarios.Server) *Host {
	t.Helper()
	set.Host = "mx.corp.test"
	s := &scenarios.Scenario{Domains: []scenarios.Domain{{Name: "corp.test",
		Hosts: []scenarios.Host{{Name: "gw.corp.test"}, {Name: "mx.corp.test", MX: 10}}}},
		Servers: []scenarios.Server{set}}
	n, err := topology.Build(s, topology.NewPlan(netip.MustParsePrefix("127.1.1.0/24"), false))
	if err != nil {
		t.Fatal(err)
	}
	if n.Host("gw.corp.test").Addr != netip.MustParseAddr("127.1.1.10") {
		t.Fatalf("gw.corp.test got %v", n.Host("gw.corp.test").Addr)
	}
	return New(n.Host("mx.corp.test").Policy)
}

func TestRelayModes(t *testing.T) {
	stranger, gw := netip.MustParseAddr("127.1.1.99"), netip.MustParseAddr("127.1.1.10")
	closed := compile(t, scenarios.Server{})
	if ok, _ := closed.MayRelay("", stranger); ok {
		t.Fatal("default policy relays for a stranger")
	}
	if ok, _ := closed.MayRelay("alice@example.test", stranger); !ok {
		t.Fatal("default policy refuses an authenticated user")
	}
	nets := compile(t, scenarios.Server{Relay: "networks", RelayNetworks: []string{"gw.corp.test"}})
	if ok, _ := nets.MayRelay("", gw); !ok {
		t.Fatal("trusted host refused")
	}
	if ok, _ := nets.MayRelay("", stranger); ok {
		t.Fatal("untrusted host relayed")
	}
	if ok, why := compile(t, scenarios.Server{Relay: "open"}).MayRelay("", stranger); !ok || why == "" {
		t.Fatal("open relay refused")
	}
}

func TestLimitsBlocksAndContent(t *testing.T) {
	p := compile(t, scenarios.Server{
		Limits:  &scenarios.Limits{MessagesPerHour: 2, RecipientsPerMessage: 3},
		Block:   &scenarios.Block{Senders: []string{"spam@bad.test"}, Domains: []string{"worse.test"}, Recipients: []string{"ceo@corp.test"}},
		Content: []scenarios.ContentRule{{Keywords: []string{"Lottery"}, Action: "spam"}},
	})
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	if p.CheckRate("a@x.test", t0) != nil || p.CheckRate("a@x.test", t0.Add(time.Minute)) != nil {
		t.Fatal("first two messages refused")
	}
	if e := p.CheckRate("a@x.test", t0.Add(2*time.Minute)); e == nil || e.Code != 451 {
		t.Fatalf("third message in the hour: %v", e)
	}
	if p.CheckRate("a@x.test", t0.Add(61*time.Minute)) != nil {
		t.Fatal("an hour later the sender may send again")
	}
	if p.CheckRecipients(3) != nil || p.CheckRecipients(4) == nil {
		t.Fatal("recipient limit")
	}
	for _, from := range []string{"spam@bad.test", "x@worse.test"} {
		if e := p.CheckSender(from); e == nil || e.Code != 550 {
			t.Errorf("%s not blocked", from)
		}
	}
	if p.CheckSender("ok@good.test") != nil || p.CheckRecipient("ceo@corp.test") == nil {
		t.Fatal("block lists")
	}
	if a, k := p.Content("You WON the lottery", ""); a != "spam" || k != "Lottery" {
		t.Fatalf("content rule: %q %q", a, k)
	}
}

// Greylisting keys on the triplet: a new one gets 451 4.7.1, so does a
// retry before the delay, and a retry after it passes for good; another
// client, sender or recipient starts over, and trusted networks pass.
func TestGreylistTripletDelayThenPass(t *testing.T) {
	p := compile(t, scenarios.Server{Greylist: &scenarios.Greylist{Delay: "10m"}, Relay: "networks",
		RelayNetworks: []string{"gw.corp.test"}})
	if !p.Greylists() || compile(t, scenarios.Server{}).Greylists() {
		t.Fatal("Greylists reports the wrong setting")
	}
	mta, other := netip.MustParseAddr("127.1.1.20"), netip.MustParseAddr("127.1.1.21")
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		client   netip.Addr
		from, to string
		after    time.Duration
		refused  bool
	}{
		{mta, "a@x.test", "bob@corp.test", 0, true},
		{mta, "a@x.test", "bob@corp.test", 9 * time.Minute, true}, // too soon
		{mta, "A@x.test", "Bob@corp.test", 10 * time.Minute, false},
		{mta, "a@x.test", "bob@corp.test", 11 * time.Minute, false}, // passed for good
		{other, "a@x.test", "bob@corp.test", 11 * time.Minute, true},
		{mta, "b@x.test", "bob@corp.test", 11 * time.Minute, true},
		{mta, "a@x.test", "carol@corp.test", 11 * time.Minute, true},
		{netip.MustParseAddr("127.1.1.10"), "a@x.test", "bob@corp.test", 0, false}, // trusted
	}
	for i, s := range steps {
		e := p.Greylist(s.client, s.from, s.to, t0.Add(s.after))
		if (e != nil) != s.refused {
			t.Fatalf("step %d: refused %v, want %v", i, e != nil, s.refused)
		}
		if e != nil && (e.Code != 451 || e.EnhancedCode != [3]int{4, 7, 1}) {
			t.Fatalf("step %d: reply %d %v", i, e.Code, e.EnhancedCode)
		}
	}
	if d := compile(t, scenarios.Server{Greylist: &scenarios.Greylist{}}); d.Greylist(mta, "a@x.test", "b@corp.test", t0) == nil ||
		d.Greylist(mta, "a@x.test", "b@corp.test", t0.Add(topology.DefaultGreylistDelay)) != nil {
		t.Fatal("the default delay is not used")
	}
}
