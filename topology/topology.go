// Package topology is the pure model of a simulated internet: domains, the
// hosts that serve them, users, DNS records and the address plan. It is built
// from a scenario and knows nothing of sockets.
package topology

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/mailflow/mailflow/scenarios"
)

// Service is a network service a host can run.
type Service string

// The mail services, named as in /etc/services.
const (
	SMTP        Service = "smtp"        // port 25: MX, server-to-server transfer (step 5)
	Submission  Service = "submission"  // port 587: clients submit with STARTTLS and AUTH (step 1)
	Submissions Service = "submissions" // port 465: submission over implicit TLS (RFC 8314)
	POP3        Service = "pop3"        // port 110
	POP3S       Service = "pop3s"       // port 995
	IMAP        Service = "imap"        // port 143
	IMAPS       Service = "imaps"       // port 993
	DNS         Service = "dns"         // port 53, the simulated DNS server
)

// AllMailServices are the services a default host runs, in display order.
var AllMailServices = []Service{SMTP, Submission, Submissions, POP3, POP3S, IMAP, IMAPS}

// StandardPort is the well-known port of each service.
func StandardPort(s Service) int {
	return map[Service]int{SMTP: 25, Submission: 587, Submissions: 465, POP3: 110, POP3S: 995,
		IMAP: 143, IMAPS: 993, DNS: 53}[s]
}

// ImplicitTLS reports whether a service's port speaks TLS from the first byte.
func ImplicitTLS(s Service) bool { return s == Submissions || s == POP3S || s == IMAPS }

// Network is a whole simulated internet.
type Network struct {
	Domains []*Domain
	Hosts   []*Host
	Users   []*User
	// Records holds every DNS record of every zone, implied ones included.
	Records []Record
	// DNSAddr is the address of the simulated DNS server.
	DNSAddr netip.Addr
	// ClientAddr is where the users' own computers connect from.
	ClientAddr netip.Addr
	// Start is the simulated moment the run begins.
	Start time.Time
	// Faults are the scenario's faults, compiled.
	Faults []Fault
}

// Domain is a mail domain.
type Domain struct {
	Name  string
	Users []*User
	Hosts []*Host
	// MailboxHost files the domain's mail and serves POP3/IMAP for it.
	MailboxHost *Host
	// Aliases of the domain, by local part (lower case).
	Aliases map[string]*Alias
}

// Alias is an address that delivers to its members.
type Alias struct {
	Address string
	Members []string
	// DomainOnly: only senders of the domain may post (a closed group).
	DomainOnly bool
}

// Host is a simulated machine.
type Host struct {
	Name     string
	Domain   *Domain
	Addr     netip.Addr
	Services []Service
	// MX is the preference of the MX record naming this host, 0 if none.
	MX int
	// Mailboxes is true for the host that stores its domain's mail.
	Mailboxes bool
	// Policy is what the host's SMTP server accepts.
	Policy Policy
	// Auth is how the host signs and checks sender authentication.
	Auth Auth
}

// Runs reports whether h runs service s.
func (h *Host) Runs(s Service) bool {
	for _, have := range h.Services {
		if have == s {
			return true
		}
	}
	return false
}

// User owns a mailbox.
type User struct {
	Address    string
	Local      string
	Password   string
	FullName   string
	Domain     *Domain
	Identities []scenarios.Identity
	Filters    []Filter
}

// Filter is one of a user's filters (a scenario's filters:), for the host
// filing the user's mail: conditions, all of which must hold (none: all
// mail), and what it does.
type Filter struct {
	From, SubjectContains, Tag string
	Label                      string // a folder instead of INBOX
	Star, Archive, Delete      bool
	Forward                    string // an address that gets a copy
}

// MaySendAs reports whether the user may use addr as sender, and the
// identity's Reply-To when it has one.
func (u *User) MaySendAs(addr string) (bool, string) {
	if strings.EqualFold(addr, u.Address) {
		return true, ""
	}
	for _, id := range u.Identities {
		if strings.EqualFold(id.Address, addr) {
			return true, id.ReplyTo
		}
	}
	return false, ""
}

// Record is a DNS resource record in presentation form.
type Record struct {
	Name       string // fully qualified, lower case, with trailing dot
	Type       string // A, AAAA, MX, TXT, CNAME, NS
	Value      string
	Preference int
	TTL        int
}

// String renders the record as in a zone file.
func (r Record) String() string {
	if r.Type == "MX" {
		return fmt.Sprintf("%s %d IN MX %d %s", r.Name, r.TTL, r.Preference, r.Value)
	}
	if r.Type == "TXT" {
		return fmt.Sprintf("%s %d IN TXT %q", r.Name, r.TTL, r.Value)
	}
	return fmt.Sprintf("%s %d IN %s %s", r.Name, r.TTL, r.Type, r.Value)
}

// FQDN lower-cases name and adds the trailing dot.
func FQDN(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

// Build turns a validated scenario into a network, giving addresses from plan.
func Build(s *scenarios.Scenario, plan *Plan) (*Network, error) {
	n := &Network{DNSAddr: plan.DNS(), ClientAddr: plan.Client()}
	for _, sd := range s.Domains {
		d := &Domain{Name: strings.ToLower(sd.Name), Aliases: map[string]*Alias{}}
		n.Domains = append(n.Domains, d)
		for _, sa := range sd.Aliases {
			d.Aliases[strings.ToLower(sa.Name)] = &Alias{Address: sa.Name + "@" + d.Name,
				Members: sa.Members, DomainOnly: sa.Posting == "domain"}
		}
		for _, su := range sd.Users {
			u := &User{Local: su.Name, Address: su.Name + "@" + d.Name, Password: su.Password,
				FullName: su.FullName, Domain: d, Identities: su.Identities}
			for _, f := range su.Filters {
				u.Filters = append(u.Filters, Filter{From: f.From, SubjectContains: f.SubjectContains, Tag: f.Tag,
					Label: f.Label, Star: f.Star, Archive: f.Archive, Delete: f.Delete, Forward: f.Forward})
			}
			d.Users = append(d.Users, u)
			n.Users = append(n.Users, u)
		}
		hosts := sd.Hosts
		if len(hosts) == 0 {
			// The default host is the domain's MX unless the zone lists its
			// own MX records (a null MX, say: RFC 7505).
			mx := 10
			for _, r := range sd.DNS {
				if strings.EqualFold(r.Type, "MX") && (r.Name == "" || r.Name == "@" || strings.EqualFold(strings.TrimSuffix(r.Name, "."), d.Name)) {
					mx = 0
				}
			}
			hosts = []scenarios.Host{{Name: "mail." + d.Name, MX: mx}}
		}
		for i, sh := range hosts {
			h := &Host{Name: strings.ToLower(sh.Name), Domain: d, MX: sh.MX, Mailboxes: i == 0}
			if sh.Mailboxes != nil {
				h.Mailboxes = *sh.Mailboxes
			}
			for _, svc := range sh.Services {
				h.Services = append(h.Services, Service(svc))
			}
			if len(h.Services) == 0 {
				h.Services = append([]Service(nil), AllMailServices...)
			}
			addr, err := plan.Next()
			if err != nil {
				return nil, err
			}
			h.Addr = addr
			if h.Mailboxes && d.MailboxHost == nil {
				d.MailboxHost = h
			}
			d.Hosts = append(d.Hosts, h)
			n.Hosts = append(n.Hosts, h)
		}
		if d.MailboxHost == nil {
			return nil, fmt.Errorf("domain %s: no host stores its mailboxes", d.Name)
		}
		n.Records = append(n.Records, impliedRecords(d)...)
		for _, r := range sd.DNS {
			n.Records = append(n.Records, explicitRecord(d.Name, r))
		}
	}
	n.compileAuth(s)
	if err := n.compileRuntime(s); err != nil {
		return nil, err
	}
	return n, nil
}

func impliedRecords(d *Domain) []Record {
	var out []Record
	for _, h := range d.Hosts {
		typ := "A"
		if h.Addr.Is6() {
			typ = "AAAA"
		}
		out = append(out, Record{Name: FQDN(h.Name), Type: typ, Value: h.Addr.String(), TTL: 300})
		if h.MX > 0 {
			out = append(out, Record{Name: FQDN(d.Name), Type: "MX", Value: FQDN(h.Name),
				Preference: h.MX, TTL: 300})
		}
	}
	return out
}

func explicitRecord(domain string, r scenarios.Record) Record {
	name := strings.ToLower(r.Name)
	switch {
	case name == "" || name == "@":
		name = domain
	case !strings.HasSuffix(name, ".") && !strings.HasSuffix(name, domain):
		name = name + "." + domain
	}
	value := r.Value
	if r.Type == "MX" || r.Type == "CNAME" || r.Type == "NS" {
		value = FQDN(value)
		if value == ".." {
			value = "."
		}
	}
	ttl := r.TTL
	if ttl == 0 {
		ttl = 300
	}
	return Record{Name: FQDN(name), Type: strings.ToUpper(r.Type), Value: value, Preference: r.Preference, TTL: ttl}
}

// Zones lists the zone apexes the DNS server is authoritative for: every
// simulated domain, plus the parent domains of hosts outside them.
func (n *Network) Zones() []string {
	seen := map[string]bool{}
	var zones []string
	add := func(z string) {
		if !seen[z] {
			seen[z] = true
			zones = append(zones, z)
		}
	}
	for _, d := range n.Domains {
		add(FQDN(d.Name))
	}
	for _, h := range n.Hosts {
		if n.zoneOf(FQDN(h.Name), zones) == "" {
			add(FQDN(parent(h.Name)))
		}
	}
	sort.Strings(zones)
	return zones
}

func parent(name string) string {
	if i := strings.IndexByte(name, '.'); i >= 0 && i+1 < len(name) {
		return name[i+1:]
	}
	return name
}

func (n *Network) zoneOf(name string, zones []string) string {
	for _, z := range zones {
		if name == z || strings.HasSuffix(name, "."+z) {
			return z
		}
	}
	return ""
}

// Domain returns the simulated domain called name, or nil.
func (n *Network) Domain(name string) *Domain {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	for _, d := range n.Domains {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// Host returns the host called name, or nil.
func (n *Network) Host(name string) *Host {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	for _, h := range n.Hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// HostByAddr returns the host at addr, or nil. On a plan with one shared
// address it returns nil: the address no longer tells hosts apart.
func (n *Network) HostByAddr(addr netip.Addr) *Host {
	var found *Host
	for _, h := range n.Hosts {
		if h.Addr == addr.Unmap() {
			if found != nil {
				return nil
			}
			found = h
		}
	}
	return found
}

// User returns the user with the given address, or nil.
func (n *Network) User(address string) *User {
	for _, u := range n.Users {
		if strings.EqualFold(u.Address, address) {
			return u
		}
	}
	return nil
}

// SubmissionHost is where a user's mail client submits: the first host of the
// user's domain that runs submission or submissions.
func (d *Domain) SubmissionHost() *Host {
	for _, h := range d.Hosts {
		if h.Runs(Submission) || h.Runs(Submissions) {
			return h
		}
	}
	return nil
}

// DomainOf returns the domain part of an address, lower-cased.
func DomainOf(address string) string {
	i := strings.LastIndexByte(address, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(address[i+1:])
}
