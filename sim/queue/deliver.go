package queue

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/pki"
	"github.com/mailflow/mailflow/sim/smtpclient"
	"github.com/mailflow/mailflow/sim/transcript"
	"github.com/mailflow/mailflow/topology"
)

// result of one recipient in one attempt.
type result struct {
	err    *deliveryError // nil: accepted
	remote string         // the MX host that answered
}

// deliverDomain walks a domain's MX hosts in preference order until one
// takes the transaction (RFC 5321 §5.1), and returns what became of each
// recipient (keys lower-cased).
func (q *Queue) deliverDomain(e *Entry, domain string, rcpts []string) map[string]result {
	all := func(err *deliveryError, remote string) map[string]result {
		out := map[string]result{}
		for _, r := range rcpts {
			out[strings.ToLower(r)] = result{err: err, remote: remote}
		}
		q.report(e, rcpts, err, remote)
		return out
	}
	var targets []mxTarget
	own := q.cfg.Host.Domain
	ownDomain := own != nil && domain == own.Name && own.MailboxHost != nil
	switch {
	case ownDomain && own.MailboxHost == q.cfg.Host && q.cfg.Filer != nil:
		// Mail for the mailboxes this host keeps (a bounce to a local
		// sender) is filed here: no smarthost, no MX list, no SMTP.
		return q.fileLocal(e, rcpts)
	case q.cfg.Policy.RelayTo != "":
		targets = []mxTarget{{name: q.cfg.Policy.RelayTo}}
	case e.NextHop != "":
		targets = []mxTarget{{name: e.NextHop}}
	case ownDomain:
		targets = []mxTarget{{name: own.MailboxHost.Name}}
	default:
		var derr *deliveryError
		if targets, derr = q.lookupMX(e.Msg, domain); derr != nil {
			return all(derr, "")
		}
	}
	// RFC 5321 §5.1: an MX host without an address is unusable.
	last := localError(false, 4, event.ReasonNoAddress, "", "no MX host of %s has an address", domain)
	lastRemote := ""
	for _, t := range targets {
		addrs, err := q.lookupAddrs(e.Msg, t.name)
		if err != nil || len(addrs) == 0 {
			continue
		}
		for _, addr := range addrs {
			results, connErr := q.transfer(e, t.name, addr, rcpts)
			if connErr == nil {
				for _, r := range rcpts {
					q.report(e, []string{r}, results[strings.ToLower(r)].err, t.name)
				}
				return results
			}
			last, lastRemote = connErr, t.name
			if !connErr.connLevel {
				return all(connErr, t.name)
			}
		}
	}
	return all(last, lastRemote)
}

// report publishes a recipient's failure in this attempt, at the step it
// happened: 4 for DNS, 5 for the transfer, 6 for local filing.
func (q *Queue) report(e *Entry, rcpts []string, err *deliveryError, remote string) {
	if err == nil {
		return
	}
	ev := event.Event{Kind: event.QueueDeferred, Msg: e.Msg, To: rcpts, Peer: remote, State: "queued"}
	if err.permanent {
		ev.Kind, ev.State = event.QueueFailed, "failed"
	}
	err.describe(&ev)
	q.publish(ev)
}

// transfer is step 5: connect from the host's own address to the MX, with
// TLS as the host's policy says, and hand the message over. A non-nil error
// means the transaction did not take place; otherwise the results say what
// became of each recipient.
func (q *Queue) transfer(e *Entry, mxName string, addr netip.Addr, rcpts []string) (map[string]result, *deliveryError) {
	svc, port := topology.SMTP, 25
	smarthost := q.cfg.Policy.RelayTo != "" && strings.EqualFold(mxName, q.cfg.Policy.RelayTo)
	if smarthost && q.cfg.Policy.RelayPort != 0 {
		port = q.cfg.Policy.RelayPort
		svc = map[int]topology.Service{465: topology.Submissions, 587: topology.Submission}[port]
		if svc == "" {
			svc = topology.SMTP
		}
	}
	ap, err := q.cfg.PortOf(addr, mxName, svc)
	if err != nil {
		d := localError(false, 5, event.ReasonRefused, event.StageConnect, "%v", err)
		d.connLevel = true
		return nil, d
	}
	key := connKey(mxName, ap)
	if q.cfg.Policy.ConnCache {
		if cc := q.takeConn(key); cc != nil {
			if results, derr, ok := q.transferOver(cc, key, e, mxName, port, string(svc), rcpts); ok {
				return results, derr
			}
		}
	}
	q.publish(event.Event{Kind: event.RelayConnect, Step: 5, Msg: e.Msg, Peer: mxName, Port: port,
		Service: string(svc), To: rcpts})
	rec := &transcript.Recorder{}
	told := false
	tell := func() { // Take: a connection kept open starts the next message's transcript afresh
		if !told {
			told = true
			q.publish(event.Event{Kind: event.SMTPTranscript, Step: 5, Msg: e.Msg, Peer: mxName, Port: port,
				Service: string(svc), Transcript: rec.Take()})
		}
	}
	defer tell()
	c, facts, derr := q.connect(e, rec, mxName, ap, svc, port)
	if derr != nil {
		return nil, derr
	}
	kept := false
	defer func() {
		if !kept {
			c.Close()
		}
	}()
	if smarthost && q.cfg.Policy.RelayAuth.Username != "" {
		if derr := q.login(c, e, mxName, port); derr != nil {
			c.Quit() // RFC 4954: the refused client ends the session politely
			return nil, derr
		}
	}
	results, done, derr := q.send(c, e, rcpts, mxName)
	if derr != nil {
		return nil, derr
	}
	if !q.cfg.Policy.ConnCache {
		c.Quit()
		q.relayDone(e, mxName, port, rcpts, results, done)
		return results, nil
	}
	q.relayDone(e, mxName, port, rcpts, results, done)
	tell()
	kept = true                                             // QUIT comes when the cache lets the connection go
	q.putConn(key, &cachedConn{c: c, rec: rec, tls: facts}) // logged in, if a smarthost asks
	return results, nil
}

// connect opens the SMTP connection with the host's TLS policy: none never
// uses STARTTLS; opportunistic uses it when offered, records a bad
// certificate and goes on, and after a failed handshake tries again in
// plain text (RFC 3207 §4.1); required never sends in plain text and
// defers or bounces (X.7.10 no STARTTLS, X.7.5 bad certificate).
func (q *Queue) connect(e *Entry, rec *transcript.Recorder, mxName string, ap netip.AddrPort, svc topology.Service, port int) (*smtp.Client, *event.TLS, *deliveryError) {
	pol := q.cfg.Policy
	mode := smtpclient.StartTLS
	switch {
	case svc == topology.Submissions:
		mode = smtpclient.Implicit // RFC 8314: TLS from the first byte on 465
	case pol.TLS == "none":
		mode = smtpclient.None
	}
	verified := new(error)
	c, err := q.dial(rec, mxName, ap, mode, verified)
	var tlsErr *smtpclient.TLSError
	plain := func(problem, why string) {
		ev := event.Event{Kind: event.SMTPTLS, Step: 5, Msg: e.Msg, Peer: mxName, Port: port,
			TLS: &event.TLS{Problem: problem}, Error: why}
		q.publish(ev)
	}
	switch {
	case errors.Is(err, smtpclient.ErrNoStartTLS) && pol.TLS == "required":
		return nil, nil, q.tlsFailure(event.ReasonNoStartTLS, "%s does not offer STARTTLS and the policy requires TLS", mxName)
	case errors.As(err, &tlsErr) && pol.TLS == "required":
		return nil, nil, q.tlsFailure(event.ReasonTLS, "TLS handshake with %s failed: %v", mxName, tlsErr.Err)
	case errors.Is(err, smtpclient.ErrNoStartTLS):
		rec.Note("(%s offers no STARTTLS: reconnecting to send without encryption)", mxName)
		plain(event.ReasonNoStartTLS, "STARTTLS not offered; sending in plain text")
		c, err = q.dial(rec, mxName, ap, smtpclient.None, verified)
	case errors.As(err, &tlsErr):
		rec.Note("(TLS handshake failed: %v; reconnecting without encryption)", tlsErr.Err)
		plain(event.ReasonTLS, "TLS handshake failed ("+tlsErr.Err.Error()+"); sending in plain text")
		c, err = q.dial(rec, mxName, ap, smtpclient.None, verified)
	}
	if err != nil {
		return nil, nil, connError(err, mxName)
	}
	if state, ok := c.TLSConnectionState(); ok {
		te := event.Event{Kind: event.SMTPTLS, Step: 5, Msg: e.Msg, Peer: mxName, Port: port,
			TLS: &event.TLS{Version: tls.VersionName(state.Version), Verified: *verified == nil}}
		if len(state.PeerCertificates) > 0 {
			te.TLS.Cert = event.CertOf(state.PeerCertificates[0])
		}
		if *verified != nil {
			why := pki.Describe(*verified, q.cfg.TLSTime())
			te.TLS.Problem = event.ReasonCertificate
			if te.TLS.Cert != nil {
				te.TLS.Cert.Why = why
			}
			te.Error = "certificate not verified: " + why
			if pol.TLS == "required" {
				q.publish(te)
				c.Quit() // RFC 3207 §4.1: a client that will not go on says QUIT
				return nil, nil, q.tlsFailure(event.ReasonCertificate, "certificate of %s not trusted: %s", mxName, why)
			}
		}
		q.publish(te)
		return c, te.TLS, nil
	}
	return c, nil, nil
}

// tlsFailure is the failure of a required TLS policy: 4.7.x to keep trying,
// or 5.7.x to bounce, as the host is set.
func (q *Queue) tlsFailure(reason, format string, args ...any) *deliveryError {
	d := localError(q.cfg.Policy.TLSFailure == "bounce", 5, reason, event.StageStartTLS, format, args...)
	d.connLevel = !d.permanent
	return d
}

func (q *Queue) dial(rec *transcript.Recorder, mxName string, ap netip.AddrPort, mode string, verified *error) (*smtp.Client, error) {
	return smtpclient.Dial(q.ctx, smtpclient.Options{Local: q.cfg.Host.Addr, Remote: ap, Name: q.cfg.Host.Name,
		TLS: mode, Config: q.tlsConfig(mxName, verified), Timeout: q.cfg.WallTimeout, Record: rec})
}

// connError classifies a failure before the transaction: all of them send
// the client on to the next MX (RFC 5321 §5.1); a refusing greeting or EHLO
// is the server's reply, the rest (refused, closed, timed out) local.
func connError(err error, mxName string) *deliveryError {
	d := fromError(err, smtpclient.StageOf(err))
	d.connLevel = true
	d.permanent = false // another MX may take it; the last one decides
	if d.local != nil {
		switch {
		case d.local.Stage == event.StageConnect && (d.local.Reason == event.ReasonRefused || d.local.Reason == event.ReasonClosed):
			// RFC 3463 §3.5: 4.4.1 no answer from host
			d.text, d.local.Status = fmt.Sprintf("%s refused the connection (closed before the greeting)", mxName), "4.4.1"
		default:
			d.text = fmt.Sprintf("cannot talk to %s: %v", mxName, err)
		}
	}
	return d
}

func (q *Queue) tlsConfig(serverName string, verified *error) *tls.Config {
	return &tls.Config{
		ServerName:         serverName,
		InsecureSkipVerify: true, // verified below against the simulated clock, and recorded
		VerifyConnection: func(cs tls.ConnectionState) error {
			*verified = verifyChain(cs, serverName, q.cfg.RootCAs, q.cfg.TLSTime())
			return nil
		},
		Time: q.cfg.TLSTime,
	}
}

// login authenticates to the smarthost. A refused login (535 5.7.8) is a
// configuration problem the operator fixes: the message stays queued and is
// retried until the queue gives up. The reply is reported as it came.
func (q *Queue) login(c *smtp.Client, e *Entry, mxName string, port int) *deliveryError {
	a := q.cfg.Policy.RelayAuth
	var client sasl.Client = sasl.NewPlainClient("", a.Username, a.Password)
	if strings.EqualFold(a.Mechanism, "LOGIN") {
		client = sasl.NewLoginClient(a.Username, a.Password)
	}
	ev := event.Event{Kind: event.SMTPAuth, Step: 5, Msg: e.Msg, Peer: mxName, Port: port, User: a.Username}
	reply, err := smtpclient.Auth(c, client, q.cfg.WallTimeout)
	if err == nil {
		ev.SetReply(reply)
		q.publish(ev)
		return nil
	}
	d := fromError(err, event.StageAuth)
	// Kept temporary on purpose: the message waits while the operator
	// fixes the password.
	d.permanent = false
	ev.SetError(err, event.StageAuth, event.SideClient)
	q.publish(ev)
	return d
}
