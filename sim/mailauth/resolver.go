package mailauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflow/mailflow/sim/dnsask"
)

// Exchange is one DNS question the checks asked and what came back, for
// the events that tell of it. Rcode is TIMEOUT when no answer came.
type Exchange struct {
	Name, Type, Rcode string
	Answer            []string
	// RRs are the answer's records as data, for events.
	RRs []dns.RR
	// Cached: the answer came from the Cache, no question crossed the
	// wire; Left is the time it has left there.
	Cached bool
	Left   time.Duration
}

// Resolver asks the simulated DNS server, from a host's own address, the
// questions SPF, DKIM and DMARC need. It satisfies the spf package's
// DNSResolver and gives DKIM and DMARC their TXT lookups. Errors are
// *net.DNSError, as those libraries expect: IsNotFound for NXDOMAIN and
// empty answers, IsTemporary for SERVFAIL and silence.
type Resolver struct {
	Server netip.AddrPort // the DNS server
	Local  netip.Addr     // the address to ask from; zero for any
	// Timeout bounds each question; default 2s. A question the server
	// drops costs it in simulated time when Dropped and Advance are set,
	// else in wall time.
	Timeout time.Duration
	// Asking, when set, is told each question before it is sent, so that
	// it is stamped before any wait; Observe, when set, sees every
	// exchange once it is over.
	Asking  func(name, qtype string)
	Observe func(Exchange)
	// Dropped, when set, returns a channel closed when the DNS server
	// drops the query with this id from this address (a fault); stop
	// forgets it. The resolver then stops waiting in real time.
	Dropped dnsask.DropNotice
	// Advance moves the simulated clock on by the Timeout a dropped query
	// waited for.
	Advance func(time.Duration)
	// Cache, when set, answers again what it was answered before, for the
	// records' TTL.
	Cache *Cache
}

func (r *Resolver) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return 2 * time.Second
}

// query asks one question over UDP, and again over TCP when the answer is
// truncated.
func (r *Resolver) query(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	name = dns.Fqdn(name)
	typ := dns.TypeToString[qtype]
	derr := func(msg string, temporary, notFound bool) error {
		return &net.DNSError{Err: msg, Name: strings.TrimSuffix(name, "."), Server: r.Server.String(),
			IsTemporary: temporary, IsNotFound: notFound, IsTimeout: msg == "timeout"}
	}
	if _, ok := dns.IsDomainName(name); !ok || len(name) > 254 {
		return nil, derr("not a domain name", false, true)
	}
	if rrs, left, ok := r.Cache.get(name, qtype); ok {
		r.observe(Exchange{Name: name, Type: typ, Rcode: "NOERROR", RRs: rrs, Cached: true, Left: left})
		return rrs, nil
	}
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = false
	if errors.Is(ctx.Err(), context.Canceled) {
		return nil, derr("cancelled", true, false) // asked nothing
	}
	if r.Asking != nil {
		r.Asking(name, typ)
	}
	var resp *dns.Msg
	var err error
	dropped := false
	for _, network := range []string{"udp", "tcp"} {
		resp, dropped, err = r.exchange(ctx, m, network)
		if err != nil || !resp.Truncated {
			break
		}
	}
	x := Exchange{Name: name, Type: typ}
	if err != nil && errors.Is(ctx.Err(), context.Canceled) {
		// The asker stopped waiting (its server closes): no question went
		// unanswered, so none is told of.
		return nil, derr("cancelled", true, false)
	}
	if err != nil {
		if dropped && r.Advance != nil {
			r.Advance(r.timeout()) // the resolver waited for its timeout
		}
		x.Rcode = "TIMEOUT"
		r.observe(x)
		return nil, derr("timeout", true, false)
	}
	x.Rcode, x.RRs = dns.RcodeToString[resp.Rcode], resp.Answer
	for _, rr := range resp.Answer {
		x.Answer = append(x.Answer, strings.ReplaceAll(rr.String(), "\t", " "))
	}
	r.observe(x)
	switch resp.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return nil, derr("no such host", false, true)
	case dns.RcodeRefused:
		// The simulated DNS serves the whole simulated internet: a name it
		// refuses is in none of its zones, as a name that does not exist.
		return nil, derr("no such host (refused)", false, true)
	default:
		return nil, derr("server answered "+x.Rcode, true, false)
	}
	if len(resp.Answer) == 0 {
		return nil, derr("no such host", false, true)
	}
	r.Cache.put(name, qtype, resp.Answer)
	return resp.Answer, nil
}

// exchange sends one query over network and waits for the reply, the
// timeout at most; the end of ctx ends the wait too.
func (r *Resolver) exchange(ctx context.Context, m *dns.Msg, network string) (resp *dns.Msg, dropped bool, err error) {
	a := dnsask.Asker{Server: r.Server, Local: r.Local, Timeout: r.timeout(), Dropped: r.Dropped, EndOnCancel: true}
	return a.Exchange(ctx, m, network)
}

func (r *Resolver) observe(x Exchange) {
	if r.Observe != nil {
		r.Observe(x)
	}
}

// LookupTXT returns the TXT records of name, each one's strings joined.
func (r *Resolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	rrs, err := r.query(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, rr := range rrs {
		if t, ok := rr.(*dns.TXT); ok {
			out = append(out, strings.Join(t.Txt, ""))
		}
	}
	return out, nil
}

// LookupMX returns the MX records of name.
func (r *Resolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	rrs, err := r.query(ctx, name, dns.TypeMX)
	if err != nil {
		return nil, err
	}
	var out []*net.MX
	for _, rr := range rrs {
		if mx, ok := rr.(*dns.MX); ok {
			out = append(out, &net.MX{Host: mx.Mx, Pref: mx.Preference})
		}
	}
	return out, nil
}

// LookupIPAddr returns the A and AAAA addresses of host: the A records,
// and the AAAA ones only when there are none (the hosts of this internet
// have IPv4 loopback addresses).
func (r *Resolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	var out []net.IPAddr
	var firstErr error
	for _, qtype := range []uint16{dns.TypeA, dns.TypeAAAA} {
		rrs, err := r.query(ctx, host, qtype)
		if err != nil {
			if de, ok := err.(*net.DNSError); ok && de.IsTemporary {
				return nil, err
			}
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		for _, rr := range rrs {
			switch rr := rr.(type) {
			case *dns.A:
				out = append(out, net.IPAddr{IP: rr.A})
			case *dns.AAAA:
				out = append(out, net.IPAddr{IP: rr.AAAA})
			}
		}
		if len(out) > 0 {
			break
		}
	}
	if len(out) == 0 {
		return nil, firstErr
	}
	return out, nil
}

// LookupAddr answers the reverse lookups of the ptr mechanism (which RFC
// 7208 §5.5 asks senders not to use): the simulated DNS serves no reverse
// zones, so there is never a name.
func (r *Resolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	return nil, &net.DNSError{Err: "no reverse zones in this internet", Name: addr, IsNotFound: true}
}

// txtFunc adapts LookupTXT for the DKIM and DMARC libraries, which take no
// context.
func (r *Resolver) txtFunc(ctx context.Context) func(string) ([]string, error) {
	return func(name string) ([]string, error) {
		txts, err := r.LookupTXT(ctx, name)
		if err != nil {
			return nil, err
		}
		return txts, nil
	}
}

// String names the resolver in messages.
func (r *Resolver) String() string { return fmt.Sprintf("DNS at %s", r.Server) }
