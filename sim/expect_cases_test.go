package sim

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/transcript"
)

// The scenarios in testdata/expect are written from docs/scenario-format.md
// alone, one per kind of check about the wire: each must pass, except the
// fail-*.yaml ones, whose every expectation is false and must fail.
func TestExpectationCases(t *testing.T) {
	files, err := filepath.Glob("testdata/expect/*.yaml")
	if err != nil || len(files) < 7 {
		t.Fatalf("cases: %v, %v", files, err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, err := scenarios.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			r := runToEnd(t, s)
			if r.PlayErr != nil {
				t.Errorf("actions did not finish: %v", r.PlayErr)
			}
			if len(r.Lost) > 0 {
				t.Errorf("recipients lost: %v", r.Lost)
			}
			mustFail := strings.HasPrefix(name, "fail-")
			for _, x := range r.Results {
				if x.Passed == mustFail {
					t.Errorf("expect[%d] %s passed=%v: expected %s; observed %s", x.Index, x.Kind, x.Passed, x.Expected, x.Observed)
				}
			}
		})
	}
}

// The stages validate accepts are the ones transcripts are read with.
func TestReplyStagesAgree(t *testing.T) {
	if !slices.Equal(scenarios.ReplyStages, transcript.Stages) {
		t.Fatalf("scenarios %v, transcript %v", scenarios.ReplyStages, transcript.Stages)
	}
}
