package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/transcript"
)

// wireReply is one reply a server sent on an SMTP connection, read from the
// connection's transcript: the wire is the truth, so a reply expectation
// looks nowhere else.
type wireReply struct {
	transcript.Reply
	msg            string // the message the connection carried
	client, server string // the connecting side and the server that replied
}

// hop is one SMTP connection's transcript, with the stage of each line.
type hop struct {
	e      event.Event
	stages []string
}

// smtpHops lists every SMTP connection's transcript, submission and relay
// alike, in the order they closed.
func (c *Checker) smtpHops() []hop {
	var out []hop
	for _, e := range c.Events() {
		if e.Kind == event.SMTPTranscript {
			out = append(out, hop{e: e, stages: transcript.SMTPStages(e.Transcript)})
		}
	}
	return out
}

func (c *Checker) wireReplies() []wireReply {
	var out []wireReply
	for _, h := range c.smtpHops() {
		for _, r := range transcript.SMTPReplies(h.e.Transcript) {
			out = append(out, wireReply{Reply: r, msg: h.e.Msg, client: h.e.Host, server: h.e.Peer})
		}
	}
	return out
}

// onHop reports whether a connection from client to server matches an
// expectation's host (either side) filter.
func onHop(host, client, server string) bool {
	return host == "" || strings.EqualFold(host, client) || strings.EqualFold(host, server)
}

func (c *Checker) checkReply(x *scenarios.ReplyExpectation) Result {
	want := fmt.Sprint(x.Code)
	if x.Enhanced != "" {
		want += " " + x.Enhanced
	}
	r := Result{Kind: "reply", Expected: "an SMTP reply " + want}
	if x.Message != "" {
		r.Expected += " for message " + x.Message
	}
	if x.Host != "" {
		r.Expected += " on a connection of " + x.Host
	}
	if x.Stage != "" {
		r.Expected += " at stage " + x.Stage
	}
	var seen []string
	for _, w := range c.wireReplies() {
		if (x.Message != "" && w.msg != x.Message) || !onHop(x.Host, w.client, w.server) ||
			(x.Stage != "" && !strings.EqualFold(w.Stage, x.Stage)) {
			continue
		}
		got := strings.TrimSpace(fmt.Sprintf("%d %s", w.Code, w.Enhanced)) + " at " + w.Stage
		if !slices.Contains(seen, got) {
			seen = append(seen, got)
		}
		if w.Code == x.Code && (x.Enhanced == "" || w.Enhanced == x.Enhanced) {
			r.Passed = true
		}
	}
	r.Observed = "replies on the wire: " + orNone(seen)
	r.Related = c.related(func(e event.Event) bool {
		return (e.Kind == event.SMTPReply || e.Kind == event.SMTPAuth || e.Kind == event.QueueFailed ||
			e.Kind == event.QueueDeferred || e.Kind == event.SMTPTranscript) &&
			(x.Message == "" || e.Msg == x.Message) && onHop(x.Host, e.Host, e.Peer)
	})
	return r
}

// checkTranscript counts the transcript lines that contain a text, on the
// connections (and at the SMTP stage) the expectation names; count 0 makes
// it check that no such line crossed the wire.
func (c *Checker) checkTranscript(x *scenarios.TranscriptExpectation) Result {
	r := Result{Kind: "transcript", Expected: wantCount(x.Count, fmt.Sprintf("transcript line(s) containing %q", x.Contains))}
	if x.Count != nil && *x.Count == 0 {
		r.Expected = fmt.Sprintf("no transcript line containing %q", x.Contains)
	}
	if x.Message != "" {
		r.Expected += " for message " + x.Message
	}
	if x.From != "" {
		r.Expected += " on a connection from " + x.From
	}
	if x.Peer != "" {
		r.Expected += " on a connection to " + x.Peer
	}
	if x.Stage != "" {
		r.Expected += " at stage " + x.Stage
	}
	conns, count := 0, 0
	var found []string
	for _, e := range c.Events() {
		if (e.Kind != event.SMTPTranscript && e.Kind != event.FetchDone) ||
			(x.Message != "" && e.Msg != x.Message) || (x.Peer != "" && !strings.EqualFold(e.Peer, x.Peer)) ||
			(x.From != "" && !strings.EqualFold(e.Host, x.From)) || (x.Stage != "" && e.Kind != event.SMTPTranscript) {
			continue
		}
		conns++
		var stages []string
		if x.Stage != "" {
			stages = transcript.SMTPStages(e.Transcript)
		}
		for i, line := range e.Transcript {
			if !strings.Contains(line, x.Contains) || (x.Stage != "" && !strings.EqualFold(stages[i], x.Stage)) {
				continue
			}
			count++
			if len(found) < 3 {
				found = append(found, fmt.Sprintf("%q (%s → %s)", line, e.Host, e.Peer))
			}
		}
	}
	r.Passed = countOr(count, x.Count)
	r.Observed = fmt.Sprintf("%d matching line(s) in %d transcript(s)", count, conns)
	if len(found) > 0 {
		r.Observed += ": " + strings.Join(found, ", ")
	}
	r.Related = c.related(func(e event.Event) bool {
		return (e.Kind == event.SMTPTranscript || e.Kind == event.FetchDone) &&
			(x.Message == "" || e.Msg == x.Message) && (x.Peer == "" || strings.EqualFold(e.Peer, x.Peer))
	})
	return r
}
