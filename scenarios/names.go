package scenarios

import (
	"fmt"
	"net/mail"
	"strings"
)

// hostnameProblem says why s is not a usable domain or host name, or "".
// Such names are fully qualified, without the final dot, and have at least
// two labels of letters, digits and inner hyphens (RFC 1123).
func hostnameProblem(s string) string {
	if strings.HasSuffix(s, ".") {
		return "write it without the final dot"
	}
	if !strings.Contains(s, ".") {
		return "a name needs at least two labels, e.g. example.test"
	}
	if p := dnsNameProblem(s, false); p != "" {
		return p
	}
	last := s[strings.LastIndexByte(s, '.')+1:]
	if strings.Trim(last, "0123456789") == "" {
		return "the last label cannot be all digits"
	}
	return ""
}

// ownerNameProblem checks a DNS record's owner name: "@" for the domain
// itself, or a name whose labels may hold underscores (_dmarc) and whose
// first label may be "*".
func ownerNameProblem(s string) string {
	if s == "@" {
		return ""
	}
	s = strings.TrimSuffix(s, ".")
	s = strings.TrimPrefix(s, "*.")
	if s == "*" {
		return ""
	}
	return dnsNameProblem(s, true)
}

// targetNameProblem checks a host name in record data (MX, CNAME, NS).
func targetNameProblem(s string) string {
	return dnsNameProblem(strings.TrimSuffix(s, "."), false)
}

func dnsNameProblem(s string, underscore bool) string {
	if s == "" {
		return "the name is empty"
	}
	if len(s) > 253 {
		return "a name has at most 253 characters"
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" {
			return "it has an empty label (two dots in a row, or a dot at the start)"
		}
		if len(label) > 63 {
			return fmt.Sprintf("label %q is longer than 63 characters", label)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Sprintf("label %q starts or ends with a hyphen", label)
		}
		for _, r := range label {
			ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || underscore && r == '_'
			if !ok {
				return fmt.Sprintf("label %q has %q; use letters, digits and hyphens", label, r)
			}
		}
	}
	return ""
}

// localPartProblem says why s is not a dot-atom local part (RFC 5322
// section 3.4.1), or "".
func localPartProblem(s string) string {
	if len(s) > 64 {
		return "a local part has at most 64 characters"
	}
	if strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return "dots cannot start or end it, or come two in a row"
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".!#$%&'*+-/=?^_`{|}~", r)) {
			return fmt.Sprintf("it has %q; use letters, digits and . _ - +", r)
		}
	}
	return ""
}

// parseAddress checks a bare address such as bob@school.test and returns it
// with its domain in lower case, or explains the problem.
func parseAddress(s string) (addr, problem, hint string) {
	if !strings.Contains(s, "@") {
		return "", fmt.Sprintf("%q is not an email address: it has no @", s), "an address looks like bob@school.test"
	}
	// net/mail's message for a bad domain is "missing '@'": check it first.
	if at := strings.LastIndexByte(s, '@'); at > 0 && !strings.ContainsAny(s, "<>\"") {
		if p := hostnameProblem(s[at+1:]); p != "" {
			return "", fmt.Sprintf("address %s has a bad domain: %s", s, p), ""
		}
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", fmt.Sprintf("%q is not an email address: %s", s, strings.TrimPrefix(err.Error(), "mail: ")), ""
	}
	if a.Name != "" || a.Address != strings.TrimSpace(s) {
		return "", fmt.Sprintf("%q is not a bare address", s), fmt.Sprintf("write just %s; display names come from users' full_name", a.Address)
	}
	at := strings.LastIndexByte(a.Address, '@')
	local, domain := a.Address[:at], a.Address[at+1:]
	if p := hostnameProblem(domain); p != "" {
		return "", fmt.Sprintf("address %s has a bad domain: %s", a.Address, p), ""
	}
	return local + "@" + strings.ToLower(domain), "", ""
}
