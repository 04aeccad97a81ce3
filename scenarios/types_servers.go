package scenarios

// Server tunes one host's servers.
type Server struct {
	// Host is the name of a host of the scenario (mail.<domain> for a
	// domain without hosts).
	Host string `yaml:"host" json:"host"`
	// Certificate is a fault of the host's TLS certificate: expired,
	// not-yet-valid, wrong-name, unknown-ca or self-signed. Empty means a good
	// certificate signed by the simulated CA.
	Certificate string `yaml:"certificate,omitempty" json:"certificate,omitempty"`
	// TLSPolicy is how the host protects mail it sends on: none (never
	// STARTTLS), opportunistic (STARTTLS when offered, go on with a bad
	// certificate and record it) or required (never send in plain text).
	// Defaults to opportunistic.
	TLSPolicy string `yaml:"tls_policy,omitempty" json:"tls_policy,omitempty"`
	// TLSFailure is what a required policy does when TLS cannot be had:
	// defer (4.7.x, keep retrying) or bounce (5.7.x). Defaults to defer.
	TLSFailure string `yaml:"tls_failure,omitempty" json:"tls_failure,omitempty"`
	// Queue overrides the scenario's retry schedule for mail this host sends.
	Queue *Queue `yaml:"queue,omitempty" json:"queue,omitempty"`
	// MaxMessageSize in bytes, announced with SIZE (RFC 1870); bigger
	// messages get 552 5.3.4. Defaults to 25 MiB.
	MaxMessageSize int `yaml:"max_message_size,omitempty" json:"max_message_size,omitempty"`
	// MaxRecipients per transaction; more get 452 4.5.3 and are sent again
	// in another transaction. Defaults to 100.
	MaxRecipients int `yaml:"max_recipients,omitempty" json:"max_recipients,omitempty"`
	// MaxReceived is how many Received: headers a message may carry before
	// the host calls it a loop and bounces it with 5.4.6. Defaults to 30.
	MaxReceived int `yaml:"max_received,omitempty" json:"max_received,omitempty"`
	// RelayTo sends all mail this host passes on through another host of the
	// scenario (a smarthost, or an internal transport) instead of the MX of
	// the recipient's domain.
	RelayTo string `yaml:"relay_to,omitempty" json:"relay_to,omitempty"`
	// RelayPort is the smarthost's port: 25 (default), 587 (STARTTLS) or 465
	// (implicit TLS).
	RelayPort int `yaml:"relay_port,omitempty" json:"relay_port,omitempty"`
	// RelayUsername is the account this host logs in as with AUTH at the
	// smarthost: a user of the smarthost's domain. Without it the host
	// relays without logging in.
	RelayUsername string `yaml:"relay_username,omitempty" json:"relay_username,omitempty"`
	// RelayPassword is that account's password, required with
	// relay_username. A wrong one gets 535 5.7.8 and the mail waits in the
	// queue (see the built-in smarthost-wrong-password).
	RelayPassword string `yaml:"relay_password,omitempty" json:"relay_password,omitempty"`
	// RelayMechanism is PLAIN (default) or LOGIN.
	RelayMechanism string `yaml:"relay_mechanism,omitempty" json:"relay_mechanism,omitempty"`
	// Relay says for whom the host relays to other domains: authenticated
	// (default: users who logged in), networks (also the hosts listed in
	// relay_networks, without a password) or open (anyone — an open relay).
	Relay string `yaml:"relay,omitempty" json:"relay,omitempty"`
	// RelayNetworks are hosts of the scenario (or addresses) trusted to
	// relay through this host without logging in.
	RelayNetworks []string `yaml:"relay_networks,omitempty" json:"relay_networks,omitempty"`
	// Limits bound what one user (or domain) may send.
	Limits *Limits `yaml:"limits,omitempty" json:"limits,omitempty"`
	// Block lists refuse mail from or to addresses and domains (550 5.7.1).
	Block *Block `yaml:"block,omitempty" json:"block,omitempty"`
	// Content rules look for keywords in arriving mail.
	Content []ContentRule `yaml:"content,omitempty" json:"content,omitempty"`
	// AllowPlaintextAuth lets users log in without TLS: AUTH on port 587
	// before STARTTLS, and likewise LOGIN on IMAP 143 and USER/PASS on POP3
	// 110. Off by default, as in Dovecot (disable_plaintext_auth): passwords
	// cross the wire only encrypted, and AUTH before STARTTLS gets 538
	// 5.7.11. Turn it on for a lesson that shows a password in the clear,
	// e.g. with curl imap://.
	AllowPlaintextAuth bool `yaml:"allow_plaintext_auth,omitempty" json:"allow_plaintext_auth,omitempty"`
	// Delivery tunes how the host delivers what it passes on: concurrency
	// and rate per destination, DNS and connection caches.
	Delivery *Delivery `yaml:"delivery,omitempty" json:"delivery,omitempty"`
	// Full lists users of this host whose mailbox is full: temporary gives
	// 452 4.2.2, permanent 552 5.2.2.
	Full []FullMailbox `yaml:"full,omitempty" json:"full,omitempty"`
	// Greylist makes the host greylist mail that other servers relay to it
	// (RFC 6647).
	Greylist *Greylist `yaml:"greylist,omitempty" json:"greylist,omitempty"`
	// DKIM is how the host signs the mail its users submit (RFC 6376).
	// Every host signs by default, for its domain, with a key of its own
	// whose public half is published in the simulated DNS.
	DKIM *DKIM `yaml:"dkim,omitempty" json:"dkim,omitempty"`
	// SenderAuth is what the host does with mail arriving from other
	// domains after checking SPF, DKIM and DMARC.
	SenderAuth *SenderAuth `yaml:"sender_auth,omitempty" json:"sender_auth,omitempty"`
	// Footer is text the host adds at the end of every message it forwards
	// to another domain (an alias member or a filter elsewhere), as a
	// mailing list adds one: it changes the body, which breaks the
	// sender's DKIM signature.
	Footer string `yaml:"footer,omitempty" json:"footer,omitempty"`
}

// Greylist is the greylisting of RFC 6647: the host refuses, at RCPT and
// with 451 4.7.1, the first attempt of each (client address, sender,
// recipient) triplet arriving on port 25 without a login, and every retry
// of it sooner than delay; a retry after the delay is accepted, and the
// triplet from then on. A server that retries as RFC 5321 §4.5.4.1 asks
// gets through; a program that sends once and never retries does not.
type Greylist struct {
	// Delay is how long after the first attempt a retry of the same
	// triplet is let through, in simulated time, e.g. 5m or 1h. Defaults to
	// 5m.
	Delay string `yaml:"delay,omitempty" json:"delay,omitempty"`
}

// FullMailbox is a user whose mailbox takes no more mail.
type FullMailbox struct {
	// User is the mailbox owner's address.
	User string `yaml:"user" json:"user"`
	// Kind is temporary (452 4.2.2, the sender retries) or permanent (552
	// 5.2.2). Defaults to temporary.
	Kind string `yaml:"kind,omitempty" json:"kind,omitempty"`
}

// Queue is a retry schedule (RFC 5321 §4.5.4.1).
type Queue struct {
	// Retry lists the waits before the second, third, ... attempt, e.g.
	// [15m, 30m, 2h]; the last one repeats. Defaults to 15m, 30m, then 2h to
	// 3h (seeded): two tries in the first hour, then every two to three hours.
	Retry []string `yaml:"retry,omitempty" json:"retry,omitempty"`
	// GiveUp is how long after arrival the host stops trying and bounces with
	// 4.4.7. Defaults to 5d (days may be written as d).
	GiveUp string `yaml:"give_up,omitempty" json:"give_up,omitempty"`
	// DelayNotice sends the sender one "delayed" notice (Action: delayed)
	// once a message has waited this long. Without it no such notice is
	// sent.
	DelayNotice string `yaml:"delay_notice,omitempty" json:"delay_notice,omitempty"`
}

// Fault makes an SMTP server (host) or the DNS (dns) misbehave. Exactly
// one of host and dns is set.
type Fault struct {
	// Host whose SMTP server misbehaves.
	Host string `yaml:"host,omitempty" json:"host,omitempty"`
	// Stage of the SMTP dialogue: connect, greeting, ehlo, starttls, auth,
	// mail, rcpt, data, dot (after the final dot) or data_disconnect (the
	// connection drops during DATA, before the server answers the final dot).
	Stage string `yaml:"stage,omitempty" json:"stage,omitempty"`
	// Port limits the fault to one port (25, 587 or 465); default all.
	Port int `yaml:"port,omitempty" json:"port,omitempty"`
	// Recipient limits an rcpt fault to one address.
	Recipient string `yaml:"recipient,omitempty" json:"recipient,omitempty"`
	// Reply the server gives at that stage. Defaults by stage, e.g. 554 for
	// greeting, 451 4.3.0 for the others.
	Reply *Reply `yaml:"reply,omitempty" json:"reply,omitempty"`
	// Effect of a fault that is not a reply: refuse (connect: connection
	// refused), not_offered or handshake (starttls: STARTTLS missing from
	// EHLO, or a failing TLS handshake), slow (the server waits delay before
	// answering).
	Effect string `yaml:"effect,omitempty" json:"effect,omitempty"`
	// DNS name whose lookups misbehave.
	DNS string `yaml:"dns,omitempty" json:"dns,omitempty"`
	// Type of DNS question affected (MX, A, AAAA, TXT); default all.
	Type string `yaml:"type,omitempty" json:"type,omitempty"`
	// Answer of a DNS fault: nxdomain, servfail, no_answer (NOERROR, empty)
	// or drop (no reply at all).
	Answer string `yaml:"answer,omitempty" json:"answer,omitempty"`
	// Times limits the fault to the first N times it applies; 0 means every
	// time.
	Times int `yaml:"times,omitempty" json:"times,omitempty"`
	// Probability (0 to 1) that the fault applies, drawn from the run's
	// seeded randomness; default 1.
	Probability float64 `yaml:"probability,omitempty" json:"probability,omitempty"`
	// Delay in simulated time before the server answers, e.g. 10m; with
	// effect slow, longer than the client's 5-minute timeout (RFC 5321
	// §4.5.3.2) makes the client give up.
	Delay string `yaml:"delay,omitempty" json:"delay,omitempty"`
	// From is when, in simulated time, the fault starts to apply: a time of
	// day on the day the run starts ("09:30", "14:00:05"), a moment in RFC
	// 3339 ("2026-01-06T08:00:00Z"), or a span after the run's start
	// ("+2h"). Defaults to the start of the run.
	From string `yaml:"from,omitempty" json:"from,omitempty"`
	// Until is when the fault stops applying, written as from; a time of
	// day not after from's is on the next day. Default: never.
	Until string `yaml:"until,omitempty" json:"until,omitempty"`
	// For is how long the fault applies after from, e.g. 3h: the same as
	// until set to from plus this span.
	For string `yaml:"for,omitempty" json:"for,omitempty"`
}

// Reply is an SMTP reply.
type Reply struct {
	// Code is the three-digit reply code.
	Code int `yaml:"code" json:"code"`
	// Enhanced is the enhanced status code (RFC 3463), e.g. 4.3.0.
	Enhanced string `yaml:"enhanced,omitempty" json:"enhanced,omitempty"`
	// Text follows the codes.
	Text string `yaml:"text,omitempty" json:"text,omitempty"`
}

// Limits bound sending through a host.
type Limits struct {
	// MessagesPerHour a sender may submit in one simulated hour; more get
	// 451 4.7.1 (try later).
	MessagesPerHour int `yaml:"messages_per_hour,omitempty" json:"messages_per_hour,omitempty"`
	// RecipientsPerMessage a sender may name; more get 550 5.7.1.
	RecipientsPerMessage int `yaml:"recipients_per_message,omitempty" json:"recipients_per_message,omitempty"`
	// Per is user (default: each authenticated user or envelope sender) or
	// domain (the sender's domain as a whole).
	Per string `yaml:"per,omitempty" json:"per,omitempty"`
}

// Block refuses mail by address or domain.
type Block struct {
	// Senders are envelope senders refused at MAIL.
	Senders []string `yaml:"senders,omitempty" json:"senders,omitempty"`
	// Recipients are addresses refused at RCPT.
	Recipients []string `yaml:"recipients,omitempty" json:"recipients,omitempty"`
	// Domains are sender domains refused at MAIL.
	Domains []string `yaml:"domains,omitempty" json:"domains,omitempty"`
}

// ContentRule acts on mail whose subject or text contains a keyword.
type ContentRule struct {
	// Keywords, any of which makes the rule match (case-insensitive).
	Keywords []string `yaml:"keywords" json:"keywords"`
	// Action is reject (550 5.7.1 after the data) or spam (file into Spam).
	Action string `yaml:"action" json:"action"`
}
