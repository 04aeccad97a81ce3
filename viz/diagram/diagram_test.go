package diagram

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
	"github.com/mailflow/mailflow/viz/plot/flow"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output")

// traces are shared with package flow: real runs and a hand-written
// retry-then-bounce.
var traces = []string{"cross-domain", "same-domain", "retry-bounce", "retry-giveup",
	"spf-dkim-dmarc-pass", "send-as-other-server-dmarc-reject"}

func readTrace(t *testing.T, name string) []event.Event {
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

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestGolden(t *testing.T) {
	for _, name := range traces {
		events := readTrace(t, name)
		for format, ext := range map[Format]string{Mermaid: ".mmd", Text: ".txt"} {
			var buf bytes.Buffer
			if err := Write(&buf, format, events, Options{}); err != nil {
				t.Fatal(err)
			}
			golden(t, name+ext, buf.Bytes())
		}
	}
}

func TestMermaidShape(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, Mermaid, readTrace(t, "retry-bounce"), Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "sequenceDiagram" {
		t.Fatalf("first line %q", lines[0])
	}
	// Participants come first, in lane order, and every arrow uses them.
	for _, want := range []string{
		"participant P1 as alice's mail client",
		"participant P3 as DNS",
		"P2->>P3: MX school.test?",
		"P3-->>P2: MX 10 mail.school.test",
		"P4-->>P2: RCPT 451 4.7.1",
		"P4--xP2: RCPT 550 5.1.1",
		"Note over P2: failed 550 5.1.1",
		"Note over P1,P5: ≈ 2h 10m later",
		"Note over P2: queue.hold",
	} {
		if !strings.Contains(out, "    "+want+"\n") {
			t.Errorf("no line %q in:\n%s", want, out)
		}
	}
}

func TestTextShape(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, Text, readTrace(t, "cross-domain"), Options{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	// Every lifeline sits in the same column on every line it crosses.
	header := lines[1]
	var cols []int
	for i, r := range []rune(header) {
		if r == '|' {
			cols = append(cols, i)
		}
	}
	if len(cols) != 5 {
		t.Fatalf("lifelines %v in %q, want 5", cols, header)
	}
	for _, l := range lines {
		if !strings.Contains(l, "-->|") {
			continue
		}
		rs := []rune(l)
		end := strings.Index(string(rs), "-->|")
		if end < 0 {
			continue
		}
		col := len([]rune(l[:end])) + 3
		found := false
		for _, c := range cols {
			found = found || c == col
		}
		if !found {
			t.Errorf("arrow head at column %d, not on a lifeline %v: %q", col, cols, l)
		}
	}
	if !strings.Contains(buf.String(), "09:00:00.005            |-- MAIL/RCPT/DATA 250 -->|") {
		t.Errorf("no hand-over arrow with its reply code:\n%s", buf.String())
	}
}

func TestVietnameseSteps(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, Text, readTrace(t, "same-domain"), Options{Lang: narrate.Vietnamese}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "Bước 3 · cùng tên miền hay chuyển tiếp") {
		t.Errorf("no Vietnamese step note:\n%s", buf.String())
	}
	buf.Reset()
	_ = Write(&buf, Mermaid, readTrace(t, "same-domain"), Options{NoSteps: true})
	if strings.Contains(buf.String(), "Step") {
		t.Errorf("NoSteps still writes step notes:\n%s", buf.String())
	}
}

func TestMermaidEscapes(t *testing.T) {
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	events := []event.Event{
		{Seq: 1, Time: at, Kind: "odd.kind", Host: "a;b#c", Peer: "x<script>y"},
		{Seq: 2, Time: at, Kind: event.RouteDecision, Host: "a;b#c", Route: "relay", To: []string{"end; click P1 call evil()"}},
	}
	var buf bytes.Buffer
	if err := Write(&buf, Mermaid, events, Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	entity := regexp.MustCompile(`#[0-9a-z]+;`)
	for _, line := range strings.Split(out, "\n")[1:] {
		_, text, ok := strings.Cut(line, ": ")
		if !ok {
			_, text, _ = strings.Cut(line, " as ")
		}
		if strings.ContainsAny(entity.ReplaceAllString(text, ""), ";#<>") {
			t.Errorf("unescaped text in %q", line)
		}
	}
	if !strings.Contains(out, "participant P1 as a#59;b#35;c") {
		t.Errorf("participant not escaped:\n%s", out)
	}
	if len(strings.Split(strings.TrimSpace(out), "\n")) != 5 {
		t.Errorf("an event must stay on one line:\n%s", out)
	}
}

func TestEmptyAndFormats(t *testing.T) {
	for _, f := range []Format{Mermaid, Text} {
		var buf bytes.Buffer
		if err := Write(&buf, f, nil, Options{}); err != nil {
			t.Errorf("%s of nothing: %v", f, err)
		}
	}
	if err := Write(&bytes.Buffer{}, "dot", nil, Options{}); err == nil {
		t.Error("an unknown format should be an error")
	}
	for in, want := range map[string]Format{"mermaid": Mermaid, "TEXT": Text, "": Text} {
		if f, err := ParseFormat(in); err != nil || f != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, f, err)
		}
	}
	if _, err := ParseFormat("svg"); err == nil {
		t.Error("ParseFormat(svg) should fail")
	}
	if s := TextOf(flow.Build(nil), Options{}); strings.TrimSpace(s) != "" {
		t.Errorf("empty text diagram = %q", s)
	}
}

// TestAuthVerdicts: the receiving host's verdicts on the sender show at step
// 5 in both notations, from the auth.result event's fields.
func TestAuthVerdicts(t *testing.T) {
	for _, c := range []struct {
		trace, host, want string
		failed            bool
	}{
		{"spf-dkim-dmarc-pass", "mail.school.test", "SPF pass · DKIM pass · DMARC pass", false},
		{"send-as-other-server-dmarc-reject", "mail.college.test", "SPF fail · DKIM pass · DMARC fail → reject", true},
	} {
		events := readTrace(t, c.trace)
		var buf bytes.Buffer
		if err := Write(&buf, Mermaid, events, Options{}); err != nil {
			t.Fatal(err)
		}
		f := flow.Build(events)
		note := fmt.Sprintf("    Note over P%d: %s\n", f.Lane(c.host)+1, c.want)
		if !strings.Contains(buf.String(), note) {
			t.Errorf("%s: no line %q in:\n%s", c.trace, note, buf.String())
		}
		buf.Reset()
		if err := Write(&buf, Text, events, Options{}); err != nil {
			t.Fatal(err)
		}
		sign := "* "
		if c.failed {
			sign = "X "
		}
		if !strings.Contains(buf.String(), sign+c.want) {
			t.Errorf("%s: no %q in the text diagram:\n%s", c.trace, sign+c.want, buf.String())
		}
	}
}
