package queue

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailflow/mailflow/sim/dnsask"
	"github.com/mailflow/mailflow/sim/dnsd"
	"github.com/mailflow/mailflow/sim/event"
)

// errNoReply is a DNS query that got no answer in time.
var errNoReply = errors.New("no answer from DNS")

// query asks the simulated DNS one question from the host's own address,
// falling back to TCP when the UDP answer is truncated. A query the DNS
// server drops (a fault) costs the resolver's timeout in simulated time;
// the real wait ends as soon as the server tells it dropped the query.
func (q *Queue) query(msg, name string, qtype uint16) (*dns.Msg, error) {
	if q.cfg.Policy.DNSCache {
		if r := q.fromCache(msg, name, qtype); r != nil {
			return r, nil
		}
	}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = false
	q.publish(event.Event{Kind: event.DNSQuery, Step: 4, Msg: msg, Peer: "dns", QName: dns.Fqdn(name),
		QType: dns.TypeToString[qtype]})
	var r *dns.Msg
	var err error
	dropped := false
	for _, network := range []string{"udp", "tcp"} {
		r, dropped, err = q.exchange(m, network)
		if err != nil || !r.Truncated {
			break
		}
	}
	answer := event.Event{Kind: event.DNSAnswer, Step: 4, Msg: msg, Peer: "dns", QName: dns.Fqdn(name),
		QType: dns.TypeToString[qtype]}
	if err != nil && q.ctx.Err() != nil {
		return nil, errNoReply // the queue closed: no answer was missed, none is told of
	}
	if err != nil {
		timeout := q.cfg.Policy.ResolverTimeout
		if dropped && q.cfg.Advance != nil {
			q.cfg.Advance(timeout) // the resolver waited for its timeout
		}
		answer.Rcode = "NO REPLY"
		answer.SetLocal(event.ReasonTimeout, event.StatusOfReason(event.ReasonDNS), "",
			fmt.Sprintf("no answer from DNS within %s", timeout))
		q.publish(answer)
		return nil, errNoReply
	}
	answer.Rcode, answer.Records = dns.RcodeToString[r.Rcode], dnsd.RecordsOf(r.Answer)
	q.publish(answer)
	if q.cfg.Policy.DNSCache {
		q.keep(name, qtype, r, q.cfg.Now())
	}
	return r, nil
}

// exchange sends one query over network from the host's own address and
// waits for the reply, the resolver's timeout at most; dropped tells that
// the DNS server said it dropped the query.
func (q *Queue) exchange(m *dns.Msg, network string) (r *dns.Msg, dropped bool, err error) {
	a := dnsask.Asker{Server: q.cfg.DNS, Local: q.cfg.Host.Addr, Timeout: q.cfg.DialTimeout, Dropped: q.cfg.DNSDropped,
		EndOnCancel: true} // Close ends the wait
	return a.Exchange(q.ctx, m, network)
}

// lookupMX returns the MX hosts of a domain by preference; with no MX
// record the domain itself is the implicit MX (RFC 5321 §5.1). Its failures
// are step 4's, decided by this host from what DNS said.
func (q *Queue) lookupMX(msg, domain string) ([]mxTarget, *deliveryError) {
	r, err := q.query(msg, domain, dns.TypeMX)
	if err != nil {
		return nil, localError(false, 4, event.ReasonDNS, "", "DNS did not answer for the MX of %s", domain)
	}
	switch r.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError: // RFC 3463 §3.2: 5.1.2 bad destination system address
		return nil, localError(true, 4, event.ReasonNXDomain, "", "domain %s does not exist (NXDOMAIN)", domain)
	case dns.RcodeRefused:
		// The simulated DNS serves the whole simulated internet: a name it
		// refuses is in no zone of it, as a mistyped domain would be.
		return nil, localError(true, 4, event.ReasonNXDomain, "", "domain %s is in no zone of this internet (REFUSED)", domain)
	default:
		return nil, localError(false, 4, event.ReasonDNS, "", "DNS answered %s for the MX of %s",
			dns.RcodeToString[r.Rcode], domain)
	}
	var out []mxTarget
	for _, rr := range r.Answer {
		if mx, ok := rr.(*dns.MX); ok {
			out = append(out, mxTarget{name: trimDot(mx.Mx), pref: int(mx.Preference)})
		}
	}
	if len(out) == 1 && out[0].name == "" { // RFC 7505 §3: a null MX ("0 .")
		return nil, localError(true, 4, event.ReasonNullMX, "", "%s accepts no mail (null MX)", domain)
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
				return nil, localError(true, 4, event.ReasonMXLoop, "",
					"the best MX of %s is this host itself: the message would loop", domain)
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
