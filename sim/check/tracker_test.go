package check

import (
	"slices"
	"testing"

	"github.com/mailflow/mailflow/sim/event"
)

// The tracker reads a message's story from events alone: states per
// recipient, the steps in order, an outcome, and a recipient accepted with
// 250 that ends nowhere is reported lost.
func TestTrackerFollowsRecipientsFromEvents(t *testing.T) {
	tr := NewTracker()
	tr.Expect("m1", "alice@example.test", "Hi", []string{"bob@school.test", "carol@school.test"})
	for _, e := range []event.Event{
		{Kind: event.SMTPAccepted, Msg: "m1", Step: 2, To: []string{"bob@school.test", "carol@school.test"}},
		{Kind: event.DNSAnswer, Msg: "m1", Step: 4},
		{Kind: event.MailboxStore, Msg: "m1", Step: 6, To: []string{"bob@school.test"}, User: "bob@school.test",
			Folder: "INBOX"},
	} {
		tr.Handle(e)
	}
	if tr.Settled(nil) {
		t.Fatal("settled while carol's copy is still in flight")
	}
	if got := tr.Steps("m1"); !slices.Equal(got, []int{2, 4, 6}) {
		t.Errorf("steps %v", got)
	}
	if _, lost := tr.Conservation(); !slices.Equal(lost, []string{"m1 → carol@school.test (in flight)"}) {
		t.Errorf("lost %v", lost)
	}
	tr.Handle(event.Event{Kind: event.QueueFailed, Msg: "m1", Step: 5, To: []string{"carol@school.test"}, Error: "550"})
	tr.Handle(event.Event{Kind: event.DSNSent, Msg: "m1", State: "failed", To: []string{"carol@school.test"}})
	o := tr.Outcomes()
	if !tr.Settled(nil) || len(o) != 1 || o[0].State != "partly delivered, "+StateBounced ||
		!slices.Equal(o[0].Mailboxes, []string{"bob@school.test/INBOX"}) {
		t.Errorf("outcome %+v", o)
	}
	if counts, lost := tr.Conservation(); len(lost) > 0 || counts[StateDelivered] != 1 || counts[StateBounced] != 1 {
		t.Errorf("counts %v, lost %v", counts, lost)
	}
}
