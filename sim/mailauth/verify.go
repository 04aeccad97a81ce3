package mailauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"blitiri.com.ar/go/spf"
	"github.com/emersion/go-msgauth/dkim"
)

// DNS is what the checks ask of the DNS: the spf package's resolver
// interface, which *Resolver implements.
type DNS interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// Input is what a receiving server knows of a transaction at the end of
// DATA.
type Input struct {
	IP       netip.Addr // the connecting client's address
	Helo     string     // the name it gave in EHLO/HELO
	MailFrom string     // the envelope sender; empty for a bounce
	Message  []byte     // the message as received
}

// The results of RFC 8601 §2.7, as the three methods use them.
const (
	Pass      = "pass"
	Fail      = "fail"
	SoftFail  = "softfail"
	Neutral   = "neutral"
	None      = "none"
	TempError = "temperror"
	PermError = "permerror"
)

// Check is the verdict of one method.
type Check struct {
	Result string `json:"result"`
	// Reason says why, in words: "127.100.100.10 matched mx of example.test".
	Reason string `json:"reason,omitempty"`
	// Domain is what was checked: for SPF the envelope sender's domain (or
	// the HELO name for a bounce), for DKIM the signing domain (d=), for
	// DMARC the From: domain.
	Domain string `json:"domain,omitempty"`
	// Selector of a DKIM signature (s=).
	Selector string `json:"selector,omitempty"`
	// Policy is the DMARC policy that applies (none, quarantine, reject),
	// and Disposition what it asks for this message: none unless DMARC
	// failed.
	Policy      string `json:"policy,omitempty"`
	Disposition string `json:"disposition,omitempty"`
}

// Results are the three verdicts on one message.
type Results struct {
	SPF   Check
	DKIM  Check   // the signature that counts: aligned and passing first
	DKIMs []Check // every signature, in header order
	DMARC Check
}

// maxSignatures bounds the DKIM signatures verified per message: more are
// ignored (a message with hundreds would cost the server its time).
const maxSignatures = 5

// Verify runs SPF, DKIM and DMARC for one message. Every DNS question goes
// through dns in a fixed order (SPF, then each signature's key, then the
// DMARC record), so a trace of them reads the same on every run.
func Verify(ctx context.Context, dns DNS, in Input) Results {
	var res Results
	res.SPF = checkSPF(ctx, dns, in)
	res.DKIMs = checkDKIM(ctx, dns, in.Message)
	from, fromErr := fromDomain(in.Message)
	res.DMARC = checkDMARC(ctx, dns, from, fromErr, res.SPF, res.DKIMs, in.Message)
	res.DKIM = pickDKIM(res.DKIMs, from)
	return res
}

// checkSPF is RFC 7208's check_host() for the envelope sender, or for
// postmaster@<HELO name> when the sender is empty (§2.4).
func checkSPF(ctx context.Context, dns DNS, in Input) Check {
	sender := in.MailFrom
	if sender == "" || !strings.Contains(sender, "@") {
		sender = "postmaster@" + in.Helo
	}
	_, domain, _ := strings.Cut(sender, "@")
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	c := Check{Domain: domain}
	if !in.IP.IsValid() {
		return Check{Result: PermError, Domain: domain, Reason: "the client's address is unknown"}
	}
	r, err := spf.CheckHostWithSender(net.IP(in.IP.Unmap().AsSlice()), in.Helo, sender,
		spf.WithResolver(dns), spf.WithContext(ctx))
	c.Result = string(r)
	c.Reason = spfReason(r, err, domain, in.IP.Unmap().String())
	return c
}

func spfReason(r spf.Result, err error, domain, ip string) string {
	switch {
	case errors.Is(err, spf.ErrLookupLimitReached):
		return fmt.Sprintf("evaluating the SPF record of %s took more than 10 DNS lookups (RFC 7208 §4.6.4)", domain)
	case errors.Is(err, spf.ErrVoidLookupLimitReached):
		return fmt.Sprintf("the SPF record of %s led to more than 2 lookups that found nothing (RFC 7208 §4.6.4)", domain)
	case errors.Is(err, spf.ErrMultipleRecords):
		return fmt.Sprintf("%s publishes more than one SPF record (RFC 7208 §4.5)", domain)
	case errors.Is(err, spf.ErrTooManyMXRecords):
		return "an mx mechanism named more than 10 MX hosts (RFC 7208 §4.6.4)"
	}
	switch r {
	case spf.None:
		return fmt.Sprintf("%s publishes no SPF record", domain)
	case spf.TempError:
		return fmt.Sprintf("DNS did not answer while checking the SPF record of %s", domain)
	case spf.PermError:
		if err != nil {
			return fmt.Sprintf("the SPF record of %s cannot be used: %v", domain, err)
		}
		return fmt.Sprintf("the SPF record of %s cannot be used", domain)
	}
	what := "a mechanism"
	switch {
	case errors.Is(err, spf.ErrMatchedAll):
		if r == spf.Pass {
			return fmt.Sprintf("%s matched +all: %s lets any address send", ip, domain)
		}
		return fmt.Sprintf("%s is not among the senders the SPF record of %s lists, which ends in %sall",
			ip, domain, map[spf.Result]string{spf.Fail: "-", spf.SoftFail: "~", spf.Neutral: "?"}[r])
	case errors.Is(err, spf.ErrMatchedA):
		what = "a"
	case errors.Is(err, spf.ErrMatchedMX):
		what = "mx"
	case errors.Is(err, spf.ErrMatchedIP):
		what = "an ip4/ip6 range"
	case errors.Is(err, spf.ErrMatchedPTR):
		what = "ptr"
	case errors.Is(err, spf.ErrMatchedExists):
		what = "exists"
	case err == nil && r == spf.Neutral:
		return fmt.Sprintf("the SPF record of %s matched nothing and has no all: neutral", domain)
	}
	return fmt.Sprintf("%s matched %s in the SPF record of %s (%s)", ip, what, domain, r)
}

// signatureTags reads the d= and s= tags of each DKIM-Signature field.
func signatureTags(msg []byte) [][2]string {
	fields, _, err := splitMessage(msg)
	if err != nil {
		return nil
	}
	var out [][2]string
	for _, f := range fields {
		if !strings.EqualFold(fieldName(f), "DKIM-Signature") {
			continue
		}
		_, v, _ := strings.Cut(f, ":")
		var d, s string
		for _, tag := range strings.Split(v, ";") {
			k, val, _ := strings.Cut(tag, "=")
			val = strings.Join(strings.Fields(val), "")
			switch strings.TrimSpace(k) {
			case "d":
				d = strings.ToLower(val)
			case "s":
				s = strings.ToLower(val)
			}
		}
		out = append(out, [2]string{d, s})
	}
	return out
}

// checkDKIM verifies each DKIM-Signature (at most maxSignatures). The keys
// are fetched first, one after another, then handed to the verifier from
// memory: the verifier would fetch them in parallel, in no fixed order.
func checkDKIM(ctx context.Context, dns DNS, msg []byte) []Check {
	tags := signatureTags(msg)
	if len(tags) == 0 {
		return nil
	}
	if len(tags) > maxSignatures {
		tags = tags[:maxSignatures]
	}
	type answer struct {
		txts []string
		err  error
	}
	keys := map[string]answer{}
	for _, t := range tags {
		if t[0] == "" || t[1] == "" {
			continue
		}
		name := t[1] + "._domainkey." + t[0]
		if _, done := keys[name]; !done {
			txts, err := dns.LookupTXT(ctx, name)
			keys[name] = answer{txts, err}
		}
	}
	lookup := func(name string) ([]string, error) {
		if a, ok := keys[strings.ToLower(name)]; ok {
			return a.txts, a.err
		}
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(msg), &dkim.VerifyOptions{LookupTXT: lookup,
		MaxVerifications: maxSignatures})
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) && len(verifs) == 0 {
		return []Check{{Result: PermError, Reason: "the message cannot be read: " + err.Error()}}
	}
	var out []Check
	for i, v := range verifs {
		c := Check{Domain: strings.ToLower(v.Domain)}
		if i < len(tags) {
			c.Selector = tags[i][1]
		}
		c.Result, c.Reason = dkimVerdict(v.Err, c)
		out = append(out, c)
	}
	return out
}

func dkimVerdict(err error, c Check) (string, string) {
	key := c.Selector + "._domainkey." + c.Domain
	switch {
	case err == nil:
		return Pass, fmt.Sprintf("signature by %s verified with the key at %s", c.Domain, key)
	case dkim.IsTempFail(err):
		return TempError, fmt.Sprintf("the key at %s could not be fetched: %s", key, trimDKIM(err))
	case dkim.IsPermFail(err):
		return PermError, trimDKIM(err)
	}
	why := trimDKIM(err)
	switch {
	case strings.Contains(why, "body hash did not verify"):
		why = "the body hash does not match: the body was changed after signing"
	case strings.Contains(why, "signature did not verify"):
		why = fmt.Sprintf("the signature does not match the key at %s, or a signed header field was changed", key)
	}
	return Fail, why
}

func trimDKIM(err error) string {
	return strings.TrimPrefix(strings.TrimPrefix(err.Error(), "dkim: "), "dkim: ")
}

// pickDKIM chooses the signature the DKIM verdict is about: the first that
// passes and aligns with From:, else the first that passes, else the
// first.
func pickDKIM(all []Check, from string) Check {
	if len(all) == 0 {
		return Check{Result: None, Reason: "the message carries no DKIM signature"}
	}
	for _, c := range all {
		if c.Result == Pass && from != "" && aligned(c.Domain, from, true) {
			return c
		}
	}
	for _, c := range all {
		if c.Result == Pass {
			return c
		}
	}
	return all[0]
}
