package dnsd

import (
	"context"
	"log/slog"
	"net"
	"net/netip"

	"github.com/miekg/dns"
)

// maxUDPSize is the largest UDP reply we send, whatever a client's EDNS0
// buffer claims (the common 4096 of RFC 6891 section 6.2.5).
const maxUDPSize = dns.DefaultMsgSize

// handler answers queries from the zone data. It holds no mutable state,
// so UDP packets and TCP connections share it freely.
type handler struct {
	zones   *zoneData
	faults  func(dns.Question) *Fault
	observe func(Exchange)
	log     *slog.Logger
}

// ServeDNS implements dns.Handler for both the UDP and the TCP server.
func (h *handler) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	proto := "udp"
	if _, ok := w.RemoteAddr().(*net.TCPAddr); ok {
		proto = "tcp"
	}
	resp, x, ok := h.respond(req, proto, addrPort(w.RemoteAddr()))
	if !ok {
		return
	}
	if resp != nil {
		if err := w.WriteMsg(resp); err != nil {
			h.log.Debug("dns reply not sent", "client", x.Client, "proto", proto, "err", err)
		}
	}
	if h.log.Enabled(context.Background(), slog.LevelDebug) {
		h.log.Debug("dns exchange", "client", x.Client, "proto", proto, "question", x.QuestionText(),
			"rcode", x.RcodeName(), "answers", len(x.Answer), "fault", x.Fault)
	}
	if h.observe != nil {
		h.observe(x)
	}
}

// respond builds the reply to one query. ok is false when the message
// deserves no reply and no report (it is itself a response). A nil resp
// with ok true means a fault dropped the query.
func (h *handler) respond(req *dns.Msg, proto string, client netip.AddrPort) (resp *dns.Msg, x Exchange, ok bool) {
	if req == nil || req.Response {
		return nil, x, false // answering responses invites reflection loops
	}
	x.Client, x.Proto, x.ID = client, proto, req.Id
	if len(req.Question) > 0 {
		x.Question = req.Question[0]
	}
	resp = new(dns.Msg)
	resp.SetReply(req)

	udpSize := dns.MinMsgSize
	opt := req.IsEdns0()
	if opt != nil {
		if s := int(opt.UDPSize()); s > udpSize {
			udpSize = min(s, maxUDPSize)
		}
	}

	switch {
	case req.Opcode != dns.OpcodeQuery:
		resp.Rcode = dns.RcodeNotImplemented
	case len(req.Question) != 1:
		resp.Rcode = dns.RcodeFormatError
	case opt != nil && opt.Version() != 0:
		resp.Rcode = dns.RcodeBadVers // RFC 6891 section 6.1.3
	default:
		if f := h.fault(x.Question); f != nil && *f != (Fault{}) {
			x.Fault = f.String()
			if f.Drop {
				x.Dropped = true
				return nil, x, true
			}
			resp.Authoritative = true
			if f.Rcode != 0 {
				resp.Rcode = f.Rcode
			}
			break
		}
		h.answer(resp, x.Question)
	}

	if opt != nil {
		resp.SetEdns0(maxUDPSize, false)
	}
	if proto == "udp" {
		resp.Truncate(udpSize)
	} else {
		resp.Truncate(dns.MaxMsgSize)
	}

	x.Rcode = resp.Rcode
	x.Answer, x.Authority = resp.Answer, resp.Ns
	for _, rr := range resp.Extra {
		if rr.Header().Rrtype != dns.TypeOPT {
			x.Additional = append(x.Additional, rr)
		}
	}
	x.Truncated = resp.Truncated
	return resp, x, true
}

func (h *handler) fault(q dns.Question) *Fault {
	if h.faults == nil {
		return nil
	}
	return h.faults(q)
}

// answer fills resp for a well-formed question from the zone data.
func (h *handler) answer(resp *dns.Msg, q dns.Question) {
	if q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY {
		resp.Rcode = dns.RcodeRefused
		return
	}
	name := dns.CanonicalName(q.Name)
	zone := h.zones.zoneOf(name)
	if zone == "" {
		resp.Rcode = dns.RcodeRefused // not authoritative, and no recursion
		return
	}
	switch q.Qtype {
	case dns.TypeAXFR, dns.TypeIXFR:
		resp.Rcode = dns.RcodeRefused // no zone transfers
		return
	}
	resp.Authoritative = true

	seen := map[string]bool{}
	for hop := 0; ; hop++ {
		seen[name] = true
		if !h.zones.exists(name) {
			// RFC 6604: after a CNAME the rcode speaks of the last name.
			resp.Rcode = dns.RcodeNameError
			resp.Ns = []dns.RR{h.zones.negativeSOA(zone)}
			return
		}
		rrs := h.zones.names[name]
		var cname dns.RR
		var found []dns.RR
		for _, rr := range rrs {
			t := rr.Header().Rrtype
			switch {
			case q.Qtype == dns.TypeANY || t == q.Qtype:
				found = append(found, rr)
			case t == dns.TypeCNAME:
				cname = rr
			}
		}
		if len(found) > 0 {
			resp.Answer = append(resp.Answer, h.owned(found, q.Name, hop == 0)...)
			resp.Extra = h.additional(found)
			return
		}
		if cname == nil {
			resp.Ns = []dns.RR{h.zones.negativeSOA(zone)} // NODATA, RFC 2308 section 2.2
			return
		}
		resp.Answer = append(resp.Answer, h.owned([]dns.RR{cname}, q.Name, hop == 0)...)
		target := dns.CanonicalName(cname.(*dns.CNAME).Target)
		zone = h.zones.zoneOf(target)
		if zone == "" || seen[target] || hop+1 >= maxCNAMEs {
			return // outside our zones (the client resolves on) or a loop
		}
		name = target
	}
}

// owned copies records for a reply. The first hop's records take the
// question's spelling of the name, as clients using 0x20 case
// randomisation expect.
func (h *handler) owned(rrs []dns.RR, qname string, asked bool) []dns.RR {
	out := make([]dns.RR, len(rrs))
	for i, rr := range rrs {
		out[i] = dns.Copy(rr)
		if asked {
			out[i].Header().Name = qname
		}
	}
	return out
}

// additional returns the A and AAAA records of MX, NS and SRV targets that
// live in our zones, saving the client the next lookup (RFC 1035 3.3.9).
func (h *handler) additional(answer []dns.RR) []dns.RR {
	var extra []dns.RR
	done := map[string]bool{}
	for _, rr := range answer {
		var target string
		switch r := rr.(type) {
		case *dns.MX:
			target = r.Mx
		case *dns.NS:
			target = r.Ns
		case *dns.SRV:
			target = r.Target
		default:
			continue
		}
		target = dns.CanonicalName(target)
		if done[target] {
			continue
		}
		done[target] = true
		for _, a := range h.zones.names[target] {
			if t := a.Header().Rrtype; t == dns.TypeA || t == dns.TypeAAAA {
				extra = append(extra, dns.Copy(a))
			}
		}
	}
	return extra
}

// addrPort converts a socket address; unknown kinds give the zero value.
func addrPort(a net.Addr) netip.AddrPort {
	var ap netip.AddrPort
	switch v := a.(type) {
	case *net.UDPAddr:
		ap = v.AddrPort()
	case *net.TCPAddr:
		ap = v.AddrPort()
	default:
		if a != nil {
			ap, _ = netip.ParseAddrPort(a.String())
		}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
