package check_test

// The cases run whole scenarios through the simulator: the checks are
// tested on what real runs leave.

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim"
	"github.com/mailflow/mailflow/sim/transcript"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// runToEnd runs a scenario end to end as `mailflow test` does.
func runToEnd(t testing.TB, s *scenarios.Scenario) *sim.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := sim.Run(ctx, s, sim.Options{})
	if err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	return r
}

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
