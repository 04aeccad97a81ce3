package mailauth

import (
	"strings"
	"testing"
)

func TestCheckSPF(t *testing.T) {
	good := []string{
		"v=spf1", "v=spf1 -all", "v=spf1 mx -all", "V=SPF1 MX ~ALL", "v=spf1 a mx ip4:127.100.100.0/24 ip6:::1 include:isp.test ?all",
		"v=spf1 a:mail.example.test/24 mx/24//64 -all", "v=spf1 redirect=_spf.example.test", "v=spf1 exists:%{i}._spf.%{d} -all",
		"v=spf1 mx exp=explain.example.test -all", "v=spf1 ptr -all", "v=spf1 mx  -all", "v=spf1 mx unknown-mod=%{d} -all",
	}
	for _, s := range good {
		if err := CheckSPF(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	bad := []struct {
		rec, msg string
		offset   int
	}{
		{"spf1 mx -all", "starts with", 0},
		{"v=spf2 mx", "starts with", 0},
		{"v=spf1 mx -al", `"-al": unknown mechanism`, 10},
		{"v=spf1 ip4:300.0.0.1 -all", "not an IPv4 address", 7},
		{"v=spf1 ip4:::1", "not an IPv4 address", 7},
		{"v=spf1 ip4:10.0.0.0/33", "out of range", 7},
		{"v=spf1 include -all", "needs a domain", 7},
		{"v=spf1 include:localhost", "not a fully qualified domain", 7},
		{"v=spf1 redirect=a.test redirect=b.test", "twice", 23},
		{"v=spf1 all:x", "takes no argument", 7},
		{"v=spf1 a:", "needs a domain", 7},
		{"v=spf1 mx/99", "out of range", 7},
		{"v=spf1 exists:%{z}.test", "not a domain or macro", 7},
	}
	for _, c := range bad {
		err := CheckSPF(c.rec)
		re, ok := err.(*RecordError)
		if !ok || !strings.Contains(re.Msg, c.msg) || re.Offset != c.offset {
			t.Errorf("%q: got %v (%T), want %q at %d", c.rec, err, err, c.msg, c.offset)
		}
	}
}

func TestCheckDMARC(t *testing.T) {
	good := []string{"v=DMARC1; p=none", "v=DMARC1; p=reject;", "v=DMARC1;p=quarantine;sp=none;adkim=s;aspf=r;pct=50;fo=0:d;rua=mailto:d@example.test"}
	for _, s := range good {
		if err := CheckDMARC(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	bad := []struct {
		rec, msg string
		offset   int
	}{
		{"p=reject", "starts with", 0},
		{"v=DMARC1", "needs a policy", 8},
		{"v=DMARC1; adkim=s; p=none", "must be p=", 10},
		{"v=DMARC1; p=block", "p=block: use none, quarantine, reject", 10},
		{"v=DMARC1; p=none; pct=150", "pct=150", 18},
		{"v=DMARC1; p=none; adkim=x", "relaxed or strict", 18},
		{"v=DMARC1; p=none; color=blue", `unknown tag "color"`, 18},
		{"v=DMARC1; p=none; junk", "not a tag=value", 18},
	}
	for _, c := range bad {
		err := CheckDMARC(c.rec)
		re, ok := err.(*RecordError)
		if !ok || !strings.Contains(re.Msg, c.msg) || re.Offset != c.offset {
			t.Errorf("%q: got %v, want %q at %d", c.rec, err, c.msg, c.offset)
		}
	}
}
