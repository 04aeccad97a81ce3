package policy

import (
	"net/netip"
	"testing"
	"time"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/topology"
)

func TestRelayModes(t *testing.T) {
	n := &topology.Network{Hosts: []*topology.Host{{Name: "gw.corp.test", Addr: netip.MustParseAddr("127.1.1.10")}}}
	stranger, gw := netip.MustParseAddr("127.1.1.99"), netip.MustParseAddr("127.1.1.10")
	closed := New(scenarios.Server{}, n)
	if ok, _ := closed.MayRelay("", stranger); ok {
		t.Fatal("default policy relays for a stranger")
	}
	if ok, _ := closed.MayRelay("alice@example.test", stranger); !ok {
		t.Fatal("default policy refuses an authenticated user")
	}
	nets := New(scenarios.Server{Relay: "networks", RelayNetworks: []string{"gw.corp.test"}}, n)
	if ok, _ := nets.MayRelay("", gw); !ok {
		t.Fatal("trusted host refused")
	}
	if ok, _ := nets.MayRelay("", stranger); ok {
		t.Fatal("untrusted host relayed")
	}
	if ok, why := New(scenarios.Server{Relay: "open"}, n).MayRelay("", stranger); !ok || why == "" {
		t.Fatal("open relay refused")
	}
}

func TestLimitsBlocksAndContent(t *testing.T) {
	p := New(scenarios.Server{
		Limits:  &scenarios.Limits{MessagesPerHour: 2, RecipientsPerMessage: 3},
		Block:   &scenarios.Block{Senders: []string{"spam@bad.test"}, Domains: []string{"worse.test"}, Recipients: []string{"ceo@corp.test"}},
		Content: []scenarios.ContentRule{{Keywords: []string{"Lottery"}, Action: "spam"}},
	}, &topology.Network{})
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
