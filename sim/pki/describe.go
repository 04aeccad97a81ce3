package pki

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Describe turns a TLS or certificate verification error into one plain
// sentence for narration, e.g. "certificate expired 3 days ago" or
// "certificate is for wrong.invalid, not mx.school.test". now is the
// simulated time the verification used. A nil error gives "".
func Describe(err error, now time.Time) string {
	if err == nil {
		return ""
	}

	var invalid x509.CertificateInvalidError
	if errors.As(err, &invalid) {
		return describeInvalid(invalid, now)
	}
	var host x509.HostnameError
	if errors.As(err, &host) {
		return describeHostname(host)
	}
	var unknown x509.UnknownAuthorityError
	if errors.As(err, &unknown) {
		if isSelfSigned(unknown.Cert) {
			return "certificate is self-signed, not signed by a trusted authority"
		}
		return "certificate signed by an unknown authority"
	}
	var verify *tls.CertificateVerificationError
	if errors.As(err, &verify) && verify.Err != nil {
		return "certificate could not be verified: " + verify.Err.Error()
	}
	// The side whose certificate was refused only sees the peer's alert.
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" && op.Err != nil {
		return "the other side rejected the TLS handshake (" + strings.TrimPrefix(op.Err.Error(), "tls: ") + ")"
	}
	return err.Error()
}

func describeInvalid(e x509.CertificateInvalidError, now time.Time) string {
	subject := "certificate"
	if e.Cert != nil && e.Cert.IsCA {
		subject = "the issuing authority's certificate"
	}
	switch e.Reason {
	case x509.Expired:
		if e.Cert != nil {
			if now.After(e.Cert.NotAfter) {
				return fmt.Sprintf("%s expired %s ago", subject, span(now.Sub(e.Cert.NotAfter)))
			}
			if now.Before(e.Cert.NotBefore) {
				return fmt.Sprintf("%s is not valid until %s (in %s)", subject,
					e.Cert.NotBefore.UTC().Format("2006-01-02 15:04 MST"), span(e.Cert.NotBefore.Sub(now)))
			}
		}
		// Verified at another time than now: still say what the verifier saw.
		return fmt.Sprintf("%s is outside its validity period (%s)", subject, e.Detail)
	case x509.NotAuthorizedToSign:
		return "certificate was signed by a certificate that is not a certificate authority"
	case x509.IncompatibleUsage:
		return "certificate is not allowed for this use (extended key usage)"
	case x509.CANotAuthorizedForThisName, x509.CANotAuthorizedForExtKeyUsage:
		return "certificate's authority is not allowed to issue it: " + e.Error()
	default:
		return "certificate is invalid: " + e.Error()
	}
}

func describeHostname(e x509.HostnameError) string {
	var names []string
	if c := e.Certificate; c != nil {
		names = append(names, c.DNSNames...)
		for _, ip := range c.IPAddresses {
			names = append(names, ip.String())
		}
	}
	if len(names) == 0 {
		return fmt.Sprintf("certificate names no host, not %s", e.Host)
	}
	return fmt.Sprintf("certificate is for %s, not %s", strings.Join(names, ", "), e.Host)
}

// isSelfSigned reports whether c names itself as issuer and its own key
// verifies its signature (CheckSignatureFrom would refuse a non-CA parent).
func isSelfSigned(c *x509.Certificate) bool {
	if c == nil || !bytes.Equal(c.RawIssuer, c.RawSubject) {
		return false
	}
	return c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// span renders a duration the way a person would say it: "3 days",
// "1 hour", "5 minutes".
func span(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	unit := func(n int64, word string) string {
		if n == 1 {
			return "1 " + word
		}
		return fmt.Sprintf("%d %ss", n, word)
	}
	switch {
	case d >= 24*time.Hour:
		return unit(int64(d/(24*time.Hour)), "day")
	case d >= time.Hour:
		return unit(int64(d/time.Hour), "hour")
	case d >= time.Minute:
		return unit(int64(d/time.Minute), "minute")
	default:
		return "less than a minute"
	}
}
