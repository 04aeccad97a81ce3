package web

import (
	"testing"

	"github.com/mailflow/mailflow/sim/event"
)

// The index keeps at most its bound: the oldest events go, a page after
// them starts at the oldest kept, and a message's events are those kept.
func TestIndexDropsTheOldest(t *testing.T) {
	x := newIndex(newStats(nil), 100)
	x.ready = true
	for seq := int64(1); seq <= 250; seq++ {
		x.Handle(event.Event{Seq: seq, Kind: event.SMTPConnect, Step: 1, Msg: "m" + string(rune('a'+seq%3))})
	}
	if n := len(x.events); n > 100 {
		t.Errorf("%d events kept, bound 100", n)
	}
	got, _, _ := x.after(0, 10)
	if len(got) != 10 || got[0].Seq != x.first || x.first <= 150 {
		t.Errorf("after 0: first kept %d, page starts at %d", x.first, got[0].Seq)
	}
	if x.last() != 250 {
		t.Errorf("last %d", x.last())
	}
	for _, e := range x.message("mb") {
		if e.Seq < x.first {
			t.Errorf("message event %d was dropped", e.Seq)
		}
	}
	if !x.known("ma") {
		t.Error("a message with events kept is unknown")
	}
}
