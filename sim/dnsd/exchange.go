package dnsd

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailflow/mailflow/sim/event"
)

// Fault changes the reply to one question, for lessons on DNS failures.
// At most one of its effects applies, checked in the order Drop, Rcode,
// NoAnswer.
type Fault struct {
	Rcode    int  // non-zero: reply with this rcode and no records, e.g. dns.RcodeServerFailure, dns.RcodeNameError
	NoAnswer bool // reply NOERROR with an empty answer (no SOA either)
	Drop     bool // send nothing, so the client times out
}

// String describes the fault in a few words, for Exchange.Fault.
func (f Fault) String() string {
	switch {
	case f.Drop:
		return "dropped: no reply sent"
	case f.Rcode != 0:
		return "forced " + rcodeName(f.Rcode)
	case f.NoAnswer:
		return "forced empty answer"
	default:
		return ""
	}
}

// Exchange is one query and the reply it got, reported to Config.Observe.
type Exchange struct {
	Client     netip.AddrPort
	ID         uint16 // the query's message id
	Proto      string // "udp" or "tcp"
	Question   dns.Question
	Rcode      int
	Answer     []dns.RR
	Authority  []dns.RR
	Additional []dns.RR // A/AAAA of MX and NS targets; the OPT record is left out
	Truncated  bool     // TC was set: the client should retry over TCP
	Dropped    bool     // a fault suppressed the reply
	Fault      string   // "" or what a fault did
}

// QuestionText renders the question the way dig does: "school.test. IN MX".
func (x Exchange) QuestionText() string {
	return fmt.Sprintf("%s %s %s", x.Question.Name, className(x.Question.Qclass), typeName(x.Question.Qtype))
}

// AnswerLines renders each answer record as dig does, with single spaces:
// "school.test. 300 IN MX 10 mail.school.test.".
func (x Exchange) AnswerLines() []string { return rrLines(x.Answer) }

// AuthorityLines renders the authority section like AnswerLines.
func (x Exchange) AuthorityLines() []string { return rrLines(x.Authority) }

// RcodeName is the reply code's name, e.g. "NOERROR", "NXDOMAIN",
// "SERVFAIL", "REFUSED"; "NO REPLY" when a fault dropped the query.
func (x Exchange) RcodeName() string {
	if x.Dropped {
		return "NO REPLY"
	}
	return rcodeName(x.Rcode)
}

func rrLines(rrs []dns.RR) []string {
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		// miekg separates header fields with tabs; narration and logs want
		// spaces. Tabs inside TXT data are escaped, so this is lossless.
		out = append(out, strings.ReplaceAll(rr.String(), "\t", " "))
	}
	return out
}

func rcodeName(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return fmt.Sprintf("RCODE%d", rc)
}

func typeName(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return fmt.Sprintf("TYPE%d", t)
}

func className(c uint16) string {
	if s, ok := dns.ClassToString[c]; ok {
		return s
	}
	return fmt.Sprintf("CLASS%d", c)
}

// RecordsOf gives resource records as event data: owner, type, TTL, and the
// value a learner reads (an MX's target with its preference, an address, a
// text), with no text left to parse.
func RecordsOf(rrs []dns.RR) []event.Record {
	out := make([]event.Record, 0, len(rrs))
	for _, rr := range rrs {
		h := rr.Header()
		r := event.Record{Name: h.Name, Type: typeName(h.Rrtype), TTL: h.Ttl}
		switch rr := rr.(type) {
		case *dns.MX:
			r.Pref, r.Value = int(rr.Preference), rr.Mx
		case *dns.A:
			r.Value = rr.A.String()
		case *dns.AAAA:
			r.Value = rr.AAAA.String()
		case *dns.CNAME:
			r.Value = rr.Target
		case *dns.NS:
			r.Value = rr.Ns
		case *dns.PTR:
			r.Value = rr.Ptr
		case *dns.TXT:
			r.Value = strings.Join(rr.Txt, "")
		default:
			r.Value = strings.TrimPrefix(rr.String(), h.String())
		}
		out = append(out, r)
	}
	return out
}
