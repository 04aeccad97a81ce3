package topology

import (
	"strings"
	"testing"
)

func TestSenderAuthRecords(t *testing.T) {
	n := build(t, `
seed: 7
domains:
  - name: example.test
    users: [{name: alice}]
  - name: school.test
    users: [{name: bob}]
    spf: "v=spf1 mx ~all"
    dmarc: "v=DMARC1; p=reject"
    hosts:
      - {name: mx1.school.test, mx: 10, mailboxes: false}
      - {name: mx2.school.test, mx: 20, mailboxes: false}
      - {name: store.school.test, mailboxes: true}
  - name: isp.test
    hosts: [{name: relay.isp.test, mx: 10}]
    dmarc: none
    dns:
      - {name: "@", type: TXT, value: "v=spf1 a:relay.isp.test -all"}
  - name: home.test
    hosts:
      - {name: mx.home.test, mx: 10}
      - {name: out.home.test, mailboxes: false}
servers:
  - {host: mx1.school.test, dkim: {selector: s2026}}
  - {host: mx2.school.test, dkim: {sign: false}, sender_auth: {spf_fail: reject, dmarc: report}}
  - {host: store.school.test, dkim: {broken: true}, footer: "-- the school list"}
  - {host: out.home.test, relay_to: relay.isp.test}
`)
	var recs []string
	for _, r := range n.Records {
		recs = append(recs, r.String())
	}
	all := strings.Join(recs, "\n")
	ex := n.Host("mail.example.test")
	for _, want := range []string{
		`example.test. 300 IN TXT "v=spf1 mx -all"`,
		`_dmarc.example.test. 300 IN TXT "v=DMARC1; p=none"`,
		`mail.example.test. 300 IN TXT "v=spf1 a -all"`,
		`mail._domainkey.example.test. 300 IN TXT "` + ex.Auth.DKIM.Record() + `"`,
		`school.test. 300 IN TXT "v=spf1 mx ~all"`,
		`_dmarc.school.test. 300 IN TXT "v=DMARC1; p=reject"`,
		`s2026._domainkey.school.test.`,
		`store._domainkey.school.test.`,
		`home.test. 300 IN TXT "v=spf1 mx a:out.home.test a:relay.isp.test -all"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("records lack %q:\n%s", want, all)
		}
	}
	for _, not := range []string{`isp.test. 300 IN TXT "v=spf1 mx`, "_dmarc.isp.test", "mx2._domainkey"} {
		if strings.Contains(all, not) {
			t.Errorf("records have %q:\n%s", not, all)
		}
	}
	if ex.Auth.DKIM == nil || ex.Auth.DKIM.Domain != "example.test" || ex.Auth.DKIM.Selector != "mail" {
		t.Errorf("example.test's key: %+v", ex.Auth.DKIM)
	}
	if k := n.Host("mx2.school.test").Auth; k.DKIM != nil || k.SenderAuth != (SenderAuth{Verify: true, SPFFail: "reject", DMARC: "report"}) {
		t.Errorf("mx2: %+v", k)
	}
	if ex.Auth.SenderAuth != (SenderAuth{Verify: true, SPFFail: "accept", DMARC: "enforce"}) {
		t.Errorf("defaults: %+v", ex.Auth.SenderAuth)
	}
	store := n.Host("store.school.test").Auth
	if store.Footer != "-- the school list" || store.DKIM == nil {
		t.Errorf("store: %+v", store)
	}
	// the same seed, the same keys; the broken one publishes another
	again := build(t, "seed: 7\ndomains: [{name: example.test}]\n")
	if again.Host("mail.example.test").Auth.DKIM.Record() != ex.Auth.DKIM.Record() {
		t.Error("keys differ between two builds with one seed")
	}
	if !strings.Contains(all, store.DKIM.RecordName()+". 300 IN TXT \""+store.DKIM.Record()) {
		t.Error("the broken key's record is missing")
	}
}

func TestDefaultSelectorsAreNumbered(t *testing.T) {
	taken := map[string]bool{}
	var got []string
	for _, h := range []string{"mx.a.school.test", "mx.b.school.test", "mx.c.school.test"} {
		s := defaultSelector(h, taken)
		taken[s] = true
		got = append(got, s)
	}
	if strings.Join(got, ",") != "mx,mx2,mx3" {
		t.Errorf("selectors %v", got)
	}
}
