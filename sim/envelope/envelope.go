// Package envelope is the message as a host hands it on: the content with
// the SMTP envelope it arrived with (RFC 5321 §2.3.1) and the DSN
// parameters (RFC 3461). The SMTP server makes them, the outbound queue
// takes them; neither needs the other to say what a message is.
package envelope

import (
	"time"

	"github.com/emersion/go-smtp"
)

// Message is a message a host accepted for another host (or made itself:
// a bounce, a forwarded copy): the queue resolves and transfers it.
type Message struct {
	Msg      string   // event message id
	From     string   // envelope sender; "" for a bounce
	To       []string // recipients still to deliver
	Data     []byte   // the message, Received: header included
	Arrived  time.Time
	EnvID    string
	FromHost string
	// NextHop, when set, is the host to hand the message to instead of the
	// recipient domain's MX: the host keeping the domain's mailboxes.
	NextHop string
	// DSN parameters (RFC 3461): RET, and per recipient (lower-cased) NOTIFY
	// and ORCPT.
	Ret    smtp.DSNReturn
	Notify map[string][]smtp.DSNNotify
	ORCPT  map[string]string
	// Originated: a user of this host submitted the message after logging
	// in (the host signs it); Forwarded: an alias or filter of this host
	// sends a copy on.
	Originated, Forwarded bool
}
