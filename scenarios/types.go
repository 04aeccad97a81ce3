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
	// a forward, or a group with several members. Mail for postmaster
	// (RFC 5321 §4.5.1: every mail domain accepts it) goes to the alias
	// named postmaster, or without one to the domain's first user.
	Aliases []Alias `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	// SPF is the domain's SPF record (RFC 7208), published as a TXT record
	// at the domain: the hosts that may send its mail, e.g. "v=spf1 mx
	// -all". Defaults to the domain's own hosts ("v=spf1 mx -all", with a:
	// for a host that is no MX and for a smarthost its hosts relay through);
	// none publishes no record. A TXT record starting with v=spf1 in dns
	// takes its place.
	SPF string `yaml:"spf,omitempty" json:"spf,omitempty"`
	// DMARC is the domain's DMARC record (RFC 7489), published as a TXT
	// record at _dmarc.<domain>: what receivers should do with mail whose
	// From: is this domain when neither SPF nor DKIM vouches for it, e.g.
	// "v=DMARC1; p=reject". Defaults to "v=DMARC1; p=none" (report only);
	// none publishes no record. A TXT record named _dmarc in dns takes its
	// place.
	DMARC string `yaml:"dmarc,omitempty" json:"dmarc,omitempty"`
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
	// ReplyTo is added as the Reply-To: header of mail sent as this
	// identity, so that replies go there. Without it no Reply-To: is added.
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
	// Load sends many messages, from a list of senders to a list of
	// recipients, to show a relay under volume.
	Load *LoadAction `yaml:"load,omitempty" json:"load,omitempty"`
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
	// domain's submission host: with login, the domain of the account that
	// logs in (a user sending as an address of another domain still
	// submits to their own server).
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
	// Reply checks that a server sent an SMTP reply with this code, on a
	// submission or a relay connection.
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
	// Transcript checks that a connection's dialogue contains a text, or
	// with count 0 that it does not.
	Transcript *TranscriptExpectation `yaml:"transcript,omitempty" json:"transcript,omitempty"`
	// Auth checks the sender authentication verdicts (SPF, DKIM, DMARC) a
	// receiving server reached for a message.
	Auth *AuthExpectation `yaml:"auth,omitempty" json:"auth,omitempty"`
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
	// Headers the messages must carry as the client read them, name to a
	// text the value contains, e.g. {Reply-To: alice@example.test}.
	Headers map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
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

// ReplyExpectation checks that a server sent some SMTP reply, as the
// transcripts of the submission and relay connections show it: 2xx and 3xx
// replies as well as refusals.
type ReplyExpectation struct {
	// Message is the id of a send action; empty means any.
	Message string `yaml:"message,omitempty" json:"message,omitempty"`
	// Code is the three-digit reply code, e.g. 550, 354 or 250.
	Code int `yaml:"code" json:"code"`
	// Enhanced is the enhanced status code, e.g. 5.7.1.
	Enhanced string `yaml:"enhanced,omitempty" json:"enhanced,omitempty"`
	// Host is either end of the connection: the server that sent the reply,
	// or the client (a host name, or "alice's mail client") it was sent to;
	// default any.
	Host string `yaml:"host,omitempty" json:"host,omitempty"`
	// Stage is the client command the reply answered: connect (the
	// greeting), ehlo, starttls, auth, mail, rcpt, data (the 354 and the
	// reply after the final dot), rset or quit; default any.
	Stage string `yaml:"stage,omitempty" json:"stage,omitempty"`
}
