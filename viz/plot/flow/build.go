package flow

import (
	"fmt"
	"net/netip"
	"strings"

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
	// clients are the lanes of users' mail clients, known by their events'
	// actor ids.
	clients map[string]bool
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
		msgs:   map[string]bool{}, clients: map[string]bool{},
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
	if _, ok := event.ClientUser(e.Actor); ok && host != "" {
		b.clients[host] = true
	}
	switch e.Kind {
	case event.RunStart:
		b.f.Scenario = clean(e.Scenario)
	case event.Summary:
		b.f.Outcomes = e.Outcomes
	case event.ExpectResult, event.ServerListen:
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
		b.hop(e, host, peer, fmt.Sprintf("connect :%d", e.Port), false, toneOf(e.Code()))
	case event.SMTPTLS:
		from, to := b.pair(e)
		if from == "" {
			b.unknown(e)
			return
		}
		label, tone := "TLS", Normal
		if e.TLS != nil && e.TLS.Version != "" {
			label = clean(e.TLS.Version)
		}
		if e.TLS != nil && e.TLS.Problem != "" {
			label, tone = label+" ✘ "+clean(e.TLS.Problem), Failed
		}
		b.touch(e, from, to)
		b.hop(e, from, to, label, false, tone)
	case event.SMTPAuth, event.SMTPAccepted:
		client, server := b.serverSide(e)
		if e.Reply != nil && e.Reply.Side == event.SideClient {
			client, server = b.pair(e) // told by the client: Host logs in to Peer
		}
		if server == "" {
			b.unknown(e)
			return
		}
		label := map[event.Kind]string{event.SMTPAuth: "AUTH", event.SMTPAccepted: "MAIL/RCPT/DATA"}[e.Kind]
		b.touch(e, client, server)
		b.hop(e, client, server, label+" "+code(e, 250), false, toneOf(e.Code()))
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
			if f := e.Fault; f != nil {
				if s := clean(f.Stage); s != "" {
					label += " at " + strings.ToUpper(s)
				}
				if f.Code != 0 {
					label += ": " + strings.TrimSpace(fmt.Sprintf("%d %s", f.Code, clean(f.Enhanced)))
				} else {
					label += ": " + clean(f.Effect)
				}
			}
			b.mark(e, b.lane(host, RoleServer), label, Info)
		}
	case event.FetchDone:
		b.fetchDone(e)
	case event.AuthResult:
		b.authMark(e)
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
