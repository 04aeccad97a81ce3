package tui

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailflow/mailflow/sim/event"
)

func TestStartsStep(t *testing.T) {
	ev := func(kind event.Kind, step int) event.Event { return event.Event{Kind: kind, Step: step, Msg: "m1"} }
	cases := []struct {
		name    string
		current int
		e       event.Event
		want    bool
	}{
		{"first step", 0, ev(event.SMTPConnect, 1), true},
		{"same step", 1, ev(event.SMTPTLS, 1), false},
		{"forward", 1, ev(event.SMTPAccepted, 2), true},
		{"skipping steps (local delivery)", 3, ev(event.MailboxStore, 6), true},
		{"no message", 0, event.Event{Kind: event.SMTPAuth, Step: 1}, false},
		{"no step", 1, ev(event.ActionStart, 0), false},
		{"out of range", 1, ev("x.y", 7), false},
		{"a transcript closes, never starts", 1, ev(event.SMTPTranscript, 2), false},
		{"the sender's done after the mailbox", 6, ev(event.RelayDone, 5), false},
		{"back without opening", 6, ev(event.SMTPTLS, 5), false},
		{"a retry opens step 4 again", 5, ev(event.DNSQuery, 4), true},
		{"a relay hop connects again", 5, ev(event.RelayConnect, 5), false},
		{"a relay hop decides again", 5, ev(event.RouteDecision, 3), true},
		{"a kind to come that opens", 6, ev("lmtp.connect", 5), true},
		{"the queue's account of an attempt", 4, ev(event.QueueDeferred, 5), false},
	}
	for _, c := range cases {
		if got := StartsStep(c.current, c.e); got != c.want {
			t.Errorf("%s: StartsStep(%d, %s step %d) = %v, want %v", c.name, c.current, c.e.Kind, c.e.Step, got, c.want)
		}
	}
}

func steps(m *Message) string {
	marks := map[StepState]string{StepNone: "·", StepCurrent: markCurrent, StepDone: markDone,
		StepWaiting: markWaiting, StepFailed: markFailed}
	var b strings.Builder
	for s := 1; s <= 6; s++ {
		b.WriteString(marks[m.Steps[s]])
	}
	return b.String()
}

func TestFoldBuiltins(t *testing.T) {
	cases := []struct {
		trace, steps, state string
		current             int
	}{
		{"cross-domain.jsonl", "✓✓✓✓✓✓", StateDelivered, 6},
		{"same-domain.jsonl", "✓✓✓··✓", StateDelivered, 6},
		{"unknown-user.jsonl", "✓✓✓✓✓✗", StateRejected, 6},
	}
	for _, c := range cases {
		m := Fold(nil, loadTrace(t, c.trace))
		msg := m.Message("m1")
		if msg == nil {
			t.Fatalf("%s: no message m1", c.trace)
		}
		if got := steps(msg); got != c.steps || msg.State != c.state || msg.Current != c.current {
			t.Errorf("%s: steps %s state %q current %d, want %s %q %d", c.trace, got, msg.State, msg.Current,
				c.steps, c.state, c.current)
		}
		if !m.Finished || m.Failed != 0 && c.trace != "unknown-user.jsonl" {
			t.Errorf("%s: finished %v, %d expectation(s) failed", c.trace, m.Finished, m.Failed)
		}
		if len(m.LogConn) != len(m.Events) {
			t.Errorf("%s: %d log lines but %d connections noted", c.trace, len(m.Events), len(m.LogConn))
		}
	}
}

// Each prefix of a run gives the strip of that moment: the current step lit,
// the earlier ones finished.
func TestFoldPrefixes(t *testing.T) {
	evs := loadTrace(t, "cross-domain.jsonl")
	tl := NewTimeline(evs)
	var got []string
	for k := tl.First(); k < tl.Len(); k = tl.Next(k) {
		m := Fold(nil, tl.Events(k))
		if msg := m.Message("m1"); msg != nil {
			got = append(got, steps(msg))
		}
	}
	want := []string{"······", "▶·····", "✓▶····", "✓✓▶···", "✓✓✓▶··", "✓✓✓✓▶·"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("strips at the stops:\n got %v\nwant %v", got, want)
	}
}

func TestConnections(t *testing.T) {
	m := Fold(nil, loadTrace(t, "cross-domain.jsonl"))
	var titles []string
	for _, c := range m.Conns {
		titles = append(titles, ConnTitle(c))
	}
	want := []string{
		"alice's mail client → mail.example.test:587 (submission) · m1",
		"mail.example.test ⇄ DNS · m1",
		"mail.example.test → mail.school.test:25 (smtp) · m1",
	}
	if strings.Join(titles, "\n") != strings.Join(want, "\n") {
		t.Fatalf("connections:\n%s\nwant\n%s", strings.Join(titles, "\n"), strings.Join(want, "\n"))
	}
	sub, dns, relay := m.Conns[0], m.Conns[1], m.Conns[2]
	if !sub.Closed || !hasPrefix(sub.Lines, "C: EHLO") || !hasPrefix(sub.Lines, "S: 235") {
		t.Errorf("submission dialogue: %q", sub.Lines)
	}
	wantDNS := []string{"Q: school.test. MX", "A: school.test. 300 IN MX 10 mail.school.test.",
		"Q: mail.school.test. A"}
	for i, w := range wantDNS {
		if i >= len(dns.Lines) || dns.Lines[i] != w {
			t.Errorf("DNS line %d: got %q, want %q", i, dns.Lines, w)
			break
		}
	}
	if !hasPrefix(relay.Lines, "C: RCPT TO:<bob@school.test>") {
		t.Errorf("relay dialogue: %q", relay.Lines)
	}
	// The log line of the DNS answer points at the DNS connection.
	for i, e := range m.Events {
		if e.Kind == event.DNSAnswer && m.LogConn[i] != 1 {
			t.Errorf("event %d (%s) belongs to connection %d, want 1", i, e.Kind, m.LogConn[i])
		}
	}
}

func TestRetrievalConnections(t *testing.T) {
	m := Fold(nil, loadTrace(t, "pop3-vs-imap.jsonl"))
	var fetches []*Conn
	for _, c := range m.Conns {
		if c.Kind == ConnFetch {
			fetches = append(fetches, c)
		}
	}
	if len(fetches) != 3 {
		t.Fatalf("want 3 POP3/IMAP sessions, got %d", len(fetches))
	}
	if c := fetches[0]; ConnTitle(c) != "bob's mail client → mail.school.test:993 (imaps)" ||
		!hasPrefix(c.Lines, "C: T1 LOGIN") || len(c.Notes) != 2 {
		t.Errorf("IMAP session: %s, %d notes, lines %q", ConnTitle(c), len(c.Notes), first(c.Lines, 3))
	}
	if c := fetches[1]; !strings.Contains(ConnTitle(c), "(pop3s)") || !hasPrefix(c.Lines, "C: RETR 1") {
		t.Errorf("POP3 session: %s, lines %q", ConnTitle(c), first(c.Lines, 5))
	}
	for _, id := range []string{"m1", "m2"} {
		if msg := m.Message(id); msg == nil || strings.Join(msg.Fetched, ",") != "IMAPS,POP3S" {
			t.Errorf("%s read over %v, want IMAPS then POP3S", id, msg.Fetched)
		}
	}
}

func TestHostsAndBadges(t *testing.T) {
	m := Fold(nil, loadTrace(t, "unknown-user.jsonl"))
	school := m.hosts["mail.school.test"]
	if school == nil || school.Addr != "127.64.0.11" || school.TLS != "TLS 1.3" || school.Refused != "550 5.1.1" {
		t.Fatalf("mail.school.test: %+v", school)
	}
	text := plain(RenderTopology(m, "en", Theme{NoColor: true}, 44))
	for _, want := range []string{"mail.school.test [TLS 1.3 ✓] [✗550 5.1.1]", "127.64.0.11", "SMTP 25"} {
		if !strings.Contains(text, want) {
			t.Errorf("topology lacks %q:\n%s", want, text)
		}
	}
	// A live run's hosts come first, with all their services.
	live := NewModel([]Host{{Name: "dns", Role: RoleDNS, Addr: "127.64.0.53", Services: []Service{{"dns", 53, 5353}}},
		{Name: "mail.example.test", Role: RoleMail, Addr: "127.64.0.10", MX: 10, Mailboxes: true,
			Services: []Service{{"smtp", 25, 0}, {"submission", 587, 0}, {"pop3", 110, 0}, {"imaps", 993, 0}},
			Faults:   []string{"greylisting"}}})
	text = plain(RenderTopology(live, "en", Theme{NoColor: true}, 40))
	for _, want := range []string{"DNS  127.64.0.53:5353", "127.64.0.10 · MX 10 · mailboxes",
		"SMTP 25 587 · POP3 110 · IMAP 993", "[⚠ greylisting]"} {
		if !strings.Contains(text, want) {
			t.Errorf("topology lacks %q:\n%s", want, text)
		}
	}
}

// Kinds the view does not know yet still make a log line; failures and
// deferrals of kinds to come count as such.
func TestUnknownKindsAndQueues(t *testing.T) {
	base := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	evs := []event.Event{
		{Seq: 1, Kind: event.ActionStart, Msg: "m1", From: "a@x.test", To: []string{"b@y.test"}, Time: base},
		{Seq: 2, Kind: event.SMTPConnect, Step: 1, Msg: "m1", Host: "a's mail client", Peer: "mail.x.test"},
		{Seq: 3, Kind: event.QueueDeferred, Step: 5, Msg: "m1", Host: "mail.x.test", To: []string{"b@y.test"},
			Reply: &event.Reply{Code: 451, Enhanced: "4.7.1", Text: "greylisted"}},
		{Seq: 4, Kind: "lesson.note", Host: "mail.x.test", Msg: "m1", Text: "mail.x.test sends a bounce to a@x.test"},
		{Seq: 5, Kind: "fault.dns", Host: "dns", QName: "y.test.", QType: "MX", Fault: &event.Fault{Target: "dns", Effect: "servfail"}},
		{Seq: 6, Kind: "weird.thing", Host: "-", Step: 9, Transcript: []string{"C: HELLO"}},
	}
	m := Fold(nil, evs)
	msg := m.Message("m1")
	if msg.State != StateQueued || !msg.Retry.IsZero() || msg.Steps[5] != StepWaiting || msg.Error != "451 4.7.1 greylisted" {
		t.Errorf("deferred message: state %q retry %v steps %s error %q", msg.State, msg.Retry, steps(msg), msg.Error)
	}
	log := plain(RenderLog(m, nil, Filter{}, "en", Theme{NoColor: true}, 60))
	for _, want := range []string{"mail.x.test sends a bounce to a@x.test", "- weird.thing"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if d := m.hosts["dns"]; d == nil || len(d.Faults) != 1 || d.Faults[0] != "y.test MX servfail" || d.FaultHits != 1 {
		t.Errorf("dns faults: %+v", d)
	}
	if len(m.Conns) != 2 || m.Conns[1].Lines[0] != "C: HELLO" {
		t.Errorf("a transcript of an unknown kind gets its own connection: %+v", m.Conns)
	}
	// And a bounce of a kind to come is a failure of its step.
	m.Apply(event.Event{Kind: "queue.bounced", Step: 5, Msg: "m1", To: []string{"b@y.test"}})
	if msg.State != StateBounced || msg.Steps[5] != StepFailed {
		t.Errorf("bounced: state %q steps %s", msg.State, steps(msg))
	}
}

func TestTimeline(t *testing.T) {
	tl := NewTimeline(loadTrace(t, "same-domain.jsonl"))
	var stops []int
	for k := tl.First(); k < tl.Len(); k = tl.Next(k) {
		stops = append(stops, tl.At(k).Step)
	}
	if got := fmt.Sprint(stops); got != "[1 2 3 6]" {
		t.Errorf("same-domain stops before steps %s, want [1 2 3 6]", got)
	}
	end := tl.Len()
	if p := tl.Prev(end); !tl.IsStop(p) || tl.At(p).Step != 6 {
		t.Errorf("Prev(end) = %d", p)
	}
	if tl.Prev(tl.First()) != 0 || tl.Next(end) != end || tl.Prev(-5) != 0 || tl.Next(1<<30) != end {
		t.Error("stops out of range should clamp")
	}
}

func hasPrefix(lines []string, p string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

func first(lines []string, n int) []string { return lines[:min(n, len(lines))] }

// A message the next hop keeps refusing with 451: the strip goes back to
// step 4 for every retry, the messages pane says until when it waits, and
// in the end the queue gives up.
func TestRetriesAndBounce(t *testing.T) {
	evs := loadTrace(t, "retry-bounce.jsonl")
	tl := NewTimeline(evs)
	// Every attempt stops before steps 4 and 5 and after the 451; the give-up
	// after the last one stops once more.
	if got := stopsOf(tl, "m1"); got != "1 2 3 4 5 ↻ 4 5 ↻ 4 5 ↻ ✗" {
		t.Errorf("stops of m1: %s", got)
	}
	// After the first refusal: waiting in the queue until the next attempt.
	var k int
	for k = 0; k < tl.Len() && tl.At(k).Kind != event.QueueRetry; k++ {
	}
	m := Fold(nil, tl.Events(k+1))
	msg := m.Message("m1")
	if got := stateText(msg, "en"); msg.State != StateQueued || got != "queued until Mon 09:15" || steps(msg) != "✓✓✓✓↻·" {
		t.Errorf("after the first attempt: %q, steps %s", got, steps(msg))
	}
	if got := stateText(msg, "vi"); got != "chờ gửi lại lúc T2 09:15" {
		t.Errorf("Vietnamese: %q", got)
	}
	school := m.hosts["mail.school.test"]
	if school.Refused != "451 4.3.0" || school.FaultHits != 1 || len(school.Faults) != 1 || school.Faults[0] != "RCPT 451" {
		t.Errorf("mail.school.test badges: %+v", school)
	}
	// The second attempt starts at step 4 again.
	m = Fold(nil, tl.Events(tl.Next(k)+1))
	if got := steps(m.Message("m1")); got != "✓✓✓▶↻·" {
		t.Errorf("retrying: steps %s", got)
	}
	// The end: the queue gave up, the sender got a bounce.
	m = Fold(nil, evs)
	msg = m.Message("m1")
	if msg.State != StateBounced || steps(msg) != "✓✓✓✓✗·" || !strings.Contains(msg.Error, "gave up") {
		t.Errorf("at the end: state %q steps %s error %q", msg.State, steps(msg), msg.Error)
	}
	if m.hosts["mail.school.test"].FaultHits != 3 {
		t.Errorf("the fault struck 3 times, the badge says %d", m.hosts["mail.school.test"].FaultHits)
	}
}

// Where a failure shows: the step that failed, not the step the queue
// reports it from; a wait turns into a retry that starts the step again.
func TestFailuresMarkTheirStep(t *testing.T) {
	cases := []struct {
		trace, msg, steps, state string
		stops                    string
	}{
		// DNS says the domain does not exist: step 4 fails, the queue bounces.
		{"nxdomain.jsonl", "m1", "✓✓✓✗··", StateBounced, "1 2 3 4 ✗"},
		// SERVFAIL twice: step 4 is tried three times, then all goes on.
		{"dns-servfail-retry.jsonl", "m1", "✓✓✓✓✓✓", StateDelivered, "1 2 3 4 ↻ 4 ↻ 4 5 6"},
		// Relaying denied to a stranger on port 25: the decision fails.
		{"open-relay-closed.jsonl", "m1", "✓·✗···", StateRejected, "1 3 ✗"},
		{"open-relay-closed.jsonl", "m3", "✓✓✓✓✓✓", StateDelivered, "1 2 3 4 5 6"},
		// The server refuses the recipient: the view stops at the refusal.
		{"unknown-user.jsonl", "m1", "✓✓✓✓✓✗", StateRejected, "1 2 3 4 5 6 ✗"},
	}
	for _, c := range cases {
		evs := loadTrace(t, c.trace)
		msg := Fold(nil, evs).Message(c.msg)
		if got := steps(msg); got != c.steps || msg.State != c.state {
			t.Errorf("%s %s: steps %s state %q, want %s %q", c.trace, c.msg, got, msg.State, c.steps, c.state)
		}
		if got := stopsOf(NewTimeline(evs), c.msg); got != c.stops {
			t.Errorf("%s %s: stops before steps %s, want %s", c.trace, c.msg, got, c.stops)
		}
	}
	// While DNS fails, step 4 waits (↻) and the message is queued.
	evs := loadTrace(t, "dns-servfail-retry.jsonl")
	for k := range evs {
		if evs[k].Kind == event.QueueRetry {
			msg := Fold(nil, evs[:k+1]).Message("m1")
			if steps(msg) != "✓✓✓↻··" || stateText(msg, "en") != "queued until Mon 09:15" {
				t.Errorf("after SERVFAIL: steps %s, %q", steps(msg), stateText(msg, "en"))
			}
			break
		}
	}
}

// stopsOf lists where step-through stops for a message: the step about to
// start ("4"), or just after its failure ("✗") or wait ("↻") when no step
// starts there.
func stopsOf(tl *Timeline, msg string) string {
	var out []string
	for k := tl.First(); k < tl.Len(); k = tl.Next(k) {
		if k > 0 && !tl.StartsAt(k) {
			if p := tl.At(k - 1); p.Msg == msg && failed(p) {
				out = append(out, markFailed)
			} else if p.Msg == msg && deferred(p) {
				out = append(out, markWaiting)
			}
		}
		if e := tl.At(k); e.Msg == msg && tl.StartsAt(k) {
			out = append(out, strconv.Itoa(e.Step))
		}
	}
	return strings.Join(out, " ")
}
