package narrate

import (
	"fmt"
	"strings"
	"time"

	"github.com/mailflow/mailflow/sim/event"
)

// phrasebook holds one language's sentences, one function per event kind,
// and the words the sentences share.
type phrasebook struct {
	step  string
	kinds map[event.Kind]func(event.Event) string
	// reasons names each local status reason.
	reasons map[string]string
	// dropped says why a message copy was given up without a notice.
	dropped map[string]string
	// effects names what a fault did.
	effects map[string]string
	// local marks a status no peer sent: " — status %s, decided here".
	local string
	// client is "alice's mail client" for a user's local part.
	client func(local string) string
	// detail says a free-text detail (an error, a rule) in the language.
	detail func(string) string
	// nullSender names the empty envelope sender of notices.
	nullSender string
	// at joins a reply and its stage: "550 5.1.1 No such user here at RCPT".
	at     string
	none   string // no records
	pref   string // an MX preference
	nullMX string
}

func (p *phrasebook) sentence(e event.Event) string {
	if f, ok := p.kinds[e.Kind]; ok {
		return f(e)
	}
	return fmt.Sprintf("%s %s", p.who(e), e.Kind)
}

// Has reports whether lang narrates a kind with a sentence of its own.
func Has(lang Lang, k event.Kind) bool {
	p := phrases[lang]
	if p == nil {
		return false
	}
	_, ok := p.kinds[k]
	return ok
}

var phrases = map[Lang]*phrasebook{English: english, Vietnamese: vietnamese}

// who names the actor of an event: its display name, or, for a user's mail
// client, the phrasebook's own words built from the actor id.
func (p *phrasebook) who(e event.Event) string {
	if user, ok := event.ClientUser(e.Actor); ok {
		local, _, _ := strings.Cut(user, "@")
		return p.client(local)
	}
	return e.Host
}

// replyText is a reply as it crossed the wire: "550 5.1.1 No such user here".
func replyText(r *event.Reply) string {
	return strings.TrimSpace(fmt.Sprintf("%d %s %s", r.Code, r.Enhanced, r.Text))
}

// status tells the status an event carries: the reply as it came, or the
// local reason with its words.
func (p *phrasebook) status(e event.Event) string {
	switch {
	case e.Reply != nil:
		return replyText(e.Reply)
	case e.Local != nil:
		// The words of the failure, and its status marked as decided
		// here: no peer sent it.
		s := p.detail(e.Error)
		if s == "" {
			if s = p.reasons[e.Local.Reason]; s == "" {
				s = e.Local.Reason
			}
		}
		if e.Local.Status != "" {
			s += fmt.Sprintf(p.local, e.Local.Status)
		}
		return s
	}
	return p.detail(e.Error)
}

// sender names an envelope sender; the empty one is the null sender of
// bounces (RFC 5321 §4.5.5).
func (p *phrasebook) sender(from string) string {
	if from == "" {
		return "<> (" + p.nullSender + ")"
	}
	return from
}

// records tells a DNS answer's records: "mail.school.test (preference 10)".
func (p *phrasebook) records(e event.Event) string {
	if e.Rcode != "" && e.Rcode != "NOERROR" {
		return e.Rcode
	}
	if len(e.Records) == 0 {
		return p.none
	}
	var parts []string
	for _, r := range e.Records {
		switch {
		case r.Type == "MX" && r.Value == ".":
			parts = append(parts, p.nullMX)
		case r.Type == "MX":
			parts = append(parts, fmt.Sprintf("%s (%s %d)", strings.TrimSuffix(r.Value, "."), p.pref, r.Pref))
		case r.Type == "TXT":
			parts = append(parts, `"`+r.Value+`"`)
		default:
			parts = append(parts, strings.TrimSuffix(r.Value, "."))
		}
	}
	return strings.Join(parts, ", ")
}

func qname(e event.Event) string { return strings.TrimSuffix(e.QName, ".") }

// cacheLeft is the time a cached DNS answer has left: its records' TTL.
func cacheLeft(lang Lang, e event.Event) string {
	ttl := uint32(0)
	if len(e.Records) > 0 {
		ttl = e.Records[0].TTL
	}
	if lang == Vietnamese {
		return fmt.Sprintf("%d giây", ttl)
	}
	return fmt.Sprintf("%d s", ttl)
}

// turnAt and turnIn say when a message waiting for its destination's turn
// goes: a time to the millisecond, and how long from now.
func turnAt(e event.Event) string {
	if e.Next == nil {
		return ""
	}
	return e.Next.Format("15:04:05.000")
}

func turnIn(lang Lang, e event.Event) string {
	if e.Next == nil {
		return ""
	}
	d := e.Next.Sub(e.Time)
	switch {
	case d >= time.Minute:
		return Duration(lang, d)
	case lang == Vietnamese:
		return strings.Replace(fmt.Sprintf("%.3g giây", d.Seconds()), ".", ",", 1)
	}
	return d.Round(time.Millisecond).String()
}

// rateWords says a queue.wait's limit ("rate 2/s") in words.
func rateWords(lang Lang, rule string) string {
	r := strings.TrimPrefix(rule, "rate ")
	if lang != Vietnamese {
		return r
	}
	n, unit, ok := strings.Cut(r, "/")
	if !ok {
		return strings.Replace(r, "1 per ", "1 thư mỗi ", 1)
	}
	return n + " thư mỗi " + map[string]string{"s": "giây", "m": "phút", "h": "giờ"}[unit]
}

// wait is the time from an event to its next attempt: "15m", "2h12m".
func wait(e event.Event) string {
	if e.Next == nil {
		return ""
	}
	return Duration(English, e.Next.Sub(e.Time))
}

// faultReply is the reply a fault makes a server give.
func faultReply(f *event.Fault) string {
	return strings.TrimSpace(fmt.Sprintf("%d %s %s", f.Code, f.Enhanced, f.Text))
}

// isClient reports whether the event is told by the side that received the
// reply.
func isClient(e event.Event) bool {
	if e.Reply != nil {
		return e.Reply.Side == event.SideClient
	}
	_, ok := event.ClientUser(e.Actor)
	return ok || e.Local != nil
}
