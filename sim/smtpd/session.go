package smtpd

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/mailflow/mailflow/sim/envelope"
	"github.com/mailflow/mailflow/sim/local"
	"net/netip"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/topology"
)

// session is one SMTP connection. Submission sessions can authenticate; MX
// sessions (port 25) never offer AUTH, so nobody relays through them.
type session struct {
	srv      *Server
	c        *conn
	svc      topology.Service
	id       string
	peerAddr netip.Addr
	peerHost *topology.Host // the simulated host connecting, nil for a client
	user     string         // authenticated address
	relayWhy string         // why a client that did not log in may relay
	// quarantine says why sender authentication sends the message to Spam.
	quarantine string

	from   string
	envID  string
	ret    smtp.DSNReturn
	rcpts  []string
	notify [][]smtp.DSNNotify // per recipient, as RCPT gave it
	orcpt  []string           // ORCPT per recipient
}

// newSession starts the session of a connection when the client greets.
func (s *Server) newSession(c *conn) (*session, error) {
	ss := &session{srv: s, c: c, svc: c.svc,
		id: fmt.Sprintf("%s#%d", s.cfg.Host.Name, s.connSeq.Add(1))}
	if ap, err := netip.ParseAddrPort(c.raw.RemoteAddr().String()); err == nil {
		ss.peerAddr = ap.Addr().Unmap()
		if s.cfg.Network != nil {
			ss.peerHost = s.cfg.Network.HostByAddr(ss.peerAddr)
		}
	}
	// The session begins when the client says EHLO: an EHLO fault answers
	// here.
	if err := ss.injected("ehlo", ""); err != nil {
		return nil, err
	}
	return ss, nil
}

// injected applies a fault striking this session at stage: the server
// takes the fault's delay, then answers with its reply (returned as the
// error). It returns nil when no fault strikes or the fault only delays.
func (ss *session) injected(stage, rcpt string) error {
	f := ss.srv.fault(stage, topology.StandardPort(ss.svc), rcpt)
	if f == nil {
		return nil
	}
	ss.srv.publishFault(f, topology.StandardPort(ss.svc), "")
	ss.srv.advance(f.Delay)
	if f.Reply == nil {
		return nil
	}
	return f.Reply
}

// fromServer reports whether the peer is another simulated mail server, in
// which case this connection is step 5 of a relay rather than a client's
// submission.
func (ss *session) fromServer() bool { return ss.peerHost != nil }

func (ss *session) peerName() string {
	if ss.peerHost != nil {
		return ss.peerHost.Name
	}
	return ss.peerAddr.String()
}

func (ss *session) publish(e event.Event) {
	e.Host = ss.srv.cfg.Host.Name
	e.Conn = ss.id
	e.Service = string(ss.svc)
	if e.Peer == "" {
		e.Peer = ss.peerName()
	}
	ss.srv.cfg.Publish(e)
}

// reject publishes the refusal as an event and returns it as the reply.
// The stage is the command the reply answers; a fault "at the dot" answers
// DATA.
func (ss *session) reject(step int, stage string, err *smtp.SMTPError, to ...string) error {
	if stage == "dot" {
		stage = event.StageData
	}
	e := event.Event{Kind: event.SMTPReply, Step: step, Msg: ss.msgFromEnvID(), From: ss.from, To: to}
	e.SetReply(event.ReplyOf(err, stage, event.SideServer))
	ss.publish(e)
	return err
}

func (ss *session) msgFromEnvID() string {
	if ss.envID == "" || ss.srv.cfg.IDs == nil {
		return ""
	}
	msg, _ := ss.srv.cfg.IDs.Lookup(ss.envID)
	return msg
}

// saslServer is the server side of a mechanism (PLAIN or LOGIN, as RFC
// 4954 submission servers offer), checking credentials against the
// mailstore's users; nil for a mechanism not offered.
func (ss *session) saslServer(mech string) sasl.Server {
	check := func(username, password string) error {
		addr, err := ss.srv.cfg.Store.Authenticate(username, password)
		if err != nil || !ss.ownsMailHere(addr) {
			e := event.Event{Kind: event.SMTPAuth, Step: ss.stepHere(1), User: username}
			e.SetReply(event.ReplyOf(errBadCredentials, event.StageAuth, event.SideServer))
			ss.publish(e)
			return errBadCredentials
		}
		ss.user = addr
		if !ss.fromServer() { // a relaying server tells of its own login
			e := event.Event{Kind: event.SMTPAuth, Step: 1, User: addr}
			e.SetReply(event.ReplyOf(replyAuthOK, event.StageAuth, event.SideServer))
			ss.publish(e)
		}
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && !strings.EqualFold(identity, username) {
				return errBadCredentials
			}
			return check(username, password)
		})
	case sasl.Login:
		return newLoginServer(check)
	}
	return nil
}

// ownsMailHere reports whether a user may submit through this host: users of
// the host's own domain.
func (ss *session) ownsMailHere(addr string) bool {
	return topology.DomainOf(addr) == ss.srv.cfg.Host.Domain.Name
}

func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	if ss.svc != topology.SMTP && ss.user == "" {
		return ss.reject(2, "mail", errAuthRequired)
	}
	if opts != nil {
		ss.envID = opts.EnvelopeID
		ss.ret = opts.Return
	}
	if err := ss.injected("mail", ""); err != nil {
		return ss.rejectWith(ss.stepHere(2), "mail", err)
	}
	if err := ss.checkSendAs(from); err != nil {
		return ss.reject(ss.stepHere(2), "mail", err)
	}
	if p := ss.srv.cfg.Policy; p != nil {
		if err := p.CheckSender(from); err != nil {
			return ss.reject(ss.stepHere(2), "mail", err)
		}
		key := from
		if ss.user != "" {
			key = ss.user
		}
		if !ss.fromServer() {
			if err := p.CheckRate(key, ss.srv.cfg.Now()); err != nil {
				return ss.reject(2, "mail", err)
			}
		}
	}
	ss.from = from
	return nil
}

// stepHere is the step a transaction on this connection belongs to: 5 when
// another server relays to us, 2 when a client submits.
func (ss *session) stepHere(client int) int {
	if ss.fromServer() {
		return 5
	}
	return client
}

// mailboxStep is the step of a decision about a local mailbox: 6, the
// final host's check of the user, when a server relays to us; 2 when a
// client submits (the refusal is part of handing the message over).
func (ss *session) mailboxStep() int {
	if ss.fromServer() {
		return 6
	}
	return 2
}

// rejectWith publishes and returns an injected fault's reply.
func (ss *session) rejectWith(step int, stage string, err error, to ...string) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return ss.reject(step, stage, se, to...)
	}
	return err
}

func (ss *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	for _, r := range ss.rcpts {
		if strings.EqualFold(r, to) {
			return nil // named again: accepted, and still one copy
		}
	}
	if len(ss.rcpts) >= ss.srv.cfg.MaxRecipients {
		return ss.reject(ss.stepHere(2), "rcpt", errTooManyRecipients, to)
	}
	if err := ss.injected("rcpt", to); err != nil {
		return ss.rejectWith(ss.stepHere(2), "rcpt", err, to)
	}
	if p := ss.srv.cfg.Policy; p != nil {
		if err := p.CheckRecipient(to); err != nil {
			return ss.reject(ss.stepHere(2), "rcpt", err, to)
		}
		if err := p.CheckRecipients(len(ss.rcpts) + 1); err != nil && !ss.fromServer() {
			return ss.reject(2, "rcpt", err, to)
		}
	}
	dom := topology.DomainOf(to)
	if dom == ss.srv.cfg.Host.Domain.Name {
		if err := ss.checkLocal(to); err != nil {
			return err
		}
	} else if ok, why := ss.mayRelay(); !ok {
		return ss.reject(3, "rcpt", errRelayDenied, to) // the server's step-3 decision: no relay for this client
	} else if ss.user == "" {
		ss.relayWhy = why
	}
	if p := ss.srv.cfg.Policy; p != nil && ss.svc == topology.SMTP && ss.user == "" {
		if err := p.Greylist(ss.peerAddr, ss.from, to, ss.srv.cfg.Now()); err != nil {
			return ss.reject(ss.stepHere(2), "rcpt", err, to)
		}
	}
	ss.rcpts = append(ss.rcpts, to)
	if opts != nil {
		ss.notify = append(ss.notify, opts.Notify)
		ss.orcpt = append(ss.orcpt, opts.OriginalRecipient)
	} else {
		ss.notify = append(ss.notify, nil)
		ss.orcpt = append(ss.orcpt, "")
	}
	return nil
}

// Data takes the content of a message whose recipients were accepted.
func (ss *session) Data(raw []byte) error {
	// DATA has been answered with 354 and the content read, so a data
	// fault answers after the content, like a dot fault.
	for _, stage := range []string{"data", "dot"} {
		if err := ss.injected(stage, ""); err != nil {
			return ss.rejectWith(ss.stepHere(2), stage, err, ss.rcpts...)
		}
	}
	if hops := countReceived(raw); hops >= ss.srv.cfg.MaxReceived {
		e := *errLoop
		e.Message = fmt.Sprintf("Routing loop detected: %d Received: headers (limit %d)", hops+1, ss.srv.cfg.MaxReceived)
		return ss.reject(ss.stepHere(2), "data", &e, ss.rcpts...)
	}
	raw, err := ss.checkSender(raw)
	if err != nil {
		return err
	}
	return ss.accept(raw)
}

func (ss *session) Reset() {
	ss.from, ss.envID, ss.ret, ss.rcpts, ss.notify, ss.orcpt = "", "", "", nil, nil, nil
}

// receivedHeader is the trace line every hop prepends (RFC 5321 §4.4), with
// the protocol keyword of RFC 3848.
func (ss *session) receivedHeader(now time.Time) string {
	proto := "ESMTP"
	if ss.c.tls {
		proto += "S"
	}
	if ss.user != "" {
		proto += "A"
	}
	helo := ss.c.helo
	if helo == "" {
		helo = "unknown"
	}
	peerIP := ss.peerAddr.String()
	var b bytes.Buffer
	fmt.Fprintf(&b, "Received: from %s (%s [%s])\r\n\tby %s with %s id %s", helo, ss.peerName(), peerIP,
		ss.srv.cfg.Host.Name, proto, strings.ReplaceAll(ss.id, "#", "-"))
	if len(ss.rcpts) == 1 {
		fmt.Fprintf(&b, "\r\n\tfor <%s>", ss.rcpts[0])
	}
	fmt.Fprintf(&b, ";\r\n\t%s\r\n", now.Format("Mon, 02 Jan 2006 15:04:05 -0700"))
	return b.String()
}

// outbound is the queue's copy of the transaction for some recipients, with
// the DSN parameters the client gave.
func (ss *session) outbound(msg string, to []string, raw []byte, now time.Time) envelope.Message {
	o := envelope.Message{Msg: msg, From: ss.from, To: to, Data: raw, Arrived: now, EnvID: ss.envID,
		FromHost: ss.srv.cfg.Host.Name, Ret: ss.ret, Notify: map[string][]smtp.DSNNotify{}, ORCPT: map[string]string{},
		Originated: ss.user != "" && !ss.fromServer()}
	for i, r := range ss.rcpts {
		k := strings.ToLower(r)
		if ss.notify[i] != nil {
			o.Notify[k] = ss.notify[i]
		}
		if ss.orcpt[i] != "" {
			o.ORCPT[k] = ss.orcpt[i]
		}
	}
	return o
}

// checkLocal is step 6's check of a recipient of the host's own domain: a
// user (or user+tag), an alias whose posting rules let this sender in, or
// an SRS address of mail the domain forwarded.
func (ss *session) checkLocal(to string) error {
	kind, _ := ss.srv.cfg.Resolver.Kind(to)
	switch kind {
	case local.Unknown:
		return ss.reject(ss.mailboxStep(), "rcpt", errNoSuchUser, to)
	case local.Group:
		if !ss.srv.cfg.Resolver.MayPost(to, ss.from) {
			return ss.reject(ss.mailboxStep(), "rcpt", errGroupClosed, to)
		}
	case local.Mailbox:
		base := to
		if i := strings.IndexByte(to, '+'); i > 0 {
			base = to[:i] + to[strings.LastIndexByte(to, '@'):]
		}
		switch ss.srv.cfg.Full[strings.ToLower(base)] {
		case "temporary":
			return ss.reject(ss.mailboxStep(), "rcpt", errMailboxFullTemp, to)
		case "permanent":
			return ss.reject(ss.mailboxStep(), "rcpt", errMailboxFull, to)
		}
	}
	return nil
}

// mayRelay says whether this client may send to other domains through us.
func (ss *session) mayRelay() (bool, string) {
	if ss.srv.cfg.Policy == nil {
		return ss.user != "", "authenticated"
	}
	return ss.srv.cfg.Policy.MayRelay(ss.user, ss.peerAddr)
}
