// Package policy holds a host's rules for what it accepts: who may relay
// through it (authenticated users, trusted networks, or — badly — anyone),
// sending limits, block lists, content rules and greylisting. The SMTP
// server asks it at each stage; it answers with the reply to give.
package policy

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailflow/mailflow/topology"
)

// Replies, with the RFC 3463 codes for policy refusals.
var (
	// RFC 3463 §3.8: 5.7.1 delivery not authorized, message refused.
	ErrBlocked = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Refused by local policy"}
	// RFC 3463 §3.8 (RFC 7372 registry): 4.7.1 rate limited, try later.
	ErrRate = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Sending rate exceeded, try again later"}
	// RFC 3463 §3.8: too many recipients for this sender.
	ErrTooMany = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Too many recipients for this sender"}
	// RFC 3463 §3.8: content refused.
	ErrContent = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Message content refused by policy"}
	// RFC 6647: a temporary failure the client must retry; 4.7.1 as
	// greylisting servers commonly send it.
	ErrGreylisted = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Greylisted, please try again later"}
)

// Host is one host's policy.
type Host struct {
	p topology.Policy

	mu   sync.Mutex
	sent map[string][]time.Time // per sender key: submission times in the last hour
	grey map[triplet]greyEntry
}

// triplet is what greylisting keys on (RFC 6647): the client's
// address and the envelope's sender and recipient.
type triplet struct {
	client   netip.Addr
	from, to string
}

// greyEntry is what a greylisting host remembers of a triplet.
type greyEntry struct {
	first  time.Time // the first attempt
	passed bool      // a retry came after the delay: let it through from now on
}

// New returns the policy of a host from its compiled settings.
func New(p topology.Policy) *Host {
	return &Host{p: p, sent: map[string][]time.Time{}, grey: map[triplet]greyEntry{}}
}

// MayRelay says whether a client may send through this host to another
// domain (RFC 5321 §3.6.2: relaying is the operator's choice; never for
// strangers unless the server is an open relay).
func (p *Host) MayRelay(authUser string, peer netip.Addr) (bool, string) {
	switch {
	case authUser != "":
		return true, "authenticated as " + authUser
	case p.p.Relay == "open":
		return true, "open relay: anyone may relay"
	case p.p.Relay == "networks" && p.p.Networks[peer]:
		return true, "trusted network " + peer.String()
	}
	return false, ""
}

// CheckSender applies the block lists at MAIL.
func (p *Host) CheckSender(from string) *smtp.SMTPError {
	if from == "" {
		return nil
	}
	for _, b := range p.p.BlockSenders {
		if strings.EqualFold(b, from) {
			return withText(ErrBlocked, fmt.Sprintf("Sender %s is blocked here", from))
		}
	}
	dom := topology.DomainOf(from)
	for _, b := range p.p.BlockDomains {
		if strings.EqualFold(b, dom) {
			return withText(ErrBlocked, fmt.Sprintf("Mail from domain %s is blocked here", dom))
		}
	}
	return nil
}

// CheckRecipient applies the recipient block list at RCPT.
func (p *Host) CheckRecipient(to string) *smtp.SMTPError {
	for _, b := range p.p.BlockRecipients {
		if strings.EqualFold(b, to) {
			return withText(ErrBlocked, fmt.Sprintf("Mail to %s is blocked here", to))
		}
	}
	return nil
}

func (p *Host) key(sender string) string {
	if p.p.PerDomain {
		return "@" + topology.DomainOf(sender)
	}
	return strings.ToLower(sender)
}

// CheckRate counts a new message of sender at now against the hourly
// limit (simulated time), refusing it with 451 4.7.1 when over.
func (p *Host) CheckRate(sender string, now time.Time) *smtp.SMTPError {
	if p.p.MessagesPerHour == 0 || sender == "" {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	k := p.key(sender)
	var recent []time.Time
	for _, t := range p.sent[k] {
		if now.Sub(t) < time.Hour {
			recent = append(recent, t)
		}
	}
	if len(recent) >= p.p.MessagesPerHour {
		p.sent[k] = recent
		return withText(ErrRate, fmt.Sprintf("%s may send %d messages per hour; try again later", k, p.p.MessagesPerHour))
	}
	p.sent[k] = append(recent, now)
	return nil
}

// CheckRecipients refuses the n-th recipient of a message over the limit.
func (p *Host) CheckRecipients(n int) *smtp.SMTPError {
	if p.p.RecipientsPerMessage == 0 || n <= p.p.RecipientsPerMessage {
		return nil
	}
	return withText(ErrTooMany, fmt.Sprintf("At most %d recipients per message", p.p.RecipientsPerMessage))
}

// Content returns the action of the first content rule whose keywords
// appear in the subject or text ("reject" or "spam"), and the keyword.
func (p *Host) Content(subject, text string) (string, string) {
	hay := strings.ToLower(subject + "\n" + text)
	for _, r := range p.p.Content {
		for _, k := range r.Keywords {
			if k != "" && strings.Contains(hay, strings.ToLower(k)) {
				return r.Action, k
			}
		}
	}
	return "", ""
}

// Greylists reports whether the host greylists.
func (p *Host) Greylists() bool { return p.p.Greylist > 0 }

// Greylist applies greylisting (RFC 6647) to one recipient at RCPT: the
// first attempt of a triplet, and any retry before the delay has passed,
// get 451 4.7.1; a retry after it passes, and so does the triplet from
// then on. now is simulated time. The caller decides which clients are
// subject to it (servers relaying in, not logged-in users).
func (p *Host) Greylist(client netip.Addr, from, to string, now time.Time) *smtp.SMTPError {
	if p.p.Greylist <= 0 || p.p.Networks[client] {
		return nil // trusted networks are let through, as greylisting servers allow
	}
	k := triplet{client: client, from: strings.ToLower(from), to: strings.ToLower(to)}
	p.mu.Lock()
	defer p.mu.Unlock()
	e, seen := p.grey[k]
	switch {
	case !seen:
		p.grey[k] = greyEntry{first: now}
	case e.passed || now.Sub(e.first) >= p.p.Greylist:
		p.grey[k] = greyEntry{first: e.first, passed: true}
		return nil
	}
	return ErrGreylisted
}

func withText(e *smtp.SMTPError, text string) *smtp.SMTPError {
	c := *e
	c.Message = text
	return &c
}
