package mailauth

import (
	"strings"

	"github.com/emersion/go-msgauth/authres"
)

// Header is the Authentication-Results field (RFC 8601) that authservID,
// the receiving host, adds for these results, one method per line, with
// its final CRLF.
func (r Results) Header(authservID, mailFrom string) string {
	spfFrom := mailFrom
	if spfFrom == "" || !strings.Contains(spfFrom, "@") {
		spfFrom = r.SPF.Domain
	}
	results := []authres.Result{
		&authres.SPFResult{Value: authres.ResultValue(r.SPF.Result), From: spfFrom},
		&authres.DKIMResult{Value: authres.ResultValue(r.DKIM.Result), Domain: r.DKIM.Domain,
			Reason: failureReason(r.DKIM)},
		&authres.DMARCResult{Value: authres.ResultValue(r.DMARC.Result), From: r.DMARC.Domain,
			Reason: dmarcReason(r.DMARC)},
	}
	var b strings.Builder
	b.WriteString("Authentication-Results: ")
	b.WriteString(authservID)
	for _, res := range results {
		// Format gives "id; method=result params"; one line per method
		// keeps the field readable.
		one := authres.Format("", []authres.Result{res})
		b.WriteString(";\r\n\t")
		b.WriteString(strings.TrimSpace(strings.TrimPrefix(one, ";")))
	}
	b.WriteString("\r\n")
	return b.String()
}

// AuthHeader is the Authentication-Results field of a message a user
// submitted after logging in (RFC 8601 §2.7.4, method auth).
func AuthHeader(authservID, user string) string {
	return "Authentication-Results: " + authservID + ";\r\n\t" +
		strings.TrimSpace(strings.TrimPrefix(authres.Format("", []authres.Result{
			&authres.AuthResult{Value: authres.ResultPass, Auth: user}}), ";")) + "\r\n"
}

func failureReason(c Check) string {
	if c.Result == Pass || c.Result == None {
		return ""
	}
	return c.Reason
}

// dmarcReason names the policy that applied to a failure, as receivers
// commonly do: "p=reject".
func dmarcReason(c Check) string {
	if c.Result != Fail || c.Policy == "" {
		return ""
	}
	return "p=" + c.Policy
}
