package local

import (
	"fmt"
	"time"

	"github.com/mailflow/mailflow/sim/mailstore"
)

// Filer files mail in the mailboxes of the host's domain without SMTP: the
// way a host delivers mail it generates itself (a bounce, a delay notice)
// to a mailbox it keeps — steps 3 → 6, no DNS, no connection to itself.
type Filer struct {
	Resolver *Resolver
	Store    *mailstore.Store
}

// Copy is one copy of a message for a user: filed, or deleted by a filter.
type Copy struct {
	User    string
	Folder  string
	UID     uint32
	Filter  string // the filter that decided, if any
	Flags   []string
	Deleted bool
}

// Filing is what became of one recipient.
type Filing struct {
	Kind Kind
	// Expanded lists an alias's members, or the sender an SRS address
	// stands for.
	Expanded []string
	// Loop names an alias loop the expansion stopped at.
	Loop   error
	Copies []Copy
	// Forward lists the addresses in other domains that get a copy (an
	// alias member elsewhere, a filter's forward, the sender behind an SRS
	// address): the caller queues it for them.
	Forward []string
}

// File delivers raw to one local recipient: a user (filters decide the
// folder), an alias (each member), or an SRS address (to be passed back).
// sender is the envelope sender, recorded as Return-Path (RFC 5321 §4.4).
func (f *Filer) File(rcpt, sender string, raw []byte, m Message, now time.Time) (Filing, error) {
	kind, orig := f.Resolver.Kind(rcpt)
	out := Filing{Kind: kind}
	switch kind {
	case Unknown:
		return out, nil
	case Bounce:
		out.Expanded, out.Forward = []string{orig}, []string{orig}
		return out, nil
	}
	targets, loop := f.Resolver.Expand(rcpt)
	out.Loop = loop
	filed := append([]byte(fmt.Sprintf("Return-Path: <%s>\r\n", sender)), raw...)
	for _, t := range targets {
		if kind == Group {
			if t.User != nil {
				out.Expanded = append(out.Expanded, t.User.Address)
			} else {
				out.Expanded = append(out.Expanded, t.Remote)
			}
		}
		if t.Remote != "" {
			out.Forward = append(out.Forward, t.Remote)
			continue
		}
		m.Tag = t.Tag
		dec := Filter(t.User, m)
		c := Copy{User: t.User.Address, Folder: dec.Folder, Filter: dec.Filter, Flags: dec.Flags, Deleted: dec.Delete}
		if !dec.Delete {
			uid, err := f.Store.Deliver(t.User.Address, dec.Folder, filed, now, dec.Flags...)
			if err != nil {
				return out, err
			}
			c.UID = uid
		}
		out.Copies = append(out.Copies, c)
		out.Forward = append(out.Forward, dec.Forward...)
	}
	return out, nil
}
