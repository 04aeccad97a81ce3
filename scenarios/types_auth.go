package scenarios

// DKIM is a host's DKIM signing (RFC 6376): a DKIM-Signature field on
// every message a user submits through the host after logging in, made
// with an Ed25519 key (RFC 8463) derived from the scenario's seed, for the
// host's domain (d=); the public key is published as a TXT record at
// <selector>._domainkey.<domain>.
type DKIM struct {
	// Sign turns signing on or off. Defaults to true.
	Sign *bool `yaml:"sign,omitempty" json:"sign,omitempty"`
	// Selector names the key (s=) and so its DNS record. Defaults to the
	// first label of the host's name: mail for mail.example.test (mail2,
	// mail3... when other hosts of the domain have it already).
	Selector string `yaml:"selector,omitempty" json:"selector,omitempty"`
	// Broken publishes another key than the one the host signs with (a key
	// rotated without updating DNS): every signature fails to verify.
	Broken bool `yaml:"broken,omitempty" json:"broken,omitempty"`
}

// SenderAuth is a receiving host's handling of sender authentication. Mail
// arriving on port 25 from outside the host's domain is checked: SPF
// (RFC 7208) for the connecting address and the envelope sender, DKIM
// (RFC 6376) for each signature, DMARC (RFC 7489) for the From: domain.
// The verdicts go into an Authentication-Results field (RFC 8601) on the
// message and into an auth.result event.
type SenderAuth struct {
	// Verify turns the checks on or off. Defaults to true.
	Verify *bool `yaml:"verify,omitempty" json:"verify,omitempty"`
	// SPFFail is what an SPF fail alone does: accept (the verdict is only
	// recorded, as most receivers do and DMARC decides), spam (file in the
	// Spam folder) or reject (550 5.7.23). Defaults to accept.
	SPFFail string `yaml:"spf_fail,omitempty" json:"spf_fail,omitempty"`
	// DMARC is whether the host follows the sending domain's DMARC policy:
	// enforce (p=reject refused at DATA with 550 5.7.1, p=quarantine filed
	// in Spam) or report (verdicts recorded, nothing refused). Defaults to
	// enforce.
	DMARC string `yaml:"dmarc,omitempty" json:"dmarc,omitempty"`
}

// AuthExpectation matches the verdicts a receiving server reached on a
// message (the auth.result event of step 5). Each result given must be
// the one reached: pass, fail, softfail, neutral, none, temperror or
// permerror.
type AuthExpectation struct {
	// Message is the id of a send action.
	Message string `yaml:"message" json:"message"`
	// Host is the receiving host that checked; default any.
	Host string `yaml:"host,omitempty" json:"host,omitempty"`
	// SPF result required.
	SPF string `yaml:"spf,omitempty" json:"spf,omitempty"`
	// DKIM result required.
	DKIM string `yaml:"dkim,omitempty" json:"dkim,omitempty"`
	// DMARC result required.
	DMARC string `yaml:"dmarc,omitempty" json:"dmarc,omitempty"`
	// ReasonContains is text one of the three verdicts' reasons must
	// contain, e.g. "not aligned".
	ReasonContains string `yaml:"reason_contains,omitempty" json:"reason_contains,omitempty"`
}
