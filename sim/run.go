package sim

import (
	"context"
	"errors"
	"time"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/event"
)

// Report is what one run of a scenario found.
type Report struct {
	Scenario *scenarios.Scenario
	Results  []Result
	Outcomes []event.MessageOutcome
	Events   []event.Event
	// PlayErr is set when the actions could not finish (a wait that timed
	// out, a cancelled run).
	PlayErr error
	// Lost lists recipients of accepted messages that ended nowhere: not in
	// a mailbox, a bounce, the queue, nor dropped by a rule. A run with any
	// fails.
	Lost []string
	Wall time.Duration
}

// Passed reports whether the actions finished and every expectation held.
func (r *Report) Passed() bool {
	if r.PlayErr != nil || len(r.Lost) > 0 {
		return false
	}
	for _, x := range r.Results {
		if !x.Passed {
			return false
		}
	}
	return true
}

// Failed returns the expectations that did not hold.
func (r *Report) Failed() []Result {
	var out []Result
	for _, x := range r.Results {
		if !x.Passed {
			out = append(out, x)
		}
	}
	return out
}

// Run starts a scenario's network, plays its actions, lets scheduled work
// finish, checks the expectations, publishes the summary and stops the
// network. The error is for a network that could not start; everything
// else is in the report.
func Run(ctx context.Context, s *scenarios.Scenario, opts Options) (*Report, error) {
	began := time.Now()
	n, err := Start(s, opts)
	if err != nil {
		return nil, err
	}
	defer n.Close()
	r := &Report{Scenario: s}
	r.PlayErr = n.Play(ctx)
	if r.PlayErr == nil {
		r.PlayErr = n.WaitSettled(ctx)
	}
	if errors.Is(r.PlayErr, context.Canceled) {
		r.PlayErr = errors.New("run interrupted")
	}
	r.Results = n.Check()
	r.Lost = n.Summarize().Lost
	r.Outcomes = n.Outcomes()
	r.Events = n.Bus.History()
	r.Wall = time.Since(began)
	return r, nil
}
