package event

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/emersion/go-smtp"
)

// CertOf describes a certificate as event data.
func CertOf(c *x509.Certificate) *Cert {
	return &Cert{Subject: c.Subject.CommonName, Issuer: c.Issuer.CommonName, Names: c.DNSNames,
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC()}
}

// PurposeAuth marks the DNS questions of a sender check.
const PurposeAuth = "auth"

// clientPrefix starts the actor id of a user's mail client.
const clientPrefix = "client:"

// ClientActor is the actor id of the mail client of a user (the address it
// logs in with): "client:alice@example.test".
func ClientActor(user string) string { return clientPrefix + strings.ToLower(user) }

// ClientUser returns the user of a mail client's actor id.
func ClientUser(actor string) (string, bool) { return strings.CutPrefix(actor, clientPrefix) }

// ClientName is the English display name of a user's mail client:
// "alice's mail client".
func ClientName(user string) string {
	local, _, _ := strings.Cut(user, "@")
	return local + "'s mail client"
}

// Code is the reply code the event carries from the wire, 0 when none.
func (e Event) Code() int {
	if e.Reply == nil {
		return 0
	}
	return e.Reply.Code
}

// Status is the RFC 3463 status of the event: the enhanced code of its
// reply, or the status its actor decided locally.
func (e Event) Status() string {
	switch {
	case e.Reply != nil:
		return e.Reply.Enhanced
	case e.Local != nil:
		return e.Local.Status
	}
	return ""
}

// Stage is the dialogue stage of the event's reply or local failure.
func (e Event) Stage() string {
	switch {
	case e.Reply != nil:
		return e.Reply.Stage
	case e.Local != nil:
		return e.Local.Stage
	}
	return ""
}

// Failed reports whether the event carries a failure: a reply of 400 or
// more, or a local status.
func (e Event) Failed() bool { return e.Code() >= 400 || e.Local != nil }

// SetReply marks e as carrying a reply that crossed the wire.
func (e *Event) SetReply(r Reply) {
	e.Origin, e.Reply, e.Local = OriginWire, &r, nil
}

// SetLocal marks e as carrying a status its actor decided itself, with the
// words of it in Error.
func (e *Event) SetLocal(reason, status, stage, text string) {
	e.Origin, e.Reply = OriginLocal, nil
	e.Local = &Local{Reason: reason, Status: status, Stage: stage}
	e.Error = text
}

// SetError is the one place an error met in an SMTP dialogue becomes event
// fields. A *smtp.SMTPError is a reply the peer sent: its code, enhanced
// code and text go in Reply, unchanged. Anything else — a refused or closed
// connection, a timeout, a failed TLS handshake — happened without a reply:
// it is marked local, with no code and a reason keyword.
func (e *Event) SetError(err error, stage, side string) {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		e.SetReply(ReplyOf(se, stage, side))
		e.Error = ""
		return
	}
	reason, status := LocalReasonOf(err)
	e.SetLocal(reason, status, stage, err.Error())
}

// ReplyOf is a go-smtp error as the reply it was on the wire.
func ReplyOf(se *smtp.SMTPError, stage, side string) Reply {
	return Reply{Code: se.Code, Enhanced: EnhancedOf(se.EnhancedCode), Text: se.Message, Stage: stage, Side: side}
}

// EnhancedOf writes an enhanced status code as "5.1.1", "" when there is none.
func EnhancedOf(c smtp.EnhancedCode) string {
	if c == smtp.NoEnhancedCode || c == (smtp.EnhancedCode{}) {
		return ""
	}
	return fmt.Sprintf("%d.%d.%d", c[0], c[1], c[2])
}

// LocalReasonOf classifies an error that is not a reply, with the RFC 3463
// status it goes by. Errors may name their own reason with a method
// LocalReason() string.
func LocalReasonOf(err error) (reason, status string) {
	var named interface{ LocalReason() string }
	var netErr net.Error
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var hostname x509.HostnameError
	var alert tls.AlertError
	var header tls.RecordHeaderError
	switch {
	case errors.As(err, &named):
		reason = named.LocalReason()
	case errors.Is(err, syscall.ECONNREFUSED):
		reason = ReasonRefused
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &invalid), errors.As(err, &hostname):
		reason = ReasonCertificate
	case errors.As(err, &alert), errors.As(err, &header):
		reason = ReasonTLS
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		reason = ReasonTimeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		reason = ReasonClosed
	default:
		reason = ReasonOther
	}
	return reason, StatusOfReason(reason)
}

// StatusOfReason is the RFC 3463 status a local reason goes by when
// nothing more precise is known.
func StatusOfReason(reason string) string {
	switch reason {
	case ReasonRefused:
		return "4.4.1" // no answer from host
	case ReasonClosed, ReasonTimeout:
		return "4.4.2" // bad connection
	case ReasonTLS, ReasonCertificate:
		return "4.7.5" // cryptographic failure
	case ReasonNoStartTLS:
		return "4.7.10" // encryption needed
	case ReasonDNS:
		return "4.4.3" // directory server failure
	case ReasonNXDomain:
		return "5.1.2" // bad destination system address
	case ReasonNullMX:
		return "5.1.10" // RFC 7505: recipient address has null MX
	case ReasonNoAddress:
		return "4.4.4" // unable to route
	case ReasonMXLoop:
		return "5.4.6" // routing loop detected
	case ReasonSize:
		return "5.3.4" // message too big for system
	case ReasonGiveUp:
		return "4.4.7" // delivery time expired
	case ReasonNoMailbox:
		return "5.1.1"
	}
	return "4.0.0"
}
