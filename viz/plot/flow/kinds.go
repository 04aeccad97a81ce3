package flow

import (
	"fmt"
	"strings"
	"time"

	"github.com/mailflow/mailflow/sim/event"
)

// reply is an SMTP reply worth showing (an error, or the final answer): an
// arrow from the server back to the client.
func (b *builder) reply(e event.Event) {
	host := actor(e.Host)
	if host == "" {
		b.unknown(e)
		return
	}
	var client, server string
	label := code(e, 0)
	if e.Stage == "client" {
		client, server = host, actor(e.Peer)
		b.lane(client, RoleClient)
		if server != "" {
			b.lane(server, RoleServer)
			b.unqueue(server, client)
		}
	} else {
		client, server = b.serverSide(e)
		if s := clean(e.Stage); s != "" {
			label = strings.ToUpper(s) + " " + label
		}
	}
	tone := toneOf(e.Code)
	if client == "" || server == "" {
		b.mark(e, b.lane(host, RoleServer), label, tone)
		return
	}
	b.touch(e, client, server)
	if tone >= Deferred {
		b.failBar(client, server, tone)
	}
	b.hop(e, server, client, label, true, tone)
}

// dns is a question to the DNS (opening a bar) or its answer (closing it).
func (b *builder) dns(e event.Event) {
	host, peer := actor(e.Host), actor(e.Peer)
	if peer == "" {
		peer = DNSLane
	}
	if host == "" {
		b.unknown(e)
		return
	}
	b.lane(host, RoleServer)
	b.lane(peer, RoleServer)
	q := strings.TrimSuffix(clean(e.QName), ".")
	key := host + "→" + peer + " " + e.QType + " " + q
	if e.Kind == event.DNSQuery {
		b.bar(e, key, host, peer, strings.TrimSpace("DNS "+clean(e.QType)+" "+q))
		b.hop(e, host, peer, strings.TrimSpace(clean(e.QType)+" "+q+"?"), false, Normal)
		return
	}
	label, tone := dnsAnswer(e)
	if nb := b.open[key]; nb != nil {
		nb.End = e.Time
		if tone >= Deferred {
			nb.Tone = tone
		}
		b.closeBar(key)
	}
	b.hop(e, peer, host, label, true, tone)
}

// dnsAnswer shortens an answer for an arrow: "MX 10 mail.school.test".
func dnsAnswer(e event.Event) (string, Tone) {
	if e.Rcode != "" && e.Rcode != "NOERROR" {
		tone := Deferred // SERVFAIL and the like: try again later
		if e.Rcode == "NXDOMAIN" {
			tone = Failed
		}
		if e.Stage == "auth" { // a sender check: no record, no failure
			tone = Normal
		}
		return clean(e.Rcode), tone
	}
	if len(e.Answer) == 0 {
		return "no " + clean(e.QType) + " record", Deferred
	}
	var parts []string
	for _, a := range e.Answer {
		f := strings.Fields(a)
		if len(f) >= 5 {
			parts = append(parts, strings.TrimSuffix(strings.Join(f[3:], " "), "."))
		} else {
			parts = append(parts, a)
		}
	}
	return clean(strings.Join(parts, ", ")), Normal
}

// retrieval is the server's side of a POP3/IMAP session.
func (b *builder) retrieval(e event.Event) {
	server := actor(e.Host)
	if server == "" {
		b.unknown(e)
		return
	}
	b.lane(server, RoleServer)
	box := b.lane(MailboxLane(server), RoleMailbox)
	client := b.peerOf(e, server)
	if client == "" {
		client = b.lane(ReaderName(e.User), RoleReader)
	}
	if client == "" {
		b.mark(e, box, strings.ToUpper(clean(e.Service)), Normal)
		return
	}
	label := strings.TrimSpace(strings.ToUpper(clean(e.Service)) + " " + clean(e.User))
	tone := Normal
	if e.Error != "" {
		label, tone = label+" ✘ "+clean(e.Error), Failed
	}
	nb := b.bar(e, client+"→"+box, client, box, strings.TrimSpace(strings.ToUpper(clean(e.Service))+" "+clean(e.Folder)))
	nb.Tone = tone
	b.closeBar(client + "→" + box)
	b.hop(e, client, box, label, false, tone)
}

// retryMark tells when the next attempt comes: "retry in 15m".
func (b *builder) retryMark(e event.Event) {
	host := actor(e.Host)
	if host == "" {
		b.unknown(e)
		return
	}
	label := "retry"
	if _, after, ok := strings.Cut(e.Detail, "(in "); ok {
		if wait, _, ok := strings.Cut(after, ")"); ok {
			if d, err := time.ParseDuration(wait); err == nil {
				wait = Human(d) // "15m0s" → "15m"
			}
			label += " in " + clean(wait)
		}
	} else if e.Detail != "" {
		label += ": " + clean(e.Detail)
	}
	b.mark(e, b.lane(host, RoleServer), label, Retry)
}

// fetchDone is the client's side of a POP3/IMAP session: the answer to
// the session the server told of, or a session of its own.
func (b *builder) fetchDone(e event.Event) {
	client, server := actor(e.Host), actor(e.Peer)
	if client == "" || server == "" || isAddr(server) {
		b.unknown(e)
		return
	}
	b.lane(client, RoleReader)
	b.lane(server, RoleServer)
	box := b.lane(MailboxLane(server), RoleMailbox)
	// "2 message(s), kept on the server" reads "2 message(s), kept" on the
	// arrow: what became of the mail is the point of POP3 against IMAP.
	first, rest, _ := strings.Cut(e.Detail, ", ")
	if fate, _, _ := strings.Cut(rest, " "); first != "" && (fate == "kept" || fate == "deleted") {
		first += ", " + fate
	}
	label, tone := clean(first), Normal
	if label == "" {
		label = strings.ToUpper(clean(e.Service))
	}
	if e.Error != "" {
		label, tone = "✘ "+clean(e.Error), Failed
	}
	b.finishBar(e, client, box)
	b.hop(e, box, client, label, true, tone)
}

// queueMark marks what a queue did with a message on the queue's host.
func (b *builder) queueMark(e event.Event, what string, tone Tone) {
	host := actor(e.Host)
	if host == "" {
		b.unknown(e)
		return
	}
	label := what
	if c := code(e, 0); c != "" {
		label += " " + c
	} else if e.Error != "" {
		label += ": " + clean(e.Error)
	} else if e.Detail != "" {
		label += ": " + clean(e.Detail)
	}
	if peer := actor(e.Peer); peer != "" && !isAddr(peer) {
		b.failBar(host, peer, tone)
	}
	b.mark(e, b.lane(host, RoleServer), label, tone)
}

// unknown shows an event of a kind the pictures have no drawing for: an
// arrow when it names two actors, a mark when one, nothing when none.
func (b *builder) unknown(e event.Event) {
	host, peer := actor(e.Host), actor(e.Peer)
	if host == "" {
		return
	}
	label := clean(string(e.Kind))
	if c := code(e, 0); c != "" {
		label += " " + c
	}
	tone := toneOf(e.Code)
	if e.Error != "" && tone < Deferred {
		tone = Failed
	}
	if peer != "" && peer != host && !isAddr(peer) {
		b.hop(e, b.lane(host, RoleServer), b.lane(peer, RoleServer), label, false, tone)
		return
	}
	b.mark(e, b.lane(host, RoleServer), label, tone)
}

// code renders a reply code and enhanced code, "" when there is none and
// no default.
func code(e event.Event, def int) string {
	c := e.Code
	if c == 0 {
		c = def
	}
	if c == 0 {
		return clean(e.Enhanced) // a status without a reply: 4.4.7 when a queue gives up
	}
	if c < 400 {
		return fmt.Sprint(c) // success: the basic code says it all
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s", c, clean(e.Enhanced)))
}

func toneOf(code int) Tone {
	switch {
	case code >= 500:
		return Failed
	case code >= 400:
		return Deferred
	}
	return Normal
}

func smtpBarLabel(e event.Event) string {
	s := fmt.Sprintf("SMTP :%d", e.Port)
	if svc := clean(e.Service); svc != "" && svc != "smtp" {
		s += " " + svc
	}
	return s
}
