package tui

import (
	"fmt"
	"strings"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
)

// FailureReason says why a step failed or must wait, from the event's
// fields, and whether it crossed the wire: a DNS rcode, a reply as the peer
// sent it with the command it answered, or a status the actor decided
// itself, which no reply carried. Never from the narrated sentence:
//
//	DNS NXDOMAIN (students.school.test MX): no such domain
//	550 5.1.1 No such user here (at RCPT)
//	the domain takes no mail (null MX) · 5.1.10 · no reply: smtp.example.test decided
func FailureReason(e event.Event, lang narrate.Lang) string {
	w := wordsFor(lang)
	switch {
	case e.Kind == event.DNSAnswer && e.Rcode != "":
		q := strings.TrimSpace(strings.TrimSuffix(e.QName, ".") + " " + e.QType)
		r := "DNS " + e.Rcode
		if q != "" {
			r += " (" + q + ")"
		}
		if m, ok := w.rcodes[e.Rcode]; ok {
			r += ": " + m
		}
		return r
	case e.Reply != nil:
		r := reply(e)
		if st := e.Reply.Stage; st != "" {
			r += " (" + w.at + " " + strings.ToUpper(st) + ")"
		}
		return r
	case e.Local != nil:
		parts := []string{narrate.Reason(lang, e.Local.Reason)}
		if e.Local.Status != "" {
			parts = append(parts, e.Local.Status)
		}
		if st := e.Local.Stage; st != "" {
			parts = append(parts, w.at+" "+strings.ToUpper(st))
		}
		who := e.Actor
		if _, ok := event.ClientUser(e.Actor); ok || who == "" {
			who = w.client
		}
		return strings.Join(parts, " · ") + " · " + fmt.Sprintf(w.decided, who)
	case e.Error != "":
		return e.Error
	}
	return w.noReason
}
