package topology

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/mailflow/mailflow/scenarios"
)

func build(t *testing.T, src string) *Network {
	t.Helper()
	s, err := scenarios.Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	n, err := Build(s, NewPlan(netip.MustParsePrefix("127.99.1.0/24"), false))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDefaultHostAndRecords(t *testing.T) {
	n := build(t, `
domains:
  - name: Example.Test
    users: [{name: alice}]
  - name: school.test
    users: [{name: bob}]
    hosts:
      - {name: mx1.school.test, mx: 10, mailboxes: false}
      - {name: store.school.test, mailboxes: true, services: [smtp, imaps]}
    dns:
      - {name: "@", type: TXT, value: "v=spf1 -all"}
`)
	ex := n.Domain("example.test")
	if ex == nil || len(ex.Hosts) != 1 || ex.Hosts[0].Name != "mail.example.test" || ex.MailboxHost != ex.Hosts[0] {
		t.Fatalf("default host: %+v", ex)
	}
	if !slices.Equal(ex.Hosts[0].Services, AllMailServices) || ex.Hosts[0].MX != 10 {
		t.Fatalf("default host services/MX: %+v", ex.Hosts[0])
	}
	if got := n.Domain("school.test").MailboxHost.Name; got != "store.school.test" {
		t.Fatalf("mailbox host %s", got)
	}
	var recs []string
	for _, r := range n.Records {
		recs = append(recs, r.String())
	}
	all := strings.Join(recs, "\n")
	for _, want := range []string{
		"mail.example.test. 300 IN A 127.99.1.10",
		"example.test. 300 IN MX 10 mail.example.test.",
		"school.test. 300 IN MX 10 mx1.school.test.",
		"store.school.test. 300 IN A 127.99.1.12",
		`school.test. 300 IN TXT "v=spf1 -all"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("records lack %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "MX 0 store") || strings.Count(all, "IN MX") != 2 {
		t.Errorf("only hosts with mx get MX records:\n%s", all)
	}
	if n.HostByAddr(netip.MustParseAddr("127.99.1.11")).Name != "mx1.school.test" {
		t.Error("HostByAddr")
	}
	if n.ClientAddr != netip.MustParseAddr("127.99.1.9") || n.DNSAddr != netip.MustParseAddr("127.99.1.53") {
		t.Errorf("plan: client %s, dns %s", n.ClientAddr, n.DNSAddr)
	}
	if z := n.Zones(); !slices.Equal(z, []string{"example.test.", "school.test."}) {
		t.Errorf("zones %v", z)
	}
}

func TestSharedPlanGivesEveryHostOneAddress(t *testing.T) {
	p := NewPlan(netip.MustParsePrefix("127.99.2.0/24"), true)
	a, _ := p.Next()
	b, _ := p.Next()
	if a != b || a.String() != "127.0.0.1" || p.DNS() != a || p.Client() != a {
		t.Fatalf("shared plan: %s %s %s", a, b, p.DNS())
	}
}

func TestRunPrefixesDiffer(t *testing.T) {
	a, b := RunPrefix(), RunPrefix()
	if a == b || !a.Addr().IsLoopback() {
		t.Fatalf("run prefixes %s %s", a, b)
	}
}

func TestPlanSkipsDNSAndEndsAtTheEdge(t *testing.T) {
	p := NewPlan(netip.MustParsePrefix("127.99.3.0/24"), false)
	var last netip.Addr
	for i := 0; ; i++ {
		a, err := p.Next()
		if err != nil {
			if i < 200 {
				t.Fatalf("plan full after %d hosts: %v", i, err)
			}
			break
		}
		if a == p.DNS() || a == p.Client() {
			t.Fatalf("host got a reserved address %s", a)
		}
		last = a
	}
	if last.As4()[3] != 254 {
		t.Fatalf("last host %s", last)
	}
}

// The plan holds exactly as many hosts as validate lets a scenario have.
func TestPlanCapacityMatchesValidate(t *testing.T) {
	p := NewPlan(netip.MustParsePrefix("127.27.0.0/24"), false)
	n := 0
	for ; ; n++ {
		if _, err := p.Next(); err != nil {
			break
		}
	}
	if n != scenarios.MaxHosts {
		t.Fatalf("plan holds %d hosts, scenarios.MaxHosts is %d", n, scenarios.MaxHosts)
	}
}
