package sim

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
)

// builtinRuns runs every built-in once for the tests of this file.
var builtinRuns = sync.OnceValues(func() (map[string]*Report, error) {
	out := map[string]*Report{}
	for _, b := range scenarios.Builtins() {
		s, err := scenarios.Load(b.Name)
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		r, err := Run(ctx, s, Options{})
		cancel()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name, err)
		}
		out[b.Name] = r
	}
	return out, nil
})

func allBuiltinRuns(t *testing.T) map[string]*Report {
	t.Helper()
	if testing.Short() {
		t.Skip("runs every built-in")
	}
	runs, err := builtinRuns()
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// serverLine is a reply as a transcript shows it: "S: 550 5.1.1 ...".
type serverLine struct {
	code     string
	enhanced string
}

func serverLines(events []event.Event) map[serverLine]bool {
	out := map[serverLine]bool{}
	for _, e := range events {
		for _, l := range e.Transcript {
			rest, ok := strings.CutPrefix(l, "S: ")
			if !ok || len(rest) < 3 {
				continue
			}
			code, words := rest[:3], strings.TrimLeft(rest[3:], " -")
			enh, _, _ := strings.Cut(words, " ")
			out[serverLine{code, ""}] = true
			out[serverLine{code, enh}] = true
		}
	}
	return out
}

// Every reply an event carries crossed the wire: it shows as a server line
// of a transcript of the same run, with its enhanced code. A status that no
// peer sent is marked local and has no code. And no host ever connects to
// its own address: mail for its own mailboxes is filed, not sent.
func TestEventRepliesCameFromTheWire(t *testing.T) {
	for name, r := range allBuiltinRuns(t) {
		lines := serverLines(r.Events)
		for _, e := range r.Events {
			where := fmt.Sprintf("%s: event %d (%s by %s)", name, e.Seq, e.Kind, e.Actor)
			switch {
			case e.Reply != nil && e.Local != nil:
				t.Errorf("%s: both a reply and a local status", where)
			case e.Reply != nil:
				rp := e.Reply
				if e.Origin != event.OriginWire {
					t.Errorf("%s: a reply with origin %q", where, e.Origin)
				}
				if !slices.Contains(event.Stages, rp.Stage) || (rp.Side != event.SideServer && rp.Side != event.SideClient) {
					t.Errorf("%s: reply stage %q, side %q", where, rp.Stage, rp.Side)
				}
				if !lines[serverLine{fmt.Sprint(rp.Code), rp.Enhanced}] {
					t.Errorf("%s: reply %d %s %q is in no transcript of the run", where, rp.Code, rp.Enhanced, rp.Text)
				}
			case e.Local != nil:
				if e.Origin != event.OriginLocal || e.Local.Reason == "" {
					t.Errorf("%s: local status %+v with origin %q", where, *e.Local, e.Origin)
				}
			case e.Origin != "":
				t.Errorf("%s: origin %q and no status", where, e.Origin)
			}
			if e.Step < 0 || e.Step > 6 {
				t.Errorf("%s: step %d", where, e.Step)
			}
			if (e.Kind == event.RelayConnect || e.Kind == event.SMTPAccepted) && strings.EqualFold(e.Host, e.Peer) {
				t.Errorf("%s: %s connects to itself", where, e.Host)
			}
		}
	}
}

// Every kind the simulator declares is emitted by some built-in, and has
// a sentence of its own in English and in Vietnamese.
func TestEveryKindIsEmittedAndNarrated(t *testing.T) {
	for _, k := range event.Kinds {
		for _, lang := range []narrate.Lang{narrate.English, narrate.Vietnamese} {
			if !narrate.Has(lang, k) {
				t.Errorf("%s has no %s narration", k, lang)
			}
		}
	}
	seen := map[event.Kind]bool{}
	for _, r := range allBuiltinRuns(t) {
		for _, e := range r.Events {
			seen[e.Kind] = true
			if !slices.Contains(event.Kinds, e.Kind) {
				t.Errorf("kind %s is emitted but not declared in event.Kinds", e.Kind)
			}
		}
	}
	for _, k := range event.Kinds {
		if !seen[k] {
			t.Errorf("kind %s is declared but no built-in emits it", k)
		}
	}
}

// nxdomain never gets past step 4: no connection is made, so its events,
// its outcome and its narration all stop there.
func TestNXDomainStopsAtStepFour(t *testing.T) {
	r := allBuiltinRuns(t)["nxdomain"]
	var failed *event.Event
	for i, e := range r.Events {
		if e.Msg != "m1" {
			continue
		}
		if e.Step > 4 {
			t.Errorf("event %d (%s) of m1 at step %d", e.Seq, e.Kind, e.Step)
		}
		if e.Kind == event.QueueFailed {
			failed = &r.Events[i]
		}
	}
	if failed == nil || failed.Step != 4 || failed.Local == nil || failed.Local.Reason != event.ReasonNXDomain ||
		failed.Code() != 0 {
		t.Fatalf("m1's failure: %+v", failed)
	}
	for _, lang := range []narrate.Lang{narrate.English, narrate.Vietnamese} {
		if got, want := narrate.Text(lang, *failed), narrate.Text(lang, event.Event{Step: 4}); !strings.HasPrefix(got, strings.TrimSpace(want)) {
			t.Errorf("%s narration %q, want it at step 4", lang, got)
		}
	}
	for _, o := range r.Outcomes {
		if o.Msg == "m1" && !slices.Equal(o.Steps, []int{1, 2, 3, 4}) {
			t.Errorf("m1's outcome lists steps %v, want 1→2→3→4", o.Steps)
		}
	}
}

// A notice for a mailbox on the host that writes it is filed there (step
// 3 decides "local", step 6 files it, or passes an SRS address on): no DNS
// question about its own domain, no SMTP connection from the host to
// itself.
func TestNoticesForOwnMailboxesAreFiledLocally(t *testing.T) {
	runs := allBuiltinRuns(t)
	for _, name := range []string{"blocked-sender", "forward-with-srs-bounce", "group-external-refused",
		"smarthost-wrong-password", "spam-rule-to-folder"} {
		r := runs[name]
		local := 0
		for _, dsn := range r.Events {
			if dsn.Kind != event.DSNSent || dsn.Notice == nil {
				continue
			}
			notice, host := dsn.Notice.ID, dsn.Host
			own := topologyDomain(dsn.From)
			var first *event.Event
			for i, e := range r.Events {
				if e.Msg != notice || e.Host != host {
					continue
				}
				if first == nil {
					first = &r.Events[i]
				}
				q := strings.TrimSuffix(strings.ToLower(e.QName), ".")
				if e.Kind == event.RelayConnect && strings.EqualFold(e.Peer, host) ||
					e.Kind == event.DNSQuery && (q == own || q == strings.ToLower(host)) {
					t.Errorf("%s: %s looks up or connects to itself for its own notice %s: %s", name, host, notice, e.Text)
				}
			}
			if first != nil && first.Kind == event.RouteDecision && first.Route == "local" && first.Step == 3 {
				local++
				for _, e := range r.Events {
					if e.Msg == notice && e.Host == host && e.Kind == event.RouteDecision && e.Step == 6 ||
						e.Msg == notice && e.Host == host && e.Kind == event.MailboxStore {
						goto filed
					}
				}
				t.Errorf("%s: notice %s decided local by %s but neither filed nor passed on at step 6", name, notice, host)
			filed:
			}
		}
		if local == 0 {
			t.Errorf("%s: no notice handled locally by the host that wrote it", name)
		}
	}
}

func topologyDomain(addr string) string {
	_, d, _ := strings.Cut(strings.ToLower(addr), "@")
	return d
}

// A client cancels an exchange with "*" only in answer to a 334 challenge
// (RFC 4954 §4): never after a final reply such as 535.
func TestClientsCancelAuthOnlyAfterAChallenge(t *testing.T) {
	refused := 0
	for name, r := range allBuiltinRuns(t) {
		for _, e := range r.Events {
			prev := ""
			for _, l := range e.Transcript {
				if l == "C: *" && !strings.HasPrefix(prev, "S: 334") {
					t.Errorf("%s: event %d: \"*\" after %q", name, e.Seq, prev)
				}
				if strings.HasPrefix(l, "S: 535") {
					refused++
				}
				if strings.HasPrefix(l, "C: ") || strings.HasPrefix(l, "S: ") {
					prev = l
				}
			}
		}
	}
	if refused == 0 {
		t.Fatal("no built-in shows a refused login: the check above saw nothing")
	}
}

// A DNS query the server drops costs the asker's timeout on the simulated
// clock, not in real time: the queue's MX lookup (the resolver's 5s) and a
// sender-authentication lookup, SPF here (the checks' 2s).
func TestDroppedDNSQueryCostsSimulatedTime(t *testing.T) {
	for _, c := range []struct {
		name, domain, qtype string
		ours                func(e event.Event) bool // the lookup the fault drops
		timeout, maxWall    time.Duration
	}{
		{name: "queue MX", domain: "school.test", qtype: "MX",
			ours:    func(e event.Event) bool { return e.Host == "mail.example.test" },
			timeout: 5 * time.Second, maxWall: 4 * time.Second},
		{name: "sender auth TXT", domain: "example.test", qtype: "TXT",
			ours:    func(e event.Event) bool { return e.Purpose == event.PurposeAuth },
			timeout: 2 * time.Second, maxWall: 1500 * time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := scenarios.Parse("drop.yaml", []byte(`name: drop
domains:
  - name: example.test
    users: [{name: alice}]
  - name: school.test
    users: [{name: bob}]
faults:
  - dns: `+c.domain+`
    type: `+c.qtype+`
    answer: drop
    times: 1
actions:
  - send: {from: alice@example.test, to: [bob@school.test], subject: Hi}
  - wait: {}
expect:
  - delivered: {mailbox: bob@school.test}
`))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			r := runToEnd(t, s)
			wall := time.Since(start)
			requirePassed(t, r.Results)
			var asked, silence *event.Event
			for i, e := range r.Events {
				if e.QName != c.domain+"." || e.QType != c.qtype || !c.ours(e) {
					continue
				}
				switch {
				case e.Kind == event.DNSQuery && asked == nil:
					asked = &r.Events[i]
				case e.Kind == event.DNSAnswer && silence == nil:
					silence = &r.Events[i]
				}
			}
			if asked == nil || silence == nil || silence.Rcode != "NO REPLY" || silence.Local == nil ||
				silence.Local.Reason != event.ReasonTimeout {
				t.Fatalf("the dropped query: asked %+v, answer %+v", asked, silence)
			}
			if waited := silence.Time.Sub(asked.Time); waited < c.timeout {
				t.Errorf("%s of simulated time waited, want the %s timeout", waited, c.timeout)
			}
			if wall > c.maxWall {
				t.Errorf("the run took %s of real time: the timeout was waited for in real time", wall)
			}
		})
	}
}
