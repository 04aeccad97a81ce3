package plot

import (
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/mailflow/mailflow/sim/event"
)

// LoadMeter gathers the load statistics from events as they are published:
// a sink that keeps a few times per message, not the events themselves, so
// that a run of many thousand messages can be measured in little memory.
// LoadOf is a meter fed a whole trace.
type LoadMeter struct {
	// Now, when set, stamps each event as the meter sees it (wall time for
	// `mailflow load`); otherwise the event's own time counts.
	Now func() time.Time

	mu                  sync.Mutex
	msgs                map[string]*msgTimes
	order               []string
	accepted, delivered []time.Time
	start, end          time.Time
}

type msgTimes struct {
	first, last time.Time
	stepFirst   [7]time.Time
	stepLast    [7]time.Time
	filed       time.Time
}

// Handle counts one event.
func (m *LoadMeter) Handle(e event.Event) {
	t := e.Time
	if m.Now != nil {
		t = m.Now()
	}
	if t.IsZero() {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.msgs == nil {
		m.msgs = map[string]*msgTimes{}
	}
	if m.start.IsZero() || t.Before(m.start) {
		m.start = t
	}
	if t.After(m.end) {
		m.end = t
	}
	switch {
	case e.Kind == event.SMTPAccepted && e.Step == 2:
		m.accepted = append(m.accepted, t)
	case e.Kind == event.MailboxStore:
		m.delivered = append(m.delivered, t)
	}
	if e.Msg == "" {
		return
	}
	mt := m.msgs[e.Msg]
	if mt == nil {
		mt = &msgTimes{first: t}
		m.msgs[e.Msg] = mt
		m.order = append(m.order, e.Msg)
	}
	if t.Before(mt.first) {
		mt.first = t
	}
	if t.After(mt.last) {
		mt.last = t
	}
	if e.Step >= 1 && e.Step <= 6 {
		if mt.stepFirst[e.Step].IsZero() {
			mt.stepFirst[e.Step] = t
		}
		if t.After(mt.stepLast[e.Step]) {
			mt.stepLast[e.Step] = t
		}
	}
	if e.Kind == event.MailboxStore && t.After(mt.filed) {
		mt.filed = t
	}
}

// Filed is how many mailbox filings the meter has seen.
func (m *LoadMeter) Filed() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.delivered)
}

// Stats computes the statistics of what the meter has seen so far.
func (m *LoadMeter) Stats() LoadStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := LoadStats{Start: m.start, End: m.end, Messages: len(m.order),
		Accepted: slices.Clone(m.accepted), Delivered: slices.Clone(m.delivered)}
	type stepAt struct {
		step int
		at   time.Time
	}
	for _, id := range m.order {
		mt := m.msgs[id]
		var seen []stepAt
		for s := 1; s <= 6; s++ {
			if !mt.stepFirst[s].IsZero() {
				seen = append(seen, stepAt{s, mt.stepFirst[s]})
			}
		}
		sort.SliceStable(seen, func(i, j int) bool { return seen[i].at.Before(seen[j].at) })
		for i, sa := range seen {
			end := mt.stepLast[sa.step]
			if i+1 < len(seen) {
				end = seen[i+1].at
			}
			st.Steps[sa.step] = append(st.Steps[sa.step], end.Sub(sa.at))
		}
		if !mt.filed.IsZero() {
			st.Latency = append(st.Latency, mt.filed.Sub(mt.first))
		}
	}
	return st
}

// Percentile is the p-th percentile (0 to 100) of ds by the nearest-rank
// method, 0 for none.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	k := int(float64(len(s))*p/100+0.999999) - 1
	return s[max(0, min(k, len(s)-1))]
}

// Textless: the meter reads no narration (event.Textless).
func (m *LoadMeter) Textless() {}
