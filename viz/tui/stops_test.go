package tui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
)

// Space stops just after a failure with the ✗ in the strip and its reason,
// before anything else happens: nxdomain's step 4 shows the NXDOMAIN, not a
// blank strip; unknown-user-bounce stops at the refusal, before the bounce.
func TestSpaceStopsAtFailures(t *testing.T) {
	cases := []struct {
		trace string
		lang  narrate.Lang
		// before: the strip's second line at the stop before the failing
		// step; then the strip at the failure, and what must not show yet.
		before, box, reason, notYet string
	}{
		{"nxdomain.jsonl", narrate.English, "⏸ next: Step 4 · DNS lookup of the MX",
			"✗4 DNS MX", "✗ Step 4: DNS NXDOMAIN (students.school.test MX): no such domain", "sends alice@example.test a bounce"},
		{"nxdomain.jsonl", narrate.Vietnamese, "⏸ tiếp theo: Bước 4 · truy vấn DNS bản ghi MX",
			"✗4 hỏi DNS", "✗ Bước 4: DNS NXDOMAIN (students.school.test MX): tên miền không tồn tại", "m1.bounce"},
		{"unknown-user-bounce.jsonl", narrate.English, "⏸ next: Step 6 · check user and store in mailbox",
			"✗6 mailbox", "✗ Step 6: 550 5.1.1 No such user here (at RCPT)", "sends alice@example.test a bounce"},
	}
	for _, c := range cases {
		t.Run(c.trace+"/"+string(c.lang), func(t *testing.T) {
			s := newTestScreen(160, 40)
			s, stop := startReplay(t, Options{Lang: c.lang, Screen: s}, loadTrace(t, c.trace))
			defer stop()
			// Press by press, each waiting for the view to move on.
			txt := s.waitText(t, wordsFor(c.lang).next)
			for !strings.Contains(stripLines(txt), c.before) {
				prev := position.FindString(txt)
				s.rune(' ')
				txt = s.waitFor(t, "the next stop", func(txt string) bool { return position.FindString(txt) != prev })
				if strings.Contains(txt, "✔ ") {
					t.Fatalf("never stopped before the failing step:\n%s", txt)
				}
			}
			s.rune(' ')
			txt = s.waitFor(t, c.box, func(txt string) bool { return strings.Contains(stripLines(txt), c.box) })
			if !strings.Contains(stripLines(txt), c.reason) {
				t.Errorf("the strip should say why:\n%s", stripLines(txt))
			}
			if strings.Contains(txt, c.notYet) {
				t.Errorf("the view went past the failure (%q shows):\n%s", c.notYet, txt)
			}
			if strings.Contains(stripLines(txt), wordsFor(c.lang).next+":") {
				t.Errorf("at the failure the strip should not announce a step yet:\n%s", stripLines(txt))
			}
		})
	}
}

// position finds the replay's place in the header: "event 12/27".
var position = regexp.MustCompile(`[0-9]+/[0-9]+`)

// spoiler matches what an announcement of the next step must not say: a
// reply code, an enhanced status, a decision, a refusal.
var spoiler = regexp.MustCompile(`\b[2-5][0-9][0-9]\b|\b[245]\.[0-9]+\.[0-9]+\b|→|refuses|NXDOMAIN|SERVFAIL|relay it|locally`)

// At every stop of every trace, the strip and the log announce the coming
// step by its number and name only, in both languages.
func TestNextNamesTheStepOnly(t *testing.T) {
	traces := []string{"cross-domain.jsonl", "same-domain.jsonl", "unknown-user.jsonl", "nxdomain.jsonl",
		"retry-bounce.jsonl", "dns-servfail-retry.jsonl", "open-relay-closed.jsonl", "pop3-vs-imap.jsonl",
		"unknown-user-bounce.jsonl", "greylisting.jsonl"}
	for _, trace := range traces {
		tl := NewTimeline(loadTrace(t, trace))
		stops := 0
		for k := tl.First(); k < tl.Len(); k = tl.Next(k) {
			if !tl.StartsAt(k) {
				continue
			}
			stops++
			next := tl.At(k)
			m := Fold(nil, tl.Events(k))
			for _, lang := range []narrate.Lang{narrate.English, narrate.Vietnamese} {
				w := wordsFor(lang)
				want := fmt.Sprintf("⏸ %s: %s %d · %s", w.next, w.step, next.Step, narrate.StepName(lang, next.Step))
				log := strings.Split(plain(RenderLog(m, &next, Filter{}, lang, Theme{}, 100)), "\n")
				if got := log[len(log)-1]; got != want {
					t.Errorf("%s stop %d (%s): the log announces %q, want %q", trace, k, lang, got, want)
				}
				strip := strings.Split(plain(RenderStrip(m, next.Msg, &next, lang, Theme{}, 78)), "\n")[1]
				if got := strings.TrimSuffix(strip, "  "+w.press); got != want && m.JustFailed != next.Msg {
					t.Errorf("%s stop %d (%s): the strip announces %q, want %q", trace, k, lang, got, want)
				}
				if spoiler.MatchString(want) {
					t.Errorf("%s: the step's name gives its outcome away: %q", trace, want)
				}
			}
		}
		if stops == 0 {
			t.Errorf("%s: no stop", trace)
		}
	}
}

// A wait (451) stops once with ↻ and the reply; the retry then stops before
// step 4 again; the delivery clears the host's queue badge.
func TestGreylistingStopsAndQueueBadge(t *testing.T) {
	tl := NewTimeline(loadTrace(t, "greylisting.jsonl"))
	if got := stopsOf(tl, "m1"); got != "1 2 3 4 5 ↻ 4 5 6" {
		t.Errorf("greylisting stops: %s", got)
	}
	for k := tl.First(); k < tl.Len(); k = tl.Next(k) {
		if k > 0 && deferred(tl.At(k-1)) {
			m := Fold(nil, tl.Events(k))
			strip := plain(RenderStrip(m, "m1", nil, narrate.English, Theme{}, 78))
			if !strings.Contains(strip, "↻ Step 5: 451 4.7.1 Greylisted, please try again later (at RCPT)") {
				t.Errorf("at the 451:\n%s", strip)
			}
			break
		}
	}
	var queued bool
	for k := 1; k <= tl.Len(); k++ {
		m := Fold(nil, tl.Events(k))
		topo := plain(RenderTopology(m, narrate.English, Theme{}, 60))
		if strings.Contains(topo, "[queue 1]") {
			queued = true
		}
		if k == tl.Len() && strings.Contains(topo, "[queue") {
			t.Errorf("after the delivery the queue badge stays:\n%s", topo)
		}
	}
	if !queued {
		t.Error("while greylisted the sender's queue badge should show [queue 1]")
	}
}

// A host's queue counts what it still holds, per message and recipient.
func TestQueueBadgeCounts(t *testing.T) {
	ev := func(kind event.Kind, host, msg string, to ...string) event.Event {
		return event.Event{Kind: kind, Host: host, Msg: msg, To: to, Step: 5}
	}
	m := Fold(nil, []event.Event{
		ev(event.QueueDeferred, "mx.a.test", "m1", "bob@b.test", "carol@b.test"),
		ev(event.QueueDeferred, "mx.a.test", "m2", "dan@b.test"),
		ev(event.QueueDeferred, "mx.a.test", "m1", "bob@b.test"), // a retry deferred again
	})
	h := m.hosts["mx.a.test"]
	if h.Queued != 3 {
		t.Fatalf("queued %d, want 3", h.Queued)
	}
	m.Apply(ev(event.RelayDone, "mx.a.test", "m1", "bob@b.test"))
	m.Apply(ev(event.QueueFailed, "mx.a.test", "m2", "dan@b.test"))
	if h.Queued != 1 {
		t.Errorf("queued %d after one relayed and one given up, want 1", h.Queued)
	}
	m.Apply(event.Event{Kind: event.MailboxStore, Host: "mx.b.test", Msg: "m1", User: "carol@b.test", Step: 6})
	if h.Queued != 0 {
		t.Errorf("queued %d after the last was filed, want 0", h.Queued)
	}
}

// Live, the world itself waits at the failure: while the strip shows the
// NXDOMAIN, no bounce has been published yet.
func TestLiveWaitsAtTheFailure(t *testing.T) {
	r := startLive(t, "nxdomain", narrate.English, true)
	for step := 1; step <= 4; step++ {
		next := fmt.Sprintf("⏸ next: Step %d", step)
		r.s.waitFor(t, next, func(txt string) bool { return strings.Contains(stripLines(txt), next) })
		r.s.rune(' ')
	}
	r.s.waitFor(t, "the failure", func(txt string) bool {
		return strings.Contains(stripLines(txt), "✗ Step 4: DNS NXDOMAIN (students.school.test MX): no such domain")
	})
	for _, e := range r.n.Bus.History() {
		if e.Kind == event.QueueFailed || e.Kind == event.DSNSent {
			t.Fatalf("%s was published while the view stands at the failure", e.Kind)
		}
	}
	r.s.rune(' ')
	r.s.waitText(t, "⏸ next: Step 4", "Steps · m1.bounce")
	r.quit(t)
}

// The reason says what crossed the wire, or that nothing did.
func TestFailureReason(t *testing.T) {
	wire := event.Event{Kind: event.SMTPReply, Actor: "mail.school.test", Origin: event.OriginWire,
		Reply: &event.Reply{Code: 550, Enhanced: "5.1.1", Text: "No such user here", Stage: "rcpt", Side: event.SideServer}}
	local := event.Event{Kind: event.QueueFailed, Actor: "smtp.example.test", Origin: event.OriginLocal,
		Local: &event.Local{Reason: event.ReasonNullMX, Status: "5.1.10"}, Error: "shop.test accepts no mail (null MX)"}
	dns := event.Event{Kind: event.DNSAnswer, QName: "school.test.", QType: "MX", Rcode: "SERVFAIL"}
	cases := []struct {
		e    event.Event
		lang narrate.Lang
		want string
	}{
		{wire, narrate.English, "550 5.1.1 No such user here (at RCPT)"},
		{wire, narrate.Vietnamese, "550 5.1.1 No such user here (ở lệnh RCPT)"},
		{local, narrate.English, narrate.Reason(narrate.English, event.ReasonNullMX) +
			" · 5.1.10 · no reply: smtp.example.test decided"},
		{local, narrate.Vietnamese, narrate.Reason(narrate.Vietnamese, event.ReasonNullMX) +
			" · 5.1.10 · không có phản hồi: smtp.example.test tự quyết định"},
		{dns, narrate.English, "DNS SERVFAIL (school.test MX): the DNS server failed"},
	}
	for _, c := range cases {
		if got := FailureReason(c.e, c.lang); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.e.Kind, c.lang, got, c.want)
		}
	}
	if narrate.Reason(narrate.Vietnamese, event.ReasonNullMX) == narrate.Reason(narrate.English, event.ReasonNullMX) {
		t.Error("the local reason should be told in Vietnamese")
	}
}
