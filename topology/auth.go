package topology

import (
	"fmt"
	"strings"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/mailauth"
)

// DefaultDMARC is the DMARC record of a domain that gives none: report
// only, as domains start out.
const DefaultDMARC = "v=DMARC1; p=none"

// SenderAuth is what a receiving host does about SPF, DKIM and DMARC.
type SenderAuth struct {
	Verify  bool   // check arriving mail at all
	SPFFail string // accept, spam or reject
	DMARC   string // enforce or report
}

// Auth is a host's sender authentication: the key it signs with (nil when
// it does not sign), what it does with arriving mail, and the footer it
// adds to what it forwards.
type Auth struct {
	DKIM       *mailauth.Key
	SenderAuth SenderAuth
	Footer     string
}

// compileAuth gives each host its DKIM key and receiving policy, and adds
// to the zones the records sender authentication reads: each domain's SPF
// and DMARC records (given, or the defaults), an SPF record for each host
// name (checked for bounces, whose envelope sender is empty: RFC 7208
// §2.3), and the public key of each signing host.
func (n *Network) compileAuth(s *scenarios.Scenario) {
	settings := map[string]scenarios.Server{}
	for _, sv := range s.Servers {
		settings[strings.ToLower(sv.Host)] = sv
	}
	explicit := map[string]bool{} // owner names with an SPF or DMARC TXT record
	for _, r := range n.Records {
		if r.Type == "TXT" && (mailauth.IsSPF(r.Value) || strings.HasPrefix(r.Name, "_dmarc.")) {
			explicit[r.Name+spfOrDMARC(r.Value)] = true
		}
	}
	for i, d := range n.Domains {
		sd := s.Domains[i]
		apex := FQDN(d.Name)
		spf := sd.SPF
		if spf == "" && !explicit[apex+"spf"] {
			spf = n.defaultSPF(d, settings)
		}
		if spf != "" && spf != "none" {
			n.Records = append(n.Records, Record{Name: apex, Type: "TXT", Value: spf, TTL: 300})
		}
		dmarc := sd.DMARC
		if dmarc == "" && !explicit["_dmarc."+apex+"dmarc"] {
			dmarc = DefaultDMARC
		}
		if dmarc != "" && dmarc != "none" {
			n.Records = append(n.Records, Record{Name: "_dmarc." + apex, Type: "TXT", Value: dmarc, TTL: 300})
		}
		selectors := map[string]bool{}
		for _, h := range d.Hosts {
			set := settings[h.Name]
			if FQDN(h.Name) != apex && !explicit[FQDN(h.Name)+"spf"] {
				n.Records = append(n.Records, Record{Name: FQDN(h.Name), Type: "TXT", Value: "v=spf1 a -all", TTL: 300})
			}
			h.Auth = Auth{SenderAuth: SenderAuth{Verify: true, SPFFail: "accept", DMARC: "enforce"}, Footer: set.Footer}
			if a := set.SenderAuth; a != nil {
				if a.Verify != nil {
					h.Auth.SenderAuth.Verify = *a.Verify
				}
				if a.SPFFail != "" {
					h.Auth.SenderAuth.SPFFail = a.SPFFail
				}
				if a.DMARC != "" {
					h.Auth.SenderAuth.DMARC = a.DMARC
				}
			}
			k := set.DKIM
			if k == nil {
				k = &scenarios.DKIM{}
			}
			if (k.Sign != nil && !*k.Sign) || !(h.Runs(Submission) || h.Runs(Submissions)) {
				continue // only hosts where users submit sign
			}
			sel := strings.ToLower(k.Selector)
			if sel == "" {
				sel = defaultSelector(h.Name, selectors)
			}
			selectors[sel] = true
			h.Auth.DKIM = mailauth.NewKey(s.Seed, h.Name, d.Name, sel, k.Broken)
			n.Records = append(n.Records, Record{Name: FQDN(h.Auth.DKIM.RecordName()), Type: "TXT",
				Value: h.Auth.DKIM.Record(), TTL: 300})
		}
	}
}

func spfOrDMARC(txt string) string {
	if mailauth.IsSPF(txt) {
		return "spf"
	}
	return "dmarc"
}

// defaultSPF lists the hosts that send a domain's mail: its MX hosts, its
// other hosts, and the smarthosts they relay through; nothing else may.
func (n *Network) defaultSPF(d *Domain, settings map[string]scenarios.Server) string {
	terms := []string{"v=spf1"}
	hasMX := false
	for _, r := range n.Records {
		if r.Type == "MX" && r.Name == FQDN(d.Name) && r.Value != "." {
			hasMX = true
		}
	}
	if hasMX {
		terms = append(terms, "mx")
	}
	seen := map[string]bool{}
	add := func(host string) {
		if !seen[host] {
			seen[host] = true
			terms = append(terms, "a:"+host)
		}
	}
	for _, h := range d.Hosts {
		if h.MX == 0 || !hasMX {
			add(h.Name)
		}
	}
	for _, h := range d.Hosts {
		if to := strings.ToLower(settings[h.Name].RelayTo); to != "" {
			add(to)
		}
	}
	return strings.Join(append(terms, "-all"), " ")
}

// defaultSelector is the host name's first label, numbered when another
// host of the domain has it already: mail, mail2, ...
func defaultSelector(host string, taken map[string]bool) string {
	base, _, _ := strings.Cut(host, ".")
	sel := base
	for i := 2; taken[sel]; i++ {
		sel = fmt.Sprintf("%s%d", base, i)
	}
	return sel
}
