// Package client is the simulated users' mail clients: a sender's client
// submitting a message (steps 1 and 2: connect, TLS, AUTH, MAIL, RCPT,
// DATA) and a recipient's client reading a mailbox over POP3 or IMAP. They
// speak to the servers over real sockets from the users' address, and tell
// on the event bus what they did and what they saw.
package client

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/smtpclient"
	"github.com/mailflow/mailflow/sim/transcript"
	"github.com/mailflow/mailflow/topology"
)

// Env is what the clients need of the running internet: who is who, where
// the servers listen, whom to trust, and where to tell what they did.
type Env struct {
	Topology *topology.Network
	Bus      *event.Bus
	IDs      *event.MessageIDs
	// Seed is the scenario's: it is part of every Message-ID.
	Seed int64
	// Now is the simulated clock, for the Date: field.
	Now func() time.Time
	// RootCAs verify the servers' certificates, at CertTime.
	RootCAs  *x509.CertPool
	CertTime func() time.Time
	// Port returns the real port of a host's service, 0 when it does not
	// run it.
	Port func(host string, svc topology.Service) int
	// Timeout bounds every wall-clock wait of a dialogue.
	Timeout time.Duration
	// Follow is told of each message about to be sent, with its
	// recipients, so that it is followed to its end.
	Follow func(id, from, subject string, rcpts []string)
}

// submission describes how a client reaches its server.
type submission struct {
	host *topology.Host
	svc  topology.Service
	port int // the port the lesson talks about: 25, 587 or 465
	tls  string
	auth bool
}

func (n *Env) submissionFor(s *scenarios.Send) (submission, error) {
	sub := submission{port: s.Port, tls: s.TLS, auth: s.Auth == nil || *s.Auth}
	if sub.port == 0 {
		sub.port = 587
	}
	sub.svc = map[int]topology.Service{25: topology.SMTP, 587: topology.Submission, 465: topology.Submissions}[sub.port]
	if s.Server != "" {
		sub.host = n.Topology.Host(s.Server)
	} else if d := n.Topology.Domain(topology.DomainOf(submitter(s, sub.auth))); d != nil {
		sub.host = d.SubmissionHost()
	}
	if sub.host == nil {
		return sub, fmt.Errorf("send from %s: no server to submit to", s.From)
	}
	if sub.tls == "" {
		sub.tls = "starttls"
		if sub.port == 465 {
			sub.tls = "implicit"
		}
	}
	return sub, nil
}

// submitter is the address whose own server a send goes through: the
// account that logs in (send-as submits through the user's own server,
// whatever domain the From address is in), or the sender without a login.
func submitter(s *scenarios.Send, auth bool) string {
	if auth && s.Login != "" {
		return s.Login
	}
	return s.From
}

// Send is steps 1 and 2 from the client's side: connect to the sender's
// own server, protect the connection, authenticate, hand over the message.
// A refusal is an outcome told on the bus, not an error.
func (n *Env) Send(ctx context.Context, s *scenarios.Send, rng *rand.Rand) error {
	sub, err := n.submissionFor(s)
	if err != nil {
		return err
	}
	fromName := ""
	login := cmp.Or(s.Login, s.From)
	password := s.Password
	if u := n.Topology.User(s.From); u != nil {
		fromName = u.FullName
	}
	if u := n.Topology.User(login); u != nil && password == "" {
		password = u.Password
	}
	messageID := fmt.Sprintf("<%s.%d@%s>", s.ID, n.Seed, topology.DomainOf(s.From))
	n.IDs.Register(messageID, s.ID)
	envID := strings.Trim(messageID, "<>")
	n.IDs.Register(envID, s.ID)
	raw, err := Compose(s, fromName, messageID, n.Now(), rng)
	if err != nil {
		return err
	}
	rcpts := append(append(append([]string(nil), s.To...), s.Cc...), s.Bcc...)
	if n.Follow != nil {
		n.Follow(s.ID, s.From, s.Subject, rcpts)
	}
	client := clientOf(s)
	n.Bus.Publish(event.Event{Kind: event.ActionStart, Actor: client.actor, Host: client.name, Msg: s.ID, From: s.From,
		To: rcpts, Subject: s.Subject})

	rec := &transcript.Recorder{}
	step := 1 // the step the dialogue reached: its transcript belongs there
	defer func() {
		n.Bus.Publish(event.Event{Kind: event.SMTPTranscript, Step: step, Msg: s.ID, Actor: client.actor,
			Host: client.name, Peer: sub.host.Name, Port: sub.port, Service: string(sub.svc), Transcript: rec.Lines()})
	}()
	c, err := n.dialSubmission(ctx, s, sub, client, rec)
	if err != nil {
		n.clientFailed(1, smtpclient.StageOf(err), s, sub, rcpts, err)
		return nil
	}
	defer c.Close()
	if sub.auth {
		var a sasl.Client = sasl.NewPlainClient("", login, password)
		if strings.EqualFold(s.AuthMechanism, "LOGIN") {
			a = sasl.NewLoginClient(login, password)
		}
		if _, err := smtpclient.Auth(c, a, n.Timeout); err != nil {
			n.clientFailed(1, event.StageAuth, s, sub, rcpts, err)
			c.Quit() // RFC 4954 §4: a refused login ends with the reply; the client says QUIT
			return nil
		}
	}
	step = 2
	mailOpts := &smtp.MailOptions{EnvelopeID: envID, Return: smtp.DSNReturn(strings.ToUpper(s.Ret))}
	if err := c.Mail(s.From, mailOpts); err != nil {
		n.clientFailed(2, event.StageMail, s, sub, rcpts, err)
		return nil
	}
	accepted := 0
	for _, r := range rcpts {
		var rcptOpts *smtp.RcptOptions
		if len(s.Notify) > 0 {
			rcptOpts = &smtp.RcptOptions{}
			for _, v := range s.Notify {
				rcptOpts.Notify = append(rcptOpts.Notify, smtp.DSNNotify(strings.ToUpper(v)))
			}
		}
		if err := c.Rcpt(r, rcptOpts); err != nil {
			n.clientFailed(2, event.StageRcpt, s, sub, []string{r}, err)
			continue
		}
		accepted++
	}
	if accepted == 0 {
		c.Quit()
		return nil
	}
	w, err := c.Data()
	if err == nil {
		if _, err = w.Write(raw); err == nil {
			err = w.Close()
		}
	}
	if err != nil {
		n.clientFailed(2, event.StageData, s, sub, rcpts, err)
		return nil
	}
	c.Quit()
	return nil
}

// clientActor is a user's mail client: its actor id and display name.
type clientActor struct{ actor, name string }

// clientFor is the mail client of a user (the address it logs in with).
func clientFor(user string) clientActor {
	return clientActor{actor: event.ClientActor(user), name: event.ClientName(user)}
}

// heloName is the name a user's computer gives in EHLO: the user's local
// part made into a host name, "alice-laptop.local".
func heloName(user string) string {
	local, _, _ := strings.Cut(strings.ToLower(user), "@")
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, local)
	return strings.Trim(name, "-") + "-laptop.local"
}

// dialSubmission is step 1: connect from the users' address to the server,
// with TLS as the action asks, verifying the certificate against the
// simulated CA as a mail client does.
func (n *Env) dialSubmission(ctx context.Context, s *scenarios.Send, sub submission, client clientActor, rec *transcript.Recorder) (*smtp.Client, error) {
	n.Bus.Publish(event.Event{Kind: event.SMTPConnect, Step: 1, Msg: s.ID, Actor: client.actor, Host: client.name,
		Peer: sub.host.Name, Port: sub.port, Service: string(sub.svc)})
	port := n.Port(sub.host.Name, sub.svc)
	if port == 0 { // nothing listens there: a real client's connection is refused
		return nil, fmt.Errorf("%s does not run %s (port %d): %w", sub.host.Name, sub.svc, sub.port, syscall.ECONNREFUSED)
	}
	c, err := smtpclient.Dial(ctx, smtpclient.Options{
		Local:   n.Topology.ClientAddr,
		Remote:  netip.AddrPortFrom(sub.host.Addr, uint16(port)),
		Name:    heloName(cmp.Or(s.Login, s.From)),
		TLS:     sub.tls,
		Config:  &tls.Config{ServerName: sub.host.Name, RootCAs: n.RootCAs, Time: n.CertTime},
		Timeout: n.Timeout,
		Record:  rec,
	})
	if err != nil {
		return nil, err
	}
	if state, ok := c.TLSConnectionState(); ok {
		// The handshake verified the certificate against the simulated CA.
		t := &event.TLS{Version: tls.VersionName(state.Version), Verified: true}
		if len(state.PeerCertificates) > 0 {
			t.Cert = event.CertOf(state.PeerCertificates[0])
		}
		n.Bus.Publish(event.Event{Kind: event.SMTPTLS, Step: 1, Msg: s.ID, Actor: client.actor, Host: client.name,
			Peer: sub.host.Name, Port: sub.port, TLS: t})
	}
	return c, nil
}

// clientFailed records what the client saw when the server refused (the
// reply as it came) or the connection failed (a local failure, no code), so
// that every message ends in a known state.
func (n *Env) clientFailed(step int, stage string, s *scenarios.Send, sub submission, rcpts []string, err error) {
	client := clientOf(s)
	e := event.Event{Kind: event.SMTPReply, Step: step, Msg: s.ID, Actor: client.actor, Host: client.name,
		Peer: sub.host.Name, Port: sub.port, Service: string(sub.svc), To: rcpts}
	e.SetError(err, stage, event.SideClient)
	n.Bus.Publish(e)
}

// clientOf is the computer a send comes from: its user's, the one who
// logs in (with send-as, not the From address).
func clientOf(s *scenarios.Send) clientActor { return clientFor(cmp.Or(s.Login, s.From)) }
