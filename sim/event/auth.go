package event

// AuthResult is a receiving server's verdict on sender authentication (SPF,
// DKIM, DMARC) for a message arriving from another domain, at step 5; the
// Auth field carries the three verdicts.
const AuthResult Kind = "auth.result"

// AuthResults are the three verdicts of one check.
type AuthResults struct {
	SPF   AuthCheck `json:"spf"`
	DKIM  AuthCheck `json:"dkim"`
	DMARC AuthCheck `json:"dmarc"`
	// Action is what the server did because of them: accept, spam (filed
	// in the Spam folder) or reject; Why says so in words.
	Action string `json:"action"`
	Why    string `json:"why,omitempty"`
}

// AuthCheck is one method's verdict: a result of RFC 8601 (pass, fail,
// softfail, neutral, none, temperror, permerror) and why.
type AuthCheck struct {
	Result string `json:"result"`
	Reason string `json:"reason,omitempty"`
	// Domain checked: the envelope sender's (SPF), the signer's d= (DKIM),
	// the From: domain (DMARC).
	Domain   string `json:"domain,omitempty"`
	Selector string `json:"selector,omitempty"`
	// Policy of the From: domain (DMARC): none, quarantine or reject.
	Policy string `json:"policy,omitempty"`
}
