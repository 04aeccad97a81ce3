package flow

import (
	"fmt"
	"strings"

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
	if _, isClient := event.ClientUser(e.Actor); isClient || (e.Reply != nil && e.Reply.Side == event.SideClient) {
		client, server = host, actor(e.Peer)
		b.lane(client, RoleClient)
		if server != "" {
			b.lane(server, RoleServer)
			b.unqueue(server, client)
		}
	} else {
		client, server = b.serverSide(e)
		if s := clean(e.Stage()); s != "" {
			label = strings.ToUpper(s) + " " + label
		}
	}
	tone := toneOf(e.Code())
	if e.Local != nil {
		tone = Failed
	}
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
		if e.Purpose == event.PurposeAuth { // a sender check: no record, no failure
			tone = Normal
		}
		return clean(e.Rcode), tone
	}
	if len(e.Records) == 0 {
		return "no " + clean(e.QType) + " record", Deferred
	}
	var parts []string
	for _, r := range e.Records {
		switch r.Type {
		case "MX":
			parts = append(parts, fmt.Sprintf("MX %d %s", r.Pref, strings.TrimSuffix(r.Value, ".")))
		case "TXT":
			parts = append(parts, `TXT "`+r.Value+`"`)
		default:
			parts = append(parts, strings.TrimSuffix(r.Type+" "+r.Value, "."))
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
	switch {
	case e.Next != nil:
		label += " in " + Human(e.Next.Sub(e.Time))
	case e.Attempt > 0:
		label += fmt.Sprintf(": attempt %d", e.Attempt+1)
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
	// "2 message(s), kept": what became of the mail is the point of POP3
	// against IMAP.
	label, tone := strings.ToUpper(clean(e.Service)), Normal
	if f := e.Fetch; f != nil {
		fate := "deleted"
		if f.Kept {
			fate = "kept"
		}
		label = fmt.Sprintf("%d message(s), %s", f.Read, fate)
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
	tone := toneOf(e.Code())
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
	c := e.Code()
	if c == 0 {
		c = def
	}
	if c == 0 {
		// a status decided without a reply: 4.4.7 when a queue gives up
		return clean(e.Status())
	}
	if c < 400 {
		return fmt.Sprint(c) // success: the basic code says it all
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s", c, clean(e.Status())))
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
