package scenarios

// Scenario is one YAML file: a small internet (domains, their hosts and
// users), what people do in it (actions), and what must be true afterwards
// (expect).
type Scenario struct {
	// Name identifies the scenario in lists and reports. Defaults to the file
	// name without its extension.
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// Description is one line saying what the scenario shows.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Seed fixes the run's randomness; the same seed gives the same trace.
	// Defaults to 1.
	Seed int64 `yaml:"seed,omitempty" json:"seed,omitempty"`
	// Start is the simulated wall-clock time the run begins at, RFC 3339.
	// Defaults to 2026-01-05T09:00:00Z.
	Start string `yaml:"start,omitempty" json:"start,omitempty"`
	// Extends names another scenario file, relative to this one, whose
	// domains (with their users, hosts and dns) this scenario starts from, so
	// that a suite of scenarios can share one topology file. Domains listed
	// here are merged by name: their users, hosts and dns are added to the
	// base file's domain of the same name, and new names add domains. Of
	// the rest, only description, seed and start come from the base file,
	// and only when not set here. The base file may itself extend another.
	// Built-in scenarios cannot use it.
	Extends string `yaml:"extends,omitempty" json:"extends,omitempty"`
	// Domains are the mail domains of the simulated internet. Required
	// unless extends names a file that has them.
	Domains []Domain `yaml:"domains,omitempty" json:"domains,omitempty"`
	// Actions are played in order once every server is listening.
	Actions []Action `yaml:"actions,omitempty" json:"actions,omitempty"`
	// Expect lists what must hold when the actions are done; a failed
	// expectation makes `mailflow run` and `mailflow test` exit 1.
	Expect []Expectation `yaml:"expect,omitempty" json:"expect,omitempty"`
	// Servers tunes individual hosts: TLS certificate and policy, queue
	// schedule, size and recipient limits, loop detection.
	Servers []Server `yaml:"servers,omitempty" json:"servers,omitempty"`
	// Queue is the retry schedule of every host that does not set its own.
	Queue *Queue `yaml:"queue,omitempty" json:"queue,omitempty"`
	// Faults make servers and DNS misbehave, to show what failures look
	// like and how mail survives them.
	Faults []Fault `yaml:"faults,omitempty" json:"faults,omitempty"`

	// File is where the scenario was read from (not part of the format).
	File string `yaml:"-" json:"-"`
	// Source is the raw YAML, kept for error messages (not part of the format).
	Source []byte `yaml:"-" json:"-"`
	// Pos maps a field path such as "actions[0].send.to[1]" to its position
	// in Source (not part of the format): a scalar's value, or the key of a
	// mapping or list. Fields filled by defaults have none; use PosOf.
	Pos map[string]Position `yaml:"-" json:"-"`
}

// Position is a line and column in a scenario file, both starting at 1.
type Position struct {
	Line   int
	Column int
	// File is the file the position is in: the scenario's own, or for
	// fields taken through extends, the base file's.
	File string
}

// Domain is a mail domain with its users, the hosts serving it and extra DNS
// records. A domain with no hosts gets one host, mail.<domain>, serving every
// mail service, and an MX record (preference 10) pointing to it.
type Domain struct {
	// Name is the domain name, e.g. example.test.
	Name string `yaml:"name" json:"name"`
	// Users have mailboxes on this domain's mail host and may submit mail
	// through it with their password.
	Users []User `yaml:"users,omitempty" json:"users,omitempty"`
	// Hosts serve the domain. Leave empty for the single default host.
	Hosts []Host `yaml:"hosts,omitempty" json:"hosts,omitempty"`
	// DNS lists records added to the domain's zone besides those the hosts
	// imply (A for every host, MX for every host with an mx preference).
	DNS []Record `yaml:"dns,omitempty" json:"dns,omitempty"`
	// Aliases are addresses of the domain that deliver to other addresses:
	// a forward, or a group with several members.
	Aliases []Alias `yaml:"aliases,omitempty" json:"aliases,omitempty"`
}

// Alias is an address without a mailbox of its own.
type Alias struct {
	// Name is the local part: "team" in team@school.test.
	Name string `yaml:"name" json:"name"`
	// Members receive what is sent to the alias: local users, other
	// aliases, or addresses in other domains (forwarded, with the envelope
	// sender rewritten by SRS so that a bounce can find its way back).
	Members []string `yaml:"members" json:"members"`
	// Posting says who may write to the alias: anyone (default) or domain
	// (only senders of this domain; others get 550 5.7.1).
	Posting string `yaml:"posting,omitempty" json:"posting,omitempty"`
}

// User is a mailbox owner.
type User struct {
	// Name is the local part: "alice" in alice@example.test.
	Name string `yaml:"name" json:"name"`
	// Password for SMTP AUTH, POP3 and IMAP. Defaults to "password".
	Password string `yaml:"password,omitempty" json:"password,omitempty"`
	// FullName is shown in From: headers, e.g. "Alice Nguyen".
	FullName string `yaml:"full_name,omitempty" json:"full_name,omitempty"`
	// Identities are other From: addresses the user may send as (send-as).
	Identities []Identity `yaml:"identities,omitempty" json:"identities,omitempty"`
	// Filters run on mail arriving in the user's mailbox, in order; the
	// first that matches decides.
	Filters []Filter `yaml:"filters,omitempty" json:"filters,omitempty"`
}

// Identity is an address a user may send as.
type Identity struct {
	// Address the user may put in From:.
	Address string `yaml:"address" json:"address"`
	// ReplyTo, when set, is added as the Reply-To: of mail sent as this
	// identity.
	ReplyTo string `yaml:"reply_to,omitempty" json:"reply_to,omitempty"`
}

// Filter sorts arriving mail, as webmail filters do. Every condition given
// must hold; the actions then apply.
type Filter struct {
	// From matches when the From: header contains this text.
	From string `yaml:"from,omitempty" json:"from,omitempty"`
	// SubjectContains matches when the subject contains this text.
	SubjectContains string `yaml:"subject_contains,omitempty" json:"subject_contains,omitempty"`
	// Tag matches the +tag of a sub-address (bob+homework@school.test).
	Tag string `yaml:"tag,omitempty" json:"tag,omitempty"`
	// Label files the message in this folder instead of INBOX.
	Label string `yaml:"label,omitempty" json:"label,omitempty"`
	// Star flags the message \Flagged.
	Star bool `yaml:"star,omitempty" json:"star,omitempty"`
	// Archive skips the INBOX: the message goes to Archive (unless labelled).
	Archive bool `yaml:"archive,omitempty" json:"archive,omitempty"`
	// Forward sends a copy to this address.
	Forward string `yaml:"forward,omitempty" json:"forward,omitempty"`
	// Delete drops the message (it is counted as delivered and deleted).
	Delete bool `yaml:"delete,omitempty" json:"delete,omitempty"`
}

// Host is a simulated machine serving a domain.
type Host struct {
	// Name is the host's fully qualified name, e.g. mx.school.test.
	Name string `yaml:"name" json:"name"`
	// Services the host runs: smtp (port 25), submission (587), submissions
	// (465), pop3 (110), pop3s (995), imap (143), imaps (993). Defaults to
	// all of them.
	Services []string `yaml:"services,omitempty" json:"services,omitempty"`
	// MX is the preference of the MX record pointing to this host; 0 means
	// the host is not an MX of the domain. Lower is preferred.
	MX int `yaml:"mx,omitempty" json:"mx,omitempty"`
	// Mailboxes says whether users' mail is filed on this host (step 6).
	// Defaults to true for the domain's first host, false for the others.
	Mailboxes *bool `yaml:"mailboxes,omitempty" json:"mailboxes,omitempty"`
}

// Record is an extra DNS resource record.
type Record struct {
	// Name is the owner name; relative names are completed with the domain.
	Name string `yaml:"name" json:"name"`
	// Type is one of A, AAAA, MX, TXT, CNAME, NS.
	Type string `yaml:"type" json:"type"`
	// Value is the record data: an address, a host name, or text.
	Value string `yaml:"value" json:"value"`
	// Preference of an MX record, required for MX; lower is preferred.
	Preference int `yaml:"preference,omitempty" json:"preference,omitempty"`
	// TTL is the record's time to live in seconds. Defaults to 300.
	TTL int `yaml:"ttl,omitempty" json:"ttl,omitempty"`
}

// Action is one thing that happens in the scenario. Exactly one of its
// fields is set.
type Action struct {
	// Send submits a message as a mail client would (steps 1 and 2).
	Send *Send `yaml:"send,omitempty" json:"send,omitempty"`
	// Wait pauses the actions until messages reach a final state.
	Wait *Wait `yaml:"wait,omitempty" json:"wait,omitempty"`
	// Fetch reads a mailbox over POP3 or IMAP, as the recipient's mail
	// client does after step 6.
	Fetch *Fetch `yaml:"fetch,omitempty" json:"fetch,omitempty"`
}

// Fetch reads a user's mailbox as a mail client would. POP3 downloads the
// messages and, unless keep is true, deletes them from the server; IMAP
// reads them where they are, marking them \Seen, and deletes them only when
// keep is false.
type Fetch struct {
	// ID names the fetch in events and expectations. Defaults to f1, f2, ...
	// in the order of the fetch actions.
	ID string `yaml:"id,omitempty" json:"id,omitempty"`
	// User is the mailbox owner's address; the client logs in as this user.
	User string `yaml:"user" json:"user"`
	// Protocol is pop3 or imap.
	Protocol string `yaml:"protocol" json:"protocol"`
	// TLS is implicit (ports 995 and 993, the default), starttls (STLS on
	// 110, STARTTLS on 143) or none.
	TLS string `yaml:"tls,omitempty" json:"tls,omitempty"`
	// Keep leaves the messages on the server. Defaults to false for pop3
	// (download and delete) and true for imap.
	Keep *bool `yaml:"keep,omitempty" json:"keep,omitempty"`
	// Folder is the IMAP folder to read. Defaults to INBOX; POP3 always
	// reads INBOX.
	Folder string `yaml:"folder,omitempty" json:"folder,omitempty"`
	// Password overrides the user's password, e.g. to show a failed login.
	Password string `yaml:"password,omitempty" json:"password,omitempty"`
}

// Send submits one message through the sender's own mail server.
type Send struct {
	// ID names the message in events and expectations. Defaults to m1, m2, ...
	// in the order of the send actions.
	ID string `yaml:"id,omitempty" json:"id,omitempty"`
	// From is the sender's address; it must be a user of a simulated domain
	// unless auth is false.
	From string `yaml:"from" json:"from"`
	// To lists the recipients' addresses; they need not be users of a
	// simulated domain.
	To []string `yaml:"to" json:"to"`
	// Cc lists carbon-copy recipients.
	Cc []string `yaml:"cc,omitempty" json:"cc,omitempty"`
	// Bcc lists blind carbon-copy recipients (envelope only, no header).
	Bcc []string `yaml:"bcc,omitempty" json:"bcc,omitempty"`
	// Subject of the message.
	Subject string `yaml:"subject,omitempty" json:"subject,omitempty"`
	// Body is the text of the message.
	Body string `yaml:"body,omitempty" json:"body,omitempty"`
	// Attachments are added as MIME parts.
	Attachments []Attachment `yaml:"attachments,omitempty" json:"attachments,omitempty"`
	// Server is the host the client submits to. Defaults to the sender's
	// domain's submission host.
	Server string `yaml:"server,omitempty" json:"server,omitempty"`
	// Port is the submission port: 587 (STARTTLS) or 465 (implicit TLS), or
	// 25 to talk to an MX directly. Defaults to 587.
	Port int `yaml:"port,omitempty" json:"port,omitempty"`
	// TLS is how the client protects the connection: starttls, implicit or
	// none. Defaults to implicit on port 465 and starttls elsewhere.
	TLS string `yaml:"tls,omitempty" json:"tls,omitempty"`
	// Auth says whether the client authenticates. Defaults to true on 587
	// and 465, false on 25.
	Auth *bool `yaml:"auth,omitempty" json:"auth,omitempty"`
	// AuthMechanism is the SASL mechanism, PLAIN or LOGIN. Defaults to PLAIN.
	AuthMechanism string `yaml:"auth_mechanism,omitempty" json:"auth_mechanism,omitempty"`
	// Password overrides the sender's password, e.g. to show a wrong one.
	Password string `yaml:"password,omitempty" json:"password,omitempty"`
	// Login is the account the client logs in as, when it differs from
	// from: a user sending as one of their identities (send-as).
	Login string `yaml:"login,omitempty" json:"login,omitempty"`
	// Notify says which delivery notices the sender asks for (RFC 3461
	// NOTIFY): never, or any of success, failure, delay. Default: the
	// server's choice (failures and delays).
	Notify []string `yaml:"notify,omitempty" json:"notify,omitempty"`
	// Ret is how much of the message a bounce returns (RFC 3461 RET): full
	// or hdrs. Default full.
	Ret string `yaml:"ret,omitempty" json:"ret,omitempty"`
}

// Attachment is a file attached to a sent message.
type Attachment struct {
	// Name is the file name shown to the recipient.
	Name string `yaml:"name" json:"name"`
	// ContentType is the attachment's MIME type. Defaults to the type the
	// name's extension implies (application/pdf for .pdf), else
	// application/octet-stream.
	ContentType string `yaml:"content_type,omitempty" json:"content_type,omitempty"`
	// Content is the file's text. When empty, size bytes of generated data
	// are attached instead.
	Content string `yaml:"content,omitempty" json:"content,omitempty"`
	// Size is the number of generated bytes when content is empty, at most
	// 10 MiB. Defaults to 1024.
	Size int `yaml:"size,omitempty" json:"size,omitempty"`
}

// Wait pauses the actions until every message sent so far (or the ones
// listed) is delivered, bounced, rejected or given up, or until the timeout.
type Wait struct {
	// Messages lists message ids to wait for; empty means all sent so far.
	Messages []string `yaml:"messages,omitempty" json:"messages,omitempty"`
	// Timeout bounds the wait in wall-clock time, e.g. 10s or 1m. Defaults
	// to 10s.
	Timeout string `yaml:"timeout,omitempty" json:"timeout,omitempty"`
}

// Expectation is one check made after the actions. Exactly one of its
// fields is set.
type Expectation struct {
	// Delivered checks that a mailbox received matching messages.
	Delivered *Delivered `yaml:"delivered,omitempty" json:"delivered,omitempty"`
	// NotDelivered checks that a mailbox received no matching message.
	NotDelivered *Delivered `yaml:"not_delivered,omitempty" json:"not_delivered,omitempty"`
	// Steps checks the sequence of steps a message went through, e.g.
	// [1, 2, 3, 6] for local delivery.
	Steps *StepsExpectation `yaml:"steps,omitempty" json:"steps,omitempty"`
	// Reply checks that an SMTP reply with this code was seen.
	Reply *ReplyExpectation `yaml:"reply,omitempty" json:"reply,omitempty"`
	// Fetched checks what a fetch action read.
	Fetched *FetchedExpectation `yaml:"fetched,omitempty" json:"fetched,omitempty"`
	// Bounced checks that a delivery status notification (a bounce) was
	// sent for a message.
	Bounced *BouncedExpectation `yaml:"bounced,omitempty" json:"bounced,omitempty"`
	// DNS checks that a DNS question was asked and how it was answered.
	DNS *DNSExpectation `yaml:"dns,omitempty" json:"dns,omitempty"`
	// TLS checks that a hop used TLS, and whether its certificate verified.
	TLS *TLSExpectation `yaml:"tls,omitempty" json:"tls,omitempty"`
	// Retries checks how many times delivery of a message was retried.
	Retries *RetriesExpectation `yaml:"retries,omitempty" json:"retries,omitempty"`
	// Within checks that a message reached its final state within a span of
	// simulated time after it was sent.
	Within *WithinExpectation `yaml:"within,omitempty" json:"within,omitempty"`
	// Transcript checks that a connection's dialogue contains a text.
	Transcript *TranscriptExpectation `yaml:"transcript,omitempty" json:"transcript,omitempty"`
}

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

// TranscriptExpectation matches a recorded dialogue.
type TranscriptExpectation struct {
	// Message is the id of a send action; default any.
	Message string `yaml:"message,omitempty" json:"message,omitempty"`
	// Peer is the server's host name; default any.
	Peer string `yaml:"peer,omitempty" json:"peer,omitempty"`
	// Contains is text some line of the transcript must contain.
	Contains string `yaml:"contains" json:"contains"`
}

// FetchedExpectation matches the messages one fetch action read.
type FetchedExpectation struct {
	// Fetch is the id of a fetch action.
	Fetch string `yaml:"fetch" json:"fetch"`
	// Count of matching messages required; defaults to at least one.
	Count *int `yaml:"count,omitempty" json:"count,omitempty"`
	// Subject the messages must have.
	Subject string `yaml:"subject,omitempty" json:"subject,omitempty"`
	// From must appear in the From: header.
	From string `yaml:"from,omitempty" json:"from,omitempty"`
	// BodyContains is text the message's text body must contain.
	BodyContains string `yaml:"body_contains,omitempty" json:"body_contains,omitempty"`
	// Attachments are file names the messages must carry.
	Attachments []string `yaml:"attachments,omitempty" json:"attachments,omitempty"`
	// Flags the messages must carry after the fetch (IMAP), e.g. [\Seen].
	Flags []string `yaml:"flags,omitempty" json:"flags,omitempty"`
}

// Delivered matches messages in one mailbox folder.
type Delivered struct {
	// Mailbox is the recipient's address.
	Mailbox string `yaml:"mailbox" json:"mailbox"`
	// Folder is the mailbox folder to look in. Defaults to INBOX.
	Folder string `yaml:"folder,omitempty" json:"folder,omitempty"`
	// Count is the number of matching messages required. Defaults to at
	// least one for delivered and to exactly zero for not_delivered, which
	// takes no count.
	Count *int `yaml:"count,omitempty" json:"count,omitempty"`
	// Subject the message must have.
	Subject string `yaml:"subject,omitempty" json:"subject,omitempty"`
	// From is an address that must appear in the From: header.
	From string `yaml:"from,omitempty" json:"from,omitempty"`
	// BodyContains is text the message's text body must contain.
	BodyContains string `yaml:"body_contains,omitempty" json:"body_contains,omitempty"`
	// Attachments are file names the message must carry.
	Attachments []string `yaml:"attachments,omitempty" json:"attachments,omitempty"`
	// Headers the message must carry, name to a text the value contains.
	Headers map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
}

// StepsExpectation checks the ordered steps of one message.
type StepsExpectation struct {
	// Message is the id of a send action.
	Message string `yaml:"message" json:"message"`
	// Sequence is the ordered list of distinct steps, e.g. [1,2,3,4,5,6].
	Sequence []int `yaml:"sequence" json:"sequence"`
}

// ReplyExpectation checks that some SMTP reply was seen.
type ReplyExpectation struct {
	// Message is the id of a send action; empty means any.
	Message string `yaml:"message,omitempty" json:"message,omitempty"`
	// Code is the three-digit reply code, e.g. 550.
	Code int `yaml:"code" json:"code"`
	// Enhanced is the enhanced status code, e.g. 5.7.1.
	Enhanced string `yaml:"enhanced,omitempty" json:"enhanced,omitempty"`
	// Host that gave (or reported) the reply; default any.
	Host string `yaml:"host,omitempty" json:"host,omitempty"`
	// Stage of the dialogue, e.g. rcpt or data; default any.
	Stage string `yaml:"stage,omitempty" json:"stage,omitempty"`
}

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
	// RelayUsername and RelayPassword authenticate to the smarthost (a user
	// of the smarthost's domain).
	RelayUsername string `yaml:"relay_username,omitempty" json:"relay_username,omitempty"`
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
	// Full lists users of this host whose mailbox is full: temporary gives
	// 452 4.2.2, permanent 552 5.2.2.
	Full []FullMailbox `yaml:"full,omitempty" json:"full,omitempty"`
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
	// DelayNotice, when set, sends the sender one "delayed" notice (Action:
	// delayed) once a message has waited this long.
	DelayNotice string `yaml:"delay_notice,omitempty" json:"delay_notice,omitempty"`
}

// Fault makes an SMTP server (host) or the DNS (dns) misbehave. Exactly
// one of host and dns is set.
type Fault struct {
	// Host whose SMTP server misbehaves.
	Host string `yaml:"host,omitempty" json:"host,omitempty"`
	// Stage of the SMTP dialogue: connect, greeting, ehlo, starttls, auth,
	// mail, rcpt, data, dot (after the final dot) or data_disconnect (the
	// connection drops in the middle of DATA).
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
