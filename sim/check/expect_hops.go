package check

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/event"
)

// countOr compares a count with an expectation's optional exact count
// (default: at least one).
func countOr(count int, want *int) bool {
	if want != nil {
		return count == *want
	}
	return count > 0
}

func wantCount(want *int, what string) string {
	if want != nil {
		return fmt.Sprintf("%d %s", *want, what)
	}
	return "at least 1 " + what
}

func (c *Checker) checkBounced(x *scenarios.BouncedExpectation) Result {
	action := x.Action
	if action == "" {
		action = "failed"
	}
	r := Result{Kind: "bounced", Expected: wantCount(x.Count, action+" notice(s)") + " for message " + x.Message}
	if x.Recipient != "" {
		r.Expected += " to " + x.Recipient
	}
	if x.Status != "" {
		r.Expected += " with status " + x.Status
	}
	if x.DiagnosticContains != "" {
		r.Expected += fmt.Sprintf(" saying %q", x.DiagnosticContains)
	}
	count := 0
	var seen []string
	r.Related = c.related(func(e event.Event) bool {
		return e.Msg == x.Message && (e.Kind == event.DSNSent || e.Kind == event.QueueFailed ||
			e.Kind == event.QueueDeferred || e.Kind == event.MessageDropped)
	})
	for _, e := range c.Events() {
		if e.Kind != event.DSNSent || e.Msg != x.Message {
			continue
		}
		if e.Notice == nil {
			continue
		}
		seen = append(seen, e.Notice.Action+" "+statusesOf(noticeRecipients(e)))
		if e.Notice.Action != action {
			continue
		}
		// The notice matches when one of its recipients does: a notice
		// reports each recipient with its own status and diagnostic.
		if slices.ContainsFunc(noticeRecipients(e), func(nr event.NoticeRecipient) bool {
			return (x.Status == "" || strings.HasPrefix(nr.Status, x.Status)) &&
				(x.Recipient == "" || strings.EqualFold(nr.Address, x.Recipient)) &&
				(x.DiagnosticContains == "" || strings.Contains(nr.Diagnostic, x.DiagnosticContains))
		}) {
			count++
		}
	}
	r.Passed = countOr(count, x.Count)
	r.Observed = "notices sent: none"
	if len(seen) > 0 {
		r.Observed = "notices sent: " + strings.Join(seen, "; ")
	}
	return r
}

func (c *Checker) checkDNS(x *scenarios.DNSExpectation) Result {
	want := strings.TrimSuffix(strings.ToLower(x.Name), ".") + "."
	r := Result{Kind: "dns", Expected: wantCount(x.Count, "DNS question(s)") + " for " + want}
	if x.Type != "" {
		r.Expected += " " + strings.ToUpper(x.Type)
	}
	if x.Rcode != "" {
		r.Expected += " answered " + strings.ToUpper(x.Rcode)
	}
	count := 0
	var seen []string
	for _, e := range c.Events() {
		if e.Kind != event.DNSAnswer {
			continue
		}
		seen = append(seen, fmt.Sprintf("%s %s %s", e.QName, e.QType, e.Rcode))
		if strings.EqualFold(e.QName, want) && (x.Type == "" || strings.EqualFold(e.QType, x.Type)) &&
			(x.Rcode == "" || strings.EqualFold(e.Rcode, x.Rcode)) {
			count++
		}
	}
	r.Passed = countOr(count, x.Count)
	r.Observed = fmt.Sprintf("%d matching; answers: %s", count, orNone(slices.Compact(seen)))
	r.Related = c.related(func(e event.Event) bool {
		return e.Kind == event.DNSAnswer && strings.EqualFold(e.QName, want)
	})
	return r
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

func (c *Checker) checkTLS(x *scenarios.TLSExpectation) Result {
	verified := x.Verified == nil || *x.Verified
	r := Result{Kind: "tls", Expected: "TLS on the hop to " + x.To}
	if x.From != "" {
		r.Expected = fmt.Sprintf("TLS on the hop %s → %s", x.From, x.To)
	}
	if verified {
		r.Expected += ", certificate verified"
	} else {
		r.Expected += ", certificate NOT verified"
	}
	var seen []string
	for _, e := range c.Events() {
		if e.Kind != event.SMTPTLS || e.TLS == nil || !strings.EqualFold(e.Peer, x.To) ||
			(x.From != "" && !strings.EqualFold(e.Host, x.From) && !strings.EqualFold(e.Actor, x.From)) {
			continue
		}
		encrypted := e.TLS.Version != ""
		seen = append(seen, strings.TrimSpace(fmt.Sprintf("%s → %s: %s %s", e.Host, e.Peer, e.TLS.Version, e.Error)))
		if encrypted && e.TLS.Verified == verified {
			r.Passed = true
		}
	}
	r.Observed = "hops: " + orNone(seen)
	r.Related = c.related(func(e event.Event) bool { return e.Kind == event.SMTPTLS })
	return r
}

func (c *Checker) checkRetries(x *scenarios.RetriesExpectation) Result {
	retries := 0
	for _, e := range c.Events() {
		if e.Kind == event.QueueRetry && e.Msg == x.Message {
			retries++
		}
	}
	r := Result{Kind: "retries", Observed: fmt.Sprintf("%d retries", retries)}
	switch {
	case x.Count != nil:
		r.Expected = fmt.Sprintf("message %s retried %d time(s)", x.Message, *x.Count)
		r.Passed = retries == *x.Count
	default:
		r.Expected = fmt.Sprintf("message %s retried at least %d time(s)", x.Message, x.AtLeast)
		r.Passed = retries >= x.AtLeast
	}
	r.Related = c.related(func(e event.Event) bool {
		return e.Msg == x.Message && (e.Kind == event.QueueRetry || e.Kind == event.QueueDeferred)
	})
	return r
}

func (c *Checker) checkWithin(x *scenarios.WithinExpectation) Result {
	state := x.State
	if state == "" {
		state = "delivered"
	}
	limit, _ := scenarios.ParseDuration(x.Duration)
	r := Result{Kind: "within", Expected: fmt.Sprintf("message %s %s within %s of simulated time", x.Message, state, x.Duration)}
	var start, end time.Time
	for _, e := range c.Events() {
		if e.Msg != x.Message {
			continue
		}
		if start.IsZero() {
			start = e.Time
		}
		if (state == "delivered" && e.Kind == event.MailboxStore) || (state == "bounced" && e.Kind == event.DSNSent) {
			end = e.Time
		}
	}
	switch {
	case end.IsZero():
		r.Observed = "the message was never " + state
	default:
		took := end.Sub(start)
		r.Observed = fmt.Sprintf("%s after %s", state, took.Round(time.Second))
		r.Passed = took <= limit
	}
	return r
}

// noticeRecipients are a notice's recipients with their own status; a
// trace recorded before notices listed them gives every recipient the
// notice's first status.
func noticeRecipients(e event.Event) []event.NoticeRecipient {
	if len(e.Notice.Recipients) > 0 {
		return e.Notice.Recipients
	}
	var out []event.NoticeRecipient
	for _, to := range e.To {
		out = append(out, event.NoticeRecipient{Address: to, Status: e.Notice.Status, Diagnostic: e.Notice.Diagnostic})
	}
	return out
}

// statusesOf says a notice's recipients by status: "5.1.1 for a, b" or,
// when they failed for different reasons, "5.2.2 for a; 4.4.7 for b".
func statusesOf(rs []event.NoticeRecipient) string {
	var order []string
	by := map[string][]string{}
	for _, r := range rs {
		if _, ok := by[r.Status]; !ok {
			order = append(order, r.Status)
		}
		by[r.Status] = append(by[r.Status], r.Address)
	}
	var parts []string
	for _, st := range order {
		parts = append(parts, st+" for "+strings.Join(by[st], ", "))
	}
	return strings.Join(parts, "; ")
}
