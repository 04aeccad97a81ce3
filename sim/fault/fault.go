// Package fault decides when a scenario's declared faults strike: which
// SMTP stage of which host, which DNS question, within a window of
// simulated time, the first N times or with a seeded probability. The
// servers ask it and misbehave themselves; nothing outside them sleeps or
// breaks connections.
package fault

import (
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailflow/mailflow/topology"
)

// SMTP is a fault striking an SMTP stage.
type SMTP struct {
	Stage  string
	Reply  *smtp.SMTPError // nil for effects without a reply
	Effect string          // refuse, not_offered, handshake, slow, or "" for a reply
	Delay  time.Duration   // simulated time the server takes before answering
}

// DNS is a fault striking a DNS question.
type DNS struct {
	Answer string // nxdomain, servfail, no_answer, drop
}

type rule struct {
	f    topology.Fault
	hits int
}

// Injector holds a run's faults. It is safe for concurrent use.
type Injector struct {
	mu    sync.Mutex
	rng   *rand.Rand
	now   func() time.Time
	rules []*rule
	// hosts and names index the rules by SMTP host and DNS name (lower
	// case), read-only after New: asking about a host or name without a
	// fault takes neither the lock nor an allocation, which is every
	// question of a run without faults.
	hosts, names map[string]bool
}

// New prepares a run's compiled faults; seed drives the probabilities, so
// the same seed strikes the same times, and now is the simulated clock
// their windows are read on.
func New(faults []topology.Fault, seed int64, now func() time.Time) *Injector {
	in := &Injector{rng: rand.New(rand.NewPCG(uint64(seed), 0x6661756c74)), now: now,
		hosts: map[string]bool{}, names: map[string]bool{}}
	for _, f := range faults {
		in.rules = append(in.rules, &rule{f: f})
		if f.Host != "" {
			in.hosts[strings.ToLower(f.Host)] = true
		}
		if f.DNS != "" {
			in.names[strings.ToLower(f.DNS)] = true
		}
	}
	return in
}

// strike reports whether r applies now, counting it when it does. Called
// with in.mu held.
func (in *Injector) strike(r *rule) bool {
	if !r.f.Active(in.now()) {
		return false
	}
	if r.f.Times > 0 && r.hits >= r.f.Times {
		return false
	}
	if p := r.f.Chance; p > 0 && p < 1 && in.rng.Float64() >= p {
		return false
	}
	r.hits++
	return true
}

// SMTPAt returns the fault striking host's server at stage (on the given
// port, for recipient rcpt at the rcpt stage), or nil.
func (in *Injector) SMTPAt(host, stage string, port int, rcpt string) *SMTP {
	if in == nil || !in.hosts[host] && !in.hosts[strings.ToLower(host)] {
		return nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, r := range in.rules {
		f := r.f
		if f.Host == "" || !strings.EqualFold(f.Host, host) || f.Stage != stage {
			continue
		}
		if f.Port != 0 && f.Port != port {
			continue
		}
		if f.Recipient != "" && !strings.EqualFold(f.Recipient, rcpt) {
			continue
		}
		if !in.strike(r) {
			continue
		}
		out := &SMTP{Stage: stage, Effect: f.Effect, Delay: f.Delay}
		switch {
		case f.Reply != nil:
			out.Reply = toReply(f.Reply)
		case f.Effect == "" && stage != "data_disconnect": // a dropped connection answers nothing
			out.Reply = defaultReply(stage)
		}
		return out
	}
	return nil
}

// DNSFor returns the fault striking a question for name of type qtype, or
// nil.
func (in *Injector) DNSFor(name, qtype string) *DNS {
	if in == nil || len(in.names) == 0 {
		return nil
	}
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	if !in.names[name] {
		return nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, r := range in.rules {
		f := r.f
		if f.DNS != name { // compiled lower case, without the final dot
			continue
		}
		if f.Type != "" && !strings.EqualFold(f.Type, qtype) {
			continue
		}
		if in.strike(r) {
			return &DNS{Answer: f.Answer}
		}
	}
	return nil
}

func toReply(r *topology.Reply) *smtp.SMTPError {
	e := &smtp.SMTPError{Code: r.Code, Message: r.Text, EnhancedCode: smtp.NoEnhancedCode}
	if r.Enhanced != [3]int{} {
		e.EnhancedCode = smtp.EnhancedCode(r.Enhanced)
	}
	if e.Message == "" {
		e.Message = defaultText(r.Code)
	}
	return e
}

// defaultReply is what a stage answers when a fault names no reply: a 554
// greeting refuses service (RFC 5321 §3.1), the other stages fail
// temporarily with a local error (RFC 5321 §4.2.3).
func defaultReply(stage string) *smtp.SMTPError {
	switch stage {
	case "greeting":
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 3, 2}, Message: "No SMTP service here"}
	case "starttls":
		return &smtp.SMTPError{Code: 454, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "TLS not available due to temporary reason"}
	}
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Requested action aborted: local error in processing"}
}

func defaultText(code int) string {
	switch {
	case code >= 500:
		return "Requested action not taken (simulated fault)"
	case code >= 400:
		return "Try again later (simulated fault)"
	}
	return "OK"
}
