package flow

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/mailflow/mailflow/sim/event"
)

// builder collects lanes by name while it walks the events; indexes are
// fixed only at the end, once every lane's role is known.
type builder struct {
	f      *Flow
	lanes  map[string]*laneInfo
	order  int
	hops   []namedHop
	marks  []namedMark
	bars   []*namedBar
	open   map[string]*namedBar // open exchange by key
	conns  map[string]string    // server connection id → client lane
	queued map[string][]string  // server → clients that connected, not yet bound to a connection
	msgs   map[string]bool
}

type laneInfo struct {
	Lane
	first int
}

type namedHop struct {
	Hop
	from, to string
}

type namedMark struct {
	Mark
	lane string
}

type namedBar struct {
	Bar
	from, to string
}

// Build makes the flow of a run from its events, in the order given.
func Build(events []event.Event) *Flow {
	b := &builder{
		f:      &Flow{},
		lanes:  map[string]*laneInfo{},
		open:   map[string]*namedBar{},
		conns:  map[string]string{},
		queued: map[string][]string{},
		msgs:   map[string]bool{},
	}
	for _, e := range events {
		b.event(e)
	}
	return b.finish()
}

func (b *builder) event(e event.Event) {
	if !e.Time.IsZero() {
		if b.f.Start.IsZero() || e.Time.Before(b.f.Start) {
			b.f.Start = e.Time
		}
		if e.Time.After(b.f.End) {
			b.f.End = e.Time
		}
	}
	if e.Msg != "" {
		b.msgs[e.Msg] = true
	}
	host := actor(e.Host)
	switch e.Kind {
	case event.RunStart:
		b.f.Scenario = clean(e.Detail)
	case event.Summary:
		b.f.Outcomes = e.Outcomes
	case event.RunEnd, event.ExpectResult, event.Outcome, event.ServerListen:
		// the report lists these; the pictures show the flow
	case event.ActionStart:
		if host != "" {
			label := e.Msg
			if e.Subject != "" {
				label = strings.TrimSpace(fmt.Sprintf("%s %q", e.Msg, e.Subject))
			}
			b.mark(e, b.lane(host, RoleClient), label, Info)
		}
	case event.SMTPConnect, event.RelayConnect:
		peer := actor(e.Peer)
		if host == "" || peer == "" {
			b.unknown(e)
			return
		}
		role := RoleServer
		if e.Kind == event.SMTPConnect && e.Step <= 2 {
			role = RoleClient
		}
		b.lane(host, role)
		b.lane(peer, RoleServer)
		b.queued[peer] = append(b.queued[peer], host)
		b.bar(e, host+"→"+peer, host, peer, smtpBarLabel(e))
		b.hop(e, host, peer, fmt.Sprintf("connect :%d", e.Port), false, toneOf(e.Code))
	case event.SMTPTLS:
		from, to := b.pair(e)
		if from == "" {
			b.unknown(e)
			return
		}
		label, tone := clean(e.TLS), Normal
		if label == "" {
			label = "TLS"
		}
		if e.Error != "" {
			label, tone = label+" ✘ "+clean(e.Error), Failed
		}
		b.touch(e, from, to)
		b.hop(e, from, to, label, false, tone)
	case event.SMTPAuth, event.SMTPEnvelope, event.SMTPAccepted:
		client, server := b.serverSide(e)
		if server == "" {
			b.unknown(e)
			return
		}
		label := map[event.Kind]string{event.SMTPAuth: "AUTH", event.SMTPEnvelope: "MAIL/RCPT",
			event.SMTPAccepted: "MAIL/RCPT/DATA"}[e.Kind]
		b.touch(e, client, server)
		b.hop(e, client, server, label+" "+code(e, 250), false, toneOf(e.Code))
	case event.SMTPReply:
		b.reply(e)
	case event.SMTPTranscript, event.RelayDone:
		from, to := b.pair(e)
		if from != "" {
			b.finishBar(e, from, to)
			b.unqueue(to, from)
		}
	case event.RouteDecision:
		if host != "" {
			b.mark(e, b.lane(host, RoleServer), strings.TrimSpace(clean(e.Route)+" "+clean(strings.Join(e.To, ", "))), Info)
		}
	case event.DNSQuery, event.DNSAnswer:
		b.dns(e)
	case event.MailboxStore:
		if host == "" {
			b.unknown(e)
			return
		}
		box := MailboxLane(host)
		b.lane(host, RoleServer)
		b.lane(box, RoleMailbox)
		label := strings.TrimSpace(clean(e.User) + "/" + clean(e.Folder))
		if e.UID != 0 {
			label += fmt.Sprintf(" UID %d", e.UID)
		}
		b.hop(e, host, box, label, false, Normal)
	case event.RetrievalFetch:
		b.retrieval(e)
	case event.QueueDeferred:
		b.queueMark(e, "deferred", Deferred)
	case event.QueueFailed:
		b.queueMark(e, "failed", Failed)
	case event.QueueRetry:
		b.retryMark(e)
	case event.DSNSent:
		label := "bounce (DSN)"
		if e.State == "delayed" {
			label = "delay notice (DSN)"
		}
		// The notice goes to the sender; older traces named only To.
		if to := clean(e.From); to != "" {
			label += " → " + to
		} else if len(e.To) > 0 {
			label += " → " + clean(strings.Join(e.To, ", "))
		}
		if host != "" {
			b.mark(e, b.lane(host, RoleServer), label, Bounce)
		}
	case event.MessageDropped:
		if host != "" {
			b.mark(e, b.lane(host, RoleServer), "dropped, no bounce", Failed)
		}
	case event.FaultInjected:
		if host != "" {
			label := "fault"
			if s := clean(e.Stage); s != "" {
				label += " at " + strings.ToUpper(s)
			}
			if c := code(e, 0); c != "" {
				label += ": " + c
			} else if e.Error != "" {
				label += ": " + clean(e.Error)
			}
			b.mark(e, b.lane(host, RoleServer), label, Info)
		}
	case event.FetchDone:
		b.fetchDone(e)
	default:
		b.unknown(e)
	}
}

// actor is the lane name an event field gives, "" for none.
func actor(s string) string {
	s = clean(s)
	if s == "-" {
		return ""
	}
	return s
}

// isAddr reports whether s is an IP address or address:port: a peer the
// server saw, to be named from what the client side said.
func isAddr(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	_, err := netip.ParseAddrPort(s)
	return err == nil
}

// serverSide names the client and server of an event a server published
// about one of its connections (Host the server, Peer the client).
func (b *builder) serverSide(e event.Event) (client, server string) {
	server = actor(e.Host)
	if server == "" {
		return "", ""
	}
	b.lane(server, RoleServer)
	client = b.peerOf(e, server)
	if client == "" {
		return "", server
	}
	return client, server
}

// peerOf names the client of a server-side event: a peer name as given, or
// for an address the client that connected to this server for that
// connection (the simulator's clients all share one address, so the
// connection id, not the address, tells them apart).
func (b *builder) peerOf(e event.Event, server string) string {
	peer := actor(e.Peer)
	role := RoleClient
	if e.Kind == event.RetrievalFetch {
		role = RoleReader
	}
	if peer != "" && !isAddr(peer) {
		if e.Conn != "" {
			if _, ok := b.conns[e.Conn]; !ok {
				b.conns[e.Conn] = peer
				b.unqueue(server, peer)
			}
		}
		return b.lane(peer, RoleServer)
	}
	if e.Conn != "" {
		if c, ok := b.conns[e.Conn]; ok {
			return c
		}
		if q := b.queued[server]; len(q) > 0 && strings.HasPrefix(string(e.Kind), "smtp.") {
			b.conns[e.Conn] = q[0]
			b.queued[server] = q[1:]
			return q[0]
		}
	}
	if n := ReaderName(e.User); n != "" && e.Kind == event.RetrievalFetch {
		return b.lane(n, RoleReader)
	}
	if peer == "" {
		return ""
	}
	if a, err := netip.ParseAddrPort(peer); err == nil {
		peer = a.Addr().String()
	}
	return b.lane(peer, role)
}

// unqueue forgets a client's connection to server once it is bound or over.
func (b *builder) unqueue(server, client string) {
	q := b.queued[server]
	for i, c := range q {
		if c == client {
			b.queued[server] = append(q[:i:i], q[i+1:]...)
			return
		}
	}
}

// pair is Host → Peer for events the initiating side published.
func (b *builder) pair(e event.Event) (from, to string) {
	from, to = actor(e.Host), actor(e.Peer)
	if from == "" || to == "" {
		return "", ""
	}
	if isAddr(to) {
		to = b.peerOf(e, from)
		return to, from // the server published it: the peer started the exchange
	}
	b.lane(from, RoleServer)
	b.lane(to, RoleServer)
	return from, to
}

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

func dnsAnswer(e event.Event) (string, Tone) {
	if e.Rcode != "" && e.Rcode != "NOERROR" {
		tone := Deferred // SERVFAIL and the like: try again later
		if e.Rcode == "NXDOMAIN" {
			tone = Failed
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
	// "2 message(s), kept on the server": the first clause is enough on an arrow.
	first, _, _ := strings.Cut(e.Detail, ", ")
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

// lane registers a lane (the first role given wins, except that a sender's
// client outranks a reader) and returns its name.
func (b *builder) lane(name string, role Role) string {
	if name == "" {
		return ""
	}
	if l, ok := b.lanes[name]; ok {
		if role == RoleClient && l.Role == RoleReader {
			l.Role = RoleClient
		}
		return name
	}
	if strings.HasSuffix(name, clientSuffix) && role != RoleReader {
		role = RoleClient
	}
	label := name
	if name == DNSLane {
		label = "DNS"
	}
	b.lanes[name] = &laneInfo{Lane: Lane{Name: name, Label: label, Role: role}, first: b.order}
	b.order++
	return name
}

func (b *builder) hop(e event.Event, from, to, label string, reply bool, tone Tone) {
	if from == "" || to == "" {
		return
	}
	b.hops = append(b.hops, namedHop{Hop: Hop{Seq: e.Seq, Time: e.Time, Step: e.Step, Kind: e.Kind,
		Label: label, Code: e.Code, Tone: tone, Reply: reply, Msg: e.Msg}, from: from, to: to})
}

func (b *builder) mark(e event.Event, lane, label string, tone Tone) {
	if lane == "" {
		return
	}
	b.marks = append(b.marks, namedMark{Mark: Mark{Seq: e.Seq, Time: e.Time, Step: e.Step, Kind: e.Kind,
		Label: label, Tone: tone, Msg: e.Msg}, lane: lane})
}

// bar opens an exchange from → to; it stays open (and grows with every
// event between the two) until closed.
func (b *builder) bar(e event.Event, key, from, to, label string) *namedBar {
	b.closeBar(key)
	nb := &namedBar{Bar: Bar{Start: e.Time, End: e.Time, Step: e.Step, Label: label, Msg: e.Msg},
		from: from, to: to}
	b.bars = append(b.bars, nb)
	b.open[key] = nb
	return nb
}

// touch stretches the open exchange between two lanes to e, opening one
// when there is none (a trace may start mid-exchange).
func (b *builder) touch(e event.Event, from, to string) *namedBar {
	for _, k := range []string{from + "→" + to, to + "→" + from} {
		if nb := b.open[k]; nb != nil {
			if e.Time.After(nb.End) {
				nb.End = e.Time
			}
			return nb
		}
	}
	return b.bar(e, from+"→"+to, from, to, "")
}

// finishBar stretches the exchange between two lanes to e and closes it:
// the open one, else the last one (a transcript comes after relay.done).
func (b *builder) finishBar(e event.Event, from, to string) {
	for _, k := range []string{from + "→" + to, to + "→" + from} {
		if nb := b.open[k]; nb != nil {
			if e.Time.After(nb.End) {
				nb.End = e.Time
			}
			b.closeBar(k)
			return
		}
	}
	for i := len(b.bars) - 1; i >= 0; i-- {
		nb := b.bars[i]
		if (nb.from == from && nb.to == to) || (nb.from == to && nb.to == from) {
			if e.Time.After(nb.End) {
				nb.End = e.Time
			}
			return
		}
	}
	b.bar(e, from+"→"+to, from, to, "")
	b.closeBar(from + "→" + to)
}

func (b *builder) failBar(x, y string, tone Tone) {
	for _, k := range []string{x + "→" + y, y + "→" + x} {
		if nb := b.open[k]; nb != nil && tone > nb.Tone {
			nb.Tone = tone
		}
	}
}

func (b *builder) closeBar(key string) {
	if nb := b.open[key]; nb != nil {
		delete(b.open, key)
	}
}

// finish orders the lanes and turns names into indexes.
func (b *builder) finish() *Flow {
	f := b.f
	f.Messages = len(b.msgs)
	infos := make([]*laneInfo, 0, len(b.lanes))
	for _, l := range b.lanes {
		infos = append(infos, l)
	}
	sort.Slice(infos, func(i, j int) bool {
		a, c := infos[i], infos[j]
		if a.Role != c.Role {
			return a.Role < c.Role
		}
		return a.first < c.first
	})
	index := map[string]int{}
	for i, l := range infos {
		f.Lanes = append(f.Lanes, l.Lane)
		index[l.Name] = i
	}
	for _, h := range b.hops {
		h.From, h.To = index[h.from], index[h.to]
		f.Hops = append(f.Hops, h.Hop)
	}
	for _, m := range b.marks {
		m.Lane = index[m.lane]
		f.Marks = append(f.Marks, m.Mark)
	}
	for _, nb := range b.bars {
		nb.From, nb.To = index[nb.from], index[nb.to]
		f.Bars = append(f.Bars, nb.Bar)
	}
	return f
}

// Span is the time from the first event to the last.
func (f *Flow) Span() time.Duration { return f.End.Sub(f.Start) }
