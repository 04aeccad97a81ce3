package web

import (
	"sort"
	"sync"
	"time"

	"github.com/mailflow/mailflow/sim/event"
)

// rateWindow is how many wall-clock seconds of rates the monitor keeps.
const rateWindow = 120

// stats are the monitoring counters, fed by the index event by event.
type stats struct {
	mu       sync.Mutex
	now      func() time.Time // wall clock: rates are what an operator sees
	hosts    map[string]*hostCounts
	refusals map[refusal]int
	ring     [rateWindow]second
	// at is where each message's current step began (simulated time), for
	// the time spent in each step.
	at        map[string]stepMark
	stepTotal [7]time.Duration
	stepCount [7]int
}

type hostCounts struct {
	Accepted  int `json:"accepted"`  // 250 after DATA, on any port
	Delivered int `json:"delivered"` // filed in a mailbox here
	Relayed   int `json:"relayed"`   // handed to the next hop
	Deferred  int `json:"deferred"`  // attempts that failed temporarily
	Failed    int `json:"failed"`    // attempts that failed for good
	Refused   int `json:"refused"`   // refusals this host's servers sent (4xx, 5xx)
	Bounces   int `json:"bounces"`   // delivery status notifications sent
}

type refusal struct {
	Code     int
	Enhanced string
}

type second struct {
	unix                int64
	accepted, delivered int
}

type stepMark struct {
	step int
	at   time.Time
}

func newStats(now func() time.Time) *stats {
	if now == nil {
		now = time.Now
	}
	return &stats{now: now, hosts: map[string]*hostCounts{}, refusals: map[refusal]int{},
		at: map[string]stepMark{}}
}

func (s *stats) host(name string) *hostCounts {
	h := s.hosts[name]
	if h == nil {
		h = &hostCounts{}
		s.hosts[name] = h
	}
	return h
}

// add counts one event; starts says whether it starts a step of its message.
func (s *stats) add(e event.Event, starts bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.slot(s.now().Unix())
	switch e.Kind {
	case event.SMTPAccepted:
		s.host(actor(e)).Accepted++
		if e.Step <= 2 { // a submission, not a relay hop
			sec.accepted++
		}
	case event.MailboxStore:
		s.host(actor(e)).Delivered++
		sec.delivered++
	case event.RelayDone:
		s.host(actor(e)).Relayed++
	case event.QueueDeferred:
		s.host(actor(e)).Deferred++
	case event.QueueFailed:
		s.host(actor(e)).Failed++
	case event.DSNSent:
		s.host(actor(e)).Bounces++
	case event.SMTPReply, event.SMTPAuth:
		// The refusing server's own account; the client's report of the
		// same reply (side "client") is not counted twice.
		if e.Code() >= 400 && e.Reply.Side == event.SideServer {
			s.host(actor(e)).Refused++
			s.refusals[refusal{e.Code(), e.Reply.Enhanced}]++
		}
	}
	if starts {
		if m, ok := s.at[e.Msg]; ok && m.step >= 1 && m.step <= 6 && !e.Time.Before(m.at) {
			s.stepTotal[m.step] += e.Time.Sub(m.at)
			s.stepCount[m.step]++
		}
		s.at[e.Msg] = stepMark{e.Step, e.Time}
	}
	if e.Kind == event.MailboxStore || e.Kind == event.DSNSent || e.Kind == event.MessageDropped {
		delete(s.at, e.Msg) // the story of this copy ends: keep the map small under load
	}
}

// actor identifies who acted: the host name for a host (Host is only a
// display name).
func actor(e event.Event) string {
	if e.Actor != "" {
		return e.Actor
	}
	return e.Host
}

func (s *stats) slot(unix int64) *second {
	sec := &s.ring[unix%rateWindow]
	if sec.unix != unix {
		*sec = second{unix: unix}
	}
	return sec
}

// Snapshot is the monitoring view at one moment.
type Snapshot struct {
	Hosts    []HostStats   `json:"hosts"`
	Rates    Rates         `json:"rates"`
	Refusals []RefusalStat `json:"refusals"`
	Steps    []StepStat    `json:"steps"`
	Events   int64         `json:"events"`
	Messages int           `json:"messages"`
}

// HostStats are one host's counters and its queue now.
type HostStats struct {
	Name       string `json:"name"`
	QueueDepth int    `json:"queue_depth"`
	hostCounts
}

// Rates are per-second counts over the last seconds, oldest first.
type Rates struct {
	Seconds   int   `json:"seconds"`
	Accepted  []int `json:"accepted"`
	Delivered []int `json:"delivered"`
}

// RefusalStat counts refusals with one reply code.
type RefusalStat struct {
	Code     int    `json:"code"`
	Enhanced string `json:"enhanced,omitempty"`
	Count    int    `json:"count"`
}

// StepStat is the mean simulated time messages spent in a step before
// moving on to the next.
type StepStat struct {
	Step   int     `json:"step"`
	Count  int     `json:"count"`
	MeanMS float64 `json:"mean_ms"`
}

// snapshot fills everything but the queues and totals, which the server
// reads from the network.
func (s *stats) snapshot(hosts []string, seconds int) Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out Snapshot
	for _, h := range hosts {
		hs := HostStats{Name: h}
		if c := s.hosts[h]; c != nil {
			hs.hostCounts = *c
		}
		out.Hosts = append(out.Hosts, hs)
	}
	seconds = min(max(seconds, 1), rateWindow-1)
	now := s.now().Unix()
	out.Rates = Rates{Seconds: seconds, Accepted: make([]int, seconds), Delivered: make([]int, seconds)}
	for i := range seconds {
		unix := now - int64(seconds-1-i)
		if sec := s.ring[unix%rateWindow]; sec.unix == unix {
			out.Rates.Accepted[i], out.Rates.Delivered[i] = sec.accepted, sec.delivered
		}
	}
	out.Refusals = []RefusalStat{}
	for k, n := range s.refusals {
		out.Refusals = append(out.Refusals, RefusalStat{Code: k.Code, Enhanced: k.Enhanced, Count: n})
	}
	sort.Slice(out.Refusals, func(i, j int) bool {
		a, b := out.Refusals[i], out.Refusals[j]
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Enhanced < b.Enhanced
	})
	for step := 1; step <= 6; step++ {
		st := StepStat{Step: step, Count: s.stepCount[step]}
		if st.Count > 0 {
			st.MeanMS = float64(s.stepTotal[step].Microseconds()) / 1000 / float64(st.Count)
		}
		out.Steps = append(out.Steps, st)
	}
	return out
}
