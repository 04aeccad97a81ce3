// Package local decides what becomes of mail for a host's own domain: which
// mailbox an address means (users, sub-addresses user+tag, aliases and
// groups, SRS addresses of forwarded mail), and where a user's filters file
// it.
package local

import (
	"fmt"
	"strings"

	"github.com/mailflow/mailflow/topology"
)

// maxDepth bounds alias expansion: an alias loop stops here.
const maxDepth = 8

// Target is one final destination of a local address.
type Target struct {
	User   *topology.User // a local mailbox, or nil
	Remote string         // an address in another domain (forwarded), or ""
	Tag    string         // the +tag of a sub-address
	Via    string         // the alias that led here, if any
}

// Kind of a local address.
type Kind int

// What an address of the domain names.
const (
	Unknown Kind = iota
	Mailbox      // a user (possibly with +tag)
	Group        // an alias
	Bounce       // an SRS address: a bounce for mail this domain forwarded
)

// Resolver knows the local addresses of one domain.
type Resolver struct {
	net *topology.Network
}

// New returns a resolver over the network's domains.
func New(n *topology.Network) *Resolver { return &Resolver{net: n} }

// split separates "bob+tag@school.test" into "bob@school.test" and "tag".
func split(addr string) (string, string) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr, ""
	}
	local, domain := addr[:at], addr[at:]
	if i := strings.IndexByte(local, '+'); i > 0 {
		return local[:i] + domain, local[i+1:]
	}
	return addr, ""
}

// Kind says what a local address names; for an SRS address it also returns
// the original sender it stands for.
func (r *Resolver) Kind(addr string) (Kind, string) {
	if orig, ok := SRSReverse(addr); ok {
		return Bounce, orig
	}
	base, _ := split(addr)
	if r.net.User(base) != nil {
		return Mailbox, ""
	}
	if r.alias(addr) != nil {
		return Group, ""
	}
	return Unknown, ""
}

func (r *Resolver) alias(addr string) *topology.Alias {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return nil
	}
	d := r.net.Domain(addr[at+1:])
	if d == nil {
		return nil
	}
	lp := strings.ToLower(addr[:at])
	if a := d.Aliases[lp]; a != nil {
		return a
	}
	if lp == Postmaster && len(d.Users) > 0 {
		// RFC 5321 §4.5.1: every domain that receives mail takes mail for
		// postmaster. Without an alias of that name it reaches the
		// domain's first user.
		return &topology.Alias{Address: Postmaster + "@" + d.Name, Members: []string{d.Users[0].Address}}
	}
	return nil
}

// Postmaster is the local part every mail domain must accept (RFC 5321
// §4.5.1); an SMTP server also takes it without a domain.
const Postmaster = "postmaster"

// MayPost reports whether sender may write to a local address: a closed
// group takes mail only from its own domain.
func (r *Resolver) MayPost(addr, sender string) bool {
	a := r.alias(addr)
	return a == nil || !a.DomainOnly || strings.EqualFold(topology.DomainOf(sender), topology.DomainOf(addr))
}

// Expand resolves a local address to its final destinations, following
// aliases (members may be aliases too) and stopping at loops and at
// maxDepth. The error names an alias loop.
func (r *Resolver) Expand(addr string) ([]Target, error) {
	var out []Target
	home := topology.DomainOf(addr)
	seen := map[string]bool{}
	var loop error
	var walk func(a, via string, depth int)
	walk = func(a, via string, depth int) {
		key := strings.ToLower(a)
		if seen[key] || depth > maxDepth {
			loop = fmt.Errorf("alias loop through %s", a)
			return
		}
		seen[key] = true
		if topology.DomainOf(a) != home {
			// Another domain, simulated or not, gets its copy through its MX.
			out = append(out, Target{Remote: a, Via: via})
			return
		}
		if al := r.alias(a); al != nil {
			for _, m := range al.Members {
				walk(m, al.Address, depth+1)
			}
			return
		}
		base, tag := split(a)
		if u := r.net.User(base); u != nil {
			out = append(out, Target{User: u, Tag: tag, Via: via})
		}
	}
	walk(addr, "", 0)
	return out, loop
}

// Message is what filters look at.
type Message struct {
	From, Subject string
	Tag           string
}

// Decision is where a message for a user goes.
type Decision struct {
	Folder  string
	Flags   []string
	Forward []string
	Delete  bool
	Filter  string // which filter decided, for the narration
}

// Filter runs a user's filters: the first that matches decides. Without a
// match the message goes to INBOX.
func Filter(u *topology.User, m Message) Decision {
	for i, f := range u.Filters {
		if !matches(f, m) {
			continue
		}
		d := Decision{Folder: "INBOX", Filter: describe(i, f)}
		switch {
		case f.Label != "":
			d.Folder = f.Label
		case f.Archive:
			d.Folder = "Archive"
		}
		if f.Star {
			d.Flags = append(d.Flags, `\Flagged`)
		}
		if f.Forward != "" {
			d.Forward = append(d.Forward, f.Forward)
		}
		d.Delete = f.Delete
		return d
	}
	return Decision{Folder: "INBOX"}
}

func matches(f topology.Filter, m Message) bool {
	if f.From == "" && f.SubjectContains == "" && f.Tag == "" {
		return true // a filter without conditions applies to all mail
	}
	if f.From != "" && !strings.Contains(strings.ToLower(m.From), strings.ToLower(f.From)) {
		return false
	}
	if f.SubjectContains != "" && !strings.Contains(strings.ToLower(m.Subject), strings.ToLower(f.SubjectContains)) {
		return false
	}
	if f.Tag != "" && !strings.EqualFold(f.Tag, m.Tag) {
		return false
	}
	return true
}

func describe(i int, f topology.Filter) string {
	var cond []string
	if f.From != "" {
		cond = append(cond, "from "+f.From)
	}
	if f.SubjectContains != "" {
		cond = append(cond, fmt.Sprintf("subject has %q", f.SubjectContains))
	}
	if f.Tag != "" {
		cond = append(cond, "tag +"+f.Tag)
	}
	if len(cond) == 0 {
		cond = append(cond, "all mail")
	}
	return fmt.Sprintf("filter %d (%s)", i+1, strings.Join(cond, ", "))
}
