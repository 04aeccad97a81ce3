// Package event defines what the simulator reports: typed events tagged with
// the delivery step they belong to, a bus that fans them out to sinks, and
// the JSON Lines recorder and reader that make a run replayable.
package event

import (
	"time"
)

// Kind names what happened, dotted from general to specific.
type Kind string

// The kinds the simulator emits. Views switch on these; the JSON contract
// (DESIGN.md) carries them as strings.
const (
	RunStart       Kind = "run.start"
	RunEnd         Kind = "run.end"
	ActionStart    Kind = "action.start"
	SMTPConnect    Kind = "smtp.connect"    // a client opened a connection to an SMTP port
	SMTPTLS        Kind = "smtp.tls"        // TLS established on a hop (STARTTLS or implicit)
	SMTPAuth       Kind = "smtp.auth"       // AUTH succeeded or failed
	SMTPEnvelope   Kind = "smtp.envelope"   // MAIL FROM and RCPT TO were accepted
	SMTPReply      Kind = "smtp.reply"      // a notable reply code (errors, the final 250)
	SMTPAccepted   Kind = "smtp.accepted"   // the server took responsibility (250 after DATA)
	SMTPTranscript Kind = "smtp.transcript" // a whole client-side dialogue of one connection
	RouteDecision  Kind = "route.decision"  // step 3: local delivery or relay
	DNSQuery       Kind = "dns.query"       // a resolver asked the simulated DNS
	DNSAnswer      Kind = "dns.answer"      // and what it answered
	RelayConnect   Kind = "relay.connect"   // step 5: the sending server dials the MX
	RelayDone      Kind = "relay.done"      // the remote server accepted the message
	QueueDeferred  Kind = "queue.deferred"  // a delivery attempt failed temporarily; message stays queued
	QueueFailed    Kind = "queue.failed"    // a delivery attempt failed permanently
	MailboxStore   Kind = "mailbox.store"   // step 6: filed in a user's folder
	Outcome        Kind = "message.outcome" // final state of one message in the summary
	ExpectResult   Kind = "expect.result"   // one expectation checked
	Summary        Kind = "run.summary"     // the last line of a trace
	RetrievalFetch Kind = "retrieval.fetch" // a POP3/IMAP server served a session (server side)
	FetchDone      Kind = "fetch.done"      // a user's mail client fetched its mail (client side)
	ServerListen   Kind = "server.listen"   // a service started listening
	FaultInjected  Kind = "fault.injected"  // a scenario's fault struck a server or the DNS
	QueueRetry     Kind = "queue.retry"     // a deferred message's next attempt was scheduled
	DSNSent        Kind = "dsn.sent"        // a delivery status notification (bounce) was sent to the sender
	MessageDropped Kind = "message.dropped" // a failed message gets no bounce, and why (a bounce's own failure, NOTIFY=NEVER)
)

// Event is one observable action. The JSON field names are a contract (see
// DESIGN.md): seq, time, step, kind, host, msg and text are always present.
type Event struct {
	Seq  int64     `json:"seq"`
	Time time.Time `json:"time"`
	Step int       `json:"step"`
	Kind Kind      `json:"kind"`
	Host string    `json:"host"`
	Msg  string    `json:"msg"`
	Text string    `json:"text"`

	// Connection id, shared by every event of one connection.
	Conn string `json:"conn,omitempty"`
	// Peer is the other side: the remote host name or address.
	Peer string `json:"peer,omitempty"`
	// Service and port of the connection (smtp, submission, submissions...).
	Service string `json:"service,omitempty"`
	Port    int    `json:"port,omitempty"`

	From string   `json:"from,omitempty"`
	To   []string `json:"to,omitempty"`
	User string   `json:"user,omitempty"`
	// Folder where a message was filed.
	Folder string `json:"folder,omitempty"`

	// SMTP reply, when the event is about one.
	Code     int    `json:"code,omitempty"`
	Enhanced string `json:"enhanced,omitempty"`
	Stage    string `json:"stage,omitempty"`

	// DNS question and answer.
	QName  string   `json:"qname,omitempty"`
	QType  string   `json:"qtype,omitempty"`
	Rcode  string   `json:"rcode,omitempty"`
	Answer []string `json:"answer,omitempty"`

	// Route is "local" or "relay" for a step-3 decision.
	Route string `json:"route,omitempty"`
	// TLS describes the negotiated TLS, e.g. "TLS 1.3, verified".
	TLS string `json:"tls,omitempty"`
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
	// Attempt counts delivery attempts; Next is when the next one is due.
	Attempt int        `json:"attempt,omitempty"`
	Next    *time.Time `json:"next,omitempty"`
	// State of a message in an outcome event: delivered, queued, bounced, rejected.
	State string `json:"state,omitempty"`
	// Passed and Detail belong to expectation results.
	Passed *bool  `json:"passed,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Error text of a failure.
	Error string `json:"error,omitempty"`
	// Outcomes is the per-message list in the summary event.
	Outcomes []MessageOutcome `json:"outcomes,omitempty"`
	// Auth holds the verdicts of an auth.result event.
	Auth *AuthResults `json:"auth,omitempty"`
}

// MessageOutcome is one message's final state, listed in the summary.
type MessageOutcome struct {
	Msg       string   `json:"msg"`
	From      string   `json:"from"`
	To        []string `json:"to"`
	Subject   string   `json:"subject,omitempty"`
	State     string   `json:"state"`
	Mailboxes []string `json:"mailboxes,omitempty"`
	Steps     []int    `json:"steps"`
	Error     string   `json:"error,omitempty"`
}
