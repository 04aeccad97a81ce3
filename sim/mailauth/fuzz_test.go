package mailauth

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// memDNS is an in-memory DNS for the fuzzer: TXT records from the fuzzed
// input, fixed MX and A records, and a count of the questions.
type memDNS struct {
	txt   map[string][]string
	asked atomic.Int64
}

func (m *memDNS) notFound(name string) error {
	return &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (m *memDNS) LookupTXT(_ context.Context, name string) ([]string, error) {
	m.asked.Add(1)
	if t, ok := m.txt[strings.ToLower(strings.TrimSuffix(name, "."))]; ok {
		return t, nil
	}
	return nil, m.notFound(name)
}

func (m *memDNS) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	m.asked.Add(1)
	if strings.HasSuffix(strings.ToLower(strings.TrimSuffix(name, ".")), "example.test") {
		return []*net.MX{{Host: "mail.example.test.", Pref: 10}}, nil
	}
	return nil, m.notFound(name)
}

func (m *memDNS) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	m.asked.Add(1)
	if strings.HasPrefix(strings.ToLower(host), "mail.example.test") {
		return []net.IPAddr{{IP: net.IP(exampleIP.AsSlice())}}, nil
	}
	return nil, m.notFound(host)
}

func (m *memDNS) LookupAddr(context.Context, string) ([]string, error) {
	m.asked.Add(1)
	return nil, m.notFound("")
}

var results = map[string]bool{Pass: true, Fail: true, SoftFail: true, Neutral: true, None: true, TempError: true, PermError: true}

// FuzzVerify feeds hostile SPF, DMARC and DKIM key records (and messages)
// to the checks: they must end, within the RFC's lookup limits, with one of
// the RFC's results, never a panic; and a DMARC record the scenario check
// accepts never ends in permerror.
func FuzzVerify(f *testing.F) {
	f.Add("v=spf1 mx -all", "v=spf1 include:example.test ~all", "v=DMARC1; p=reject", "v=DKIM1; k=ed25519; p=", "body")
	f.Add("v=spf1 include:inc.example.test -all", "v=spf1 include:example.test -all", "v=DMARC1; p=quarantine; adkim=s", "v=DKIM1; p=AAAA", "")
	f.Add("v=spf1 redirect=inc.example.test", "v=spf1 redirect=example.test", "v=DMARC1; p=none; pct=50", "k=rsa; p=MIIB", "x")
	f.Add("v=spf1 a:%{d}.%{i}.example.test exists:%{l}.x.example.test ?all", "v=spf1 ptr -all", "v=DMARC1;p=block", "", "x")
	f.Add("v=spf1 mx mx mx mx mx mx mx mx mx mx mx -all", "", "v=DMARC1", "v=DKIM1; k=ed25519; p=MCowBQYDK2VwAyEA", "\r\n.\r\n")
	key := NewKey(1, "mail.example.test", "example.test", "mail", false)
	f.Fuzz(func(t *testing.T, spfMain, spfInc, dmarcRec, keyRec, body string) {
		d := &memDNS{txt: map[string][]string{
			"example.test":                 {spfMain},
			"inc.example.test":             {spfInc},
			"_dmarc.example.test":          {dmarcRec},
			"mail._domainkey.example.test": {keyRec},
		}}
		_ = CheckSPF(spfMain)
		dmarcErr := CheckDMARC(dmarcRec)
		msg := []byte("From: alice@example.test\r\nSubject: fuzz\r\n\r\n" + body)
		if signed, err := key.Sign(msg, signTime); err == nil {
			msg = signed
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		r := Verify(ctx, d, Input{IP: exampleIP, Helo: "mail.example.test", MailFrom: "alice@example.test", Message: msg})
		if time.Since(start) > 2*time.Second {
			t.Fatalf("took %s", time.Since(start))
		}
		for _, c := range []Check{r.SPF, r.DKIM, r.DMARC} {
			if !results[c.Result] {
				t.Fatalf("result %q is none of RFC 8601's", c.Result)
			}
		}
		// 10 mechanisms that look up, each mx at most 10 hosts with an A
		// and an AAAA question, plus the record itself; a key; DMARC twice.
		if n := d.asked.Load(); n > 10*(1+10*2)+1+1+2 {
			t.Fatalf("%d DNS questions", n)
		}
		if dmarcErr == nil && r.DMARC.Result == PermError {
			t.Fatalf("the scenario check accepts %q, the verifier says permerror: %s", dmarcRec, r.DMARC.Reason)
		}
		_ = r.Header("mail.school.test", "alice@example.test")
	})
}
