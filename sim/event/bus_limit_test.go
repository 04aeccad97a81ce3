package event

import (
	"context"
	"testing"
	"time"
)

type tickClock struct{ t time.Time }

func (c *tickClock) Stamp() time.Time { c.t = c.t.Add(time.Millisecond); return c.t }

// A bus with a history limit keeps the newest events, between n and 2n of
// them, and Wait still finds what is kept and what comes later.
func TestHistoryLimitKeepsTheNewest(t *testing.T) {
	const limit = 100
	b := NewBus(&tickClock{}, nil)
	b.SetHistoryLimit(limit)
	for i := range 10 * limit {
		b.Publish(Event{Kind: SMTPConnect, Error: string(rune('a' + i%26))})
		if h := len(b.history); h >= 2*limit {
			t.Fatalf("history holds %d events after %d, limit %d", h, i+1, limit)
		}
		if c := cap(b.history); c > 2*limit {
			t.Fatalf("history capacity %d, limit %d", c, limit)
		}
	}
	h := b.History()
	if len(h) < limit || h[len(h)-1].Seq != 10*limit {
		t.Fatalf("history keeps %d events, the last is #%d", len(h), h[len(h)-1].Seq)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if e, err := b.Wait(ctx, func(e Event) bool { return e.Seq == 10*limit-5 }); err != nil || e.Seq != 10*limit-5 {
		t.Fatalf("Wait for a kept event: %v %v", e.Seq, err)
	}
	found := make(chan int64, 1)
	go func() {
		e, _ := b.Wait(ctx, func(e Event) bool { return e.Kind == SMTPReply })
		found <- e.Seq
	}()
	for range 3 * limit {
		b.Publish(Event{Kind: SMTPConnect})
	}
	b.Publish(Event{Kind: SMTPReply})
	if seq := <-found; seq != 13*limit+1 {
		t.Fatalf("Wait found #%d, want #%d", seq, 13*limit+1)
	}
}
