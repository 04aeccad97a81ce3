package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
)

func readTrace(t testing.TB, name string) []event.Event {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "plot", "flow", "testdata", name+".jsonl"))
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

func render(t testing.TB, events []event.Event, o Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, events, o); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// node finds elements in a parsed page.
type page struct{ root *html.Node }

func parse(t *testing.T, b []byte) page {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return page{root}
}

func (p page) all(match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(p.root)
	return out
}

func (p page) tag(name string) []*html.Node {
	return p.all(func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == name })
}

func (p page) byID(id string) *html.Node {
	for _, n := range p.all(func(n *html.Node) bool { return n.Type == html.ElementNode && attr(n, "id") == id }) {
		return n
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func TestReportCrossDomain(t *testing.T) {
	events := readTrace(t, "cross-domain")
	p := parse(t, render(t, events, Options{}))
	if got := text(p.tag("title")[0]); got != "mailflow report: cross-domain" {
		t.Errorf("title %q", got)
	}
	if v := p.all(func(n *html.Node) bool { return attr(n, "class") == "verdict pass" }); len(v) != 1 {
		t.Error("no PASS verdict")
	}
	outcome := text(p.byID("outcome"))
	for _, want := range []string{"m1", "alice@example.test", "bob@school.test", "Homework week 3", "delivered", "1→2→3→4→5→6", "bob@school.test/INBOX"} {
		if !strings.Contains(outcome, want) {
			t.Errorf("outcome table lacks %q: %s", want, outcome)
		}
	}
	if n := len(p.byIDChildren("expectations", "li")); n != 2 {
		t.Errorf("%d expectations listed, want 2", n)
	}
	// The timeline is inline SVG with the lanes in it; one picture only
	// (one message: no load charts).
	svgs := p.tag("svg")
	if len(svgs) != 1 {
		t.Fatalf("%d inline SVGs, want the timeline only", len(svgs))
	}
	tl := text(svgs[0])
	for _, want := range []string{"alice's mail client", "mail.example.test", "DNS", "mail.school.test", "MX 10 mail.school.test"} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
	// The sequence diagram in text, the Mermaid source beside it.
	seq := text(p.byID("sequence"))
	if !strings.Contains(seq, "|-- MAIL/RCPT/DATA 250 -->|") || !strings.Contains(seq, "sequenceDiagram") {
		t.Errorf("sequence section: %s", seq)
	}
	// One log row per event, the narrated text in it.
	rows := p.byIDChildren("log", "tr")
	if len(rows) != len(events) {
		t.Errorf("%d log rows for %d events", len(rows), len(events))
	}
	if !strings.Contains(text(p.byID("log")), "Step 4 · DNS answers school.test MX → mail.school.test (preference 10)") {
		t.Error("the narrated log lacks the DNS answer")
	}
	// Both dialogues, folded, each linked from its log line.
	tr := p.byIDChildren("transcripts", "details")
	if len(tr) != 2 {
		t.Fatalf("%d transcripts, want 2", len(tr))
	}
	if !strings.Contains(text(tr[0]), "C: AUTH PLAIN ********") || !strings.Contains(text(tr[1]), "S: 250 2.0.0 OK: queued") {
		t.Error("transcripts lack their dialogue")
	}
	for _, d := range tr {
		id := attr(d, "id")
		if len(p.all(func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "#"+id })) != 1 {
			t.Errorf("no log link to transcript %s", id)
		}
	}
}

func (p page) byIDChildren(id, tag string) []*html.Node {
	n := p.byID(id)
	if n == nil {
		return nil
	}
	return page{n}.tag(tag)
}

func TestReportRetryBounce(t *testing.T) {
	p := parse(t, render(t, readTrace(t, "retry-bounce"), Options{}))
	if n := p.all(func(n *html.Node) bool { return attr(n, "class") == "state bounced" }); len(n) != 1 {
		t.Error("the outcome should show the message bounced")
	}
	bad := p.all(func(n *html.Node) bool { return n.Data == "tr" && attr(n, "class") == "bad" })
	warn := p.all(func(n *html.Node) bool { return n.Data == "tr" && attr(n, "class") == "warn" })
	if len(bad) != 2 || len(warn) != 6 {
		t.Errorf("%d failure rows (want 2: the 550 and the queue giving up), %d warning rows (want 6)", len(bad), len(warn))
	}
	tl := text(p.tag("svg")[0])
	for _, want := range []string{"failed 550 5.1.1", "deferred 451 4.7.1", "≈ 2h 10m", "bounce (DSN) → alice@example.test"} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
}

// The page must load nothing: no scripts, no external styles, fonts or
// images, no web address in any attribute, and a policy that forbids them.
func TestReportHasNoExternalResources(t *testing.T) {
	for _, name := range []string{"cross-domain", "retry-bounce"} {
		out := render(t, readTrace(t, name), Options{})
		if bytes.Contains(out, []byte("http://")) || bytes.Contains(out, []byte("https://")) {
			t.Errorf("%s: the report names a web address", name)
		}
		checkSelfContained(t, out)
	}
}

func checkSelfContained(t *testing.T, out []byte) {
	t.Helper()
	z := html.NewTokenizer(bytes.NewReader(out))
	inStyle := false
	csp := false
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			switch tok.Data {
			case "script", "link", "iframe", "object", "embed", "img", "image", "use", "base", "form", "audio", "video":
				t.Errorf("element <%s> in a self-contained report", tok.Data)
			case "style":
				inStyle = true
			}
			for _, a := range tok.Attr {
				switch strings.ToLower(a.Key) {
				case "src", "srcset", "href", "xlink:href", "action", "data", "poster", "background":
					if !strings.HasPrefix(a.Val, "#") {
						t.Errorf("<%s %s=%q> points outside the page", tok.Data, a.Key, a.Val)
					}
				case "style":
					if strings.Contains(a.Val, "url(") {
						t.Errorf("<%s style=%q> loads something", tok.Data, a.Val)
					}
				case "http-equiv":
					csp = csp || strings.EqualFold(a.Val, "Content-Security-Policy")
				}
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Errorf("<%s %s> runs script", tok.Data, a.Key)
				}
			}
		case html.EndTagToken:
			if tok.Data == "style" {
				inStyle = false
			}
		case html.TextToken:
			if inStyle && (strings.Contains(tok.Data, "url(") || strings.Contains(tok.Data, "@import")) {
				t.Error("the style sheet loads something")
			}
		}
	}
	if !csp {
		t.Error("no Content-Security-Policy")
	}
}

// A hostile trace cannot put markup into the page, in the HTML or in the
// inline SVG.
func TestReportEscapesHostileText(t *testing.T) {
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	evil := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	events := []event.Event{
		{Seq: 1, Time: at, Kind: event.RunStart, Host: "-", Scenario: evil},
		{Seq: 2, Time: at.Add(time.Millisecond), Step: 1, Kind: event.SMTPConnect, Host: evil, Peer: "mail.x.test", Port: 587, Text: evil},
		{Seq: 3, Time: at.Add(2 * time.Millisecond), Kind: event.SMTPTranscript, Host: evil, Peer: "mail.x.test", Transcript: []string{"S: 220 " + evil}},
		{Seq: 4, Time: at.Add(3 * time.Millisecond), Kind: "weird</svg><script>", Host: evil, Reply: &event.Reply{Code: 554}},
		{Seq: 5, Time: at.Add(4 * time.Millisecond), Kind: event.Summary, Host: "-", Outcomes: []event.MessageOutcome{{Msg: evil, From: evil, State: evil}}},
	}
	out := render(t, events, Options{Title: evil})
	checkSelfContained(t, out)
	if bytes.Contains(out, []byte("<script")) || bytes.Contains(out, []byte("<img")) {
		t.Error("hostile text reached the page as markup")
	}
	if !bytes.Contains(out, []byte("&lt;script&gt;alert(1)&lt;/script&gt;")) {
		t.Error("hostile text should be shown, escaped")
	}
}

func TestReportVietnamese(t *testing.T) {
	p := parse(t, render(t, readTrace(t, "same-domain"), Options{Lang: narrate.Vietnamese}))
	if attr(p.tag("html")[0], "lang") != "vi" {
		t.Error("html lang should be vi")
	}
	log := text(p.byID("log"))
	if !strings.Contains(log, "Bước 3 · mail.example.test: carol@example.test cùng tên miền → giao nội bộ") {
		t.Errorf("the log is not narrated in Vietnamese: %s", log)
	}
	if !strings.Contains(text(p.byID("outcome")), "Trạng thái") {
		t.Error("headings are not in Vietnamese")
	}
}

func TestReportEmptyAndSave(t *testing.T) {
	if err := Write(&bytes.Buffer{}, nil, Options{}); err == nil {
		t.Error("an empty trace should be an error")
	}
	path := filepath.Join(t.TempDir(), "r.html")
	if err := Save(path, readTrace(t, "same-domain"), Options{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) {
		t.Errorf("saved report: %v, starts %q", err, b[:min(20, len(b))])
	}
	if err := Save(filepath.Join(t.TempDir(), "no", "such", "dir.html"), readTrace(t, "same-domain"), Options{}); err == nil {
		t.Error("saving into a missing directory should fail")
	}
}
