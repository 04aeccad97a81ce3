package plot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A meter stamping events with its own clock sees those times, not the
// events'; fed the same events in order it agrees with LoadOf otherwise.
func TestLoadMeterStampsWithItsOwnClock(t *testing.T) {
	events := synthRun(10)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	m := &LoadMeter{Now: func() time.Time { now = now.Add(time.Second); return now }}
	for _, e := range events {
		m.Handle(e)
	}
	st, want := m.Stats(), LoadOf(events)
	if st.Messages != want.Messages || len(st.Latency) != len(want.Latency) || m.Filed() != len(want.Delivered) {
		t.Fatalf("meter %d messages %d latencies %d filed; LoadOf %d, %d, %d", st.Messages, len(st.Latency),
			m.Filed(), want.Messages, len(want.Latency), len(want.Delivered))
	}
	if st.Start.Year() != 2030 || st.End.Sub(st.Start) != time.Duration(len(events)-1)*time.Second {
		t.Fatalf("meter span %v to %v", st.Start, st.End)
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 99: 99 * time.Millisecond,
		100: 100 * time.Millisecond, 0: time.Millisecond} {
		if got := Percentile(ds, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("percentile of nothing")
	}
	if ds[0] != 100*time.Millisecond {
		t.Error("Percentile sorted its argument in place")
	}
}

func TestSaveLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "load.svg")
	if err := SaveLoad(path, LoadOf(synthRun(20)), Options{Title: "live load"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{">live load</text>", ">delivery latency (20 delivered)</text>"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("no %s in the picture", want)
		}
	}
	if err := SaveLoad(path, LoadStats{}, Options{}); err != ErrNoEvents {
		t.Errorf("empty stats: %v", err)
	}
}
