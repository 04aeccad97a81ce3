// Package policy holds a host's rules for what it accepts: who may relay
// through it (authenticated users, trusted networks, or — badly — anyone),
// sending limits, block lists and content rules. The SMTP server asks it at
// each stage; it answers with the reply to give.
package policy

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailflow/mailflow/scenarios"
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
)

// Host is one host's policy.
type Host struct {
	relay    string
	networks map[netip.Addr]bool
	limits   *scenarios.Limits
	block    *scenarios.Block
	content  []scenarios.ContentRule

	mu   sync.Mutex
	sent map[string][]time.Time // per sender key: submission times in the last hour
}

// New compiles a host's settings; network names are resolved to the hosts'
// addresses.
func New(set scenarios.Server, n *topology.Network) *Host {
	p := &Host{relay: set.Relay, networks: map[netip.Addr]bool{}, limits: set.Limits, block: set.Block,
		content: set.Content, sent: map[string][]time.Time{}}
	if p.relay == "" {
		p.relay = "authenticated"
	}
	for _, name := range set.RelayNetworks {
		if h := n.Host(name); h != nil {
			p.networks[h.Addr] = true
		} else if a, err := netip.ParseAddr(name); err == nil {
			p.networks[a] = true
		}
	}
	return p
}

// MayRelay says whether a client may send through this host to another
// domain (RFC 5321 §3.6.2: relaying is the operator's choice; never for
// strangers unless the server is an open relay).
func (p *Host) MayRelay(authUser string, peer netip.Addr) (bool, string) {
	switch {
	case authUser != "":
		return true, "authenticated as " + authUser
	case p.relay == "open":
		return true, "open relay: anyone may relay"
	case p.relay == "networks" && p.networks[peer]:
		return true, "trusted network " + peer.String()
	}
	return false, ""
}

// CheckSender applies the block lists at MAIL.
func (p *Host) CheckSender(from string) *smtp.SMTPError {
	if p.block == nil || from == "" {
		return nil
	}
	for _, b := range p.block.Senders {
		if strings.EqualFold(b, from) {
			return withText(ErrBlocked, fmt.Sprintf("Sender %s is blocked here", from))
		}
	}
	dom := topology.DomainOf(from)
	for _, b := range p.block.Domains {
		if strings.EqualFold(b, dom) {
			return withText(ErrBlocked, fmt.Sprintf("Mail from domain %s is blocked here", dom))
		}
	}
	return nil
}

// CheckRecipient applies the recipient block list at RCPT.
func (p *Host) CheckRecipient(to string) *smtp.SMTPError {
	if p.block == nil {
		return nil
	}
	for _, b := range p.block.Recipients {
		if strings.EqualFold(b, to) {
			return withText(ErrBlocked, fmt.Sprintf("Mail to %s is blocked here", to))
		}
	}
	return nil
}

func (p *Host) key(sender string) string {
	if p.limits != nil && p.limits.Per == "domain" {
		return "@" + topology.DomainOf(sender)
	}
	return strings.ToLower(sender)
}

// CheckRate counts a new message of sender at now against the hourly
// limit (simulated time), refusing it with 451 4.7.1 when over.
func (p *Host) CheckRate(sender string, now time.Time) *smtp.SMTPError {
	if p.limits == nil || p.limits.MessagesPerHour == 0 || sender == "" {
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
	if len(recent) >= p.limits.MessagesPerHour {
		p.sent[k] = recent
		return withText(ErrRate, fmt.Sprintf("%s may send %d messages per hour; try again later", k, p.limits.MessagesPerHour))
	}
	p.sent[k] = append(recent, now)
	return nil
}

// CheckRecipients refuses the n-th recipient of a message over the limit.
func (p *Host) CheckRecipients(n int) *smtp.SMTPError {
	if p.limits == nil || p.limits.RecipientsPerMessage == 0 || n <= p.limits.RecipientsPerMessage {
		return nil
	}
	return withText(ErrTooMany, fmt.Sprintf("At most %d recipients per message", p.limits.RecipientsPerMessage))
}

// Content returns the action of the first content rule whose keywords
// appear in the subject or text ("reject" or "spam"), and the keyword.
func (p *Host) Content(subject, text string) (string, string) {
	hay := strings.ToLower(subject + "\n" + text)
	for _, r := range p.content {
		for _, k := range r.Keywords {
			if k != "" && strings.Contains(hay, strings.ToLower(k)) {
				return r.Action, k
			}
		}
	}
	return "", ""
}

func withText(e *smtp.SMTPError, text string) *smtp.SMTPError {
	c := *e
	c.Message = text
	return &c
}
