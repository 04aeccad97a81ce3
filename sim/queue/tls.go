package queue

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"time"
)

// verifyChain checks the peer's certificate as crypto/tls would, but at the
// simulated time, so that certificate lessons do not depend on the day.
func verifyChain(cs tls.ConnectionState, name string, roots *x509.CertPool, now time.Time) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("no certificate presented")
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{DNSName: name, Roots: roots,
		Intermediates: inter, CurrentTime: now})
	return err
}
