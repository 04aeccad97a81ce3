package event

import (
	"context"
	"sync/atomic"
	"testing"
)

type quietSink struct{ seen, texts atomic.Int64 }

func (s *quietSink) Handle(e Event) {
	if e.Text != "" {
		s.texts.Add(1)
	}
	s.seen.Add(1)
}
func (*quietSink) Textless() {}

// With only textless sinks the bus narrates an event when it is read, once;
// a sink that reads text makes it narrate as it publishes.
func TestNarrationWhenRead(t *testing.T) {
	var calls atomic.Int64
	narrate := func(e Event) string { calls.Add(1); return "said " + string(e.Kind) }
	b := NewBus(&tickClock{}, narrate)
	q := &quietSink{}
	b.Attach(q)
	for range 5 {
		b.Publish(Event{Kind: SMTPConnect})
	}
	if calls.Load() != 0 || q.seen.Load() != 5 || q.texts.Load() != 0 {
		t.Fatalf("narrated %d times for a textless sink", calls.Load())
	}
	e, err := b.Wait(context.Background(), func(e Event) bool { return e.Seq == 2 })
	if err != nil || e.Text != "said smtp.connect" || calls.Load() != 1 {
		t.Fatalf("Wait gave %q after %d narrations (%v)", e.Text, calls.Load(), err)
	}
	h := b.History()
	if len(h) != 5 || h[4].Text != "said smtp.connect" || calls.Load() != 5 {
		t.Fatalf("History: %d events, last %q, %d narrations", len(h), h[4].Text, calls.Load())
	}
	b.History()
	if calls.Load() != 5 {
		t.Fatalf("narrated again on a second read: %d", calls.Load())
	}
	var got string
	b.Attach(SinkFunc(func(e Event) { got = e.Text }))
	b.Publish(Event{Kind: DNSQuery})
	if got != "said dns.query" || calls.Load() != 6 {
		t.Fatalf("a sink that reads text got %q", got)
	}
}
