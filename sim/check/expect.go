// Package check is the run's checks: it evaluates a scenario's
// expectations against what the run left — the events, the mailboxes and
// what the users' clients read — and says, for each, what was expected,
// what was observed and which events explain it.
package check

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	_ "github.com/emersion/go-message/charset" // decode every charset a message may use
	"github.com/emersion/go-message/mail"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/client"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/mailstore"
)

// Result is one checked expectation.
type Result struct {
	Index    int    // position in the scenario's expect list, from 0
	Kind     string // delivered, not_delivered, steps, reply
	Passed   bool
	Expected string
	Observed string
	Pos      scenarios.Position
	// Related are the events that explain the result, shown when it fails.
	Related []event.Event
}

// maxRelated bounds the events shown with a failed expectation.
const maxRelated = 12

// related picks the events matching keep, at most maxRelated of them (the
// last ones: what happened closest to the failure).
func (c *Checker) related(keep func(event.Event) bool) []event.Event {
	var out []event.Event
	for _, e := range c.Events() {
		if keep(e) {
			out = append(out, e)
		}
	}
	if len(out) > maxRelated {
		out = out[len(out)-maxRelated:]
	}
	return out
}

func mentions(e event.Event, addr string) bool {
	if strings.EqualFold(e.User, addr) {
		return true
	}
	for _, t := range e.To {
		if strings.EqualFold(t, addr) {
			return true
		}
	}
	return false
}

// Checker evaluates a scenario's expectations against what the run left:
// the events, the mailboxes, and the tracker's account of the messages'
// steps and of what the users' clients read. It changes nothing.
type Checker struct {
	Scenario *scenarios.Scenario
	// Events returns the events so far (the bus's history).
	Events  func() []event.Event
	Store   *mailstore.Store
	Tracker *Tracker
}

// Check evaluates the scenario's expectation i.
func (c *Checker) Check(i int) Result {
	x := c.Scenario.Expect[i]
	var r Result
	switch {
	case x.Delivered != nil:
		r = c.checkDelivered("delivered", x.Delivered, false)
	case x.NotDelivered != nil:
		r = c.checkDelivered("not_delivered", x.NotDelivered, true)
	case x.Steps != nil:
		r = c.checkSteps(x.Steps)
	case x.Reply != nil:
		r = c.checkReply(x.Reply)
	case x.Fetched != nil:
		r = c.checkFetched(x.Fetched)
	case x.Bounced != nil:
		r = c.checkBounced(x.Bounced)
	case x.DNS != nil:
		r = c.checkDNS(x.DNS)
	case x.TLS != nil:
		r = c.checkTLS(x.TLS)
	case x.Retries != nil:
		r = c.checkRetries(x.Retries)
	case x.Within != nil:
		r = c.checkWithin(x.Within)
	case x.Transcript != nil:
		r = c.checkTranscript(x.Transcript)
	case x.Auth != nil:
		r = c.checkAuth(x.Auth)
	}
	r.Index = i
	r.Pos = c.Scenario.Pos[fmt.Sprintf("expect[%d]", i)]
	return r
}

// storedMessage is what an expectation can ask of a message in a mailbox.
type storedMessage struct {
	header                         map[string][]string
	messageID, subject, from, text string
	attachments                    []string
}

func readStored(raw []byte) storedMessage {
	var m storedMessage
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		return m
	}
	defer mr.Close()
	m.subject, _ = mr.Header.Subject()
	m.header = map[string][]string{}
	fields := mr.Header.Fields()
	for fields.Next() {
		k := strings.ToLower(fields.Key())
		v, err := fields.Text()
		if err != nil {
			v = fields.Value()
		}
		m.header[k] = append(m.header[k], v)
	}
	m.messageID = mr.Header.Get("Message-Id")
	if from, err := mr.Header.AddressList("From"); err == nil {
		for _, a := range from {
			m.from += a.String() + " "
		}
	}
	var text strings.Builder
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			if ct, _, _ := h.ContentType(); ct == "" || strings.HasPrefix(ct, "text/") {
				io.Copy(&text, io.LimitReader(p.Body, 1<<20))
			}
		case *mail.AttachmentHeader:
			name, _ := h.Filename()
			m.attachments = append(m.attachments, name)
		}
	}
	m.text = text.String()
	return m
}

// matches reports whether a stored message fits a delivered expectation.
func matches(m storedMessage, d *scenarios.Delivered) bool {
	if d.Subject != "" && m.subject != d.Subject {
		return false
	}
	if d.From != "" && !strings.Contains(strings.ToLower(m.from), strings.ToLower(d.From)) {
		return false
	}
	if d.BodyContains != "" && !strings.Contains(m.text, d.BodyContains) {
		return false
	}
	for _, name := range d.Attachments {
		if !slices.Contains(m.attachments, name) {
			return false
		}
	}
	for k, want := range d.Headers {
		found := false
		for _, v := range m.header[strings.ToLower(k)] {
			found = found || strings.Contains(v, want)
		}
		if !found {
			return false
		}
	}
	return true
}

func describeDelivered(d *scenarios.Delivered, negate bool) string {
	var parts []string
	switch {
	case d.Count != nil:
		parts = append(parts, fmt.Sprintf("%d message(s)", *d.Count))
	case negate:
		parts = append(parts, "no message")
	default:
		parts = append(parts, "at least 1 message")
	}
	parts = append(parts, "in "+d.Mailbox+"/"+folderOr(d.Folder))
	if d.Subject != "" {
		parts = append(parts, fmt.Sprintf("with subject %q", d.Subject))
	}
	if d.From != "" {
		parts = append(parts, "from "+d.From)
	}
	if d.BodyContains != "" {
		parts = append(parts, fmt.Sprintf("containing %q", d.BodyContains))
	}
	if len(d.Attachments) > 0 {
		parts = append(parts, "with attachments "+strings.Join(d.Attachments, ", "))
	}
	for _, k := range slices.Sorted(maps.Keys(d.Headers)) {
		parts = append(parts, fmt.Sprintf("with %s: %q", k, d.Headers[k]))
	}
	return strings.Join(parts, " ")
}

func folderOr(f string) string {
	if f == "" {
		return "INBOX"
	}
	return f
}

func (c *Checker) checkDelivered(kind string, d *scenarios.Delivered, negate bool) Result {
	r := Result{Kind: kind, Expected: describeDelivered(d, negate)}
	r.Related = c.related(func(e event.Event) bool {
		return e.Step > 0 && mentions(e, d.Mailbox) && e.Kind != event.SMTPTranscript
	})
	msgs, err := c.Store.Messages(d.Mailbox, folderOr(d.Folder))
	if err != nil && !negate {
		r.Observed = err.Error()
		return r
	}
	count := 0
	var seen []string
	for _, m := range msgs {
		sm := readStored(m.Raw)
		seen = append(seen, fmt.Sprintf("%q", sm.subject))
		if matches(sm, d) {
			count++
		}
	}
	r.Observed = fmt.Sprintf("%d matching of %d message(s)", count, len(msgs))
	if len(seen) > 0 {
		r.Observed += " (subjects: " + strings.Join(seen, ", ") + ")"
	}
	switch {
	case d.Count != nil:
		r.Passed = count == *d.Count
	case negate:
		r.Passed = count == 0
	default:
		r.Passed = count > 0
	}
	return r
}

func (c *Checker) checkSteps(x *scenarios.StepsExpectation) Result {
	got := c.Tracker.Steps(x.Message)
	return Result{Kind: "steps", Passed: slices.Equal(got, x.Sequence),
		Expected: fmt.Sprintf("message %s through steps %v", x.Message, x.Sequence),
		Observed: fmt.Sprintf("steps %v", got),
		Related: c.related(func(e event.Event) bool {
			return e.Msg == x.Message && e.Step > 0 && e.Kind != event.SMTPTranscript
		})}
}

func (c *Checker) checkFetched(x *scenarios.FetchedExpectation) Result {
	d := &scenarios.Delivered{Count: x.Count, Subject: x.Subject, From: x.From, BodyContains: x.BodyContains,
		Attachments: x.Attachments, Headers: x.Headers}
	r := Result{Kind: "fetched", Expected: "fetch " + x.Fetch + " reads " +
		strings.TrimPrefix(describeDelivered(d, false), "in /INBOX ")}
	if len(x.Flags) > 0 {
		r.Expected += " flagged " + strings.Join(x.Flags, " ")
	}
	r.Expected = strings.Replace(r.Expected, " in /INBOX", "", 1)
	r.Related = c.related(func(e event.Event) bool {
		return e.Kind == event.FetchDone || e.Kind == event.RetrievalFetch
	})
	res, ok := c.Tracker.Fetched(x.Fetch)
	if !ok {
		r.Observed = "the fetch did not run"
		return r
	}
	count := 0
	for _, m := range res.Messages {
		if !matches(readStored(m.Raw), d) {
			continue
		}
		flagged := true
		for _, f := range x.Flags {
			flagged = flagged && client.HasFlag(m.Flags, f)
		}
		if flagged {
			count++
		}
	}
	r.Observed = fmt.Sprintf("%d matching of %d message(s) read", count, len(res.Messages))
	if res.Err != nil {
		r.Observed += "; the fetch failed: " + res.Err.Error()
	}
	if x.Count != nil {
		r.Passed = count == *x.Count
	} else {
		r.Passed = count > 0
	}
	return r
}
