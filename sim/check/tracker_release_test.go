package check

import (
	"fmt"
	"testing"

	"github.com/mailflow/mailflow/sim/event"
)

// A tracker that keeps a bounded number of finished messages forgets the
// oldest finished ones, never one still under way.
func TestTrackerLetsFinishedMessagesGo(t *testing.T) {
	tr := NewTracker()
	tr.KeepFinished(4)
	tr.Expect("waiting", "a@x.test", "", []string{"b@y.test"})
	for i := range 40 {
		id := fmt.Sprintf("m%d", i)
		tr.Expect(id, "a@x.test", "", []string{"b@y.test"})
		tr.Handle(event.Event{Kind: event.SMTPAccepted, Msg: id, Step: 2, To: []string{"b@y.test"}})
		tr.Handle(event.Event{Kind: event.MailboxStore, Msg: id, Step: 6, To: []string{"b@y.test"}})
		if len(tr.messages) > 1+4+4/2 {
			t.Fatalf("after %d messages the tracker holds %d", i+1, len(tr.messages))
		}
	}
	if _, ok := tr.messages["waiting"]; !ok || tr.Settled(nil) {
		t.Fatal("the message still under way was let go")
	}
	if _, ok := tr.messages["m39"]; !ok || len(tr.order) != len(tr.messages) {
		t.Fatalf("newest finished message gone, or order (%d) and messages (%d) disagree", len(tr.order), len(tr.messages))
	}
}
