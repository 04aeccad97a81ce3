package scenarios

// BouncedExpectation matches a bounce (DSN) sent back to a message's sender.
type BouncedExpectation struct {
	// Message is the id of a send action.
	Message string `yaml:"message" json:"message"`
	// Recipient whose delivery failed; default any.
	Recipient string `yaml:"recipient,omitempty" json:"recipient,omitempty"`
	// Status is the DSN status code, e.g. 5.1.1; a prefix such as "5." matches
	// any permanent failure.
	Status string `yaml:"status,omitempty" json:"status,omitempty"`
	// Action is failed (the default) or delayed.
	Action string `yaml:"action,omitempty" json:"action,omitempty"`
	// DiagnosticContains is text the Diagnostic-Code must contain.
	DiagnosticContains string `yaml:"diagnostic_contains,omitempty" json:"diagnostic_contains,omitempty"`
	// Count of such bounces required; defaults to at least one. 0 checks that
	// none was sent.
	Count *int `yaml:"count,omitempty" json:"count,omitempty"`
}

// DNSExpectation matches a DNS exchange.
type DNSExpectation struct {
	// Name asked about, e.g. school.test.
	Name string `yaml:"name" json:"name"`
	// Type of the question, e.g. MX; default any.
	Type string `yaml:"type,omitempty" json:"type,omitempty"`
	// Rcode of the answer: NOERROR, NXDOMAIN, SERVFAIL...; default any.
	Rcode string `yaml:"rcode,omitempty" json:"rcode,omitempty"`
	// Count of such exchanges required; defaults to at least one.
	Count *int `yaml:"count,omitempty" json:"count,omitempty"`
}

// TLSExpectation matches a hop's TLS.
type TLSExpectation struct {
	// From is the connecting side: a host name, or "alice's mail client".
	From string `yaml:"from,omitempty" json:"from,omitempty"`
	// To is the server side's host name.
	To string `yaml:"to" json:"to"`
	// Verified says whether the certificate must have verified (default true)
	// or failed verification (false).
	Verified *bool `yaml:"verified,omitempty" json:"verified,omitempty"`
}

// RetriesExpectation counts a message's delivery retries.
type RetriesExpectation struct {
	// Message is the id of a send action.
	Message string `yaml:"message" json:"message"`
	// Count of retries required (attempts after the first).
	Count *int `yaml:"count,omitempty" json:"count,omitempty"`
	// AtLeast retries.
	AtLeast int `yaml:"at_least,omitempty" json:"at_least,omitempty"`
}

// WithinExpectation bounds a message's delivery time.
type WithinExpectation struct {
	// Message is the id of a send action.
	Message string `yaml:"message" json:"message"`
	// Duration of simulated time, e.g. 2h or 5d.
	Duration string `yaml:"duration" json:"duration"`
	// State the message must reach: delivered (default) or bounced.
	State string `yaml:"state,omitempty" json:"state,omitempty"`
}

// TranscriptExpectation matches the lines of recorded dialogues: the
// client side of every SMTP, POP3 and IMAP connection, with "C:" for what
// the client sent and "S:" for what the server answered.
type TranscriptExpectation struct {
	// Message is the id of a send action; default any.
	Message string `yaml:"message,omitempty" json:"message,omitempty"`
	// From is the connecting side: a host name, or a mail client such as
	// "alice's mail client"; default any.
	From string `yaml:"from,omitempty" json:"from,omitempty"`
	// Peer is the server's host name; default any.
	Peer string `yaml:"peer,omitempty" json:"peer,omitempty"`
	// Stage limits the check to the lines of one stage of an SMTP dialogue:
	// the client's command and the server's reply to it (connect for the
	// greeting, ehlo, starttls, auth, mail, rcpt, data, rset, quit); default
	// every line of every dialogue.
	Stage string `yaml:"stage,omitempty" json:"stage,omitempty"`
	// Contains is text a line of the transcript must contain, e.g. "MAIL
	// FROM" or "S: 451".
	Contains string `yaml:"contains" json:"contains"`
	// Count of matching lines required; defaults to at least one. 0 checks
	// that no such line crossed the wire.
	Count *int `yaml:"count,omitempty" json:"count,omitempty"`
}
