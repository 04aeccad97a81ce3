package queue

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"syscall"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/miekg/dns"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/pki"
	"github.com/mailflow/mailflow/sim/smtpclient"
	"github.com/mailflow/mailflow/sim/transcript"
	"github.com/mailflow/mailflow/topology"
)

// deliveryError is a failed attempt; permanent ones are not retried (RFC
// 5321 §4.2.1: 5yz replies are permanent).
type deliveryError struct {
	permanent bool
	code      int
	enhanced  string
	text      string
	// connLevel failures (cannot connect, greeting, EHLO, TLS) send the
	// client on to the next MX; transaction replies do not.
	connLevel bool
}

func (e *deliveryError) Error() string {
	if e.code != 0 {
		return strings.TrimSpace(fmt.Sprintf("%d %s %s", e.code, e.enhanced, e.text))
	}
	return e.text
}

// status is the DSN status of the failure (RFC 3463).
func (e *deliveryError) status() string {
	switch {
	case e.enhanced != "":
		return e.enhanced
	case e.permanent:
		return "5.0.0"
	}
	return "4.0.0"
}

// diagnostic is the Diagnostic-Code text: the remote reply when there was
// one.
func (e *deliveryError) diagnostic() string {
	if e.code != 0 {
		return "smtp; " + e.Error()
	}
	return e.text
}

func tempError(format string, args ...any) *deliveryError {
	return &deliveryError{text: fmt.Sprintf(format, args...)}
}

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
	case ownDomain && own.MailboxHost == q.cfg.Host:
		// Mail for the mailboxes this host keeps (a bounce to a local
		// sender) stays here: not through a smarthost, nor the MX list,
		// which would name this host (RFC 5321 §5.1).
		targets = []mxTarget{{name: q.cfg.Host.Name}}
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
	last := tempError("no usable MX host for %s", domain)
	lastRemote := ""
	for _, t := range targets {
		addrs, err := q.lookupAddrs(e.Msg, t.name)
		if err != nil || len(addrs) == 0 {
			continue // an MX host without an address is unusable (RFC 5321 §5.1)
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
			if !connErr.connLevel || connErr.permanent && !connErr.connLevel {
				return all(connErr, t.name)
			}
		}
	}
	return all(last, lastRemote)
}

// report publishes a recipient's failure in this attempt.
func (q *Queue) report(e *Entry, rcpts []string, err *deliveryError, remote string) {
	if err == nil {
		return
	}
	kind := event.QueueDeferred
	if err.permanent {
		kind = event.QueueFailed
	}
	q.publish(event.Event{Kind: kind, Step: 5, Msg: e.Msg, To: rcpts, Peer: remote,
		Code: err.code, Enhanced: err.status(), Error: err.text, State: "queued"})
}

// query asks the simulated DNS one question from the host's own address,
// falling back to TCP when the UDP answer is truncated.
func (q *Queue) query(msg, name string, qtype uint16) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = false
	q.publish(event.Event{Kind: event.DNSQuery, Step: 4, Msg: msg, Peer: "dns", QName: dns.Fqdn(name),
		QType: dns.TypeToString[qtype]})
	local := net.IP(q.cfg.Host.Addr.AsSlice())
	var r *dns.Msg
	var err error
	for _, network := range []string{"udp", "tcp"} {
		d := &net.Dialer{Timeout: q.cfg.DialTimeout}
		if network == "udp" {
			d.LocalAddr = &net.UDPAddr{IP: local}
		} else {
			d.LocalAddr = &net.TCPAddr{IP: local}
		}
		c := &dns.Client{Net: network, Timeout: q.cfg.DialTimeout, Dialer: d}
		r, _, err = c.ExchangeContext(q.ctx, m, q.cfg.DNS.String())
		if err != nil || !r.Truncated {
			break
		}
	}
	if err != nil {
		q.publish(event.Event{Kind: event.DNSAnswer, Step: 4, Msg: msg, Peer: "dns", QName: dns.Fqdn(name),
			QType: dns.TypeToString[qtype], Rcode: "TIMEOUT", Error: "no answer from DNS"})
		return nil, fmt.Errorf("no answer to %s %s", name, dns.TypeToString[qtype])
	}
	var lines []string
	for _, rr := range r.Answer {
		lines = append(lines, strings.ReplaceAll(rr.String(), "\t", " "))
	}
	q.publish(event.Event{Kind: event.DNSAnswer, Step: 4, Msg: msg, Peer: "dns", QName: dns.Fqdn(name),
		QType: dns.TypeToString[qtype], Rcode: dns.RcodeToString[r.Rcode], Answer: lines})
	return r, nil
}

// lookupMX returns the MX hosts of a domain by preference; with no MX
// record the domain itself is the implicit MX (RFC 5321 §5.1).
func (q *Queue) lookupMX(msg, domain string) ([]mxTarget, *deliveryError) {
	r, err := q.query(msg, domain, dns.TypeMX)
	if err != nil { // RFC 3463 §3.5: 4.4.3 directory server failure
		return nil, &deliveryError{enhanced: "4.4.3", text: fmt.Sprintf("DNS did not answer for the MX of %s", domain)}
	}
	switch r.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError: // RFC 3463 §3.2: 5.1.2 bad destination system address
		return nil, &deliveryError{permanent: true, enhanced: "5.1.2",
			text: fmt.Sprintf("domain %s does not exist (NXDOMAIN)", domain)}
	case dns.RcodeRefused:
		// The simulated DNS serves the whole simulated internet: a name it
		// refuses is in no zone of it, as a mistyped domain would be.
		return nil, &deliveryError{permanent: true, enhanced: "5.1.2",
			text: fmt.Sprintf("domain %s is in no zone of this internet (REFUSED)", domain)}
	default:
		return nil, &deliveryError{enhanced: "4.4.3",
			text: fmt.Sprintf("DNS answered %s for the MX of %s", dns.RcodeToString[r.Rcode], domain)}
	}
	var out []mxTarget
	for _, rr := range r.Answer {
		if mx, ok := rr.(*dns.MX); ok {
			out = append(out, mxTarget{name: trimDot(mx.Mx), pref: int(mx.Preference)})
		}
	}
	if len(out) == 1 && out[0].name == "" { // RFC 7505 §3: a null MX ("0 .")
		return nil, &deliveryError{permanent: true, code: 556, enhanced: "5.1.10",
			text: fmt.Sprintf("%s accepts no mail (null MX)", domain)}
	}
	if len(out) == 0 {
		return []mxTarget{{name: domain}}, nil
	}
	q.sortMX(out)
	// RFC 5321 §5.1: a host that finds itself in the list drops itself and
	// every MX it is not preferred to, or mail would go round in a circle.
	for i, t := range out {
		if strings.EqualFold(t.name, q.cfg.Host.Name) {
			if out = out[:i]; len(out) == 0 {
				return nil, &deliveryError{permanent: true, code: 554, enhanced: "5.4.6",
					text: fmt.Sprintf("the best MX of %s is this host itself: the message would loop", domain)}
			}
			break
		}
	}
	return out, nil
}

// lookupAddrs returns the A and AAAA addresses of a host.
func (q *Queue) lookupAddrs(msg, name string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, qtype := range []uint16{dns.TypeA, dns.TypeAAAA} {
		r, err := q.query(msg, name, qtype)
		if err != nil {
			return out, err
		}
		for _, rr := range r.Answer {
			switch rr := rr.(type) {
			case *dns.A:
				if a, ok := netip.AddrFromSlice(rr.A.To4()); ok {
					out = append(out, a)
				}
			case *dns.AAAA:
				if a, ok := netip.AddrFromSlice(rr.AAAA); ok {
					out = append(out, a)
				}
			}
		}
		if len(out) > 0 {
			break // an IPv4 address is enough on loopback
		}
	}
	return out, nil
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
		return nil, &deliveryError{connLevel: true, text: err.Error()}
	}
	q.publish(event.Event{Kind: event.RelayConnect, Step: 5, Msg: e.Msg, Peer: mxName, Port: port,
		Service: string(svc), To: rcpts})
	rec := &transcript.Recorder{}
	defer func() {
		q.publish(event.Event{Kind: event.SMTPTranscript, Step: 5, Msg: e.Msg, Peer: mxName, Port: 25,
			Service: string(topology.SMTP), Transcript: rec.Lines()})
	}()
	c, derr := q.connect(e, rec, mxName, ap, svc)
	if derr != nil {
		return nil, derr
	}
	defer c.Close()
	if smarthost && q.cfg.Policy.RelayAuth.Username != "" {
		if derr := q.login(c, e, mxName); derr != nil {
			return nil, derr
		}
	}
	results, derr := q.send(c, e, rcpts, mxName)
	if derr != nil {
		return nil, derr
	}
	c.Quit()
	var accepted []string
	for _, r := range rcpts {
		if results[strings.ToLower(r)].err == nil {
			accepted = append(accepted, r)
		}
	}
	if len(accepted) > 0 {
		q.publish(event.Event{Kind: event.RelayDone, Step: 5, Msg: e.Msg, Peer: mxName, To: accepted, Code: 250})
	}
	return results, nil
}

// connect opens the SMTP connection with the host's TLS policy: none never
// uses STARTTLS; opportunistic uses it when offered, records a bad
// certificate and goes on, and after a failed handshake tries again in
// plain text (RFC 3207 §4.1); required never sends in plain text and
// defers or bounces (X.7.10 no STARTTLS, X.7.5 bad certificate).
func (q *Queue) connect(e *Entry, rec *transcript.Recorder, mxName string, ap netip.AddrPort, svc topology.Service) (*smtp.Client, *deliveryError) {
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
	switch {
	case errors.Is(err, smtpclient.ErrNoStartTLS) && pol.TLS == "required":
		return nil, q.tlsFailure(mxName, "10", fmt.Sprintf("%s does not offer STARTTLS and the policy requires TLS", mxName))
	case errors.As(err, &tlsErr) && pol.TLS == "required":
		return nil, q.tlsFailure(mxName, "5", fmt.Sprintf("TLS handshake with %s failed: %v", mxName, tlsErr.Err))
	case errors.Is(err, smtpclient.ErrNoStartTLS):
		rec.Note("(%s offers no STARTTLS: reconnecting to send without encryption)", mxName)
		q.publish(event.Event{Kind: event.SMTPTLS, Step: 5, Msg: e.Msg, Peer: mxName, TLS: "none",
			Error: "STARTTLS not offered; sending in plain text"})
		c, err = q.dial(rec, mxName, ap, smtpclient.None, verified)
	case errors.As(err, &tlsErr):
		rec.Note("(TLS handshake failed: %v; reconnecting without encryption)", tlsErr.Err)
		q.publish(event.Event{Kind: event.SMTPTLS, Step: 5, Msg: e.Msg, Peer: mxName, TLS: "none",
			Error: "TLS handshake failed (" + tlsErr.Err.Error() + "); sending in plain text"})
		c, err = q.dial(rec, mxName, ap, smtpclient.None, verified)
	}
	if err != nil {
		return nil, connError(err, mxName)
	}
	if state, ok := c.TLSConnectionState(); ok {
		te := event.Event{Kind: event.SMTPTLS, Step: 5, Msg: e.Msg, Peer: mxName, TLS: tls.VersionName(state.Version)}
		if *verified != nil {
			why := pki.Describe(*verified, q.cfg.TLSTime())
			te.Error = "certificate not verified: " + why
			if pol.TLS == "required" {
				q.publish(te)
				c.Quit() // RFC 3207 §4.1: a client that will not go on says QUIT
				return nil, q.tlsFailure(mxName, "5", fmt.Sprintf("certificate of %s not trusted: %s", mxName, why))
			}
		}
		q.publish(te)
	}
	return c, nil
}

// tlsFailure is the failure of a required TLS policy: 4.7.x to keep trying,
// or 5.7.x to bounce, as the host is set.
func (q *Queue) tlsFailure(mxName, detail, text string) *deliveryError {
	if q.cfg.Policy.TLSFailure == "bounce" {
		return &deliveryError{permanent: true, enhanced: "5.7." + detail, text: text}
	}
	return &deliveryError{connLevel: true, enhanced: "4.7." + detail, text: text}
}

func (q *Queue) dial(rec *transcript.Recorder, mxName string, ap netip.AddrPort, mode string, verified *error) (*smtp.Client, error) {
	return smtpclient.Dial(q.ctx, smtpclient.Options{Local: q.cfg.Host.Addr, Remote: ap, Name: q.cfg.Host.Name,
		TLS: mode, Config: q.tlsConfig(mxName, verified), Timeout: q.cfg.WallTimeout, Record: rec})
}

// connError classifies a failure before the transaction: all of them send
// the client on to the next MX (RFC 5321 §5.1).
func connError(err error, mxName string) *deliveryError {
	var se *smtp.SMTPError
	if errors.As(err, &se) { // a refusing greeting or EHLO
		d := replyError(se)
		d.connLevel = true
		d.permanent = false // another MX may take it; the last one decides
		return d
	}
	if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) {
		// RFC 3463 §3.5: 4.4.1 no answer from host
		return &deliveryError{connLevel: true, enhanced: "4.4.1", text: fmt.Sprintf("%s refused the connection (closed before the greeting)", mxName)}
	}
	return &deliveryError{connLevel: true, enhanced: "4.4.2", text: fmt.Sprintf("cannot talk to %s: %v", mxName, err)}
}

func replyError(se *smtp.SMTPError) *deliveryError {
	d := &deliveryError{permanent: se.Code >= 500, code: se.Code, text: se.Message}
	if se.EnhancedCode != smtp.NoEnhancedCode && se.EnhancedCode != (smtp.EnhancedCode{}) {
		d.enhanced = fmt.Sprintf("%d.%d.%d", se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2])
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
// retried until the queue gives up.
func (q *Queue) login(c *smtp.Client, e *Entry, mxName string) *deliveryError {
	a := q.cfg.Policy.RelayAuth
	var client sasl.Client = sasl.NewPlainClient("", a.Username, a.Password)
	if strings.EqualFold(a.Mechanism, "LOGIN") {
		client = sasl.NewLoginClient(a.Username, a.Password)
	}
	err := c.Auth(client)
	if err == nil {
		q.publish(event.Event{Kind: event.SMTPAuth, Step: 5, Msg: e.Msg, Peer: mxName, User: a.Username, Code: 235,
			Enhanced: "2.7.0"})
		return nil
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		q.publish(event.Event{Kind: event.SMTPReply, Step: 5, Msg: e.Msg, Peer: mxName, Stage: "auth",
			Code: se.Code, Enhanced: fmt.Sprintf("%d.%d.%d", se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2]),
			Error: se.Message, User: a.Username})
	}
	// Kept temporary (4.7.8) on purpose: the message waits while the
	// operator fixes the password; the server's reply is quoted as it came.
	return &deliveryError{enhanced: "4.7.8", text: fmt.Sprintf("the smarthost %s refused the login of %s: %v", mxName, a.Username, err)}
}
