package scenarios

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mailflow/mailflow/sim/mailauth"
)

// The enumerated values of the sender authentication settings.
var (
	SPFFailActions = []string{"accept", "spam", "reject"}
	DMARCModes     = []string{"enforce", "report"}
	AuthResults    = []string{"pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"}
)

// senderAuth checks the SPF and DMARC records (the shorthands and TXT
// records in dns) and the hosts' dkim and sender_auth settings.
func (v *validator) senderAuth() {
	for i, d := range v.s.Domains {
		p := fmt.Sprintf("domains[%d]", i)
		spfAt, dmarcAt := "", ""
		if d.SPF != "" && d.SPF != "none" {
			v.authRecord(p+".spf", d.SPF, mailauth.CheckSPF)
			spfAt = p + ".spf"
		}
		if d.DMARC != "" && d.DMARC != "none" {
			v.authRecord(p+".dmarc", d.DMARC, mailauth.CheckDMARC)
			dmarcAt = p + ".dmarc"
		}
		for j, r := range d.DNS {
			if r.Type != "TXT" || ownerNameProblem(r.Name) != "" {
				continue
			}
			rp := fmt.Sprintf("%s.dns[%d]", p, j)
			owner := ownerName(r.Name, d.Name)
			switch {
			case mailauth.IsSPF(r.Value):
				v.authRecord(rp+".value", r.Value, mailauth.CheckSPF)
				if owner == strings.ToLower(d.Name) {
					if spfAt != "" {
						v.at(rp+".value", "keep one: RFC 7208 §4.5 makes two SPF records a permanent error",
							"a second SPF record for %s (first at %s)", d.Name, v.firstAt(spfAt, rp+".value"))
					}
					spfAt = rp + ".value"
				}
			case strings.HasPrefix(owner, "_dmarc."):
				v.authRecord(rp+".value", r.Value, mailauth.CheckDMARC)
				if owner == "_dmarc."+strings.ToLower(d.Name) {
					if dmarcAt != "" {
						v.at(rp+".value", "keep one: RFC 7489 §6.6.3 ignores a domain with two DMARC records",
							"a second DMARC record for %s (first at %s)", d.Name, v.firstAt(dmarcAt, rp+".value"))
					}
					dmarcAt = rp + ".value"
				}
			}
		}
	}
	selectors := map[string]string{} // selector._domainkey.domain → path
	for i, srv := range v.s.Servers {
		p := fmt.Sprintf("servers[%d]", i)
		if k := srv.DKIM; k != nil {
			if k.Selector != "" {
				if prob := selectorProblem(k.Selector); prob != "" {
					v.at(p+".dkim.selector", "use letters, digits and hyphens, e.g. mail2026", "selector %q is not valid: %s", k.Selector, prob)
				} else if dom := v.hostDomain(srv.Host); dom != "" {
					name := strings.ToLower(k.Selector) + "._domainkey." + dom
					if first, dup := selectors[name]; dup {
						v.at(p+".dkim.selector", "give each host of a domain its own selector",
							"selector %s of %s is also another host's (first at %s)", k.Selector, dom, v.firstAt(first, p+".dkim.selector"))
					}
					selectors[name] = p + ".dkim.selector"
				}
			}
			if k.Broken && k.Sign != nil && !*k.Sign {
				v.at(p+".dkim.broken", "remove broken, or sign", "broken applies only to a host that signs")
			}
		}
		if a := srv.SenderAuth; a != nil {
			v.enum(p+".sender_auth.spf_fail", a.SPFFail, SPFFailActions, "spf_fail action")
			v.enum(p+".sender_auth.dmarc", a.DMARC, DMARCModes, "dmarc mode")
		}
		v.oneLine(p+".footer", "footer", strings.ReplaceAll(srv.Footer, "\n", " "))
	}
}

// hostDomain returns the lower-case domain a host of the scenario serves.
func (v *validator) hostDomain(host string) string {
	for _, d := range v.s.Domains {
		if len(d.Hosts) == 0 && strings.EqualFold(host, "mail."+d.Name) {
			return strings.ToLower(d.Name)
		}
		for _, h := range d.Hosts {
			if strings.EqualFold(h.Name, host) {
				return strings.ToLower(d.Name)
			}
		}
	}
	return ""
}

// authRecord reports a record's syntax problem at the character where it
// is, when the value sits on one line of this file as written.
func (v *validator) authRecord(path, value string, check func(string) error) {
	err := check(value)
	if err == nil {
		return
	}
	var re *mailauth.RecordError
	if !errors.As(err, &re) {
		v.at(path, "", "%v", err)
		return
	}
	p := v.s.PosOf(path)
	if p.File == v.s.File || p.File == "" {
		lines := strings.Split(string(v.s.Source), "\n")
		if p.Line >= 1 && p.Line <= len(lines) {
			line := []rune(lines[p.Line-1])
			start := p.Column - 1
			if start < len(line) && (line[start] == '"' || line[start] == '\'') {
				start++
			}
			if start <= len(line) && strings.HasPrefix(string(line[start:]), value[:re.Offset]) {
				p.Column = start + 1 + utf8.RuneCountInString(value[:re.Offset])
			}
		}
	}
	v.errs = append(v.errs, &Error{File: p.File, Line: p.Line, Column: p.Column, Msg: re.Msg})
}

// selectorProblem checks a DKIM selector: dot-separated DNS labels.
func selectorProblem(s string) string {
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 {
			return "empty or over-long label"
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return fmt.Sprintf("%q is not allowed in a DNS label", c)
			}
		}
	}
	return ""
}

func (v *validator) authExpectation(p string, a *AuthExpectation) {
	if a == nil {
		return
	}
	v.messageID(p+".message", a.Message)
	v.knownHost(p+".host", a.Host)
	for _, f := range []struct{ name, val string }{{"spf", a.SPF}, {"dkim", a.DKIM}, {"dmarc", a.DMARC}} {
		v.enum(p+"."+f.name, f.val, AuthResults, f.name+" result")
	}
	if a.SPF == "" && a.DKIM == "" && a.DMARC == "" && a.ReasonContains == "" {
		v.at(p, "add spf, dkim or dmarc, e.g. dmarc: pass", "auth needs at least one result to check")
	}
}
