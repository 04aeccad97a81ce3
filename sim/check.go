package sim

import (
	"strings"

	"github.com/mailflow/mailflow/sim/check"
	"github.com/mailflow/mailflow/sim/event"
)

// Result is one checked expectation (see sim/check).
type Result = check.Result

// Check evaluates the scenario's expectations against the mailboxes and the
// events, and publishes one event per result.
func (n *Network) Check() []Result {
	c := &check.Checker{Scenario: n.Scenario, Events: n.Bus.History, Store: n.Store, Tracker: n.tracker}
	var results []Result
	for i := range n.Scenario.Expect {
		r := c.Check(i)
		passed := r.Passed
		n.Bus.Publish(event.Event{Kind: event.ExpectResult, Host: "-", Passed: &passed, Check: r.Kind,
			Expected: r.Expected, Observed: r.Observed})
		results = append(results, r)
	}
	return results
}

// Summary is the end of a run: the summary event and the conservation
// check's verdict.
type Summary struct {
	Event event.Event
	Lost  []string
}

// Summarize publishes the last event of a run: every message's outcome and
// where every accepted recipient ended (mailbox, bounce, queue, dropped).
func (n *Network) Summarize() Summary {
	counts, lost := n.tracker.Conservation()
	e := event.Event{Kind: event.Summary, Host: "-", Outcomes: n.tracker.Outcomes(), Counts: map[string]int{
		check.StateDelivered: counts[check.StateDelivered], check.StateBounced: counts[check.StateBounced],
		check.StateQueued: counts[check.StateQueued], check.StateDropped: counts[check.StateDropped]}}
	if len(lost) > 0 {
		e.Error = "lost: " + strings.Join(lost, ", ")
	}
	return Summary{Event: n.Bus.Publish(e), Lost: lost}
}

// Outcomes returns every message's current state.
func (n *Network) Outcomes() []event.MessageOutcome { return n.tracker.Outcomes() }
