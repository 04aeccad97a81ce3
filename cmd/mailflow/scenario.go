package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/mailflow/mailflow/scenarios"
)

// loadScenario reads a file or a built-in; every failure is bad input (exit
// 2) with the errors formatted as a compiler would, or the built-in list.
func loadScenario(arg string) (*scenarios.Scenario, error) {
	s, err := scenarios.Load(arg)
	if err == nil {
		return s, nil
	}
	var list scenarios.ErrorList
	if errors.As(err, &list) {
		var b bytes.Buffer
		list.Format(&b)
		return nil, badInput(fmt.Errorf("%s is not a valid scenario:\n%s", arg, strings.TrimRight(b.String(), "\n")))
	}
	if errors.Is(err, scenarios.ErrNotFound) {
		var names []string
		for _, b := range scenarios.Builtins() {
			names = append(names, "  "+b.Name+"  "+b.Description)
		}
		return nil, badInput(fmt.Errorf("no scenario file or built-in named %q; the built-ins are:\n%s",
			arg, strings.Join(names, "\n")))
	}
	return nil, badInput(err)
}

// loadScenarioError formats one loading error (an ErrorList with source
// lines and carets) as loadScenario does.
func loadScenarioError(err error) (string, bool) {
	var list scenarios.ErrorList
	if errors.As(err, &list) {
		var b bytes.Buffer
		list.Format(&b)
		return strings.TrimRight(b.String(), "\n"), true
	}
	if errors.Is(err, scenarios.ErrNotFound) {
		return err.Error() + " (see mailflow list)", true
	}
	return "", false
}

// unjoin splits an errors.Join result back into its errors.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func joinLines(lines []string) string { return strings.Join(lines, "\n") }
