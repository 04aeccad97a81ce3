package dnsd

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"

	"github.com/miekg/dns"
)

// Synthesized records use these values; a short TTL keeps lessons that
// change records from waiting on caches.
const (
	synthTTL   = 300
	maxCNAMEs  = 8 // a chain longer than this inside our zones is a loop
	soaRefresh = 3600
	soaRetry   = 900
	soaExpire  = 604800
)

// zoneData is the read-only content of every zone, indexed for lookup.
// Owner names are stored in lower case; queries are lowered to match.
type zoneData struct {
	apex  map[string]*dns.SOA // zone apex → its SOA
	names map[string][]dns.RR // owner name → records
	ents  map[string]struct{} // empty non-terminals: names with no records but with records below
}

// buildZones checks and indexes the configured zones and records, adding an
// SOA and NS (and an address for the synthesized name server) where a zone
// has none. nsAddr is the server's own address, used for that name server.
func buildZones(zones []string, records []dns.RR, nsAddr netip.Addr) (*zoneData, error) {
	if len(zones) == 0 {
		return nil, errors.New("dnsd: no zones configured")
	}
	z := &zoneData{
		apex:  make(map[string]*dns.SOA),
		names: make(map[string][]dns.RR),
		ents:  make(map[string]struct{}),
	}
	for _, name := range zones {
		if _, ok := dns.IsDomainName(name); !ok || name == "" {
			return nil, fmt.Errorf("dnsd: zone %q is not a domain name", name)
		}
		z.apex[dns.CanonicalName(name)] = nil
	}

	var types map[reflect.Type]uint16 // built only if a record lacks its type
	for i, in := range records {
		if in == nil || in.Header() == nil {
			return nil, fmt.Errorf("dnsd: record %d is nil", i)
		}
		rr := dns.Copy(in)
		h := rr.Header()
		if h.Rrtype == dns.TypeNone {
			if types == nil {
				types = rrTypes()
			}
			h.Rrtype = types[reflect.TypeOf(rr)]
		}
		if h.Class == 0 {
			h.Class = dns.ClassINET
		}
		if _, ok := dns.IsDomainName(h.Name); !ok || h.Name == "" {
			return nil, fmt.Errorf("dnsd: record %d: owner %q is not a domain name", i, h.Name)
		}
		h.Name = dns.CanonicalName(h.Name)
		fqdnTargets(rr)
		switch h.Rrtype {
		case dns.TypeNone, dns.TypeOPT, dns.TypeTSIG, dns.TypeANY, dns.TypeAXFR, dns.TypeIXFR:
			return nil, fmt.Errorf("dnsd: record %d (%s): type %s cannot be served from a zone", i, h.Name, typeName(h.Rrtype))
		}
		if z.zoneOf(h.Name) == "" {
			return nil, fmt.Errorf("dnsd: record %q is outside every zone %v", rrLines([]dns.RR{rr})[0], zones)
		}
		if err := checkPacks(rr); err != nil {
			return nil, fmt.Errorf("dnsd: record %d (%s %s): %w", i, h.Name, typeName(h.Rrtype), err)
		}
		z.names[h.Name] = append(z.names[h.Name], rr)
	}

	for apex := range z.apex {
		if err := z.completeApex(apex, nsAddr); err != nil {
			return nil, err
		}
	}
	for name := range z.names {
		zone := z.zoneOf(name)
		for p := parent(name); p != "" && p != zone && dns.IsSubDomain(zone, p); p = parent(p) {
			if _, has := z.names[p]; !has {
				z.ents[p] = struct{}{}
			}
		}
	}
	return z, nil
}

// completeApex records the zone's SOA, synthesizing SOA and NS when the
// configuration gives none, so negative answers and NS queries work.
func (z *zoneData) completeApex(apex string, nsAddr netip.Addr) error {
	var soa *dns.SOA
	hasNS := false
	for _, rr := range z.names[apex] {
		switch r := rr.(type) {
		case *dns.SOA:
			if soa != nil {
				return fmt.Errorf("dnsd: zone %s has more than one SOA record", apex)
			}
			soa = r
		case *dns.NS:
			hasNS = true
		}
	}
	ns1 := "ns1." + apex
	if apex == "." {
		ns1 = "ns1."
	}
	if soa == nil {
		soa = &dns.SOA{
			Hdr:     dns.RR_Header{Name: apex, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: synthTTL},
			Ns:      ns1,
			Mbox:    "hostmaster." + trimRoot(apex),
			Serial:  1,
			Refresh: soaRefresh,
			Retry:   soaRetry,
			Expire:  soaExpire,
			Minttl:  synthTTL,
		}
		z.names[apex] = append(z.names[apex], soa)
	}
	z.apex[apex] = soa
	if hasNS {
		return nil
	}
	z.names[apex] = append(z.names[apex], &dns.NS{
		Hdr: dns.RR_Header{Name: apex, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: synthTTL},
		Ns:  ns1,
	})
	// Give the synthesized name server our own address, unless the records
	// say something about that name already.
	if _, taken := z.names[ns1]; taken || !nsAddr.IsValid() || nsAddr.IsUnspecified() {
		return nil
	}
	hdr := dns.RR_Header{Name: ns1, Class: dns.ClassINET, Ttl: synthTTL}
	if nsAddr.Is4() {
		hdr.Rrtype = dns.TypeA
		z.names[ns1] = []dns.RR{&dns.A{Hdr: hdr, A: nsAddr.AsSlice()}}
	} else {
		hdr.Rrtype = dns.TypeAAAA
		z.names[ns1] = []dns.RR{&dns.AAAA{Hdr: hdr, AAAA: nsAddr.AsSlice()}}
	}
	return nil
}

// zoneOf returns the closest enclosing zone apex of a lower-case name, or
// "" when the name is in none of ours.
func (z *zoneData) zoneOf(name string) string {
	for n := name; n != ""; n = parent(n) {
		if _, ok := z.apex[n]; ok {
			return n
		}
	}
	return ""
}

// exists reports whether a lower-case name owns records or has some below it.
func (z *zoneData) exists(name string) bool {
	if _, ok := z.names[name]; ok {
		return true
	}
	_, ok := z.ents[name]
	return ok
}

// negativeSOA is the zone's SOA for an authority section, its TTL capped
// at the SOA minimum as RFC 2308 section 3 asks.
func (z *zoneData) negativeSOA(zone string) dns.RR {
	soa := dns.Copy(z.apex[zone]).(*dns.SOA)
	if soa.Minttl < soa.Hdr.Ttl {
		soa.Hdr.Ttl = soa.Minttl
	}
	return soa
}

// parent strips the first label: "a.b.c." → "b.c.", "c." → ".", "." → "".
func parent(name string) string {
	if name == "." || name == "" {
		return ""
	}
	i, end := dns.NextLabel(name, 0)
	if end {
		return "."
	}
	return name[i:]
}

func trimRoot(apex string) string {
	if apex == "." {
		return ""
	}
	return apex
}

// fqdnTargets adds the root dot to the domain names inside common record
// types, which the wire format requires and configs often omit.
func fqdnTargets(rr dns.RR) {
	switch r := rr.(type) {
	case *dns.MX:
		r.Mx = dns.Fqdn(r.Mx)
	case *dns.CNAME:
		r.Target = dns.Fqdn(r.Target)
	case *dns.NS:
		r.Ns = dns.Fqdn(r.Ns)
	case *dns.PTR:
		r.Ptr = dns.Fqdn(r.Ptr)
	case *dns.SRV:
		r.Target = dns.Fqdn(r.Target)
	case *dns.SOA:
		r.Ns, r.Mbox = dns.Fqdn(r.Ns), dns.Fqdn(r.Mbox)
	}
}

// checkPacks catches records the wire format cannot carry (a nil A
// address, a TXT string over 255 bytes...) at start rather than per query.
func checkPacks(rr dns.RR) error {
	switch r := rr.(type) {
	case *dns.A:
		if r.A.To4() == nil {
			return fmt.Errorf("A record needs an IPv4 address, got %v", r.A)
		}
	case *dns.AAAA:
		if len(r.AAAA) != 16 {
			return fmt.Errorf("AAAA record needs an IPv6 address, got %v", r.AAAA)
		}
	}
	m := new(dns.Msg)
	m.Answer = []dns.RR{rr}
	if _, err := m.Pack(); err != nil {
		return fmt.Errorf("cannot be encoded: %w", err)
	}
	return nil
}

// rrTypes maps each record struct to its type code, for records built
// without Hdr.Rrtype.
func rrTypes() map[reflect.Type]uint16 {
	m := make(map[reflect.Type]uint16, len(dns.TypeToRR))
	for code, ctor := range dns.TypeToRR {
		m[reflect.TypeOf(ctor())] = code
	}
	return m
}
