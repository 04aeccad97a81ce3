package scenarios

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// validator checks the meaning of a decoded scenario with defaults applied.
// Every check reports at the position of the offending value and carries on,
// so one run lists every problem. Values a decoding error already reported
// (empty required fields) are skipped rather than reported twice.
type validator struct {
	s      *Scenario
	errs   ErrorList
	failed map[string]bool // paths the decoder already reported

	users      map[string]UserRef // lower-case address -> user
	userAddrs  []string
	hosts      map[string]string // lower-case host name -> path of its name
	hostNames  []string
	domainSet  map[string]bool // lower-case names of the simulated domains
	domainList []string
	ids        map[string]int // send id -> action index
	idList     []string
	loadIDs    map[string]int  // load id -> action index
	loadMsgs   map[string]bool // the message ids of the loads
}

func validate(s *Scenario, failed map[string]bool) ErrorList {
	v := &validator{s: s, failed: failed, users: map[string]UserRef{}, hosts: map[string]string{}, ids: map[string]int{}, loadIDs: map[string]int{}, loadMsgs: map[string]bool{}, domainSet: map[string]bool{}}
	v.scenario()
	v.domains()
	v.capacity()
	v.mxTargets()
	v.actions()
	v.expectations()
	v.failures()
	v.delivery()
	v.senderAuth()
	return v.errs
}

func (v *validator) at(path, hint, format string, args ...any) {
	p := v.s.PosOf(path)
	v.errs = append(v.errs, &Error{File: p.File, Line: p.Line, Column: p.Column, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// firstAt says where the value at path is, for "(first at ...)" in an
// error reported at here: "line 4", or "line 4 of topology.yaml" when the
// two are in different files (one came through extends).
func (v *validator) firstAt(path, here string) string {
	p, h := v.s.PosOf(path), v.s.PosOf(here)
	if p.File != h.File && p.File != "" {
		return fmt.Sprintf("line %d of %s", p.Line, p.File)
	}
	return fmt.Sprintf("line %d", p.Line)
}

// explicit reports whether the file set path itself rather than a default.
func (v *validator) explicit(path string) bool {
	_, ok := v.s.Pos[path]
	return ok
}

// oneOfHint suggests a close value, else lists the allowed ones.
func oneOfHint(val string, allowed []string) string {
	if h := didYouMean(val, allowed); h != "" {
		return h
	}
	return "use " + quoteList(allowed, "or")
}

func (v *validator) scenario() {
	s := v.s
	if strings.ContainsAny(s.Name, "/\\\n") {
		v.at("name", "", "name %q cannot contain slashes or line breaks", s.Name)
	}
	if _, err := time.Parse(time.RFC3339, s.Start); err != nil {
		v.at("start", "write an RFC 3339 time such as "+DefaultStart, "start %q is not a valid time", s.Start)
	}
	if len(s.Domains) == 0 && !v.failed["domains"] && !v.failed["extends"] {
		hint := "list at least one domain, or extend a file that has them: extends: topology.yaml"
		if v.explicit("domains") {
			v.at("domains", hint, "\"domains\" at the top level must not be empty")
		} else {
			v.at("domains", hint, "missing required field \"domains\" at the top level")
		}
	}
}

// MaxHosts is how many hosts one scenario may have: each gets its own
// address in a loopback /24, from .10 to .254 with .53 kept for the DNS
// server (topology.NewPlan), so the plan has room for 244.
const MaxHosts = 244

// capacity refuses a scenario with more hosts than the address plan holds,
// at the first host that would not get an address.
func (v *validator) capacity() {
	count := 0
	for i, d := range v.s.Domains {
		paths := []string{fmt.Sprintf("domains[%d].name", i)} // the default host, mail.<domain>
		if len(d.Hosts) > 0 {
			paths = paths[:0]
			for j := range d.Hosts {
				paths = append(paths, fmt.Sprintf("domains[%d].hosts[%d].name", i, j))
			}
		}
		for _, p := range paths {
			if count++; count > MaxHosts {
				v.at(p, "split the scenario, or let domains share hosts",
					"this is host number %d; the address plan (one loopback /24) has room for %d hosts", count, MaxHosts)
				return
			}
		}
	}
}

func (v *validator) domains() {
	seen := map[string]string{} // lower-case domain -> path
	// Domains without hosts get mail.<domain>: reserve those names first so
	// a clash is reported wherever it is declared.
	for i, d := range v.s.Domains {
		if len(d.Hosts) == 0 && d.Name != "" && hostnameProblem(d.Name) == "" {
			h := "mail." + strings.ToLower(d.Name)
			v.hosts[h] = fmt.Sprintf("domains[%d]", i)
			v.hostNames = append(v.hostNames, h)
		}
	}
	for i, d := range v.s.Domains {
		p := fmt.Sprintf("domains[%d]", i)
		if d.Name != "" {
			if prob := hostnameProblem(d.Name); prob != "" {
				v.at(p+".name", "", "domain name %q is not valid: %s", d.Name, prob)
			} else if first, dup := seen[strings.ToLower(d.Name)]; dup {
				v.at(p+".name", "", "duplicate domain %s (first at %s)", d.Name, v.firstAt(first, p+".name"))
			} else {
				seen[strings.ToLower(d.Name)] = p + ".name"
				v.domainSet[strings.ToLower(d.Name)] = true
				v.domainList = append(v.domainList, d.Name)
			}
		}
		v.domainUsers(p, d)
		v.domainHosts(p, d)
		v.records(p, d)
	}
}

func (v *validator) domainUsers(p string, d Domain) {
	seen := map[string]string{}
	for j, u := range d.Users {
		up := fmt.Sprintf("%s.users[%d].name", p, j)
		if u.Name == "" {
			continue
		}
		if prob := localPartProblem(u.Name); prob != "" {
			v.at(up, "", "user name %q is not a valid local part: %s", u.Name, prob)
			continue
		}
		key := strings.ToLower(u.Name)
		if first, dup := seen[key]; dup {
			v.at(up, "", "duplicate user %s in domain %s (first at %s)", u.Name, d.Name, v.firstAt(first, up))
			continue
		}
		seen[key] = up
		v.oneLine(fmt.Sprintf("%s.users[%d].full_name", p, j), "full_name", u.FullName)
		if d.Name == "" {
			continue
		}
		addr := u.Name + "@" + strings.ToLower(d.Name)
		if _, dup := v.users[strings.ToLower(addr)]; dup {
			continue // a duplicate domain, reported there
		}
		v.users[strings.ToLower(addr)] = UserRef{Address: addr, Name: u.Name, Domain: d.Name, Password: u.Password, FullName: u.FullName}
		v.userAddrs = append(v.userAddrs, addr)
	}
}

func (v *validator) domainHosts(p string, d Domain) {
	if len(d.Hosts) == 0 {
		return
	}
	mailboxes, mx := false, false
	for j, h := range d.Hosts {
		hp := fmt.Sprintf("%s.hosts[%d]", p, j)
		// a value that did not decode may have been meant to satisfy the rules
		mx = mx || v.failed[hp+".mx"]
		mailboxes = mailboxes || v.failed[hp+".mailboxes"]
		if h.Mailboxes != nil && *h.Mailboxes {
			mailboxes = true
		}
		if h.MX > 0 {
			mx = true
		}
		if h.MX < 0 || h.MX > 65535 {
			v.at(hp+".mx", "", "mx preference %d is out of range (1 to 65535, or 0 for no MX)", h.MX)
		}
		seenSvc := map[string]bool{}
		for k, svc := range h.Services {
			sp := fmt.Sprintf("%s.services[%d]", hp, k)
			switch {
			case !slices.Contains(Services, svc):
				v.at(sp, oneOfHint(svc, Services), "unknown service %q", svc)
			case seenSvc[svc]:
				v.at(sp, "", "service %s is listed twice", svc)
			}
			seenSvc[svc] = true
		}
		if h.Name == "" {
			continue
		}
		if prob := hostnameProblem(h.Name); prob != "" {
			v.at(hp+".name", "", "host name %q is not valid: %s", h.Name, prob)
			continue
		}
		key := strings.ToLower(h.Name)
		if first, dup := v.hosts[key]; dup {
			if strings.HasSuffix(first, "]") { // a domain's default host
				v.at(hp+".name", "", "host %s is also the default host of domain %s, which declares no hosts", h.Name, v.s.Domains[domainIndex(first)].Name)
			} else {
				v.at(hp+".name", "", "duplicate host %s (first at %s)", h.Name, v.firstAt(first, hp+".name"))
			}
			continue
		}
		v.hosts[key] = hp + ".name"
		v.hostNames = append(v.hostNames, h.Name)
	}
	if !mailboxes {
		v.at(p+".hosts", "set mailboxes: true on the host that stores the users' mail", "domain %s has hosts but none keeps mailboxes", d.Name)
	}
	if !mx && !hasApexMX(d) {
		v.at(p+".hosts", "give a host an mx preference, e.g. mx: 10, or add an MX record to dns", "domain %s has hosts but none is an MX", d.Name)
	}
}

func domainIndex(path string) int {
	i, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(path, "domains["), "]"))
	return i
}

// hasApexMX reports whether the domain's dns lists an MX record for the
// domain name itself.
func hasApexMX(d Domain) bool {
	for _, r := range d.DNS {
		if r.Type == "MX" && (r.Name == "@" || strings.EqualFold(strings.TrimSuffix(r.Name, "."), d.Name)) {
			return true
		}
	}
	return false
}

func (v *validator) records(p string, d Domain) {
	for j, r := range d.DNS {
		rp := fmt.Sprintf("%s.dns[%d]", p, j)
		if r.Name != "" {
			if prob := ownerNameProblem(r.Name); prob != "" {
				v.at(rp+".name", "", "record name %q is not valid: %s", r.Name, prob)
			}
		}
		if r.TTL < 0 || r.TTL > 1<<31-1 {
			v.at(rp+".ttl", "", "ttl %d is out of range (0 to 2147483647 seconds)", r.TTL)
		}
		if r.Type == "" {
			continue
		}
		if !slices.Contains(RecordTypes, r.Type) {
			v.at(rp+".type", oneOfHint(r.Type, RecordTypes), "unknown record type %q", r.Type)
			continue
		}
		if r.Preference != 0 && r.Type != "MX" {
			v.at(rp+".preference", "", "preference applies only to MX records, not %s", r.Type)
		}
		if r.Type == "MX" {
			switch {
			case !v.explicit(rp+".preference") && !v.failed[rp+".preference"]:
				v.at(rp, "add a preference, e.g. preference: 10", "an MX record needs a preference")
			case r.Preference < 0 || r.Preference > 65535:
				v.at(rp+".preference", "", "preference %d is out of range (0 to 65535)", r.Preference)
			}
		}
		if r.Value == "" {
			continue
		}
		v.recordValue(rp+".value", r)
	}
}

func (v *validator) recordValue(path string, r Record) {
	switch r.Type {
	case "A", "AAAA":
		ip := net.ParseIP(r.Value)
		if ip == nil {
			v.at(path, "", "%q is not an IP address", r.Value)
		} else if r.Type == "A" && ip.To4() == nil {
			v.at(path, "use an AAAA record for an IPv6 address", "%s is not an IPv4 address", r.Value)
		} else if r.Type == "AAAA" && ip.To4() != nil {
			v.at(path, "use an A record for an IPv4 address", "%s is not an IPv6 address", r.Value)
		}
	case "MX", "CNAME", "NS":
		if r.Type == "MX" && r.Value == "." {
			if r.Preference != 0 {
				v.at(path, "a null MX is written with preference 0: RFC 7505, section 3", "a null MX (\".\") needs preference 0")
			}
			return // RFC 7505: the domain accepts no mail
		}
		if net.ParseIP(r.Value) != nil {
			v.at(path, "point to a host name, and give the host an A record", "a %s record names a host, not an address", r.Type)
		} else if prob := targetNameProblem(r.Value); prob != "" {
			v.at(path, "", "%q is not a host name: %s", r.Value, prob)
		}
	case "TXT":
		if len(r.Value) > 4000 {
			v.at(path, "", "the TXT value is too long (%d bytes; at most 4000)", len(r.Value))
		}
	}
}

// ownerName completes a record's owner name as the DNS server does: "@" or
// nothing is the domain, a name not ending in the domain gets it appended.
// The result is lower case without the final dot.
func ownerName(name, domain string) string {
	name, domain = strings.ToLower(name), strings.ToLower(domain)
	switch {
	case name == "" || name == "@":
		return domain
	case !strings.HasSuffix(name, ".") && !strings.HasSuffix(name, domain):
		return name + "." + domain
	}
	return strings.TrimSuffix(name, ".")
}

// mxTargets checks that every MX record of dns names a host that has an
// address somewhere in the scenario: a host (which gets an A record) or an
// A or AAAA record. Otherwise mail to the domain could never be delivered,
// which is seldom the lesson meant.
func (v *validator) mxTargets() {
	addrs := map[string]bool{}
	var names, wildcards []string
	aliases := map[string]bool{}
	for h := range v.hosts {
		addrs[h] = true
	}
	names = append(names, v.hostNames...)
	for _, d := range v.s.Domains {
		for _, r := range d.DNS {
			if ownerNameProblem(r.Name) != "" {
				continue
			}
			owner := ownerName(r.Name, d.Name)
			switch r.Type {
			case "A", "AAAA":
				if w, ok := strings.CutPrefix(owner, "*."); ok {
					wildcards = append(wildcards, w)
				} else if !addrs[owner] {
					addrs[owner] = true
					names = append(names, owner)
				}
			case "CNAME":
				aliases[owner] = true
			}
		}
	}
	hasAddr := func(name string) bool {
		if addrs[name] {
			return true
		}
		for _, w := range wildcards {
			if strings.HasSuffix(name, "."+w) {
				return true
			}
		}
		return false
	}
	for i, d := range v.s.Domains {
		for j, r := range d.DNS {
			if r.Type != "MX" || r.Value == "" || r.Value == "." || net.ParseIP(r.Value) != nil || targetNameProblem(r.Value) != "" || ownerNameProblem(r.Name) != "" {
				continue // reported as not a host name, or not an MX
			}
			target := strings.ToLower(strings.TrimSuffix(r.Value, "."))
			if hasAddr(target) {
				continue
			}
			hint := didYouMeanName(target, names)
			switch {
			case hint != "":
			case aliases[target]:
				hint = "an MX must name a host with an address, not a CNAME alias: RFC 2181, section 10.3"
			default:
				hint = fmt.Sprintf("add a host named %s to a domain's hosts, or an A record for it to dns", target)
			}
			v.at(fmt.Sprintf("domains[%d].dns[%d].value", i, j), hint, "MX of %s points to %s, which has no address", ownerName(r.Name, d.Name), target)
		}
	}
}
