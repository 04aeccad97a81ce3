package fault

import (
	"testing"
	"time"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/topology"
)

var start = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// inject compiles faults as a run starting at start would, on a clock
// that now reads.
func inject(t *testing.T, seed int64, now func() time.Time, faults ...scenarios.Fault) *Injector {
	t.Helper()
	var out []topology.Fault
	for _, f := range faults {
		c, err := topology.CompileFault(f, start)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return New(out, seed, now)
}

func atStart() time.Time { return start }

func TestSMTPFaultsStrikeByHostStageTimesAndRecipient(t *testing.T) {
	in := inject(t, 1, atStart,
		scenarios.Fault{Host: "mx.school.test", Stage: "rcpt", Times: 2, Reply: &scenarios.Reply{Code: 451, Enhanced: "4.7.1", Text: "Greylisted"}},
		scenarios.Fault{Host: "mx.school.test", Stage: "rcpt", Recipient: "carol@school.test", Reply: &scenarios.Reply{Code: 550}},
		scenarios.Fault{Host: "mx.school.test", Stage: "connect", Effect: "refuse", Port: 25},
		scenarios.Fault{Host: "mx.school.test", Stage: "data", Effect: "slow", Delay: "10m"},
		scenarios.Fault{Host: "mx.school.test", Stage: "greeting"},
	)
	for i, want := range []int{451, 451, 0} {
		f := in.SMTPAt("MX.school.test", "rcpt", 25, "bob@school.test")
		got := 0
		if f != nil && f.Reply != nil {
			got = f.Reply.Code
		}
		if got != want {
			t.Fatalf("rcpt try %d: got %d, want %d", i+1, got, want)
		}
	}
	if f := in.SMTPAt("mx.school.test", "rcpt", 25, "carol@school.test"); f == nil || f.Reply.Code != 550 ||
		f.Reply.Message == "" {
		t.Fatalf("recipient fault: %+v", f)
	}
	if f := in.SMTPAt("mx.school.test", "connect", 587, ""); f != nil {
		t.Fatal("port-25 fault struck port 587")
	}
	if f := in.SMTPAt("mx.school.test", "connect", 25, ""); f == nil || f.Effect != "refuse" || f.Reply != nil {
		t.Fatalf("connect fault: %+v", f)
	}
	if f := in.SMTPAt("mx.school.test", "data", 25, ""); f == nil || f.Reply != nil || f.Delay.Minutes() != 10 {
		t.Fatalf("slow fault: %+v", f)
	}
	if f := in.SMTPAt("mx.school.test", "greeting", 25, ""); f == nil || f.Reply.Code != 554 {
		t.Fatalf("greeting default reply: %+v", f)
	}
	if f := in.SMTPAt("other.test", "rcpt", 25, ""); f != nil {
		t.Fatal("fault struck another host")
	}
	var nilInjector *Injector
	if nilInjector.SMTPAt("x", "rcpt", 25, "") != nil || nilInjector.DNSFor("x", "MX") != nil {
		t.Fatal("a nil injector strikes")
	}
}

func TestProbabilityIsSeeded(t *testing.T) {
	run := func(seed int64) []bool {
		in := inject(t, seed, atStart, scenarios.Fault{DNS: "school.test", Answer: "servfail", Probability: 0.5})
		var out []bool
		for i := 0; i < 40; i++ {
			out = append(out, in.DNSFor("School.Test.", "MX") != nil)
		}
		return out
	}
	a, b, c := run(7), run(7), run(8)
	hits := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed, different strikes")
		}
		if a[i] {
			hits++
		}
	}
	if hits == 0 || hits == len(a) {
		t.Fatalf("probability 0.5 struck %d of %d", hits, len(a))
	}
	same := true
	for i := range a {
		same = same && a[i] == c[i]
	}
	if same {
		t.Fatal("another seed gave the same strikes")
	}
}

func TestDNSFaultsMatchNameAndType(t *testing.T) {
	in := inject(t, 1, atStart, scenarios.Fault{DNS: "school.test", Type: "MX", Answer: "nxdomain", Times: 1})
	if in.DNSFor("school.test.", "A") != nil {
		t.Fatal("MX fault struck an A question")
	}
	if f := in.DNSFor("school.test.", "MX"); f == nil || f.Answer != "nxdomain" {
		t.Fatalf("got %+v", f)
	}
	if in.DNSFor("school.test.", "MX") != nil {
		t.Fatal("times: 1 struck twice")
	}
}

// A window bounds a fault in simulated time: it strikes only while the
// clock reads inside it, and its times count only strikes inside it.
func TestWindowBoundsAFaultInSimulatedTime(t *testing.T) {
	now := start
	clock := func() time.Time { return now }
	in := inject(t, 1, clock,
		scenarios.Fault{Host: "mx.school.test", Stage: "connect", Effect: "refuse", From: "10:00", For: "3h"},
		scenarios.Fault{DNS: "school.test", Answer: "servfail", From: "+30m", Until: "10:00", Times: 1},
	)
	for _, c := range []struct {
		at        string
		smtp, dns bool
	}{
		{"09:00", false, false}, {"09:30", false, true}, {"09:45", false, false}, // times: 1 used up
		{"10:00", true, false}, {"12:59", true, false}, {"13:00", false, false},
	} {
		at, _ := time.Parse("15:04", c.at)
		now = time.Date(2026, 1, 5, at.Hour(), at.Minute(), 0, 0, time.UTC)
		if got := in.SMTPAt("mx.school.test", "connect", 25, "") != nil; got != c.smtp {
			t.Errorf("%s: connect fault struck %v, want %v", c.at, got, c.smtp)
		}
		if got := in.DNSFor("school.test", "MX") != nil; got != c.dns {
			t.Errorf("%s: DNS fault struck %v, want %v", c.at, got, c.dns)
		}
	}
}

// A host or name without a fault is answered from the index: no lock, no
// allocation, as for every question of a run without faults.
func TestNoFaultCostsNothing(t *testing.T) {
	in := inject(t, 1, atStart,
		scenarios.Fault{Host: "mx.school.test", Stage: "rcpt", Reply: &scenarios.Reply{Code: 451}},
		scenarios.Fault{DNS: "school.test", Type: "MX", Answer: "servfail"})
	allocs := testing.AllocsPerRun(100, func() {
		if in.SMTPAt("mail.example.test", "rcpt", 25, "bob@school.test") != nil ||
			in.DNSFor("example.test.", "MX") != nil {
			t.Fatal("a fault struck a host without one")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per question without a fault", allocs)
	}
	if in.SMTPAt("MX.School.test", "rcpt", 25, "") == nil || in.DNSFor("SCHOOL.test.", "MX") == nil {
		t.Error("the index hides a fault")
	}
	var none *Injector
	if none.SMTPAt("x", "rcpt", 25, "") != nil || New(nil, 1, atStart).DNSFor("x.", "A") != nil {
		t.Error("no injector, no fault")
	}
}
