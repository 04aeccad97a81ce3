// Package event defines what the simulator reports: typed events tagged with
// the delivery step they belong to, a bus that fans them out to sinks, and
// the JSON Lines recorder and reader that make a run replayable.
//
// The Event struct is the one contract between the simulator and every view
// (narration, terminal view, pictures, reports, expectations): views read
// its fields, never its text. docs/events.md describes the JSON form.
package event

import (
	"time"
)

// Version is the version of the JSON Lines contract, carried by every event
// as "v". It changes when a field changes meaning or goes away.
const Version = 2

// Kind names what happened, dotted from general to specific.
type Kind string

// The kinds the simulator emits. Views switch on these; the JSON contract
// (docs/events.md) carries them as strings. Every kind here is emitted.
const (
	RunStart       Kind = "run.start"
	ActionStart    Kind = "action.start"
	SMTPConnect    Kind = "smtp.connect"    // a user's mail client opened a connection to its SMTP server
	SMTPTLS        Kind = "smtp.tls"        // TLS on a hop: established (STARTTLS or implicit), or given up
	SMTPAuth       Kind = "smtp.auth"       // AUTH succeeded or failed
	SMTPReply      Kind = "smtp.reply"      // a refusal: a reply of 400 or more, or a client's local failure
	SMTPAccepted   Kind = "smtp.accepted"   // the server took responsibility (250 after DATA)
	SMTPTranscript Kind = "smtp.transcript" // a whole client-side dialogue of one connection
	RouteDecision  Kind = "route.decision"  // step 3: local delivery or relay (and step 6 expansions)
	DNSQuery       Kind = "dns.query"       // a resolver asked the simulated DNS
	DNSAnswer      Kind = "dns.answer"      // and what it answered
	DNSCached      Kind = "dns.cached"      // a host took an answer from its own DNS cache: no question crossed the wire
	RelayConnect   Kind = "relay.connect"   // step 5: the sending server dials the next hop
	RelayDone      Kind = "relay.done"      // the next hop accepted the message
	QueueDeferred  Kind = "queue.deferred"  // a delivery attempt failed temporarily; message stays queued
	QueueFailed    Kind = "queue.failed"    // a delivery attempt failed permanently
	QueueRetry     Kind = "queue.retry"     // a deferred message's next attempt was scheduled
	QueueWait      Kind = "queue.wait"      // a message waits for its destination's turn (a delivery rate limit)
	MailboxStore   Kind = "mailbox.store"   // step 6: filed in a user's folder
	DSNSent        Kind = "dsn.sent"        // a delivery status notification (bounce, delay) was generated for the sender
	MessageDropped Kind = "message.dropped" // a message copy is given up without a notice, and why
	RetrievalFetch Kind = "retrieval.fetch" // a POP3/IMAP server served a session (server side)
	FetchDone      Kind = "fetch.done"      // a user's mail client fetched its mail (client side)
	ServerListen   Kind = "server.listen"   // a service started listening
	FaultInjected  Kind = "fault.injected"  // a scenario's fault struck a server or the DNS
	ExpectResult   Kind = "expect.result"   // one expectation checked
	Summary        Kind = "run.summary"     // the last line of a trace
)

// Kinds lists every kind, in the order of a typical run.
var Kinds = []Kind{RunStart, ServerListen, ActionStart, SMTPConnect, SMTPTLS, SMTPAuth, SMTPReply,
	SMTPAccepted, SMTPTranscript, RouteDecision, DNSQuery, DNSAnswer, DNSCached, RelayConnect, RelayDone,
	QueueDeferred, QueueFailed, QueueRetry, QueueWait, MailboxStore, DSNSent, MessageDropped, RetrievalFetch,
	FetchDone, FaultInjected, AuthResult, ExpectResult, Summary}

// Event is one observable action. seq, v, time, step, kind, actor, host, msg
// and text are always present; the rest only where they apply.
type Event struct {
	V    int       `json:"v"`
	Seq  int64     `json:"seq"`
	Time time.Time `json:"time"`
	// Step is the delivery step (1-6) the event happens in, 0 for none.
	Step int  `json:"step"`
	Kind Kind `json:"kind"`
	// Actor identifies who acts: a host name, "dns", a user's mail client
	// (ClientActor: "client:alice@example.test"), or "-" for the run.
	Actor string `json:"actor"`
	// Host is the actor's display name in English ("mail.example.test",
	// "alice's mail client"); narration in other languages builds its own
	// from Actor. Never an identifier.
	Host string `json:"host"`
	Msg  string `json:"msg"`
	// Text is the narration, for reading only.
	Text string `json:"text"`

	// Connection id, shared by every event of one connection.
	Conn string `json:"conn,omitempty"`
	// Peer is the other side: the remote host name or address.
	Peer string `json:"peer,omitempty"`
	// Service and port of the connection (smtp, submission, submissions...):
	// the well-known port of the service, as the lesson speaks of it.
	Service string `json:"service,omitempty"`
	Port    int    `json:"port,omitempty"`

	From string   `json:"from,omitempty"`
	To   []string `json:"to,omitempty"`
	User string   `json:"user,omitempty"`
	// Folder where a message was filed.
	Folder string `json:"folder,omitempty"`

	// Origin says where the status of the event comes from: "wire" (Reply:
	// a reply a peer sent) or "local" (Local: the actor decided it itself,
	// no reply crossed the wire). Empty when the event carries no status.
	Origin string `json:"origin,omitempty"`
	Reply  *Reply `json:"reply,omitempty"`
	Local  *Local `json:"local,omitempty"`

	// DNS question and answer.
	QName string `json:"qname,omitempty"`
	QType string `json:"qtype,omitempty"`
	// Rcode is the reply code's name (NOERROR, NXDOMAIN, SERVFAIL...), or
	// NO REPLY when the query went unanswered.
	Rcode   string   `json:"rcode,omitempty"`
	Records []Record `json:"records,omitempty"`
	// Purpose of a DNS question: "" to route mail (MX, A), "auth" for a
	// sender check (SPF, DKIM, DMARC), where an NXDOMAIN only means "no
	// record" and fails nothing.
	Purpose string `json:"purpose,omitempty"`

	// Route is a routing decision: "local" or "relay" at step 3; "alias",
	// "forward", "srs" or "spam" at step 6.
	Route string `json:"route,omitempty"`
	// Targets are where a route leads: an alias's members, the sender an
	// SRS address stands for.
	Targets []string `json:"targets,omitempty"`
	// Rewritten is the envelope sender a forward puts in place (SRS).
	Rewritten string `json:"rewritten,omitempty"`
	// Rule names what decided: a user's filter, a content rule's word, why
	// a client may relay.
	Rule string `json:"rule,omitempty"`
	// Flags set on a filed message by a filter.
	Flags []string `json:"flags,omitempty"`

	// TLS of a hop.
	TLS *TLS `json:"tls,omitempty"`
	// Transcript lines, "C: ..." and "S: ...".
	Transcript []string `json:"transcript,omitempty"`
	// Subject of the message, when known.
	Subject string `json:"subject,omitempty"`
	// Size of the message in octets and its attachments' file names.
	Size        int      `json:"size,omitempty"`
	Attachments []string `json:"attachments,omitempty"`
	// UID of a message filed in a mailbox.
	UID uint32 `json:"uid,omitempty"`
	// Messages lists the message ids a fetch read.
	Messages []string `json:"messages,omitempty"`
	// Fetch counts what a POP3/IMAP session did.
	Fetch *Fetch `json:"fetch,omitempty"`
	// Reuse counts the messages a kept-open connection has carried, this
	// one included (relay.connect over a cached connection); 0 for a new
	// connection.
	Reuse int `json:"reuse,omitempty"`
	// Attempt counts delivery attempts; Next is when the next one is due.
	Attempt int        `json:"attempt,omitempty"`
	Next    *time.Time `json:"next,omitempty"`
	// State of a message: queued (queue events); failed or delayed (the
	// action of a notice, dsn.sent).
	State string `json:"state,omitempty"`
	// Notice is the delivery status notification a dsn.sent generated.
	Notice *Notice `json:"notice,omitempty"`
	// Reason says, as a keyword, why a message copy was dropped.
	Reason string `json:"reason,omitempty"`
	// Fault describes a fault that struck.
	Fault *Fault `json:"fault,omitempty"`
	// Scenario is the name of the scenario (run.start).
	Scenario string `json:"scenario,omitempty"`
	// Check, Passed, Expected and Observed belong to expectation results.
	Check    string `json:"check,omitempty"`
	Passed   *bool  `json:"passed,omitempty"`
	Expected string `json:"expected,omitempty"`
	Observed string `json:"observed,omitempty"`
	// Error is the words of a failure that is not an SMTP reply, for
	// reading (the reply's own text is in Reply).
	Error string `json:"error,omitempty"`
	// Counts and Outcomes belong to the summary: accepted recipients by
	// final state, and every message's outcome.
	Counts   map[string]int   `json:"counts,omitempty"`
	Outcomes []MessageOutcome `json:"outcomes,omitempty"`
	// Auth holds the verdicts of an auth.result event.
	Auth *AuthResults `json:"auth,omitempty"`
}

// Reply is an SMTP reply as it crossed the wire.
type Reply struct {
	Code     int    `json:"code"`
	Enhanced string `json:"enhanced,omitempty"` // RFC 3463 status, when the reply had one
	Text     string `json:"text,omitempty"`
	// Stage is the command the reply answered: one of Stages.
	Stage string `json:"stage"`
	// Side is who records the event: "server" (it sent the reply) or
	// "client" (it received it).
	Side string `json:"side"`
}

// The stages of an SMTP dialogue a reply can answer.
const (
	StageConnect  = "connect" // the greeting
	StageEHLO     = "ehlo"
	StageStartTLS = "starttls"
	StageAuth     = "auth"
	StageMail     = "mail"
	StageRcpt     = "rcpt"
	StageData     = "data" // DATA's 354 or the reply after the final dot
	StageRset     = "rset"
	StageQuit     = "quit"
)

// Stages lists the reply stages in dialogue order.
var Stages = []string{StageConnect, StageEHLO, StageStartTLS, StageAuth, StageMail, StageRcpt, StageData,
	StageRset, StageQuit}

// Sides of a reply.
const (
	SideServer = "server"
	SideClient = "client"
)

// Origins of a status.
const (
	OriginWire  = "wire"
	OriginLocal = "local"
)

// Local is a status an actor decided itself: no peer sent it, so it has no
// reply code. Status is the RFC 3463 code it goes by (what a bounce says).
type Local struct {
	Reason string `json:"reason"`           // one of the Reason… keywords
	Status string `json:"status,omitempty"` // e.g. 5.1.10, 4.4.7
	Stage  string `json:"stage,omitempty"`  // the dialogue stage it happened at, if any
}

// Reasons of local statuses.
const (
	ReasonRefused     = "refused"     // the connection was refused, or the host runs no such service
	ReasonClosed      = "closed"      // the peer closed the connection without a reply
	ReasonTimeout     = "timeout"     // no reply in time
	ReasonTLS         = "tls"         // the TLS handshake failed
	ReasonNoStartTLS  = "no-starttls" // STARTTLS was wanted and not offered
	ReasonCertificate = "certificate" // the peer's certificate was not trusted
	ReasonDNS         = "dns"         // DNS did not answer usefully (SERVFAIL, no reply)
	ReasonNXDomain    = "nxdomain"    // the recipient's domain does not exist
	ReasonNullMX      = "null-mx"     // the domain publishes a null MX (RFC 7505)
	ReasonNoAddress   = "no-address"  // no MX host has an address
	ReasonMXLoop      = "mx-loop"     // the best MX is the sending host itself
	ReasonSize        = "size"        // the message is bigger than the SIZE the server announced
	ReasonGiveUp      = "give-up"     // the queue's time for the message ran out
	ReasonAuth        = "auth"        // a login was refused (the reply is in the transcript)
	ReasonNoMailbox   = "no-mailbox"  // no local mailbox for a recipient of generated mail
	ReasonStore       = "store"       // filing in the mailbox failed
	ReasonNullSender  = "null-sender" // a notice that cannot be delivered is not noticed again
	ReasonNotify      = "notify"      // the sender asked for no notice (NOTIFY)
	ReasonFilter      = "filter"      // a user's filter deleted it
	ReasonOther       = "other"       // any other local failure
)

// Record is one DNS resource record as data.
type Record struct {
	Name string `json:"name"` // owner, fully qualified
	Type string `json:"type"` // MX, A, AAAA, TXT, CNAME...
	TTL  uint32 `json:"ttl"`
	// Pref is an MX record's preference.
	Pref int `json:"pref,omitempty"`
	// Value is the record's data: an MX or CNAME target (fully qualified;
	// "." for a null MX), an address, a text.
	Value string `json:"value"`
}

// TLS is what a hop's TLS came to.
type TLS struct {
	// Version negotiated, "TLS 1.3"; empty when the hop went on without TLS.
	Version string `json:"version,omitempty"`
	// Verified reports whether the peer's certificate was verified.
	Verified bool `json:"verified"`
	// Problem says, as a keyword, what went wrong: ReasonNoStartTLS,
	// ReasonTLS (handshake failed), ReasonCertificate (not trusted).
	Problem string `json:"problem,omitempty"`
	// Cert is the peer's certificate, when one was presented.
	Cert *Cert `json:"cert,omitempty"`
}

// Cert is what a learner needs of a certificate.
type Cert struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	Names     []string  `json:"names,omitempty"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	// Why the certificate was not trusted, in words (empty when it was).
	Why string `json:"why,omitempty"`
}

// Fetch counts what one POP3/IMAP session did.
type Fetch struct {
	Read     int  `json:"read"`               // messages retrieved or read
	Total    int  `json:"total,omitempty"`    // messages in the mailbox (POP3)
	Deleted  int  `json:"deleted,omitempty"`  // deleted (POP3) or expunged (IMAP)
	Appended int  `json:"appended,omitempty"` // appended (IMAP)
	Kept     bool `json:"kept,omitempty"`     // the client left its messages on the server
	// AuthFailures counts refused logins; the session failed when no user
	// logged in.
	AuthFailures int `json:"auth_failures,omitempty"`
	// PlainAuth is set when a password crossed the wire without TLS.
	PlainAuth bool `json:"plain_auth,omitempty"`
}

// Notice is a delivery status notification (RFC 3464) a host generated.
type Notice struct {
	ID         string `json:"id"`     // the notice's own message id
	Action     string `json:"action"` // failed or delayed
	Status     string `json:"status"` // RFC 3463 status of the (first) recipient
	Diagnostic string `json:"diagnostic,omitempty"`
	// Recipients are the notice's per-recipient fields, as its
	// message/delivery-status part says them: one notice may report
	// recipients that failed for different reasons.
	Recipients []NoticeRecipient `json:"recipients,omitempty"`
}

// NoticeRecipient is one recipient of a notice.
type NoticeRecipient struct {
	Address    string `json:"address"`
	Status     string `json:"status"`
	Diagnostic string `json:"diagnostic,omitempty"`
}

// Fault is a scenario fault that struck.
type Fault struct {
	// Target is "smtp" or "dns".
	Target string `json:"target"`
	// Stage of the SMTP dialogue it struck at (connect, ehlo, ...).
	Stage string `json:"stage,omitempty"`
	// Effect as a keyword: reply, delay, refuse, disconnect, no-starttls,
	// nxdomain, servfail, no_answer, drop.
	Effect string `json:"effect"`
	// The reply the fault makes the server give, when it gives one.
	Code     int    `json:"code,omitempty"`
	Enhanced string `json:"enhanced,omitempty"`
	Text     string `json:"text,omitempty"`
	// Delay the fault adds before the server answers.
	Delay time.Duration `json:"delay,omitempty"`
}

// MessageOutcome is one message's final state, listed in the summary.
type MessageOutcome struct {
	Msg       string   `json:"msg"`
	From      string   `json:"from"`
	To        []string `json:"to"`
	Subject   string   `json:"subject,omitempty"`
	State     string   `json:"state"`
	Mailboxes []string `json:"mailboxes,omitempty"`
	// Steps that took place for the message, in the order they first did.
	Steps []int  `json:"steps"`
	Error string `json:"error,omitempty"`
}
