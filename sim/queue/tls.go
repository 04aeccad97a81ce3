package queue

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-smtp"
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

func asDeliveryError(err error, peer string) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return &deliveryError{permanent: se.Code >= 500, code: se.Code,
			enhanced: fmt.Sprintf("%d.%d.%d", se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2]),
			text:     se.Message}
	}
	var de *deliveryError
	if errors.As(err, &de) {
		return err
	}
	return tempError("%s: %v", peer, err)
}
