package dnsd

import (
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

// FuzzHandle feeds arbitrary bytes to the handler as a UDP packet would
// arrive: unpack, answer, pack. Nothing may panic, and a UDP reply must fit
// the size the client offered.
func FuzzHandle(f *testing.F) {
	records := mustRRs(f, zoneText)
	zones, err := buildZones([]string{"school.test.", "other.test."}, records, netip.MustParseAddr("127.0.0.1"))
	if err != nil {
		f.Fatal(err)
	}
	faults := map[string]*Fault{
		"fail.school.test.": {Rcode: dns.RcodeServerFailure},
		"drop.school.test.": {Drop: true},
		"none.school.test.": {NoAnswer: true},
	}
	h := &handler{zones: zones, faults: func(q dns.Question) *Fault { return faults[dns.CanonicalName(q.Name)] },
		observe: func(x Exchange) { _ = x.QuestionText(); _ = x.AnswerLines(); _ = x.RcodeName() }}

	for _, q := range []struct {
		name  string
		qtype uint16
		edns  bool
	}{
		{"school.test.", dns.TypeMX, false}, {"www.school.test.", dns.TypeA, true},
		{"loop1.school.test.", dns.TypeA, false}, {"nobody.school.test.", dns.TypeTXT, true},
		{"example.com.", dns.TypeA, false}, {"school.test.", dns.TypeANY, true},
		{"fail.school.test.", dns.TypeA, false}, {"drop.school.test.", dns.TypeA, false},
	} {
		m := new(dns.Msg).SetQuestion(q.name, q.qtype)
		if q.edns {
			m.SetEdns0(1232, true)
		}
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0})

	client := netip.MustParseAddrPort("127.0.0.1:5353")
	f.Fuzz(func(t *testing.T, data []byte) {
		req := new(dns.Msg)
		if err := req.Unpack(data); err != nil {
			return // the server drops what miekg/dns cannot parse
		}
		for _, proto := range []string{"udp", "tcp"} {
			resp, x, ok := h.respond(req, proto, client)
			if !ok || resp == nil {
				continue
			}
			h.observe(x)
			out, err := resp.Pack()
			if err != nil {
				continue // e.g. an unpackable echoed question; the writer reports it
			}
			limit := dns.MaxMsgSize
			if proto == "udp" {
				limit = dns.MinMsgSize
				if opt := req.IsEdns0(); opt != nil && int(opt.UDPSize()) > limit {
					limit = min(int(opt.UDPSize()), maxUDPSize)
				}
			}
			if len(out) > limit {
				t.Errorf("%s reply of %d bytes exceeds %d", proto, len(out), limit)
			}
		}
	})
}
