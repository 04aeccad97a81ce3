package sim

import (
	"context"
	"testing"
	"time"

	"github.com/mailflow/mailflow/scenarios"
)

// loadBuiltin loads a built-in scenario.
func loadBuiltin(t testing.TB, name string) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// runToEnd runs a scenario end to end as `mailflow test` does.
func runToEnd(t testing.TB, s *scenarios.Scenario) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := Run(ctx, s, Options{})
	if err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	return r
}
