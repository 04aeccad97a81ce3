package mailauth

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/authres"
	"github.com/miekg/dns"
	"go.uber.org/goleak"

	"github.com/mailflow/mailflow/sim/dnsd"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Addresses of the test internet: the DNS server answers for them, nothing
// listens on them.
var (
	exampleIP = netip.MustParseAddr("127.0.0.10")
	schoolIP  = netip.MustParseAddr("127.0.0.11")
	otherIP   = netip.MustParseAddr("127.0.0.99")
)

// world is a DNS server with example.test and school.test as a scenario
// would publish them, plus extra records, and the faults a test sets.
type world struct {
	res    *Resolver
	key    *Key
	mu     sync.Mutex
	asked  []string
	faults map[string]*dnsd.Fault // "name TYPE" → fault
}

func newWorld(t *testing.T, extra ...string) *world {
	t.Helper()
	w := &world{key: NewKey(1, "mail.example.test", "example.test", "mail", false), faults: map[string]*dnsd.Fault{}}
	lines := []string{
		"example.test. 300 IN MX 10 mail.example.test.",
		"mail.example.test. 300 IN A " + exampleIP.String(),
		"school.test. 300 IN MX 10 mail.school.test.",
		"mail.school.test. 300 IN A " + schoolIP.String(),
		`example.test. 300 IN TXT "v=spf1 mx -all"`,
		`_dmarc.example.test. 300 IN TXT "v=DMARC1; p=none"`,
		fmt.Sprintf("%s. 300 IN TXT %q", w.key.RecordName(), w.key.Record()),
	}
	lines = append(lines, extra...)
	var rrs []dns.RR
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		rrs = append(rrs, rr)
	}
	srv, err := dnsd.Start(dnsd.Config{Zones: []string{"example.test", "school.test", "loop.test"}, Records: rrs,
		Faults: func(q dns.Question) *dnsd.Fault {
			w.mu.Lock()
			defer w.mu.Unlock()
			return w.faults[strings.ToLower(q.Name)+" "+dns.TypeToString[q.Qtype]]
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	w.res = &Resolver{Server: srv.Addr(), Timeout: 300 * time.Millisecond, Observe: func(x Exchange) {
		w.mu.Lock()
		w.asked = append(w.asked, x.Type+" "+x.Name+" "+x.Rcode)
		w.mu.Unlock()
	}}
	return w
}

func (w *world) fault(name, typ string, f *dnsd.Fault) {
	w.mu.Lock()
	w.faults[dns.Fqdn(name)+" "+typ] = f
	w.mu.Unlock()
}

func message(from string) []byte {
	return []byte("From: " + from + "\r\nTo: bob@school.test\r\nSubject: Homework\r\n" +
		"Date: Mon, 05 Jan 2026 09:00:00 +0000\r\nMessage-ID: <1@example.test>\r\n\r\nHi Bob\r\n")
}

func (w *world) signed(t *testing.T, from string) []byte {
	t.Helper()
	m, err := w.key.Sign(message(from), signTime)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (w *world) verify(in Input) Results {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return Verify(ctx, w.res, in)
}

func expect(t *testing.T, what string, c Check, result, reason string) {
	t.Helper()
	if c.Result != result || !strings.Contains(c.Reason, reason) {
		t.Errorf("%s = %s (%s); want %s with %q", what, c.Result, c.Reason, result, reason)
	}
}

func TestAllPass(t *testing.T) {
	w := newWorld(t)
	r := w.verify(Input{IP: exampleIP, Helo: "mail.example.test", MailFrom: "alice@example.test",
		Message: w.signed(t, "Alice <alice@example.test>")})
	expect(t, "spf", r.SPF, Pass, "matched mx")
	expect(t, "dkim", r.DKIM, Pass, "mail._domainkey.example.test")
	expect(t, "dmarc", r.DMARC, Pass, "aligned")
	if r.DMARC.Disposition != "none" || r.DMARC.Policy != "none" {
		t.Errorf("dmarc policy %q disposition %q", r.DMARC.Policy, r.DMARC.Disposition)
	}
	// The questions go out in one fixed order: SPF, the key, DMARC.
	want := []string{"TXT example.test. NOERROR", "MX example.test. NOERROR", "A mail.example.test. NOERROR",
		"TXT mail._domainkey.example.test. NOERROR", "TXT _dmarc.example.test. NOERROR"}
	if strings.Join(w.asked, "|") != strings.Join(want, "|") {
		t.Errorf("asked:\n%s\nwant:\n%s", strings.Join(w.asked, "\n"), strings.Join(want, "\n"))
	}
	h := r.Header("mail.school.test", "alice@example.test")
	id, results, err := authres.Parse(strings.TrimSpace(strings.TrimPrefix(h, "Authentication-Results:")))
	if err != nil || id != "mail.school.test" || len(results) != 3 {
		t.Fatalf("header %q: parsed %q %v %v", h, id, results, err)
	}
	for _, want := range []string{"spf=pass smtp.mailfrom=alice@example.test", "dkim=pass header.d=example.test",
		"dmarc=pass header.from=example.test"} {
		if !strings.Contains(h, want) {
			t.Errorf("header lacks %q:\n%s", want, h)
		}
	}
}

// The seed's send-as problem: a school address sent through example.test's
// server. SPF fails for school.test, the signature is example.test's, so
// nothing aligned passes and school.test's policy rejects.
func TestSendAsOtherDomainFailsDMARC(t *testing.T) {
	w := newWorld(t, `school.test. 300 IN TXT "v=spf1 mx -all"`, `_dmarc.school.test. 300 IN TXT "v=DMARC1; p=reject"`)
	r := w.verify(Input{IP: exampleIP, Helo: "mail.example.test", MailFrom: "principal@school.test",
		Message: w.signed(t, "principal@school.test")})
	expect(t, "spf", r.SPF, Fail, "ends in -all")
	expect(t, "dkim", r.DKIM, Pass, "example.test")
	expect(t, "dmarc", r.DMARC, Fail, "DKIM passed for example.test, which is not aligned with school.test")
	if r.DMARC.Disposition != "reject" {
		t.Errorf("disposition %q, want reject", r.DMARC.Disposition)
	}
	if h := r.Header("mail.school.test", "principal@school.test"); !strings.Contains(h, `dmarc=fail reason="p=reject" header.from=school.test`) {
		t.Errorf("header:\n%s", h)
	}
}

func TestQuarantineStrictAndSubdomain(t *testing.T) {
	w := newWorld(t, `_dmarc.school.test. 300 IN TXT "v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=s"`,
		`school.test. 300 IN TXT "v=spf1 a:mail.example.test -all"`)
	// SPF passes for school.test but the From: is a subdomain: strict
	// alignment refuses it, and the subdomain policy applies.
	r := w.verify(Input{IP: exampleIP, Helo: "mail.example.test", MailFrom: "x@school.test",
		Message: message("news@lists.school.test")})
	expect(t, "spf", r.SPF, Pass, "matched a")
	expect(t, "dkim", r.DKIM, None, "no DKIM signature")
	expect(t, "dmarc", r.DMARC, Fail, "not aligned with lists.school.test (strict)")
	if r.DMARC.Policy != "quarantine" || r.DMARC.Disposition != "quarantine" {
		t.Errorf("policy %q disposition %q, want quarantine", r.DMARC.Policy, r.DMARC.Disposition)
	}
	// relaxed alignment (the default) lets the organizational domain count
	w2 := newWorld(t, `_dmarc.school.test. 300 IN TXT "v=DMARC1; p=reject"`,
		`school.test. 300 IN TXT "v=spf1 a:mail.example.test -all"`)
	r = w2.verify(Input{IP: exampleIP, Helo: "mail.example.test", MailFrom: "x@school.test",
		Message: message("news@lists.school.test")})
	expect(t, "dmarc", r.DMARC, Pass, "SPF passed for school.test, aligned (relaxed)")
}

func TestBodyChangedFailsDKIM(t *testing.T) {
	w := newWorld(t)
	m := append(w.signed(t, "alice@example.test"), "-- \r\nThe school list\r\n"...)
	r := w.verify(Input{IP: schoolIP, Helo: "mail.school.test", MailFrom: "SRS0=x=y=example.test=alice@school.test", Message: m})
	expect(t, "dkim", r.DKIM, Fail, "body was changed")
	expect(t, "dmarc", r.DMARC, Fail, "no DKIM signature passed")
	if r.DMARC.Disposition != "none" {
		t.Errorf("p=none gave disposition %q", r.DMARC.Disposition)
	}
}

func TestNothingPublished(t *testing.T) {
	w := newWorld(t)
	r := w.verify(Input{IP: otherIP, Helo: "client", MailFrom: "bob@school.test", Message: message("bob@school.test")})
	expect(t, "spf", r.SPF, None, "school.test publishes no SPF record")
	expect(t, "dkim", r.DKIM, None, "no DKIM signature")
	expect(t, "dmarc", r.DMARC, None, "publishes no DMARC record")
	// A bounce: SPF checks the HELO name.
	r = w.verify(Input{IP: exampleIP, Helo: "example.test", MailFrom: "", Message: message("mailer-daemon@example.test")})
	expect(t, "spf", r.SPF, Pass, "matched mx in the SPF record of example.test")
}

// Hostile records get RFC 7208's answers, never a hang.
func TestHostileSPF(t *testing.T) {
	hosts := []string{}
	for i := 1; i <= 11; i++ {
		hosts = append(hosts, fmt.Sprintf("h%d.loop.test. 300 IN A 127.0.0.%d", i, 200+i))
	}
	w := newWorld(t, append(hosts,
		`loop.test. 300 IN TXT "v=spf1 include:loop.test -all"`,
		`a1.loop.test. 300 IN TXT "v=spf1 include:a2.loop.test -all"`,
		`a2.loop.test. 300 IN TXT "v=spf1 include:a1.loop.test -all"`,
		`many.loop.test. 300 IN TXT "v=spf1 a:h1.loop.test a:h2.loop.test a:h3.loop.test a:h4.loop.test a:h5.loop.test a:h6.loop.test a:h7.loop.test a:h8.loop.test a:h9.loop.test a:h10.loop.test a:h11.loop.test -all"`,
		`bad.loop.test. 300 IN TXT "v=spf1 ip4:300.1.1.1 -all"`,
		`two.loop.test. 300 IN TXT "v=spf1 -all"`,
		`two.loop.test. 300 IN TXT "v=spf1 +all"`,
		`void.loop.test. 300 IN TXT "v=spf1 a:n1.loop.test a:n2.loop.test a:n3.loop.test -all"`,
		`noinc.loop.test. 300 IN TXT "v=spf1 include:nothing.loop.test -all"`,
	)...)
	cases := []struct{ domain, result, reason string }{
		{"loop.test", PermError, "more than 10 DNS lookups"},
		{"a1.loop.test", PermError, "more than 10 DNS lookups"},
		{"many.loop.test", PermError, "more than 10 DNS lookups"},
		{"bad.loop.test", PermError, "cannot be used"},
		{"two.loop.test", PermError, "more than one SPF record"},
		{"void.loop.test", PermError, "found nothing"},
		{"noinc.loop.test", PermError, ""},
	}
	for _, c := range cases {
		start := time.Now()
		r := w.verify(Input{IP: otherIP, Helo: "x.test", MailFrom: "u@" + c.domain, Message: message("u@" + c.domain)})
		expect(t, c.domain, r.SPF, c.result, c.reason)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s took %s", c.domain, d)
		}
	}
}

func TestHostileDMARCAndKeys(t *testing.T) {
	w := newWorld(t,
		`_dmarc.school.test. 300 IN TXT "v=DMARC1; p=block"`,
		`school.test. 300 IN TXT "v=spf1 -all"`)
	r := w.verify(Input{IP: schoolIP, Helo: "mail.school.test", MailFrom: "bob@school.test", Message: message("bob@school.test")})
	expect(t, "dmarc", r.DMARC, PermError, "cannot be used")
	// A signature whose key record is garbage, and one whose key is missing.
	w2 := newWorld(t, `bad._domainkey.school.test. 300 IN TXT "v=DKIM1; k=ed25519; p=!!!"`)
	k := NewKey(1, "mail.school.test", "school.test", "bad", false)
	m, _ := k.Sign(message("bob@school.test"), signTime)
	k2 := NewKey(1, "mail.school.test", "school.test", "gone", false)
	m, _ = k2.Sign(m, signTime)
	r = w2.verify(Input{IP: schoolIP, Helo: "mail.school.test", MailFrom: "bob@school.test", Message: m})
	if len(r.DKIMs) != 2 {
		t.Fatalf("got %d signatures checked, want 2: %+v", len(r.DKIMs), r.DKIMs)
	}
	expect(t, "dkim gone", r.DKIMs[0], PermError, "no key")
	expect(t, "dkim bad", r.DKIMs[1], PermError, "key syntax")
}

func TestDNSTroubleIsTempError(t *testing.T) {
	w := newWorld(t)
	w.fault("example.test", "TXT", &dnsd.Fault{Rcode: dns.RcodeServerFailure})
	w.fault("_dmarc.example.test", "TXT", &dnsd.Fault{Drop: true})
	w.fault("mail._domainkey.example.test", "TXT", &dnsd.Fault{Rcode: dns.RcodeServerFailure})
	r := w.verify(Input{IP: exampleIP, Helo: "mail.example.test", MailFrom: "alice@example.test",
		Message: w.signed(t, "alice@example.test")})
	expect(t, "spf", r.SPF, TempError, "DNS did not answer")
	expect(t, "dkim", r.DKIM, TempError, "could not be fetched")
	expect(t, "dmarc", r.DMARC, TempError, "DNS did not answer")
}

func TestAuthHeader(t *testing.T) {
	h := AuthHeader("mail.example.test", "alice@example.test")
	if h != "Authentication-Results: mail.example.test;\r\n\tauth=pass smtp.auth=alice@example.test\r\n" {
		t.Errorf("%q", h)
	}
}
