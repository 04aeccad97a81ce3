package suite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/mailflow/mailflow/sim/event"
)

// GoldenPath is where a scenario file's golden trace lives: beside it,
// cases.yaml → cases.golden.jsonl.
func GoldenPath(scenarioFile string) string {
	base := strings.TrimSuffix(strings.TrimSuffix(scenarioFile, ".yaml"), ".yml")
	return base + ".golden.jsonl"
}

// Addresses of the simulated hosts (127.0.0.0/8) with an optional port:
// the /24 differs from run to run so that runs can share a machine, and
// client ports are ephemeral.
var addrRe = regexp.MustCompile(`127\.\d{1,3}\.\d{1,3}\.(\d{1,3})(:\d+)?`)

// Normalize renders a trace so that two runs of the same scenario and seed
// compare equal: times relative to the first event, each run's address
// range and ephemeral ports masked. One event per line.
func Normalize(events []event.Event) []byte {
	var buf bytes.Buffer
	var start time.Time
	for i, e := range events {
		if i == 0 {
			start = e.Time
		}
		offset := e.Time.Sub(start)
		e.Time = time.Time{}
		line, err := json.Marshal(struct {
			At string `json:"at"`
			event.Event
		}{At: "+" + offset.String(), Event: e})
		if err != nil {
			continue // an event always marshals; nothing to mask here
		}
		line = addrRe.ReplaceAllFunc(line, func(m []byte) []byte {
			sub := addrRe.FindSubmatch(m)
			out := "<net>." + string(sub[1])
			if len(sub[2]) > 0 {
				out += ":<port>"
			}
			return []byte(out)
		})
		line = bytes.Replace(line, []byte(`"time":"0001-01-01T00:00:00Z",`), nil, 1)
		buf.Write(line)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

// compareGolden compares a run's normalised trace with the golden file, or
// rewrites the file when update is set. It returns a readable diff, "" when
// they agree.
func compareGolden(scenarioFile string, events []event.Event, update bool) string {
	got := Normalize(events)
	file := GoldenPath(scenarioFile)
	if update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			return fmt.Sprintf("cannot write %s: %v", file, err)
		}
		return ""
	}
	want, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return fmt.Sprintf("no golden trace %s yet (run with --golden --update to create it)", file)
	}
	if err != nil {
		return err.Error()
	}
	if bytes.Equal(want, got) {
		return ""
	}
	return fmt.Sprintf("trace differs from %s (--update rewrites it):\n%s", file, Diff(string(want), string(got), 3))
}

// Diff is a line diff of a and b, "-" for lines only in a, "+" for lines
// only in b, with context lines around each change and "..." between.
func Diff(a, b string, context int) string {
	x, y := strings.Split(strings.TrimSuffix(a, "\n"), "\n"), strings.Split(strings.TrimSuffix(b, "\n"), "\n")
	// Longest common subsequence; traces are hundreds of lines at most.
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		op   byte
		text string
	}
	var ops []line
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			ops = append(ops, line{' ', x[i]})
			i++
			j++
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, line{'-', x[i]})
			i++
		default:
			ops = append(ops, line{'+', y[j]})
			j++
		}
	}
	var out strings.Builder
	last := -1
	for k, op := range ops {
		if op.op == ' ' {
			continue
		}
		from := max(k-context, last+1)
		if last >= 0 && from > last+1 {
			out.WriteString("...\n")
		}
		for c := from; c < k; c++ {
			fmt.Fprintf(&out, "  %s\n", ops[c].text)
		}
		fmt.Fprintf(&out, "%c %s\n", op.op, op.text)
		last = k
		for c := k + 1; c < len(ops) && c <= k+context && ops[c].op == ' '; c++ {
			fmt.Fprintf(&out, "  %s\n", ops[c].text)
			last = c
		}
	}
	return out.String()
}
