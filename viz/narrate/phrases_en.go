package narrate

import (
	"fmt"
	"strings"

	"github.com/mailflow/mailflow/sim/event"
)

var english = &phrasebook{
	kinds:      map[event.Kind]func(event.Event) string{},
	step:       "Step",
	none:       "no records",
	pref:       "preference",
	nullMX:     ". (null MX: the domain takes no mail)",
	local:      " — status %s, decided here (no reply)",
	client:     func(local string) string { return local + "'s mail client" },
	detail:     func(s string) string { return s },
	nullSender: "null sender",
	reasons: map[string]string{
		event.ReasonRefused:     "connection refused",
		event.ReasonClosed:      "connection closed without a reply",
		event.ReasonTimeout:     "no reply in time",
		event.ReasonTLS:         "TLS handshake failed",
		event.ReasonNoStartTLS:  "no STARTTLS offered",
		event.ReasonCertificate: "certificate not trusted",
		event.ReasonDNS:         "DNS failure",
		event.ReasonNXDomain:    "the domain does not exist",
		event.ReasonNullMX:      "the domain takes no mail (null MX)",
		event.ReasonNoAddress:   "no MX host has an address",
		event.ReasonMXLoop:      "the best MX is this host itself",
		event.ReasonSize:        "message bigger than the server's SIZE",
		event.ReasonGiveUp:      "time in the queue ran out",
		event.ReasonAuth:        "login refused",
		event.ReasonNoMailbox:   "no such mailbox here",
		event.ReasonStore:       "filing failed",
		event.ReasonOther:       "failure",
	},
	dropped: map[string]string{
		event.ReasonNullSender: "a bounce that cannot be delivered is not bounced again (null sender)",
		event.ReasonNotify:     "no bounce: the sender asked for none (NOTIFY)",
	},
	effects: map[string]string{
		"refuse":      "connection refused",
		"not_offered": "STARTTLS not offered",
		"handshake":   "TLS handshake fails",
		"disconnect":  "connection lost during DATA, before the reply",
		"slow":        "the server is slow",
		"delay":       "the server is slow",
		"nxdomain":    "DNS answers nxdomain",
		"servfail":    "DNS answers servfail",
		"no_answer":   "DNS answers with no records",
		"drop":        "DNS drops the query",
	},
}

func init() {
	p := english
	for k, f := range map[event.Kind]func(event.Event) string{
		event.RunStart: func(e event.Event) string { return "Scenario " + e.Scenario + ": the simulated internet is up" },
		event.ServerListen: func(e event.Event) string {
			return fmt.Sprintf("%s listens on %s for %s (port %d)", e.Host, e.Peer, e.Service, e.Port)
		},
		event.ActionStart: func(e event.Event) string {
			return fmt.Sprintf("%s writes %q to %s", e.From, e.Subject, list(e.To))
		},
		event.SMTPConnect: func(e event.Event) string {
			return fmt.Sprintf("%s connects to %s on port %d (%s)", p.who(e), e.Peer, e.Port, e.Service)
		},
		event.SMTPTLS: func(e event.Event) string {
			t := e.TLS
			switch {
			case t == nil:
				return fmt.Sprintf("%s ↔ %s: TLS", p.who(e), e.Peer)
			case t.Version == "" && t.Problem == event.ReasonNoStartTLS:
				return fmt.Sprintf("%s → %s: %s offers no STARTTLS; the message goes in plain text", p.who(e), e.Peer, e.Peer)
			case t.Version == "":
				return fmt.Sprintf("%s → %s: no encryption: %s", p.who(e), e.Peer, e.Error)
			case !t.Verified && t.Cert != nil && t.Cert.Why != "":
				return fmt.Sprintf("%s ↔ %s: connection encrypted (%s) but the certificate is not trusted: %s",
					p.who(e), e.Peer, t.Version, t.Cert.Why)
			case !t.Verified:
				return fmt.Sprintf("%s ↔ %s: connection encrypted (%s), certificate not verified", p.who(e), e.Peer, t.Version)
			}
			return fmt.Sprintf("%s ↔ %s: connection encrypted (%s), certificate verified", p.who(e), e.Peer, t.Version)
		},
		event.SMTPAuth: func(e event.Event) string {
			ok := e.Code() == 235
			switch {
			case isClient(e) && ok:
				return fmt.Sprintf("%s logs in to %s as %s (AUTH accepted, %d)", p.who(e), e.Peer, e.User, e.Code())
			case isClient(e):
				return fmt.Sprintf("%s cannot log in to %s as %s: %s", p.who(e), e.Peer, e.User, p.status(e))
			case ok:
				return fmt.Sprintf("%s logs %s in (AUTH accepted, %d)", p.who(e), e.User, e.Code())
			}
			return fmt.Sprintf("%s refuses the login of %s: %s", p.who(e), e.User, p.status(e))
		},
		event.SMTPReply: func(e event.Event) string {
			switch {
			case e.Local != nil:
				return fmt.Sprintf("%s cannot hand the message for %s to %s: %s", p.who(e), list(e.To), e.Peer, p.status(e))
			case isClient(e):
				return fmt.Sprintf("%s gets %s from %s; the message for %s is not sent", p.who(e), p.status(e), e.Peer, list(e.To))
			}
			who := list(e.To)
			if who == "" {
				who = "the message"
			}
			return fmt.Sprintf("%s refuses %s at %s: %s", p.who(e), who, strings.ToUpper(e.Stage()), p.status(e))
		},
		event.SMTPAccepted: func(e event.Event) string {
			s := fmt.Sprintf("%s accepts %q from %s for %s (%s", p.who(e), e.Subject, p.sender(e.From), list(e.To), size(e.Size))
			if len(e.Attachments) > 0 {
				s += ", attachments: " + list(e.Attachments)
			}
			return s + fmt.Sprintf(") — %d OK", e.Code())
		},
		event.SMTPTranscript: func(e event.Event) string {
			return fmt.Sprintf("Transcript %s → %s:%d: %d lines", p.who(e), e.Peer, e.Port, len(e.Transcript))
		},
		event.RouteDecision: func(e event.Event) string {
			switch e.Route {
			case "local":
				return fmt.Sprintf("%s: %s is in its own domain → local delivery, no DNS needed", p.who(e), list(e.To))
			case "alias":
				s := fmt.Sprintf("%s expands the alias %s → %s", p.who(e), list(e.To), strings.Join(e.Targets, ", "))
				if e.Error != "" {
					s += " (" + e.Error + ": stopped there)"
				}
				return s
			case "forward":
				return fmt.Sprintf("%s forwards to %s; envelope sender rewritten (SRS): %s → %s",
					p.who(e), list(e.To), p.sender(e.From), e.Rewritten)
			case "srs":
				return fmt.Sprintf("%s: %s is an SRS address: the notice goes back to %s", p.who(e), list(e.To), list(e.Targets))
			case "spam":
				if e.Reason == "dmarc" {
					why := strings.TrimSuffix(e.Rule, " → "+e.Folder+" folder")
					return fmt.Sprintf("%s: %s → %s folder", p.who(e), why, e.Folder)
				}
				return fmt.Sprintf("%s: content rule %q → %s folder", p.who(e), e.Rule, e.Folder)
			}
			s := fmt.Sprintf("%s: %s is in another domain → relay it (queue for delivery)", p.who(e), list(e.To))
			if e.Rule != "" {
				s += "; relaying allowed: " + e.Rule
			}
			return s
		},
		event.DNSQuery: func(e event.Event) string {
			return fmt.Sprintf("%s asks DNS for the %s record of %s", p.who(e), e.QType, qname(e))
		},
		event.DNSAnswer: func(e event.Event) string {
			if e.Local != nil {
				return fmt.Sprintf("%s gets no answer from DNS for %s %s: %s", p.who(e), qname(e), e.QType, e.Error)
			}
			return fmt.Sprintf("DNS answers %s %s → %s", qname(e), e.QType, p.records(e))
		},
		event.RelayConnect: func(e event.Event) string {
			if e.Reuse > 0 {
				return fmt.Sprintf("%s sends the message to %s over the connection it kept open (message %d on it, after RSET)",
					p.who(e), e.Peer, e.Reuse)
			}
			return fmt.Sprintf("%s connects to %s on port %d to transfer the message", p.who(e), e.Peer, e.Port)
		},
		event.DNSCached: func(e event.Event) string {
			return fmt.Sprintf("%s takes %s %s from its DNS cache, no question asked → %s (%s left)", p.who(e),
				qname(e), e.QType, p.records(e), cacheLeft(English, e))
		},
		event.QueueWait: func(e event.Event) string {
			return fmt.Sprintf("%s keeps the message for %s in its queue: it sends %s at most %s; its turn at %s (in %s)",
				p.who(e), list(e.To), e.Peer, rateWords(English, e.Rule), turnAt(e), turnIn(English, e))
		},
		event.RelayDone: func(e event.Event) string {
			return fmt.Sprintf("%s accepted the message for %s (%d); %s is done with it", e.Peer, list(e.To), e.Code(), p.who(e))
		},
		event.QueueDeferred: func(e event.Event) string {
			return fmt.Sprintf("%s could not deliver to %s yet (%s); the message stays in the queue", p.who(e), list(e.To), p.status(e))
		},
		event.QueueFailed: func(e event.Event) string {
			return fmt.Sprintf("%s gives up on %s: %s", p.who(e), list(e.To), p.status(e))
		},
		event.QueueRetry: func(e event.Event) string {
			if e.Next == nil {
				return fmt.Sprintf("%s keeps the message for %s in its queue", p.who(e), list(e.To))
			}
			return fmt.Sprintf("%s keeps the message for %s in its queue: attempt %d failed; next attempt at %s (in %s)",
				p.who(e), list(e.To), e.Attempt, e.Next.Format("Mon 15:04"), wait(e))
		},
		event.MailboxStore: func(e event.Event) string {
			s := fmt.Sprintf("%s files the message in %s's %s (UID %d), ready for POP3/IMAP", p.who(e), e.User, e.Folder, e.UID)
			if e.Rule != "" {
				s += "; " + e.Rule
				if len(e.Flags) > 0 {
					s += ", flagged " + strings.Join(e.Flags, " ")
				}
			}
			return s
		},
		event.DSNSent: func(e event.Event) string {
			n := e.Notice
			if n == nil {
				return fmt.Sprintf("%s sends %s a notice", p.who(e), e.From)
			}
			if n.Action == "delayed" {
				return fmt.Sprintf("%s tells %s that delivery to %s is delayed (%s)", p.who(e), e.From, list(e.To), n.Status)
			}
			return fmt.Sprintf("%s sends %s a bounce: delivery to %s failed (%s: %s)", p.who(e), e.From, list(e.To), n.Status, n.Diagnostic)
		},
		event.MessageDropped: func(e event.Event) string {
			why := p.dropped[e.Reason]
			if e.Reason == event.ReasonFilter {
				why = "deleted by " + e.User + "'s " + e.Rule
			}
			return fmt.Sprintf("%s drops the message for %s: %s", p.who(e), list(e.To), why)
		},
		event.RetrievalFetch: func(e event.Event) string {
			svc := strings.ToUpper(e.Service)
			if e.Error != "" {
				return fmt.Sprintf("%s: %s session of %s — %s", p.who(e), svc, e.User, e.Error)
			}
			s := fmt.Sprintf("%s: %s session of %s — %s", p.who(e), svc, e.User, fetchWords(e.Fetch, e.Service))
			if e.Fetch != nil && e.Fetch.PlainAuth {
				s += "; password sent without TLS"
			}
			return s
		},
		event.FetchDone: func(e event.Event) string {
			svc := strings.ToUpper(e.Service)
			if e.Error != "" {
				return fmt.Sprintf("%s cannot fetch mail from %s over %s: %s", p.who(e), e.Peer, svc, e.Error)
			}
			n, kept := 0, false
			if e.Fetch != nil {
				n, kept = e.Fetch.Read, e.Fetch.Kept
			}
			where := "deleted from the server"
			if kept {
				where = "kept on the server"
			}
			return fmt.Sprintf("%s fetches mail from %s over %s: %d message(s), %s", p.who(e), e.Peer, svc, n, where)
		},
		event.FaultInjected: func(e event.Event) string {
			f := e.Fault
			if f == nil {
				return "⚡ fault on " + p.who(e)
			}
			what := p.effects[f.Effect]
			if f.Effect == "reply" {
				what = faultReply(f)
			}
			if f.Target == "dns" {
				return fmt.Sprintf("⚡ fault: for %s %s, %s", qname(e), e.QType, what)
			}
			s := fmt.Sprintf("⚡ fault on %s at %s: %s", p.who(e), strings.ToUpper(f.Stage), what)
			if f.Delay > 0 {
				s += fmt.Sprintf(" (answers after %s)", f.Delay)
			}
			return s
		},
		event.ExpectResult: func(e event.Event) string {
			if e.Passed != nil && *e.Passed {
				return fmt.Sprintf("✔ expectation %s: expected %s; observed %s", e.Check, e.Expected, e.Observed)
			}
			return fmt.Sprintf("✘ expectation %s failed: expected %s; observed %s", e.Check, e.Expected, e.Observed)
		},
		event.Summary: func(e event.Event) string {
			c := e.Counts
			s := fmt.Sprintf("Summary: %d message(s); accepted recipients: %d in a mailbox, %d bounced, %d still queued, %d dropped by rule",
				len(e.Outcomes), c["delivered"], c["bounced"], c["queued"], c["dropped"])
			if e.Error != "" {
				s += "; " + e.Error
			}
			return s
		},
	} {
		p.kinds[k] = f
	}
}

// fetchWords counts a POP3 or IMAP session's work.
func fetchWords(f *event.Fetch, service string) string {
	if f == nil {
		return "done"
	}
	if strings.HasPrefix(service, "pop3") {
		return fmt.Sprintf("%d of %d messages retrieved, %d deleted", f.Read, f.Total, f.Deleted)
	}
	return fmt.Sprintf("messages read %d, expunged %d, appended %d", f.Read, f.Deleted, f.Appended)
}
