// Package flow turns a run's events into the plain data every picture of the
// run draws: lanes (one per actor), bars (one per exchange), hops (arrows
// between lanes) and marks (things that happen on one lane). It is pure: the
// same events always give the same flow, and an event of a kind it does not
// know is shown generically, never dropped with an error.
package flow

import (
	"sort"
	"strings"
	"time"

	"github.com/mailflow/mailflow/sim/event"
)

// Role says what an actor is; lanes are ordered by role, then by first
// appearance, so a picture reads from the sender to the recipient.
type Role int

// The roles, in lane order.
const (
	RoleClient  Role = iota // a sender's mail client
	RoleServer              // an SMTP server, DNS, a relay
	RoleMailbox             // the mailboxes of a host, served by POP3/IMAP
	RoleReader              // a mail client that only reads (POP3/IMAP)
)

// Lane is one actor of the run.
type Lane struct {
	Name  string // as events name it: "alice's mail client", "dns"
	Label string // as pictures show it: "DNS", "mail.school.test mailboxes"
	Role  Role
}

// Tone says how a hop, mark or bar is coloured.
type Tone int

// The tones, from ordinary to alarming.
const (
	Normal   Tone = iota
	Info          // a note: a decision, a new message
	Retry         // a new delivery attempt
	Deferred      // a temporary failure (4xx): the message waits in a queue
	Bounce        // a delivery status notification goes back to the sender
	Failed        // a permanent failure (5xx) or a refused step
)

func (t Tone) String() string {
	switch t {
	case Info:
		return "info"
	case Retry:
		return "retry"
	case Deferred:
		return "deferred"
	case Bounce:
		return "bounce"
	case Failed:
		return "failed"
	}
	return "normal"
}

// Bar is one exchange between two lanes (an SMTP session, a DNS question and
// its answer, a POP3/IMAP session), from its first event to its last.
type Bar struct {
	From, To   int // lane indexes; From opened the exchange
	Start, End time.Time
	Step       int
	Label      string // "SMTP :587 submission", "DNS MX school.test"
	Msg        string
	Tone       Tone // Failed when a hop in it failed
}

// Hop is an arrow from one lane to another at one instant.
type Hop struct {
	Seq      int64
	Time     time.Time
	From, To int
	Step     int
	Kind     event.Kind
	Label    string // "MAIL/RCPT/DATA 250", "MX 10 mail.school.test"
	Code     int
	Tone     Tone
	Reply    bool // an answer rather than a request: drawn dashed
	Msg      string
}

// Mark is something that happens on one lane: a decision, a deferral, a
// retry, a failure, a bounce, or an event of an unknown kind.
type Mark struct {
	Seq   int64
	Time  time.Time
	Lane  int
	Step  int
	Kind  event.Kind
	Label string
	Tone  Tone
	Msg   string
}

// Flow is everything the pictures draw, in event order.
type Flow struct {
	Scenario   string
	Lanes      []Lane
	Bars       []Bar
	Hops       []Hop
	Marks      []Mark
	Start, End time.Time
	Messages   int // distinct message ids
	Outcomes   []event.MessageOutcome
}

// Item is a hop or a mark, for views that walk the run in order.
type Item struct {
	Hop  *Hop
	Mark *Mark
}

// Items returns hops and marks merged in event order.
func (f *Flow) Items() []Item {
	items := make([]Item, 0, len(f.Hops)+len(f.Marks))
	for i := range f.Hops {
		items = append(items, Item{Hop: &f.Hops[i]})
	}
	for i := range f.Marks {
		items = append(items, Item{Mark: &f.Marks[i]})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].seq() < items[j].seq() })
	return items
}

func (it Item) seq() int64 {
	if it.Hop != nil {
		return it.Hop.Seq
	}
	return it.Mark.Seq
}

// Lane returns the index of the lane named name, -1 when there is none.
func (f *Flow) Lane(name string) int {
	for i, l := range f.Lanes {
		if l.Name == name {
			return i
		}
	}
	return -1
}

// DNSLane is the name events give the simulated DNS as a peer.
const DNSLane = "dns"

// MailboxLane names the lane of a host's mailboxes.
func MailboxLane(host string) string { return host + " mailboxes" }

// ReaderName is the display name the simulator gives user's mail client.
func ReaderName(user string) string {
	if local, _, _ := strings.Cut(user, "@"); local == "" {
		return ""
	}
	return event.ClientName(user)
}

// maxLabel caps label length: pictures have room for a phrase, not a page.
const maxLabel = 60

// clean makes s safe to show on one line: no control characters, no
// invalid UTF-8, at most maxLabel characters.
func clean(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == maxLabel {
			b.WriteString("…")
			break
		}
		switch {
		case r == '\uFFFD' || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			r = ' '
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}
