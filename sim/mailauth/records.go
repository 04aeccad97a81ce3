package mailauth

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/emersion/go-msgauth/dmarc"
)

// RecordError is a syntax problem in an SPF or DMARC record, at a byte
// offset of the record's text.
type RecordError struct {
	Offset int
	Msg    string
}

func (e *RecordError) Error() string { return e.Msg }

// IsSPF reports whether a TXT value is an SPF record (RFC 7208 §4.5).
func IsSPF(txt string) bool {
	l := strings.ToLower(txt)
	return l == "v=spf1" || strings.HasPrefix(l, "v=spf1 ")
}

var (
	spfModifier = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9._-]*)=(.*)$`)
	spfCIDR     = regexp.MustCompile(`^(.*?)(/([0-9]+))?(//([0-9]+))?$`)
	// a macro-string: literal characters and %{...} macros (RFC 7208 §7.1)
	spfMacro = regexp.MustCompile(`^(?:[!-$&-~]|%%|%_|%-|%\{[slodiphcrtvSLODIPHCRTV][0-9]*r?[.\-+,/_=]*\})*$`)
)

// CheckSPF checks the syntax of an SPF record (RFC 7208 §4.6, §5, §6):
// the version, each mechanism with its qualifier and arguments, and the
// modifiers redirect and exp (each at most once).
func CheckSPF(txt string) error {
	if !IsSPF(txt) {
		return &RecordError{0, `an SPF record starts with "v=spf1"`}
	}
	off := 6
	seen := map[string]bool{}
	for _, term := range strings.Split(txt[6:], " ") {
		at := off
		off += len(term) + 1
		if term == "" {
			continue
		}
		if m := spfModifier.FindStringSubmatch(term); m != nil && !strings.ContainsAny(m[1], ":/") {
			name := strings.ToLower(m[1])
			if name == "redirect" || name == "exp" {
				if seen[name] {
					return &RecordError{at, fmt.Sprintf("%s= appears twice (RFC 7208 §6)", name)}
				}
				seen[name] = true
				if err := checkDomainSpec(m[2]); err != nil {
					return &RecordError{at, fmt.Sprintf("%q: %v", term, err)}
				}
			} else if !spfMacro.MatchString(m[2]) {
				return &RecordError{at, fmt.Sprintf("%q: not a valid modifier value", term)}
			}
			continue
		}
		if err := checkMechanism(term); err != nil {
			return &RecordError{at, fmt.Sprintf("%q: %v", term, err)}
		}
	}
	return nil
}

func checkMechanism(term string) error {
	t := term
	if strings.ContainsRune("+-~?", rune(t[0])) {
		t = t[1:]
	}
	name, arg, hasArg := strings.Cut(t, ":")
	if !hasArg {
		name, arg, _ = strings.Cut(t, "/")
		if arg != "" || strings.HasSuffix(t, "/") {
			arg = "/" + arg
		}
	}
	switch strings.ToLower(name) {
	case "all":
		if t != name {
			return fmt.Errorf("all takes no argument")
		}
	case "include", "exists":
		if !hasArg || arg == "" {
			return fmt.Errorf("%s needs a domain: %s:example.test", name, strings.ToLower(name))
		}
		return checkDomainSpec(arg)
	case "a", "mx":
		m := spfCIDR.FindStringSubmatch(arg)
		if hasArg {
			if m[1] == "" {
				return fmt.Errorf("%s: needs a domain after the colon", name)
			}
			if err := checkDomainSpec(m[1]); err != nil {
				return err
			}
		} else if m[1] != "" {
			return fmt.Errorf("unknown mechanism")
		}
		return checkCIDR(m[3], 32, m[5], 128)
	case "ptr":
		if hasArg {
			return checkDomainSpec(arg)
		}
	case "ip4", "ip6":
		if !hasArg {
			return fmt.Errorf("%s needs an address", name)
		}
		addr, bits, hasBits := strings.Cut(arg, "/")
		a, err := netip.ParseAddr(addr)
		if err != nil || (strings.EqualFold(name, "ip4") != a.Is4()) {
			return fmt.Errorf("%q is not an IPv%s address", addr, name[2:])
		}
		if hasBits {
			max := 32
			if a.Is6() {
				max = 128
			}
			return checkCIDR(bits, max, "", 0)
		}
	default:
		return fmt.Errorf("unknown mechanism (RFC 7208 §5: all, include, a, mx, ptr, ip4, ip6, exists)")
	}
	return nil
}

func checkCIDR(v4 string, max4 int, v6 string, max6 int) error {
	for _, c := range []struct {
		s   string
		max int
	}{{v4, max4}, {v6, max6}} {
		if c.s == "" {
			continue
		}
		n, err := strconv.Atoi(c.s)
		if err != nil || n < 0 || n > c.max || (len(c.s) > 1 && c.s[0] == '0') {
			return fmt.Errorf("prefix length /%s is out of range (0 to %d)", c.s, c.max)
		}
	}
	return nil
}

// checkDomainSpec accepts a domain name, with macros (RFC 7208 §7.1).
func checkDomainSpec(s string) error {
	if s == "" {
		return fmt.Errorf("empty domain")
	}
	if !spfMacro.MatchString(s) {
		return fmt.Errorf("%q is not a domain or macro string", s)
	}
	if !strings.Contains(s, "%") {
		labels := strings.Split(strings.TrimSuffix(s, "."), ".")
		if len(labels) < 2 {
			return fmt.Errorf("%q is not a fully qualified domain", s)
		}
		for _, l := range labels {
			if l == "" || len(l) > 63 {
				return fmt.Errorf("%q is not a domain name", s)
			}
		}
	}
	return nil
}

// dmarcTags are the tags of RFC 7489 §6.3.
var dmarcTags = map[string]bool{"v": true, "p": true, "sp": true, "adkim": true, "aspf": true, "pct": true,
	"fo": true, "rf": true, "ri": true, "rua": true, "ruf": true}

// CheckDMARC checks a DMARC record (RFC 7489 §6.3, §6.4): v=DMARC1 first,
// then p, then known tags with valid values.
func CheckDMARC(txt string) error {
	tags := strings.Split(txt, ";")
	off := 0
	for i, tag := range tags {
		at := off + len(tag) - len(strings.TrimLeft(tag, " \t"))
		off += len(tag) + 1
		k, v, ok := strings.Cut(strings.TrimSpace(tag), "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case strings.TrimSpace(tag) == "" && i == len(tags)-1:
			continue // a final ";"
		case !ok:
			return &RecordError{at, fmt.Sprintf("%q is not a tag=value pair", strings.TrimSpace(tag))}
		case i == 0 && (k != "v" || v != "DMARC1"):
			return &RecordError{at, `a DMARC record starts with "v=DMARC1" (RFC 7489 §6.4)`}
		case i == 1 && k != "p":
			return &RecordError{at, `the tag after v=DMARC1 must be p= (RFC 7489 §6.4)`}
		case !dmarcTags[k]:
			return &RecordError{at, fmt.Sprintf("unknown tag %q (RFC 7489 §6.3: p, sp, adkim, aspf, pct, fo, rf, ri, rua, ruf)", k)}
		}
		if msg := dmarcValueProblem(k, v); msg != "" {
			return &RecordError{at, msg}
		}
	}
	if len(tags) < 2 || strings.TrimSpace(tags[1]) == "" {
		return &RecordError{len(txt), `a DMARC record needs a policy after v=DMARC1: "p=none", "p=quarantine" or "p=reject"`}
	}
	if _, err := dmarc.Parse(txt); err != nil {
		return &RecordError{0, strings.TrimPrefix(err.Error(), "dmarc: ")}
	}
	return nil
}

// dmarcValueProblem checks one tag's value (RFC 7489 §6.3).
func dmarcValueProblem(k, v string) string {
	oneOf := func(allowed ...string) string {
		for _, a := range allowed {
			if v == a {
				return ""
			}
		}
		return fmt.Sprintf("%s=%s: use %s", k, v, strings.Join(allowed, ", "))
	}
	switch k {
	case "p", "sp":
		return oneOf("none", "quarantine", "reject")
	case "adkim", "aspf":
		if p := oneOf("r", "s"); p != "" {
			return p + " (relaxed or strict alignment)"
		}
	case "pct":
		if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 100 {
			return fmt.Sprintf("pct=%s: a percentage from 0 to 100", v)
		}
	case "ri":
		if n, err := strconv.Atoi(v); err != nil || n <= 0 {
			return fmt.Sprintf("ri=%s: a number of seconds", v)
		}
	case "fo":
		for _, o := range strings.Split(v, ":") {
			if o != "0" && o != "1" && o != "d" && o != "s" {
				return fmt.Sprintf("fo=%s: options are 0, 1, d and s, separated by colons", v)
			}
		}
	case "rf":
		return oneOf("afrf")
	}
	return ""
}
