package plot

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/plot/flow"
)

func readTrace(t testing.TB, name string) []event.Event {
	t.Helper()
	f, err := os.Open(filepath.Join("flow", "testdata", name))
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

// svgText is one <text> element of an SVG: its content and its style.
type svgText struct {
	Text, Style string
}

// svgTexts parses an SVG as XML (so it must be well formed) and returns
// every text element.
func svgTexts(t *testing.T, svg []byte) []svgText {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var out []svgText
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "text" {
			var el struct {
				Style string `xml:"style,attr"`
				Body  string `xml:",chardata"`
			}
			if err := dec.DecodeElement(&el, &se); err != nil {
				t.Fatal(err)
			}
			out = append(out, svgText{Text: el.Body, Style: el.Style})
		}
	}
}

func render(t *testing.T, format Format, events []event.Event, o Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, format, events, o); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// findText returns the first text element equal to s.
func findText(texts []svgText, s string) (svgText, bool) {
	for _, x := range texts {
		if x.Text == s {
			return x, true
		}
	}
	return svgText{}, false
}

func TestTimelineSVGCrossDomain(t *testing.T) {
	texts := svgTexts(t, render(t, SVG, readTrace(t, "cross-domain.jsonl"), Options{}))
	for _, want := range []string{
		// the title, the lanes (the mailbox lane is two lines)
		"cross-domain: alice@example.test → bob@school.test, delivered",
		"alice's mail client", "mail.example.test", "DNS", "mail.school.test", "mailboxes (POP3/IMAP)",
		// exchanges and hops
		"SMTP :587 submission", "SMTP :25", "MAIL/RCPT/DATA 250", "MX 10 mail.school.test",
		"A 127.64.0.11", "bob@school.test/INBOX UID 1", "relay bob@school.test",
		// the time axis and the key
		"09:00:00.005", "1 connect", "4 DNS", "6 mailbox",
	} {
		if _, ok := findText(texts, want); !ok {
			t.Errorf("no text %q in the timeline", want)
		}
	}
	for _, x := range texts {
		if strings.HasPrefix(x.Text, "≈") {
			t.Errorf("a run of milliseconds should have no axis break: %q", x.Text)
		}
		if strings.Contains(x.Style, Hex(mustTone(flow.Failed))) {
			t.Errorf("a delivered run shows a failure: %q", x.Text)
		}
	}
}

func mustTone(tn flow.Tone) color.RGBA {
	c, _ := ToneColor(tn)
	return c
}

func TestTimelineSVGRetryBounce(t *testing.T) {
	texts := svgTexts(t, render(t, SVG, readTrace(t, "retry-bounce.jsonl"), Options{}))
	red := strings.ToUpper(Hex(mustTone(flow.Failed)))
	orange := strings.ToUpper(Hex(mustTone(flow.Deferred)))
	for _, c := range []struct{ text, color string }{
		{"deferred 451 4.7.1", orange},
		{"deferred 451 4.2.1", orange},
		{"RCPT 451 4.7.1", orange},
		{"failed 550 5.1.1", red},
		{"RCPT 550 5.1.1", red},
		{"retry: attempt 2", strings.ToUpper(Hex(mustTone(flow.Retry)))},
		{"bounce (DSN) → alice@example.test", strings.ToUpper(Hex(mustTone(flow.Bounce)))},
		// the queue's waits are cut out of the axis and labelled
		{"≈ 15m", ""},
		{"≈ 2h 10m", ""},
		// an event kind the pictures do not know is still shown
		{"queue.hold", ""},
	} {
		x, ok := findText(texts, c.text)
		if !ok {
			t.Errorf("no text %q in the timeline", c.text)
			continue
		}
		if c.color != "" && !strings.Contains(strings.ToUpper(x.Style), "FILL:"+c.color) {
			t.Errorf("%q has style %q, want fill %s", c.text, x.Style, c.color)
		}
	}
	for _, want := range []string{"failed", "deferred (4xx)", "retry", "bounce (DSN)", "11:25:00.000"} {
		if _, ok := findText(texts, want); !ok {
			t.Errorf("no %q in the key or axis", want)
		}
	}
}

// A real run of docs/img/retry-bounce.yaml: faults, deferrals, retries with
// their waits, the give-up and the bounce.
func TestTimelineSVGRetryGiveUp(t *testing.T) {
	texts := svgTexts(t, render(t, SVG, readTrace(t, "retry-giveup.jsonl"), Options{}))
	for _, want := range []string{
		"retry-bounce: alice@example.test → bob@school.test, bounced; 1 bounce delivered",
		"fault at RCPT: 451 4.3.0", "RCPT 451 4.3.0", "deferred 451 4.3.0", "retry in 15m", "retry in 2h",
		"≈ 15m", "≈ 2h", "failed 4.4.7", "bounce (DSN) → alice@example.test", "alice@example.test/INBOX UID 1",
	} {
		if _, ok := findText(texts, want); !ok {
			t.Errorf("no text %q in the timeline", want)
		}
	}
}

// The PNG is checked for what it shows too: a retry-then-bounce run has
// red and orange in it, a delivered run has neither.
func TestTimelinePNGColours(t *testing.T) {
	red, orange := mustTone(flow.Failed), mustTone(flow.Deferred)
	cross := colourCounts(t, render(t, PNG, readTrace(t, "cross-domain.jsonl"), Options{}), red, orange)
	retry := colourCounts(t, render(t, PNG, readTrace(t, "retry-bounce.jsonl"), Options{}), red, orange)
	if cross[0] > 0 || cross[1] > 0 {
		t.Errorf("delivered run: %d red and %d orange pixels", cross[0], cross[1])
	}
	if retry[0] < 200 {
		t.Errorf("retry-bounce run: %d red pixels, want failure marks", retry[0])
	}
	if retry[1] < 200 {
		t.Errorf("retry-bounce run: %d orange pixels, want deferral marks", retry[1])
	}
}

// colourCounts decodes a PNG and counts the pixels near each colour.
func colourCounts(t *testing.T, b []byte, want ...color.RGBA) []int {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	bounds := img.Bounds()
	if bounds.Dx() < 1500 || bounds.Dy() < 500 {
		t.Errorf("picture is %dx%d, too small to project", bounds.Dx(), bounds.Dy())
	}
	rgba := image.NewNRGBA(bounds)
	draw.Draw(rgba, bounds, img, bounds.Min, draw.Src)
	counts := make([]int, len(want))
	for i := 0; i+3 < len(rgba.Pix); i += 4 {
		for k, c := range want {
			if near(rgba.Pix[i], c.R) && near(rgba.Pix[i+1], c.G) && near(rgba.Pix[i+2], c.B) {
				counts[k]++
			}
		}
	}
	return counts
}

func near(v, c uint8) bool {
	d := int(v) - int(c)
	return d > -6 && d < 6
}

// synthRun makes the events of n messages sent 50 ms apart, the
// fourth of every five deferred for ten minutes and then delivered.
func synthRun(n int) []event.Event {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	var events []event.Event
	add := func(at time.Duration, e event.Event) {
		e.Time = start.Add(at)
		events = append(events, e)
	}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("m%d", i+1)
		t0 := time.Duration(i) * 50 * time.Millisecond
		ms := func(k int) time.Duration { return t0 + time.Duration(k)*time.Millisecond }
		add(ms(0), event.Event{Kind: event.ActionStart, Host: "ann's mail client", Msg: id})
		add(ms(1), event.Event{Kind: event.SMTPConnect, Step: 1, Host: "ann's mail client", Peer: "mail.a.test", Msg: id, Port: 587})
		add(ms(2), event.Event{Kind: event.SMTPAccepted, Step: 2, Host: "mail.a.test", Peer: "ann's mail client", Msg: id, Reply: &event.Reply{Code: 250}})
		add(ms(3), event.Event{Kind: event.RouteDecision, Step: 3, Host: "mail.a.test", Msg: id, Route: "relay"})
		add(ms(4+i%3), event.Event{Kind: event.DNSQuery, Step: 4, Host: "mail.a.test", Peer: "dns", Msg: id, QType: "MX"})
		add(ms(7), event.Event{Kind: event.RelayConnect, Step: 5, Host: "mail.a.test", Peer: "mx.b.test", Msg: id, Port: 25})
		end := ms(9 + i%4)
		if i%5 == 3 {
			add(ms(8), event.Event{Kind: event.QueueDeferred, Step: 5, Host: "mail.a.test", Msg: id, Reply: &event.Reply{Code: 451}})
			end = ms(8) + 10*time.Minute
		}
		add(end, event.Event{Kind: event.MailboxStore, Step: 6, Host: "mx.b.test", Msg: id, User: "bo@b.test"})
	}
	for i := range events {
		events[i].Seq = int64(i + 1)
	}
	return events
}

func TestLoadStats(t *testing.T) {
	st := LoadOf(synthRun(10))
	if st.Messages != 10 || len(st.Latency) != 10 || len(st.Accepted) != 10 || len(st.Delivered) != 10 {
		t.Fatalf("stats: %d messages, %d latencies, %d accepted, %d delivered",
			st.Messages, len(st.Latency), len(st.Accepted), len(st.Delivered))
	}
	// m1: step 1 from 1 ms to step 2 at 2 ms; step 4 from 4 ms to step 5 at 7 ms.
	if st.Steps[1][0] != time.Millisecond || st.Steps[4][0] != 3*time.Millisecond {
		t.Errorf("m1 steps: 1 took %v, 4 took %v", st.Steps[1][0], st.Steps[4][0])
	}
	// m4 waited in the queue: its step 5 lasts ten minutes and more.
	if st.Steps[5][3] < 10*time.Minute {
		t.Errorf("m4 step 5 = %v, want the queue wait in it", st.Steps[5][3])
	}
	if st.Latency[0] != 9*time.Millisecond {
		t.Errorf("m1 latency = %v, want 9ms", st.Latency[0])
	}
	if len(st.Steps[2]) != 10 || len(st.Steps[6]) != 10 {
		t.Errorf("every message has steps 2 and 6: %d, %d", len(st.Steps[2]), len(st.Steps[6]))
	}
}

func TestLoadChartsSVG(t *testing.T) {
	events := synthRun(40)
	if c := Pick(flow.Build(events), Auto); c != Load {
		t.Fatalf("40 messages: auto picks %q, want load", c)
	}
	texts := svgTexts(t, render(t, SVG, events, Options{Title: "load test"}))
	for _, want := range []string{"latency per step", "throughput over time", "delivery latency (40 delivered)",
		"handed over (40)", "filed in a mailbox (40)", "1 connect", "6 mailbox", "time in step (log scale)", "10m"} {
		found := false
		for _, x := range texts {
			if strings.Contains(x.Text, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("no text %q in the load charts", want)
		}
	}
}

func TestLoadChartsWithoutDeliveries(t *testing.T) {
	events := synthRun(8)
	var kept []event.Event
	for _, e := range events {
		if e.Kind != event.MailboxStore {
			kept = append(kept, e)
		}
	}
	texts := svgTexts(t, render(t, SVG, kept, Options{Chart: Load}))
	if _, ok := findText(texts, "no message reached a mailbox"); !ok {
		t.Error("an undelivered run should say so in the histogram")
	}
}

// Every chart of every kind of input renders: unknown kinds, one event, a
// lone message, events without times.
func TestEdgeCasesRender(t *testing.T) {
	cases := map[string][]event.Event{
		"one event":   {{Seq: 1, Kind: event.RunStart, Host: "-", Scenario: "x"}},
		"no times":    {{Seq: 1, Kind: event.SMTPConnect, Host: "a", Peer: "b"}, {Seq: 2, Kind: "x.y", Host: "a"}},
		"unknown":     {{Seq: 1, Time: time.Unix(0, 0), Kind: "future.kind", Host: "h", Peer: "p", Reply: &event.Reply{Code: 421}}},
		"hostile":     {{Seq: 1, Time: time.Unix(5, 0), Kind: event.SMTPConnect, Host: "<b>&\"'", Peer: "\x01\x02"}},
		"same moment": {{Seq: 1, Time: time.Unix(5, 0), Kind: event.SMTPConnect, Host: "a", Peer: "b"}, {Seq: 2, Time: time.Unix(5, 0), Kind: event.SMTPTLS, Host: "a", Peer: "b"}},
	}
	for name, events := range cases {
		for _, chart := range []Chart{Timeline, Load} {
			for _, format := range []Format{SVG, PNG} {
				var buf bytes.Buffer
				// A low resolution: this checks drawing, not looks.
				if err := Write(&buf, format, events, Options{Chart: chart, DPI: 20}); err != nil {
					t.Errorf("%s %s %s: %v", name, chart, format, err)
				}
				if format == SVG {
					svgTexts(t, buf.Bytes())
				}
			}
		}
	}
	if err := Write(io.Discard, SVG, nil, Options{}); err != ErrNoEvents {
		t.Errorf("no events: err = %v, want ErrNoEvents", err)
	}
	if err := Write(io.Discard, "gif", synthRun(1), Options{}); err == nil {
		t.Error("an unknown format should be an error")
	}
}

func TestSaveAndFormat(t *testing.T) {
	dir := t.TempDir()
	events := readTrace(t, "cross-domain.jsonl")
	for _, name := range []string{"a.png", "b.SVG"} {
		if err := Save(filepath.Join(dir, name), events, Options{DPI: 30}); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "a.png"))
	if !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Error("a.png is not a PNG")
	}
	b, _ = os.ReadFile(filepath.Join(dir, "b.SVG"))
	if !bytes.Contains(b, []byte("<svg")) {
		t.Error("b.SVG is not an SVG")
	}
	if err := Save(filepath.Join(dir, "c.jpg"), events, Options{}); err == nil {
		t.Error("a .jpg name should be refused")
	}
	for in, want := range map[string]Chart{"": Auto, "Timeline": Timeline, "load": Load} {
		if c, err := ParseChart(in); err != nil || c != want {
			t.Errorf("ParseChart(%q) = %q, %v", in, c, err)
		}
	}
	if _, err := ParseChart("pie"); err == nil {
		t.Error("ParseChart(pie) should fail")
	}
}
