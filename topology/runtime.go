package topology

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/mailflow/mailflow/scenarios"
)

// DefaultGreylistDelay is how long a greylisting host makes a new triplet
// wait when the scenario does not say.
const DefaultGreylistDelay = 5 * time.Minute

// Fault is one of a scenario's faults compiled for the run: durations
// parsed and its window placed on the simulated calendar, so that the
// servers consulting it parse nothing.
type Fault struct {
	Host      string // the SMTP server that misbehaves, or "" for a DNS fault
	Stage     string
	Port      int // 0: every port
	Recipient string
	Reply     *Reply // nil: the stage's default reply, or an effect
	Effect    string
	DNS       string // the DNS name whose lookups misbehave
	Type      string // the DNS question type, "" for all
	Answer    string
	Times     int     // 0: every time
	Chance    float64 // 0 or 1: always
	Delay     time.Duration
	// From and Until bound when the fault applies in simulated time (From
	// included, Until excluded); a zero end is open.
	From, Until time.Time
}

// Active reports whether the fault's window holds t.
func (f *Fault) Active(t time.Time) bool {
	return (f.From.IsZero() || !t.Before(f.From)) && (f.Until.IsZero() || t.Before(f.Until))
}

// Reply is an SMTP reply a fault gives.
type Reply struct {
	Code     int
	Enhanced [3]int // all zero: no enhanced code
	Text     string
}

// Policy is what a host accepts, compiled from its server settings.
type Policy struct {
	Relay    string              // authenticated, networks or open
	Networks map[netip.Addr]bool // hosts trusted to relay without a login
	// MessagesPerHour and RecipientsPerMessage bound a sender; 0 is no
	// bound. PerDomain counts a sender's whole domain as one.
	MessagesPerHour, RecipientsPerMessage int
	PerDomain                             bool
	BlockSenders, BlockRecipients         []string
	BlockDomains                          []string
	Content                               []ContentRule
	// Greylist is the greylisting delay (RFC 6647); 0 means no greylisting.
	Greylist time.Duration
}

// ContentRule acts on mail whose subject or text holds a keyword.
type ContentRule struct {
	Keywords []string
	Action   string // reject or spam
}

// compileRuntime turns the scenario's faults and each host's policy into
// run-time settings. Hosts must be built first: trusted networks name them.
func (n *Network) compileRuntime(s *scenarios.Scenario) error {
	n.Start = s.StartTime()
	for i, sf := range s.Faults {
		f, err := CompileFault(sf, n.Start)
		if err != nil {
			return fmt.Errorf("faults[%d]: %w", i, err)
		}
		n.Faults = append(n.Faults, f)
	}
	for _, h := range n.Hosts {
		set := scenarios.Server{}
		for _, sv := range s.Servers {
			if strings.EqualFold(sv.Host, h.Name) {
				set = sv
			}
		}
		p, err := n.compilePolicy(set)
		if err != nil {
			return fmt.Errorf("servers %s: %w", h.Name, err)
		}
		h.Policy = p
	}
	return nil
}

// CompileFault compiles one validated fault of a run that starts at start.
func CompileFault(sf scenarios.Fault, start time.Time) (Fault, error) {
	f := Fault{Host: strings.ToLower(sf.Host), Stage: sf.Stage, Port: sf.Port, Recipient: sf.Recipient,
		Effect: sf.Effect, DNS: strings.TrimSuffix(strings.ToLower(sf.DNS), "."), Type: strings.ToUpper(sf.Type),
		Answer: sf.Answer, Times: sf.Times, Chance: sf.Probability}
	if sf.Delay != "" {
		d, err := scenarios.ParseDuration(sf.Delay)
		if err != nil {
			return f, fmt.Errorf("delay: %w", err)
		}
		f.Delay = d
	}
	w, field, err := scenarios.FaultWindow(sf, start)
	if err != nil {
		return f, fmt.Errorf("%s: %w", field, err)
	}
	f.From, f.Until = w.From, w.Until
	if r := sf.Reply; r != nil {
		f.Reply = &Reply{Code: r.Code, Text: r.Text}
		if r.Enhanced != "" {
			var e [3]int
			if _, err := fmt.Sscanf(r.Enhanced, "%d.%d.%d", &e[0], &e[1], &e[2]); err != nil {
				return f, fmt.Errorf("reply: enhanced code %q: %w", r.Enhanced, err)
			}
			f.Reply.Enhanced = e
		}
	}
	return f, nil
}

func (n *Network) compilePolicy(set scenarios.Server) (Policy, error) {
	p := Policy{Relay: set.Relay, Networks: map[netip.Addr]bool{}}
	for _, c := range set.Content {
		p.Content = append(p.Content, ContentRule{Keywords: c.Keywords, Action: c.Action})
	}
	if p.Relay == "" {
		p.Relay = "authenticated"
	}
	for _, name := range set.RelayNetworks {
		if h := n.Host(name); h != nil {
			p.Networks[h.Addr] = true
		} else if a, err := netip.ParseAddr(name); err == nil {
			p.Networks[a] = true
		}
	}
	if l := set.Limits; l != nil {
		p.MessagesPerHour, p.RecipientsPerMessage, p.PerDomain = l.MessagesPerHour, l.RecipientsPerMessage, l.Per == "domain"
	}
	if b := set.Block; b != nil {
		p.BlockSenders, p.BlockRecipients, p.BlockDomains = b.Senders, b.Recipients, b.Domains
	}
	if g := set.Greylist; g != nil {
		p.Greylist = DefaultGreylistDelay
		if g.Delay != "" {
			d, err := scenarios.ParseDuration(g.Delay)
			if err != nil || d <= 0 {
				return p, fmt.Errorf("greylist delay %q is not a duration", g.Delay)
			}
			p.Greylist = d
		}
	}
	return p, nil
}
