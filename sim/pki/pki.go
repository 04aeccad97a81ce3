// Package pki is an in-memory certificate authority for the simulated hosts:
// one root that clients trust, leaf certificates for STARTTLS and implicit
// TLS, and deliberately broken leaves for TLS-failure lessons.
//
// Every time comes from a parameter, never from the wall clock: runs and
// tests issue and verify at the simulated now (tls.Config.Time), so that
// traces do not depend on the day, while `mailflow up` passes the wall
// clock, so that real clients trust its certificates today and for a year.
package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

// Validity periods. The one-hour back-dating absorbs small clock differences
// between the issuing and the verifying side.
const (
	backdate     = time.Hour
	rootLifetime = 10 * 365 * 24 * time.Hour
	// A year and a month: a leaf issued by `mailflow up` still verifies a
	// year from now, within the 398 days clients accept of a leaf.
	leafLifetime = 398 * 24 * time.Hour

	expiredAgo     = 3 * 24 * time.Hour // expired: NotAfter = now - 3 days
	notYetValidIn  = 2 * 24 * time.Hour // not-yet-valid: NotBefore = now + 2 days
	defaultWrongCN = "wrong.invalid"
)

// CA is a root certificate authority held in memory. It is safe for
// concurrent use: issuing only reads it.
type CA struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM []byte
}

// NewCA makes an ECDSA P-256 root valid from now-1h to now+10 years.
func NewCA(commonName string, now time.Time) (*CA, error) {
	if commonName == "" {
		return nil, errors.New("pki: CA common name is empty")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: generate CA key: %w", err)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"mailflow simulation"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(rootLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true, // the root signs leaves directly
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("pki: create CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: parse CA certificate: %w", err)
	}
	return &CA{
		cert:    cert,
		key:     key,
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
	}, nil
}

// CertPEM returns the root certificate in PEM form, for --ca-out files and
// for clients (swaks, openssl, curl) that should trust the simulation.
func (ca *CA) CertPEM() []byte {
	return append([]byte(nil), ca.certPEM...)
}

// Certificate returns the parsed root certificate.
func (ca *CA) Certificate() *x509.Certificate { return ca.cert }

// Pool returns a new pool holding only this root, for tls.Config.RootCAs
// (or ClientCAs). A fresh pool each call so callers cannot alter a shared one.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// Fault names a deliberate defect in an issued certificate.
type Fault string

// The faults a scenario may ask for. FaultNone issues a good certificate.
const (
	FaultNone        Fault = ""
	FaultExpired     Fault = "expired"       // NotAfter three days before now
	FaultNotYetValid Fault = "not-yet-valid" // NotBefore two days after now
	FaultWrongName   Fault = "wrong-name"    // names another host only
	FaultUnknownCA   Fault = "unknown-ca"    // signed by a throwaway CA nobody trusts
	FaultSelfSigned  Fault = "self-signed"   // the leaf signs itself
)

// Faults lists every defect in a stable order (FaultNone excluded), e.g. for
// a schema enum or help text.
func Faults() []Fault {
	return []Fault{FaultExpired, FaultNotYetValid, FaultWrongName, FaultUnknownCA, FaultSelfSigned}
}

// ParseFault reads a fault name as written in a scenario or flag. Case and
// surrounding space are ignored; "" and "none" mean a good certificate.
func ParseFault(s string) (Fault, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if v == "" || v == "none" {
		return FaultNone, nil
	}
	for _, f := range Faults() {
		if Fault(v) == f {
			return f, nil
		}
	}
	names := make([]string, 0, len(Faults()))
	for _, f := range Faults() {
		names = append(names, string(f))
	}
	return "", fmt.Errorf("pki: unknown certificate fault %q: valid values are %s (or empty for a good certificate)",
		s, strings.Join(names, ", "))
}

// IssueOptions tunes one issued certificate.
type IssueOptions struct {
	Now       time.Time // simulated now; validity is computed from it
	Fault     Fault     // FaultNone for a good certificate
	WrongName string    // the only name of a wrong-name certificate; default "wrong.invalid"
}

// Issue makes an ECDSA P-256 leaf for the given DNS names and IP addresses,
// usable by servers and clients (ServerAuth and ClientAuth), valid from
// opts.Now-1h for 398 days unless opts.Fault says otherwise. The returned
// certificate carries its parsed Leaf.
func (ca *CA) Issue(names []string, ips []net.IP, opts IssueOptions) (tls.Certificate, error) {
	if len(names) == 0 && len(ips) == 0 {
		return tls.Certificate{}, errors.New("pki: issue: no DNS name or IP address given")
	}
	for _, n := range names {
		if n == "" {
			return tls.Certificate{}, errors.New("pki: issue: empty DNS name")
		}
	}
	now := opts.Now
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: generate leaf key: %w", err)
	}
	serial, err := newSerial()
	if err != nil {
		return tls.Certificate{}, err
	}
	dnsNames := trimDots(names)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(leafLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		DNSNames:              dnsNames,
		IPAddresses:           ips,
	}

	parent, signer := ca.cert, ca.key
	switch opts.Fault {
	case FaultNone:
	case FaultExpired:
		tmpl.NotBefore = now.Add(-expiredAgo - leafLifetime)
		tmpl.NotAfter = now.Add(-expiredAgo)
	case FaultNotYetValid:
		tmpl.NotBefore = now.Add(notYetValidIn)
		tmpl.NotAfter = tmpl.NotBefore.Add(leafLifetime)
	case FaultWrongName:
		wrong := opts.WrongName
		if wrong == "" {
			wrong = defaultWrongCN
		}
		// Only the wrong name: dropping the IPs too makes IP-addressed
		// clients fail the same way.
		tmpl.DNSNames = []string{strings.TrimSuffix(wrong, ".")}
		tmpl.IPAddresses = nil
	case FaultUnknownCA:
		other, err := NewCA("mailflow unknown CA", now)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("pki: throwaway CA: %w", err)
		}
		parent, signer = other.cert, other.key
	case FaultSelfSigned:
		parent, signer = tmpl, key
	default:
		return tls.Certificate{}, fmt.Errorf("pki: issue: %w", unknownFault(opts.Fault))
	}
	tmpl.Subject = pkix.Name{CommonName: commonName(tmpl), Organization: []string{"mailflow simulation"}}

	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: create leaf certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: parse leaf certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

func unknownFault(f Fault) error {
	_, err := ParseFault(string(f))
	if err == nil { // e.g. "NONE" or " expired ": valid words, not canonical
		err = fmt.Errorf("certificate fault %q is not in canonical form (use ParseFault)", string(f))
	}
	return err
}

// commonName picks the first SAN; modern verifiers ignore the CN, but
// openssl output and mail clients still show it.
func commonName(t *x509.Certificate) string {
	if len(t.DNSNames) > 0 {
		return t.DNSNames[0]
	}
	if len(t.IPAddresses) > 0 {
		return t.IPAddresses[0].String()
	}
	return ""
}

// trimDots drops a trailing root dot: DNS names in SANs are written without it.
func trimDots(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.TrimSuffix(n, ".")
	}
	return out
}

func newSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("pki: serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil // never zero
}
