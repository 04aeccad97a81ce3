package tui

import (
	"strconv"
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
	if st := e.Stage; st != "" && st != "client" && e.Code != 0 {
		r += " (" + w.at + " " + strings.ToUpper(st) + ")"
	}
	return r
}

// reply is a failure's reply code and text, e.g. "550 5.1.1 no such user".
func reply(e event.Event) string {
	var parts []string
	if e.Code != 0 {
		parts = append(parts, strconv.Itoa(e.Code))
	}
	if e.Enhanced != "" {
		parts = append(parts, e.Enhanced)
	}
	if e.Error != "" {
		parts = append(parts, e.Error)
	}
	return strings.Join(parts, " ")
}
