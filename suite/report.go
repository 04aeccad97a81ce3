package suite

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteFailure explains a failed run: each failed expectation with what was
// expected and observed, where in the file, and the events that explain it.
func WriteFailure(w io.Writer, r Result) {
	where := "built-in"
	if r.Case.File != "" {
		where = r.Case.File
	}
	fmt.Fprintf(w, "--- %s (%s)\n", r.Label(), where)
	if r.Err != nil {
		fmt.Fprintf(w, "  the network did not start: %v\n", r.Err)
		return
	}
	if r.Report.PlayErr != nil {
		fmt.Fprintf(w, "  actions: %v\n", r.Report.PlayErr)
	}
	for _, x := range r.Report.Failed() {
		pos := ""
		if x.Pos.Line > 0 {
			pos = fmt.Sprintf(" at line %d", x.Pos.Line)
		}
		fmt.Fprintf(w, "  ✘ %s%s\n      expected %s\n      observed %s\n", x.Kind, pos, x.Expected, x.Observed)
		if len(x.Related) > 0 {
			fmt.Fprintf(w, "      events:\n")
			for _, e := range x.Related {
				fmt.Fprintf(w, "        %s  %s\n", e.Time.Format("15:04:05.000"), e.Text)
			}
		}
	}
	if r.Golden != "" {
		fmt.Fprintf(w, "  golden: %s\n", strings.ReplaceAll(strings.TrimRight(r.Golden, "\n"), "\n", "\n    "))
	}
}

// jsonResult is one line of `mailflow test --format json`.
type jsonResult struct {
	Name         string            `json:"name"`
	File         string            `json:"file,omitempty"`
	Passed       bool              `json:"passed"`
	WallMS       float64           `json:"wall_ms"`
	Error        string            `json:"error,omitempty"`
	Expectations []jsonExpectation `json:"expectations,omitempty"`
	Golden       string            `json:"golden_diff,omitempty"`
	Outcomes     any               `json:"outcomes,omitempty"`
}

type jsonExpectation struct {
	Index    int    `json:"index"`
	Kind     string `json:"kind"`
	Passed   bool   `json:"passed"`
	Line     int    `json:"line,omitempty"`
	Expected string `json:"expected"`
	Observed string `json:"observed"`
}

// WriteJSON writes one JSON object per run, then a summary object.
func WriteJSON(w io.Writer, results []Result) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	passed := 0
	for _, r := range results {
		j := jsonResult{Name: r.Label(), File: r.Case.File, Passed: r.Passed(), Golden: r.Golden}
		if r.Err != nil {
			j.Error = r.Err.Error()
		}
		if r.Report != nil {
			j.WallMS = float64(r.Report.Wall.Microseconds()) / 1000
			j.Outcomes = r.Report.Outcomes
			if r.Report.PlayErr != nil {
				j.Error = r.Report.PlayErr.Error()
			}
			for _, x := range r.Report.Results {
				j.Expectations = append(j.Expectations, jsonExpectation{Index: x.Index, Kind: x.Kind,
					Passed: x.Passed, Line: x.Pos.Line, Expected: x.Expected, Observed: x.Observed})
			}
		}
		if j.Passed {
			passed++
		}
		if err := enc.Encode(j); err != nil {
			return err
		}
	}
	return enc.Encode(map[string]int{"passed": passed, "failed": len(results) - passed})
}
