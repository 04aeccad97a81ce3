package queue

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/emersion/go-smtp"
	"github.com/miekg/dns"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/smtpclient"
	"github.com/mailflow/mailflow/sim/transcript"
	"github.com/mailflow/mailflow/topology"
)

// deliveryError is a failed attempt for one domain; permanent ones are not
// retried (RFC 5321 §4.2.1: 5yz replies are permanent).
type deliveryError struct {
	permanent bool
	code      int
	enhanced  string
	text      string
}

func (e *deliveryError) Error() string {
	if e.code != 0 {
		return fmt.Sprintf("%d %s %s", e.code, e.enhanced, e.text)
	}
	return e.text
}

func tempError(format string, args ...any) error {
	return &deliveryError{text: fmt.Sprintf(format, args...)}
}

// deliverDomain walks a domain's MX hosts in preference order until one
// accepts the message (RFC 5321 §5.1).
func (q *Queue) deliverDomain(e *Entry, domain string, rcpts []string) error {
	targets, err := q.lookupMX(e.Msg, domain)
	if err != nil {
		q.defer_(e, rcpts, err)
		return err
	}
	var lastErr error = tempError("no usable MX host for %s", domain)
	for _, t := range targets {
		addrs, err := q.lookupAddrs(e.Msg, t.name)
		if err != nil || len(addrs) == 0 {
			continue // an MX host without an address is unusable
		}
		for _, addr := range addrs {
			err := q.transfer(e, t.name, addr, rcpts)
			if err == nil {
				return nil
			}
			lastErr = err
			var de *deliveryError
			if errors.As(err, &de) && de.permanent {
				q.publish(event.Event{Kind: event.QueueFailed, Step: 5, Msg: e.Msg, To: rcpts, Peer: t.name,
					Code: de.code, Enhanced: de.enhanced, Error: de.text})
				return err
			}
		}
	}
	q.defer_(e, rcpts, lastErr)
	return lastErr
}

func (q *Queue) defer_(e *Entry, rcpts []string, err error) {
	de := &deliveryError{text: err.Error()}
	errors.As(err, &de)
	q.publish(event.Event{Kind: event.QueueDeferred, Step: 5, Msg: e.Msg, To: rcpts,
		Code: de.code, Enhanced: de.enhanced, Error: de.text, State: "queued"})
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
			QType: dns.TypeToString[qtype], Rcode: "TIMEOUT", Error: err.Error()})
		return nil, tempError("DNS query %s %s failed: %v", name, dns.TypeToString[qtype], err)
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
func (q *Queue) lookupMX(msg, domain string) ([]mxTarget, error) {
	r, err := q.query(msg, domain, dns.TypeMX)
	if err != nil {
		return nil, err
	}
	switch r.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError: // RFC 3463 §3.2: 5.1.2 bad destination system address
		return nil, &deliveryError{permanent: true, code: 550, enhanced: "5.1.2",
			text: fmt.Sprintf("domain %s does not exist (NXDOMAIN)", domain)}
	default:
		return nil, &deliveryError{code: 451, enhanced: "4.4.3",
			text: fmt.Sprintf("DNS answered %s for %s MX", dns.RcodeToString[r.Rcode], domain)}
	}
	var out []mxTarget
	for _, rr := range r.Answer {
		if mx, ok := rr.(*dns.MX); ok {
			out = append(out, mxTarget{name: trimDot(mx.Mx), pref: int(mx.Preference)})
		}
	}
	if len(out) == 0 {
		return []mxTarget{{name: domain}}, nil
	}
	sortMX(out)
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

// transfer is step 5: connect from the host's own address to the MX, use
// STARTTLS when offered, and hand the message over.
func (q *Queue) transfer(e *Entry, mxName string, addr netip.Addr, rcpts []string) error {
	ap, err := q.cfg.PortOf(addr, mxName, topology.SMTP)
	if err != nil {
		return tempError("%s: %v", mxName, err)
	}
	q.publish(event.Event{Kind: event.RelayConnect, Step: 5, Msg: e.Msg, Peer: mxName, Port: 25,
		Service: string(topology.SMTP), To: rcpts})
	rec := &transcript.Recorder{}
	verified, c, err := q.dialSMTP(rec, mxName, ap, true)
	if errors.Is(err, smtpclient.ErrNoStartTLS) {
		rec.Note("(%s offers no STARTTLS: reconnecting to send without encryption)", mxName)
		verified, c, err = q.dialSMTP(rec, mxName, ap, false)
	}
	defer func() {
		q.publish(event.Event{Kind: event.SMTPTranscript, Step: 5, Msg: e.Msg, Peer: mxName, Port: 25,
			Service: string(topology.SMTP), Transcript: rec.Lines()})
	}()
	if err != nil {
		return asDeliveryError(err, mxName)
	}
	defer c.Close()
	if state, ok := c.TLSConnectionState(); ok {
		te := event.Event{Kind: event.SMTPTLS, Step: 5, Msg: e.Msg, Peer: mxName, TLS: tls.VersionName(state.Version)}
		if *verified != nil {
			te.Error = "certificate not verified: " + (*verified).Error()
		}
		q.publish(te)
	}
	if err := q.send(c, e, rcpts); err != nil {
		return asDeliveryError(err, mxName)
	}
	c.Quit()
	q.publish(event.Event{Kind: event.RelayDone, Step: 5, Msg: e.Msg, Peer: mxName, To: rcpts, Code: 250})
	return nil
}

func (q *Queue) send(c *smtp.Client, e *Entry, rcpts []string) error {
	opts := &smtp.MailOptions{EnvelopeID: e.EnvID}
	if ok, _ := c.Extension("DSN"); !ok {
		opts.EnvelopeID = ""
	}
	if err := c.Mail(e.From, opts); err != nil {
		return err
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(e.Data); err != nil {
		return err
	}
	return w.Close()
}

// dialSMTP connects and says EHLO, with STARTTLS when withTLS. verified
// holds the outcome of certificate verification: the sending side uses
// opportunistic TLS (RFC 3207 §4.1), so a bad certificate is recorded,
// not fatal.
func (q *Queue) dialSMTP(rec *transcript.Recorder, mxName string, ap netip.AddrPort, withTLS bool) (*error, *smtp.Client, error) {
	verified := new(error)
	mode := smtpclient.None
	if withTLS {
		mode = smtpclient.StartTLS
	}
	c, err := smtpclient.Dial(q.ctx, smtpclient.Options{Local: q.cfg.Host.Addr, Remote: ap, Name: q.cfg.Host.Name,
		TLS: mode, Config: q.tlsConfig(mxName, verified), Timeout: q.cfg.CommandTimeout, Record: rec})
	if err != nil {
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Op == "dial" {
			return nil, nil, tempError("cannot connect to %s port 25: %v", mxName, err)
		}
		return nil, nil, err
	}
	return verified, c, nil
}

func (q *Queue) tlsConfig(serverName string, verified *error) *tls.Config {
	return &tls.Config{
		ServerName:         serverName,
		InsecureSkipVerify: true, // verified below against the simulated clock, and recorded
		VerifyConnection: func(cs tls.ConnectionState) error {
			*verified = verifyChain(cs, serverName, q.cfg.RootCAs, q.cfg.Now())
			return nil
		},
		Time: q.cfg.Now,
	}
}
