package bench

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Clients is how many mail clients submit at once, each message on a
// connection of its own, as in the measurements of docs/performance.md.
const Clients = 16

// MessageSize is the size of each message.
const MessageSize = MessageSizeDefault

// roundSize is how many messages go through each path before the other
// takes its turn: interleaved rounds, so that both see the same machine.
const roundSize = 250

// BenchmarkVersusFloor sends b.N messages of 1 KB through the bare floor
// and b.N through mailflow, in interleaved rounds, 16 clients at once,
// each message on a new connection: 587 with STARTTLS and AUTH, MX and A
// lookups, port 25 with STARTTLS and a verified certificate, the mailbox.
// It reports both rates and mailflow's ratio to the floor (x-floor; 1.0
// is as fast as the floor). Run with -benchtime 2000x.
func BenchmarkVersusFloor(b *testing.B) {
	floor, err := StartFloor()
	if err != nil {
		b.Fatal(err)
	}
	defer floor.Close()
	mf, err := StartMailflow()
	if err != nil {
		b.Fatal(err)
	}
	defer mf.Close()
	ctx := context.Background()
	var floorTime, mfTime time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(roundSize, b.N-done)
		d, err := Round(ctx, floor, done, n, Clients)
		if err != nil {
			b.Fatalf("floor: %v", err)
		}
		floorTime += d
		if d, err = Round(ctx, mf, done, n, Clients); err != nil {
			b.Fatalf("mailflow: %v", err)
		}
		mfTime += d
		done += n
	}
	b.StopTimer()
	floorRate := float64(b.N) / floorTime.Seconds()
	mfRate := float64(b.N) / mfTime.Seconds()
	b.ReportMetric(floorRate, "floor-msg/s")
	b.ReportMetric(mfRate, "mailflow-msg/s")
	b.ReportMetric(mfRate/floorRate, "x-floor")
}

// BenchmarkFloor and BenchmarkMailflow measure each path alone: time per
// message with 16 clients at once.
func BenchmarkFloor(b *testing.B) {
	floor, err := StartFloor()
	if err != nil {
		b.Fatal(err)
	}
	defer floor.Close()
	benchPath(b, floor)
}

func BenchmarkMailflow(b *testing.B) {
	mf, err := StartMailflow()
	if err != nil {
		b.Fatal(err)
	}
	defer mf.Close()
	benchPath(b, mf)
}

func benchPath(b *testing.B, p Path) {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	d, err := Round(ctx, p, 0, b.N, Clients)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/d.Seconds(), "msg/s")
}

// TestBothPathsDeliverEveryMessage is the benchmarks' own check: each path
// delivers what it is given, once.
func TestBothPathsDeliverEveryMessage(t *testing.T) {
	defer goleak.VerifyNone(t)
	floor, err := StartFloor()
	if err != nil {
		t.Fatal(err)
	}
	mf, err := StartMailflow()
	if err != nil {
		floor.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, p := range []Path{floor, mf} {
		if _, err := Round(ctx, p, 0, 40, 4); err != nil {
			t.Fatalf("%T: %v", p, err)
		}
		if got := p.Delivered(); got != 40 {
			t.Errorf("%T delivered %d, want 40", p, got)
		}
	}
	floor.Close()
	mf.Close()
	if got := len(floor.mailbox); got != 40 {
		t.Errorf("floor mailbox holds %d", got)
	}
}
