package suite

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/mailflow/mailflow/scenarios"
)

var update = flag.Bool("update", false, "rewrite the golden traces of the built-ins")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func names(cases []Case) []string {
	var out []string
	for _, c := range cases {
		out = append(out, c.Name)
	}
	return out
}

func TestCollect(t *testing.T) {
	cases, err := Collect([]string{"testdata/cases"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names(cases), ","); got != "fails,passes" {
		t.Fatalf("directory gave %s, want fails,passes (and not _shared)", got)
	}
	cases, err = Collect([]string{"*-domain"})
	if err != nil || strings.Join(names(cases), ",") != "cross-domain,same-domain" {
		t.Fatalf("built-in glob: %v, %v", names(cases), err)
	}
	cases, err = Collect(nil)
	if err != nil || len(cases) != len(scenarios.Builtins()) {
		t.Fatalf("no args: %d cases, %v", len(cases), err)
	}
	if _, err := Collect([]string{"no-such-builtin", "testdata/nothing-*.yaml"}); err == nil ||
		!strings.Contains(err.Error(), "no-such-builtin") || !strings.Contains(err.Error(), "nothing-*") {
		t.Fatalf("want both bad arguments reported, got %v", err)
	}
}

func TestSelectShardsPartition(t *testing.T) {
	var cases []Case
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		cases = append(cases, Case{Name: n})
	}
	seen := map[string]int{}
	for i := 1; i <= 3; i++ {
		for _, c := range Select(cases, nil, i, 3) {
			seen[c.Name]++
		}
	}
	if len(seen) != len(cases) {
		t.Fatalf("shards covered %v", seen)
	}
	for n, k := range seen {
		if k != 1 {
			t.Fatalf("%s in %d shards", n, k)
		}
	}
	if got := names(Select(cases, regexp.MustCompile("^[ae]"), 1, 1)); strings.Join(got, ",") != "a,e" {
		t.Fatalf("--run gave %v", got)
	}
	if _, _, err := ParseShard("3/2"); err == nil {
		t.Fatal("3/2 accepted")
	}
}

func TestEveryBuiltinPasses(t *testing.T) {
	cases, err := Collect(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Run(context.Background(), cases, Options{Parallel: 2}) {
		if !r.Passed() {
			var b bytes.Buffer
			WriteFailure(&b, r)
			t.Error(b.String())
		}
	}
}

// The same scenario and seed give byte-identical normalised traces, and
// each built-in's trace matches its golden file (go test -update rewrites).
func TestBuiltinTracesAreDeterministicAndGolden(t *testing.T) {
	cases, err := Collect(nil)
	if err != nil {
		t.Fatal(err)
	}
	first := Run(context.Background(), cases, Options{Parallel: 2})
	second := Run(context.Background(), cases, Options{Parallel: 2})
	for i, c := range cases {
		a, b := Normalize(first[i].Report.Events), Normalize(second[i].Report.Events)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two runs differ:\n%s", c.Name, Diff(string(a), string(b), 2))
		}
		golden := filepath.Join("testdata", "golden", c.Name+".golden.jsonl")
		if *update {
			if err := os.WriteFile(golden, a, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Errorf("%s: %v (go test ./suite -run Golden -update creates it)", c.Name, err)
			continue
		}
		if !bytes.Equal(want, a) {
			t.Errorf("%s: trace differs from %s (go test ./suite -run Golden -update rewrites it):\n%s",
				c.Name, golden, Diff(string(want), string(a), 2))
		}
	}
}

func TestFailureDetailsAndJUnit(t *testing.T) {
	cases, err := Collect([]string{"testdata/cases"})
	if err != nil {
		t.Fatal(err)
	}
	results := Run(context.Background(), cases, Options{Parallel: 2})
	var fails Result
	for _, r := range results {
		if r.Case.Name == "fails" {
			fails = r
		} else if !r.Passed() {
			t.Fatalf("%s failed", r.Case.Name)
		}
	}
	if fails.Passed() || len(fails.Report.Failed()) != 2 {
		t.Fatalf("want 2 failed expectations, got %+v", fails.Report)
	}
	var b bytes.Buffer
	WriteFailure(&b, fails)
	for _, want := range []string{"--- fails (testdata/cases/sub/fails.yaml)", "✘ delivered at line 9",
		`with subject "Goodbye"`, `observed 0 matching of 1 message(s) (subjects: "Hello")`,
		"Step 6 · mail.example.test files the message in carol@example.test's INBOX", "✘ reply at line 10",
		"replies on the wire: 220 at connect, 250 at ehlo"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("failure details lack %q:\n%s", want, b.String())
		}
	}

	var x bytes.Buffer
	if err := WriteJUnit(&x, results, 0); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(x.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit does not parse: %v\n%s", err, x.String())
	}
	if doc.Tests != 2 || doc.Failures != 1 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 2 {
		t.Fatalf("JUnit counts: %+v", doc)
	}
	for _, c := range doc.Suites[0].Cases {
		switch c.Name {
		case "passes":
			if c.Failure != nil {
				t.Error("passing case has a failure")
			}
		case "fails":
			if c.Failure == nil || !strings.Contains(c.Failure.Message, "delivered (expect[0])") ||
				!strings.Contains(c.Failure.Message, "reply (expect[1])") || c.Classname != "testdata/cases/sub/fails.yaml" {
				t.Errorf("failing case: %+v", c)
			}
		default:
			t.Errorf("unexpected case %q", c.Name)
		}
	}
}

func TestGoldenFileBesideScenario(t *testing.T) {
	dir := t.TempDir()
	src, _ := os.ReadFile("testdata/cases/passes.yaml")
	file := filepath.Join(dir, "passes.yaml")
	os.WriteFile(file, src, 0o644)
	cases, err := Collect([]string{file})
	if err != nil {
		t.Fatal(err)
	}
	if r := Run(context.Background(), cases, Options{Golden: true})[0]; r.Passed() || !strings.Contains(r.Golden, "no golden trace") {
		t.Fatalf("missing golden file: %q", r.Golden)
	}
	if r := Run(context.Background(), cases, Options{Golden: true, Update: true})[0]; !r.Passed() {
		t.Fatalf("update failed: %q", r.Golden)
	}
	if r := Run(context.Background(), cases, Options{Golden: true})[0]; !r.Passed() {
		t.Fatalf("golden differs right after update:\n%s", r.Golden)
	}
	// A different seed changes the trace (the MIME boundary, the ids): the
	// diff says where.
	if r := Run(context.Background(), cases, Options{Golden: true, Seed: 7})[0]; r.Passed() ||
		!strings.Contains(r.Golden, "trace differs") || !strings.Contains(r.Golden, "\n- ") || !strings.Contains(r.Golden, "\n+ ") {
		t.Fatalf("seed 7 should differ:\n%s", r.Golden)
	}
}

func TestDiff(t *testing.T) {
	got := Diff("a\nb\nc\nd\n", "a\nB\nc\nd\ne\n", 1)
	want := "  a\n- b\n+ B\n  c\n  d\n+ e\n"
	if got != want {
		t.Fatalf("diff:\n%s\nwant:\n%s", got, want)
	}
	got = Diff("1\n2\n3\n4\n5\n6\n7\n", "1\nX\n3\n4\n5\n6\nY\n", 1)
	want = "  1\n- 2\n+ X\n  3\n...\n  6\n- 7\n+ Y\n"
	if got != want {
		t.Fatalf("diff:\n%s\nwant:\n%s", got, want)
	}
}

// BenchmarkBuiltinSuite measures `mailflow test` over every built-in, the
// figure docs/performance.md records.
func BenchmarkBuiltinSuite(b *testing.B) {
	cases, err := Collect(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, r := range Run(context.Background(), cases, Options{Parallel: 2}) {
			if !r.Passed() {
				b.Fatalf("%s failed", r.Case.Name)
			}
		}
	}
}
