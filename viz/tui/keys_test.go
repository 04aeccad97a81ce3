package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
)

func TestFilterMatches(t *testing.T) {
	evs := []event.Event{
		{Kind: event.DNSQuery, Host: "mail.example.test", Peer: "dns", Msg: "m1", Step: 4},
		{Kind: event.SMTPReply, Host: "mail.school.test", Peer: "mail.example.test", Msg: "m1", Step: 5},
		{Kind: event.MailboxStore, Host: "mail.example.test", Msg: "m1.bounce", Step: 6},
		{Kind: event.RunStart, Host: "-"},
		{Kind: event.ActionStart, Host: "x", Msg: "m10"},
	}
	cases := []struct {
		filter string
		want   []int
	}{
		{"", []int{0, 1, 2, 3, 4}},
		{"kind:dns", []int{0}},
		{"host:school", []int{1}},
		{"host:mail.example.test", []int{0, 1, 2}}, // the host or its peer
		{"msg:m1", []int{0, 1, 2}},                 // with its bounce, not m10
		{"msg:m1.bounce", []int{2}},
		{"step:5", []int{1}},
		{"DNS", []int{0}},                   // a bare word: kind, host, peer or message
		{"m1 kind:mailbox", []int{2}},       // every term must match
		{"kind:smtp host:nowhere", nil},     // none
		{"color:red", nil},                  // an unknown field is a bare word
		{"  KIND:Reply  ", []int{1}},        // case and blanks do not matter
		{"kind:", []int{0, 1, 2, 3, 4}[:0]}, // "kind:" alone is a bare word, found nowhere
	}
	for _, c := range cases {
		f := ParseFilter(c.filter)
		var got []int
		for i, e := range evs {
			if f.Match(e) {
				got = append(got, i)
			}
		}
		if sprintf("%v", got) != sprintf("%v", c.want) {
			t.Errorf("filter %q keeps %v, want %v", c.filter, got, c.want)
		}
	}
	if got := ParseFilter(" kind:DNS  m1 ").String(); got != "kind:dns m1" {
		t.Errorf("String: %q", got)
	}
}

// '/' opens the filter; the log keeps the matching lines and says so in
// its title; selection moves among them; an empty filter shows all.
func TestFilterKey(t *testing.T) {
	s := newTestScreen(160, 40)
	s, stop := startReplay(t, Options{Lang: narrate.English, Screen: s}, loadTrace(t, "cross-domain.jsonl"))
	defer stop()
	s.waitText(t, "⏸ next: Step 1")
	s.key(tcell.KeyEnd)
	s.waitText(t, "✔ finished")
	s.rune('/')
	s.waitText(t, "Filter the log:")
	for _, r := range "kind:dns" {
		s.rune(r)
	}
	s.key(tcell.KeyEnter)
	txt := s.waitText(t, "Log · filter: kind:dns")
	if !strings.Contains(txt, "asks DNS for the MX record of school.test") || strings.Contains(txt, "connects to mail.example.test") {
		t.Errorf("the filtered log should show only DNS events:\n%s", txt)
	}
	// ↑ selects the last DNS line, whose connection the transcript shows.
	s.key(tcell.KeyUp)
	s.waitText(t, "mail.example.test ⇄ DNS · m1")
	s.key(tcell.KeyEnter)
	s.waitText(t, "kind      dns.answer")
	s.key(tcell.KeyEscape)
	s.rune('/')
	s.waitText(t, "Filter the log: kind:dns")
	for range "kind:dns" {
		s.key(tcell.KeyBackspace2)
	}
	s.key(tcell.KeyEnter)
	s.waitFor(t, "the whole log again", func(txt string) bool {
		return !strings.Contains(txt, "filter:") && strings.Contains(txt, "connects to mail.example.test")
	})
	s.rune('/')
	s.waitText(t, "Filter the log:")
	for _, r := range "nothing-like-this" {
		s.rune(r)
	}
	s.key(tcell.KeyEnter)
	s.waitText(t, "No event matches the filter.")
}

// The boxes say how to close them and that they scroll; scrolling to the
// end shows the last line and takes the sign away.
func TestBoxesScrollWithHints(t *testing.T) {
	for _, lang := range []narrate.Lang{narrate.English, narrate.Vietnamese} {
		w := wordsFor(lang)
		s := newTestScreen(80, 10)
		s, stop := startReplay(t, Options{Lang: lang, Screen: s}, loadTrace(t, "cross-domain.jsonl"))
		s.waitText(t, w.next)
		s.rune('?')
		s.waitText(t, w.closeHint, w.more)
		last := w.help[len(w.help)-1]
		if strings.Contains(s.text(), last) {
			t.Errorf("%s: at 10 rows the help cannot show its last line yet", lang)
		}
		s.key(tcell.KeyEnd)
		txt := s.waitText(t, strings.TrimSpace(last[:20]), "▲")
		if strings.Contains(txt, w.more) {
			t.Errorf("%s: at the end of the help there is no more:\n%s", lang, txt)
		}
		s.key(tcell.KeyEscape)
		s.waitFor(t, "help closed", func(txt string) bool { return !strings.Contains(txt, w.closeHint) })
		// The why box, longer than the screen, scrolls the same way.
		s.rune('w')
		s.waitText(t, w.closeHint, w.more)
		for i := 0; i < 40 && strings.Contains(s.text(), w.more); i++ {
			s.key(tcell.KeyDown)
			s.waitFor(t, "a line down", func(string) bool { return true })
		}
		s.waitFor(t, "the end of why", func(txt string) bool { return !strings.Contains(txt, w.more) })
		stop()
	}
}

// At 80×24 in Vietnamese every step box keeps its label and a blank at
// least between two labels.
func TestStripLabelsAt80Columns(t *testing.T) {
	for _, lang := range []narrate.Lang{narrate.English, narrate.Vietnamese} {
		s, stop := startReplay(t, Options{Lang: lang}, loadTrace(t, "cross-domain.jsonl"))
		s.waitText(t, wordsFor(lang).next)
		s.key(tcell.KeyEnd)
		s.waitText(t, "✓6 ")
		line := strings.Split(stripLines(s.text()), "\n")[0]
		for st := 1; st <= 6; st++ {
			label := sprintf("✓%d %s", st, ShortStepName(lang, st))
			i := strings.Index(line, label)
			if i < 0 {
				t.Errorf("%s: the strip lacks %q: %q", lang, label, line)
				continue
			}
			if rest := line[i+len(label):]; st < 6 && !strings.HasPrefix(rest, " ") {
				t.Errorf("%s: %q runs into the next label: %q", lang, label, line)
			}
		}
		stop()
	}
	// Narrower still, labels are cut with "…", never run together.
	got := strings.Split(plain(RenderStrip(Fold(nil, loadTrace(t, "cross-domain.jsonl")), "m1", nil,
		narrate.Vietnamese, Theme{}, 60)), "\n")[0]
	if width(got) > 60 || strings.Count(got, "…") == 0 || strings.Contains(got, "…✓") {
		t.Errorf("strip at 60 cells: %q", got)
	}
}

// o skips to the outcome: give-up-after-retries, well over a hundred stops,
// runs to its end from one key, live.
func TestLiveSkipToOutcome(t *testing.T) {
	r := startLive(t, "give-up-after-retries", narrate.English, true)
	r.s.waitText(t, "⏸ next: Step 1")
	r.s.rune('o')
	r.s.waitText(t, "✔ finished", "bounced", "Sat 10 Jan")
	r.quitAtTheEnd(t)
}

// The IMAP session's transcript starts with the server's greeting, as on
// the wire, before the client's LOGIN.
func TestIMAPGreetingComesFirst(t *testing.T) {
	sc, err := scenarios.Load("pop3-vs-imap")
	if err != nil {
		t.Fatal(err)
	}
	n, err := sim.Start(sc, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := n.Play(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.WaitSettled(ctx); err != nil {
		t.Fatal(err)
	}
	m := Fold(nil, n.Bus.History())
	sessions := 0
	for _, c := range m.Conns {
		if c.Kind != ConnFetch {
			continue
		}
		sessions++
		if len(c.Lines) < 2 || !strings.HasPrefix(c.Lines[0], "S: ") || !strings.HasPrefix(c.Lines[1], "C: ") {
			t.Errorf("%s: the dialogue should open with the server's greeting: %q", ConnTitle(c), first(c.Lines, 3))
		}
	}
	if sessions < 2 {
		t.Errorf("%d POP3/IMAP sessions", sessions)
	}
}
