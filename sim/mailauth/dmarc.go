package mailauth

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/mail"
	"strings"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-msgauth/dmarc"
	"golang.org/x/net/publicsuffix"
)

// fromDomain is the RFC5322.From domain DMARC is about (RFC 7489 §3.1):
// the message must have exactly one From: field with one address.
func fromDomain(msg []byte) (string, error) {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(msg)))
	if err != nil {
		return "", errors.New("the header cannot be read")
	}
	values := h.Values("From")
	if len(values) != 1 {
		return "", fmt.Errorf("the message has %d From: fields, DMARC needs exactly one", len(values))
	}
	addrs, err := mail.ParseAddressList(values[0])
	if err != nil || len(addrs) != 1 {
		return "", errors.New("the From: field does not hold exactly one address")
	}
	at := strings.LastIndexByte(addrs[0].Address, '@')
	if at < 0 {
		return "", errors.New("the From: address has no domain")
	}
	return strings.ToLower(strings.TrimSuffix(addrs[0].Address[at+1:], ".")), nil
}

// OrgDomain is the organizational domain of RFC 7489 §3.2: the registered
// domain, one label below the public suffix (school.test for
// mail.school.test; an unknown top-level domain such as .test counts as a
// public suffix).
func OrgDomain(domain string) string {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	if org, err := publicsuffix.EffectiveTLDPlusOne(domain); err == nil {
		return org
	}
	return domain
}

// aligned reports whether an authenticated domain aligns with the From:
// domain: the same name (strict), or the same organizational domain
// (relaxed), RFC 7489 §3.1.
func aligned(authDomain, from string, relaxed bool) bool {
	a, f := strings.ToLower(strings.TrimSuffix(authDomain, ".")), strings.ToLower(from)
	if a == "" || f == "" {
		return false
	}
	if a == f {
		return true
	}
	return relaxed && OrgDomain(a) == OrgDomain(f)
}

// checkDMARC is RFC 7489 §6.6: find the From: domain's policy (at the
// domain, else at its organizational domain), then pass when an SPF or a
// DKIM pass is for a domain aligned with From:, and say what the policy
// asks for a failure.
func checkDMARC(ctx context.Context, dns DNS, from string, fromErr error, spfCheck Check, sigs []Check, msg []byte) Check {
	if fromErr != nil {
		return Check{Result: PermError, Reason: fromErr.Error()}
	}
	c := Check{Domain: from}
	lookup := func(name string) ([]string, error) { return dns.LookupTXT(ctx, name) }
	rec, err := dmarc.LookupWithOptions(from, &dmarc.LookupOptions{LookupTXT: lookup})
	at := from
	sub := false
	if errors.Is(err, dmarc.ErrNoPolicy) {
		if org := OrgDomain(from); org != from {
			at, sub = org, true
			rec, err = dmarc.LookupWithOptions(org, &dmarc.LookupOptions{LookupTXT: lookup})
		}
	}
	switch {
	case errors.Is(err, dmarc.ErrNoPolicy):
		c.Result, c.Reason = None, fmt.Sprintf("%s publishes no DMARC record", from)
		return c
	case dmarc.IsTempFail(err):
		c.Result, c.Reason = TempError, fmt.Sprintf("DNS did not answer for _dmarc.%s", at)
		return c
	case err != nil:
		c.Result = PermError
		c.Reason = fmt.Sprintf("the DMARC record of %s cannot be used: %s", at, strings.TrimPrefix(err.Error(), "dmarc: "))
		return c
	}
	c.Policy = string(rec.Policy)
	if sub && rec.SubdomainPolicy != "" {
		c.Policy = string(rec.SubdomainPolicy)
	}
	relaxedSPF := rec.SPFAlignment != dmarc.AlignmentStrict
	relaxedDKIM := rec.DKIMAlignment != dmarc.AlignmentStrict
	var dkimOK, dkimPassed string
	for _, s := range sigs {
		if s.Result != Pass {
			continue
		}
		if aligned(s.Domain, from, relaxedDKIM) {
			dkimOK = s.Domain
			break
		}
		if dkimPassed == "" {
			dkimPassed = s.Domain
		}
	}
	spfOK := spfCheck.Result == Pass && aligned(spfCheck.Domain, from, relaxedSPF)
	mode := func(relaxed bool) string {
		if relaxed {
			return "relaxed"
		}
		return "strict"
	}
	var why []string
	switch {
	case dkimOK != "":
		why = append(why, fmt.Sprintf("DKIM passed for %s, aligned with %s (%s)", dkimOK, from, mode(relaxedDKIM)))
	case dkimPassed != "":
		why = append(why, fmt.Sprintf("DKIM passed for %s, which is not aligned with %s (%s)", dkimPassed, from, mode(relaxedDKIM)))
	default:
		why = append(why, "no DKIM signature passed")
	}
	switch {
	case spfOK:
		why = append(why, fmt.Sprintf("SPF passed for %s, aligned (%s)", spfCheck.Domain, mode(relaxedSPF)))
	case spfCheck.Result == Pass:
		why = append(why, fmt.Sprintf("SPF passed for %s, which is not aligned with %s (%s)", spfCheck.Domain, from, mode(relaxedSPF)))
	default:
		why = append(why, fmt.Sprintf("SPF %s for %s", spfCheck.Result, spfCheck.Domain))
	}
	c.Reason = strings.Join(why, "; ")
	if dkimOK != "" || spfOK {
		c.Result, c.Disposition = Pass, "none"
		return c
	}
	c.Result, c.Disposition = Fail, c.Policy
	if rec.Percent != nil && *rec.Percent < 100 && c.Policy != "none" && !sampled(msg, *rec.Percent) {
		// RFC 7489 §6.6.4: outside the sample, the next policy down applies.
		c.Disposition = map[string]string{"reject": "quarantine", "quarantine": "none"}[c.Policy]
		c.Reason += fmt.Sprintf("; pct=%d left this message out of the sample", *rec.Percent)
	}
	c.Reason += fmt.Sprintf("; the policy of %s is p=%s", at, c.Policy)
	return c
}

// sampled decides pct= (RFC 7489 §6.6.4) from the message itself rather
// than at random, so a run is repeatable.
func sampled(msg []byte, pct int) bool {
	h := fnv.New32a()
	h.Write(msg)
	return int(h.Sum32()%100) < pct
}
