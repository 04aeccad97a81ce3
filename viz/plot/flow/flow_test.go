package flow

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mailflow/mailflow/sim/event"
)

func readTrace(t *testing.T, name string) []event.Event {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	events, err := event.ReadTrace(f)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func laneNames(f *Flow) []string {
	var names []string
	for _, l := range f.Lanes {
		names = append(names, l.Label)
	}
	return names
}

// hopsOf lists hops as "from → to: label".
func hopsOf(f *Flow) []string {
	var out []string
	for _, h := range f.Hops {
		out = append(out, f.Lanes[h.From].Name+" → "+f.Lanes[h.To].Name+": "+h.Label)
	}
	return out
}

func TestCrossDomainFlow(t *testing.T) {
	f := Build(readTrace(t, "cross-domain.jsonl"))
	wantLanes := []string{"alice's mail client", "mail.example.test", "DNS", "mail.school.test", "mail.school.test mailboxes"}
	if got := laneNames(f); strings.Join(got, "|") != strings.Join(wantLanes, "|") {
		t.Errorf("lanes = %q, want %q", got, wantLanes)
	}
	wantHops := []string{
		"alice's mail client → mail.example.test: connect :587",
		"alice's mail client → mail.example.test: TLS 1.3",
		"alice's mail client → mail.example.test: AUTH 235",
		"alice's mail client → mail.example.test: MAIL/RCPT/DATA 250",
		"mail.example.test → dns: MX school.test?",
		"dns → mail.example.test: MX 10 mail.school.test",
		"mail.example.test → dns: A mail.school.test?",
		"dns → mail.example.test: A 127.64.0.11",
		"mail.example.test → mail.school.test: connect :25",
		"mail.example.test → mail.school.test: TLS 1.3",
		"mail.example.test → mail.school.test: MAIL/RCPT/DATA 250",
		"mail.school.test → mail.school.test mailboxes: bob@school.test/INBOX UID 1",
	}
	if got := hopsOf(f); strings.Join(got, "\n") != strings.Join(wantHops, "\n") {
		t.Errorf("hops:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantHops, "\n"))
	}
	// Bars: the submission, two DNS questions, the relay — the relay bar
	// ends with its transcript, after relay.done.
	if len(f.Bars) != 4 {
		t.Fatalf("bars = %+v, want 4", f.Bars)
	}
	relay := f.Bars[3]
	if f.Lanes[relay.From].Name != "mail.example.test" || f.Lanes[relay.To].Name != "mail.school.test" ||
		relay.Label != "SMTP :25" || relay.End.Sub(relay.Start) != 5*time.Millisecond {
		t.Errorf("relay bar = %+v", relay)
	}
	sub := f.Bars[0]
	if sub.Label != "SMTP :587 submission" || sub.Step != 1 || sub.Tone != Normal {
		t.Errorf("submission bar = %+v", sub)
	}
	if f.Scenario != "cross-domain" || f.Messages != 1 || len(f.Outcomes) != 1 {
		t.Errorf("scenario %q, %d messages, outcomes %+v", f.Scenario, f.Messages, f.Outcomes)
	}
	for _, m := range f.Marks {
		if m.Tone >= Deferred {
			t.Errorf("a delivered run has a trouble mark: %+v", m)
		}
	}
}

func TestSameDomainFlowHasNoDNS(t *testing.T) {
	f := Build(readTrace(t, "same-domain.jsonl"))
	want := []string{"alice's mail client", "mail.example.test", "mail.example.test mailboxes"}
	if got := laneNames(f); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("lanes = %q, want %q", got, want)
	}
	var route []string
	for _, m := range f.Marks {
		if m.Kind == event.RouteDecision {
			route = append(route, m.Label)
		}
	}
	if len(route) != 1 || route[0] != "local carol@example.test" {
		t.Errorf("route marks = %q", route)
	}
}

func TestRetryBounceMarks(t *testing.T) {
	f := Build(readTrace(t, "retry-bounce.jsonl"))
	type mk struct {
		lane, label string
		tone        Tone
	}
	var got []mk
	for _, m := range f.Marks {
		if m.Tone >= Retry || m.Kind == "queue.hold" {
			got = append(got, mk{f.Lanes[m.Lane].Name, m.Label, m.Tone})
		}
	}
	want := []mk{
		{"mail.example.test", "deferred 451 4.7.1", Deferred},
		{"mail.example.test", "retry: attempt 2", Retry},
		{"mail.example.test", "deferred 451 4.2.1", Deferred},
		{"mail.example.test", "retry: attempt 3", Retry},
		{"mail.example.test", "failed 550 5.1.1", Failed},
		{"mail.example.test", "bounce (DSN) → alice@example.test", Bounce},
		// a kind no view knows: shown generically, in the neutral tone
		{"mail.example.test", "queue.hold", Normal},
	}
	if len(got) != len(want) {
		t.Fatalf("marks = %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mark %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	// The refusals are red (5xx) or orange (4xx) replies from the MX.
	var replies []string
	for _, h := range f.Hops {
		if h.Kind == event.SMTPReply {
			replies = append(replies, f.Lanes[h.From].Name+" → "+f.Lanes[h.To].Name+": "+h.Label+" "+h.Tone.String())
			if !h.Reply {
				t.Errorf("reply hop %+v not marked as a reply", h)
			}
		}
	}
	wantReplies := []string{
		"mail.school.test → mail.example.test: RCPT 451 4.7.1 deferred",
		"mail.school.test → mail.example.test: RCPT 451 4.2.1 deferred",
		"mail.school.test → mail.example.test: RCPT 550 5.1.1 failed",
	}
	if strings.Join(replies, "\n") != strings.Join(wantReplies, "\n") {
		t.Errorf("replies:\n%s\nwant:\n%s", strings.Join(replies, "\n"), strings.Join(wantReplies, "\n"))
	}
	// Each attempt's relay bar carries the attempt's fate.
	var relayTones []Tone
	for _, b := range f.Bars {
		if b.Label == "SMTP :25" {
			relayTones = append(relayTones, b.Tone)
		}
	}
	if len(relayTones) != 3 || relayTones[0] != Deferred || relayTones[1] != Deferred || relayTones[2] != Failed {
		t.Errorf("relay bar tones = %v, want deferred, deferred, failed", relayTones)
	}
	// The bounce is filed in the sender's own domain.
	if f.Lane("mail.example.test mailboxes") < 0 {
		t.Errorf("no mailbox lane for the bounce: %q", laneNames(f))
	}
}

// A real run (docs/img/retry-bounce.yaml): the MX answers 451 to every
// RCPT, the queue retries after 15m and 2h, gives up with 4.4.7 and sends
// the sender a bounce, which is delivered like any other message.
func TestRetryGiveUpRun(t *testing.T) {
	f := Build(readTrace(t, "retry-giveup.jsonl"))
	var got []string
	for _, m := range f.Marks {
		if m.Tone >= Retry || m.Kind == event.FaultInjected {
			got = append(got, f.Lanes[m.Lane].Name+": "+m.Label)
		}
	}
	want := []string{
		"mail.school.test: fault at RCPT: 451 4.3.0",
		"mail.example.test: deferred 451 4.3.0",
		"mail.example.test: retry in 15m",
		"mail.school.test: fault at RCPT: 451 4.3.0",
		"mail.example.test: deferred 451 4.3.0",
		"mail.example.test: retry in 2h",
		"mail.school.test: fault at RCPT: 451 4.3.0",
		"mail.example.test: deferred 451 4.3.0",
		"mail.example.test: failed 4.4.7",
		"mail.example.test: bounce (DSN) → alice@example.test",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("marks:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The bounce is filed in alice's mailbox on her own server.
	store := f.Hops[len(f.Hops)-1]
	if store.Kind != event.MailboxStore || f.Lanes[store.To].Name != "mail.example.test mailboxes" {
		t.Errorf("last hop = %+v", store)
	}
}

func at(ms int) time.Time {
	return time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond)
}

func TestRelayHopAddsALane(t *testing.T) {
	events := []event.Event{
		{Seq: 1, Time: at(1), Step: 1, Kind: event.SMTPConnect, Host: "ann's mail client", Peer: "mail.a.test", Port: 587},
		{Seq: 2, Time: at(2), Step: 5, Kind: event.RelayConnect, Host: "mail.a.test", Peer: "smarthost.isp.test", Port: 25},
		{Seq: 3, Time: at(3), Step: 5, Kind: event.SMTPAccepted, Host: "smarthost.isp.test", Peer: "mail.a.test", Conn: "smarthost.isp.test#1", Reply: &event.Reply{Code: 250}},
		{Seq: 4, Time: at(4), Step: 4, Kind: event.DNSQuery, Host: "smarthost.isp.test", Peer: "dns", QName: "b.test.", QType: "MX"},
		{Seq: 5, Time: at(5), Step: 4, Kind: event.DNSAnswer, Host: "smarthost.isp.test", Peer: "dns", QName: "b.test.", QType: "MX", Rcode: "NXDOMAIN"},
		{Seq: 6, Time: at(6), Step: 5, Kind: event.RelayConnect, Host: "smarthost.isp.test", Peer: "mx.b.test", Port: 25},
		{Seq: 7, Time: at(7), Step: 6, Kind: event.MailboxStore, Host: "mx.b.test", User: "bo@b.test", Folder: "INBOX", UID: 3},
		{Seq: 8, Time: at(8), Kind: event.RetrievalFetch, Host: "mx.b.test", Peer: "127.0.0.5:40000", Conn: "mx.b.test#9", User: "bo@b.test", Service: "imap"},
	}
	f := Build(events)
	want := []string{"ann's mail client", "mail.a.test", "smarthost.isp.test", "DNS", "mx.b.test", "mx.b.test mailboxes", "bo's mail client"}
	if got := laneNames(f); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("lanes = %q, want %q", got, want)
	}
	if f.Lanes[len(f.Lanes)-1].Role != RoleReader {
		t.Errorf("the reader's lane has role %v", f.Lanes[len(f.Lanes)-1].Role)
	}
	var nx *Hop
	for i := range f.Hops {
		if f.Hops[i].Kind == event.DNSAnswer {
			nx = &f.Hops[i]
		}
	}
	if nx == nil || nx.Label != "NXDOMAIN" || nx.Tone != Failed {
		t.Errorf("NXDOMAIN answer hop = %+v", nx)
	}
	last := f.Hops[len(f.Hops)-1]
	if last.Label != "IMAP bo@b.test" || f.Lanes[last.From].Name != "bo's mail client" {
		t.Errorf("retrieval hop = %+v", last)
	}
}

// Hostile or unknown input must give a drawable flow, never a panic.
func TestUnknownAndHostileEvents(t *testing.T) {
	events := []event.Event{
		{Seq: 1, Time: at(1), Kind: "warp.drive", Host: "x", Peer: "y", Reply: &event.Reply{Code: 554}, Error: "boom"},
		{Seq: 2, Time: at(2), Kind: "alien", Host: "only-host"},
		{Seq: 3, Time: at(3), Kind: "", Host: ""},
		{Seq: 4, Kind: event.SMTPReply, Host: "-", Peer: "-"},
		{Seq: 5, Time: at(5), Kind: event.SMTPAuth, Host: "srv", Peer: "10.0.0.1", Conn: "c1", Reply: &event.Reply{Code: 535}},
		{Seq: 6, Time: at(6), Kind: event.SMTPConnect, Host: "a\x00b\nc<script>", Peer: strings.Repeat("z", 500)},
		{Seq: 7, Time: at(7), Kind: event.DNSAnswer, Host: "h", Records: []event.Record{{Type: "X"}}},
		{Seq: 8, Time: at(8), Kind: event.MailboxStore, Host: "h"},
		{Seq: 9, Time: at(9), Kind: event.RetrievalFetch, Host: "h", Peer: "not an addr"},
		{Seq: 10, Time: at(10), Kind: "dsn.sent"},
		{Seq: 11, Time: at(11), Kind: event.SMTPTLS, Host: "h", Peer: "10.1.1.1:25", Error: "bad cert"},
	}
	f := Build(events)
	if i := f.Lane("x"); i < 0 {
		t.Fatalf("no lane for an unknown kind's host: %q", laneNames(f))
	}
	for _, l := range f.Lanes {
		if strings.ContainsAny(l.Name, "\x00\n") || len([]rune(l.Name)) > maxLabel+1 {
			t.Errorf("lane name not cleaned: %q", l.Name)
		}
	}
	var warp *Hop
	for i := range f.Hops {
		if f.Hops[i].Kind == "warp.drive" {
			warp = &f.Hops[i]
		}
	}
	if warp == nil || warp.Label != "warp.drive 554" || warp.Tone != Failed {
		t.Errorf("unknown kind with two actors: hop %+v", warp)
	}
	for _, h := range f.Hops {
		if h.From < 0 || h.From >= len(f.Lanes) || h.To < 0 || h.To >= len(f.Lanes) {
			t.Errorf("hop %+v points outside the lanes", h)
		}
	}
	if Build(nil).Span() != 0 {
		t.Error("an empty run should have no span")
	}
}

func TestItemsInEventOrder(t *testing.T) {
	f := Build(readTrace(t, "retry-bounce.jsonl"))
	var last int64
	for _, it := range f.Items() {
		if it.seq() <= last {
			t.Fatalf("items out of order at seq %d", it.seq())
		}
		last = it.seq()
	}
}

func FuzzBuild(f *testing.F) {
	for _, name := range []string{"cross-domain.jsonl", "retry-bounce.jsonl"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		events, _ := event.ReadTrace(strings.NewReader(string(data)))
		fl := Build(events)
		for _, h := range fl.Hops {
			if h.From >= len(fl.Lanes) || h.To >= len(fl.Lanes) {
				t.Fatalf("hop outside lanes: %+v", h)
			}
		}
		for _, m := range fl.Marks {
			if m.Lane >= len(fl.Lanes) {
				t.Fatalf("mark outside lanes: %+v", m)
			}
		}
		_ = fl.Items()
	})
}

// A fetch arrow says what became of the mail: kept by IMAP, deleted by POP3.
func TestFetchArrowSaysKeptOrDeleted(t *testing.T) {
	f := Build([]event.Event{
		{Seq: 1, Kind: event.FetchDone, Host: "bob's mail client", Peer: "mail.school.test", Service: "imaps", Fetch: &event.Fetch{Read: 2, Kept: true}},
		{Seq: 2, Kind: event.FetchDone, Host: "bob's mail client", Peer: "mail.school.test", Service: "pop3s", Fetch: &event.Fetch{Read: 2}},
		{Seq: 3, Kind: event.FetchDone, Host: "bob's mail client", Peer: "mail.school.test", Service: "imaps", Fetch: &event.Fetch{}},
	})
	got := strings.Join(hopsOf(f), "\n")
	for _, want := range []string{": 2 message(s), kept", ": 2 message(s), deleted", ": 0 message(s)"} {
		if !strings.Contains(got, want) {
			t.Errorf("no hop %q in:\n%s", want, got)
		}
	}
}

// The verdicts on the sender are a mark on the receiving host's lane at step
// 5, failed when the server refused the message because of them.
func TestAuthMark(t *testing.T) {
	f := Build(readTrace(t, "send-as-other-server-dmarc-reject.jsonl"))
	var got []Mark
	for _, m := range f.Marks {
		if m.Kind == "auth.result" {
			got = append(got, m)
		}
	}
	if len(got) != 2 {
		t.Fatalf("auth marks %+v, want the message's and its bounce's", got)
	}
	m := got[0]
	if f.Lanes[m.Lane].Name != "mail.college.test" || m.Step != 5 || m.Tone != Failed ||
		m.Label != "SPF fail · DKIM pass · DMARC fail → reject" {
		t.Errorf("mark %+v on lane %q", m, f.Lanes[m.Lane].Name)
	}
	if b := got[1]; f.Lanes[b.Lane].Name != "mail.school.test" || b.Tone != Info ||
		b.Label != "SPF pass · DKIM none · DMARC pass" {
		t.Errorf("bounce's mark %+v on lane %q", b, f.Lanes[b.Lane].Name)
	}
}
