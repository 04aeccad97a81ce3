package tui

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rivo/tview"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
)

// atStop folds a trace up to the stop before the given step of m1.
func atStop(t *testing.T, trace string, step int) (*Model, *event.Event) {
	t.Helper()
	tl := NewTimeline(loadTrace(t, trace))
	for k := tl.First(); k < tl.Len(); k = tl.Next(k) {
		if e := tl.At(k); e.Step == step && e.Msg == "m1" {
			return Fold(nil, tl.Events(k)), &e
		}
	}
	t.Fatalf("%s has no stop before step %d", trace, step)
	return nil, nil
}

func TestStripBothLanguages(t *testing.T) {
	m, next := atStop(t, "cross-domain.jsonl", 4)
	cases := []struct {
		lang narrate.Lang
		want []string
	}{
		{narrate.English, []string{"✓1 connect", "✓2 hand over", "▶3 decide", "▷4 DNS MX", " 5 transfer",
			"⏸ next: Step 4 · DNS lookup of the MX"}},
		{narrate.Vietnamese, []string{"✓1 kết nối", "✓2 giao thư", "▶3 quyết định", "▷4 hỏi DNS",
			"⏸ tiếp theo: Bước 4 · truy vấn DNS bản ghi MX"}},
	}
	for _, c := range cases {
		got := plain(RenderStrip(m, "m1", next, c.lang, Theme{}, 78))
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s strip lacks %q:\n%s", c.lang, w, got)
			}
		}
		if lines := strings.Split(got, "\n"); len(lines) != 2 || width(lines[0]) > 78 {
			t.Errorf("%s strip: want two lines within 78 cells:\n%s", c.lang, got)
		}
	}
	// Without a step waiting, the second line names the current step.
	got := plain(RenderStrip(m, "m1", nil, narrate.English, Theme{}, 78))
	if !strings.Contains(got, "▶ Step 3 · server decides: local or relay  (in flight)") {
		t.Errorf("strip without a waiting step:\n%s", got)
	}
}

func TestStripFailedStep(t *testing.T) {
	m := Fold(nil, loadTrace(t, "unknown-user.jsonl"))
	th := Theme{}
	raw := RenderStrip(m, "m1", nil, narrate.English, th, 78)
	if !strings.Contains(raw, "["+th.hex(roleBad)+"::br]✗6 mailbox") {
		t.Errorf("the failed step should be red, bold and lit:\n%s", raw)
	}
	got := plain(raw)
	// The second line says why, from the reply's fields.
	if !strings.Contains(got, "✗ Step 6: 550 5.1.1 No such user here (at RCPT)  (rejected)") {
		t.Errorf("strip:\n%s", got)
	}
	if vi := plain(RenderStrip(m, "m1", nil, narrate.Vietnamese, th, 78)); !strings.Contains(vi,
		"✗ Bước 6: 550 5.1.1 No such user here (ở lệnh RCPT)  (bị từ chối)") {
		t.Errorf("the Vietnamese strip should say why the message was refused:\n%s", vi)
	}
}

// colorTag matches a style tag that names a colour.
var colorTag = regexp.MustCompile(`\[(#[0-9a-f]{6}|[a-z]+)(:[a-z#0-9-]*)?(:[a-z-]*)?\]`)

func TestNoColorUsesAttributesOnly(t *testing.T) {
	m := Fold(nil, loadTrace(t, "unknown-user.jsonl"))
	th := Theme{NoColor: true}
	h := Header{Title: "x", Mode: ModeFinished, Speed: "1×", Clock: m.Clock, Note: "wait timed out"}
	all := strings.Join([]string{
		RenderStrip(m, "m1", nil, narrate.English, th, 78),
		RenderLog(m, nil, Filter{}, narrate.English, th, 80),
		RenderMessages(m, "m1", narrate.English, th, 30),
		RenderTopology(m, narrate.English, th, 30),
		RenderTranscript(m, len(m.Conns)-1, narrate.English, th),
		RenderHeader(h, narrate.English, th, 80),
		RenderFooter(narrate.English, th, 80),
		RenderWhy(narrate.English, 4, th),
		RenderDetail(m.Events[len(m.Events)-1], narrate.English, th),
	}, "\n")
	if tags := colorTag.FindAllString(all, -1); len(tags) > 0 {
		t.Errorf("colour tags under NO_COLOR: %q", tags)
	}
	// The meaning is still there: the failed step is bold and marked.
	if !strings.Contains(all, "[::br]✗6 mailbox") {
		t.Error("the failed step should still stand out without colour")
	}
}

func TestHeaderFitsAndSaysWhatHappens(t *testing.T) {
	clock := time.Date(2026, 1, 5, 9, 0, 0, 12e6, time.UTC)
	cases := []struct {
		h    Header
		lang narrate.Lang
		want string
	}{
		{Header{Title: "cross-domain", Mode: ModePaused, Speed: "1×", Clock: clock}, "en", "⏸ paused · 1×"},
		{Header{Title: "cross-domain", Mode: ModePlaying, Speed: "4×", Clock: clock}, "en", "▶ playing · 4×"},
		{Header{Title: "cross-domain", Mode: ModeHistory, Speed: "1×", Pos: 8, Len: 21, Clock: clock}, "en",
			"↩ history · 1× · event 8/21"},
		{Header{Title: "a-very-long-trace-file-name-for-a-lesson.jsonl", Replay: true, Mode: ModeFinished,
			Speed: "max", Pos: 21, Len: 21, Clock: clock}, "vi", "✔ đã xong · max · sự kiện 21/21"},
	}
	for _, c := range cases {
		got := plain(RenderHeader(c.h, c.lang, Theme{}, 80))
		if !strings.Contains(got, c.want) || !strings.HasSuffix(got, "09:00:00.012") || width(got) > 80 {
			t.Errorf("header %q (%d cells), want %q and the clock within 80 cells", got, width(got), c.want)
		}
	}
}

func TestTranscriptAndDetail(t *testing.T) {
	m := Fold(nil, loadTrace(t, "unknown-user.jsonl"))
	relay := -1
	for i, c := range m.Conns {
		if c.Port == 25 {
			relay = i
		}
	}
	raw := RenderTranscript(m, relay, narrate.English, Theme{})
	if !strings.Contains(raw, "["+Theme{}.hex(roleBad)+"::b]S: 550 5.1.1") {
		t.Errorf("a refusal in the dialogue should be red:\n%s", raw)
	}
	if got := plain(RenderTranscript(m, -1, narrate.Vietnamese, Theme{})); got != "Chưa có kết nối." {
		t.Errorf("no connection: %q", got)
	}
	var reply event.Event
	for _, e := range m.Events {
		if e.Kind == event.SMTPReply {
			reply = e
		}
	}
	d := plain(RenderDetail(reply, narrate.English, Theme{}))
	for _, want := range []string{"refuses nobody@school.test at RCPT", "step      6 · check user and store in mailbox",
		"code      550", "enhanced  5.1.1"} {
		if !strings.Contains(d, want) {
			t.Errorf("detail lacks %q:\n%s", want, d)
		}
	}
	why := plain(RenderWhy(narrate.Vietnamese, 4, Theme{}))
	if !strings.Contains(why, "Vì sao máy chủ truy vấn DNS bản ghi MX?") || !strings.Contains(why, narrate.Why(narrate.Vietnamese, 4)) {
		t.Errorf("why:\n%s", why)
	}
}

// Text from the events cannot inject style tags into the view.
func TestHostileTextIsEscaped(t *testing.T) {
	e := event.Event{Seq: 1, Kind: "x.y", Host: "[red]evil[-]", Text: `["e0"]["x"][::b]`, Msg: "[m1]",
		Transcript: []string{"S: 250 [yellow]ok"}}
	m := Fold(nil, []event.Event{e})
	cases := map[string]string{
		RenderLog(m, nil, Filter{}, "en", Theme{}, 80): `["e0"]["x"][::b]`,
		RenderTranscript(m, 0, "en", Theme{}):          "S: 250 [yellow]ok",
		RenderMessages(m, "[m1]", "en", Theme{}, 30):   "[m1]",
		RenderDetail(e, "en", Theme{}):                 "host      [red]evil[-]",
	}
	for rendered, want := range cases {
		if p := plain(rendered); !strings.Contains(p, want) {
			t.Errorf("hostile text %q lost its brackets: %q", want, p)
		}
	}
	if w := tview.TaggedStringWidth(RenderFooter("en", Theme{}, 40)); w > 40 {
		t.Errorf("footer is %d cells wide in 40", w)
	}
}
