package tui

import (
	"strings"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
)

// FailureReason says why a step failed or must wait, from the event's
// fields — what crossed the wire (a DNS rcode, an SMTP reply with its
// enhanced code and text, the command it answered) or the error the sender
// reported — never from its narrated sentence:
//
//	DNS NXDOMAIN (students.school.test MX): no such domain
//	550 5.1.1 No such user here (at RCPT)
func FailureReason(e event.Event, lang narrate.Lang) string {
	w := wordsFor(lang)
	if e.Kind == event.DNSAnswer && e.Rcode != "" {
		q := strings.TrimSpace(strings.TrimSuffix(e.QName, ".") + " " + e.QType)
		r := "DNS " + e.Rcode
		if q != "" {
			r += " (" + q + ")"
		}
		if m, ok := w.rcodes[e.Rcode]; ok {
			r += ": " + m
		}
		return r
	}
	r := reply(e)
	if r == "" {
		r = w.noReason
	}
	if st := e.Stage(); st != "" && e.Code() != 0 {
		r += " (" + w.at + " " + strings.ToUpper(st) + ")"
	}
	return r
}
