package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const certScenario = `
domains:
  - name: good.test
    users: [{name: alice}]
  - name: expired.test
    users: [{name: bob}]
  - name: future.test
    users: [{name: carol}]
servers:
  - host: mail.expired.test
    certificate: expired
  - host: mail.future.test
    certificate: not-yet-valid
`

// peerCertificate is what a host presents on its implicit-TLS submission port.
func peerCertificate(t *testing.T, h hostEndpoint) *x509.Certificate {
	t.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", net.JoinHostPort(h.Address, strconv.Itoa(h.Ports["submissions"])),
		&tls.Config{InsecureSkipVerify: true}) // verified below, at chosen times
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

// The certificates of `up` are dated from the real clock: a client trusts
// them today and a year from today, and the broken ones are broken today.
func TestUpCertificatesValidInRealTime(t *testing.T) {
	file := filepath.Join(t.TempDir(), "certs.yaml")
	if err := os.WriteFile(file, []byte(certScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	ep, _, _ := startUp(t, file)
	pem, err := os.ReadFile(ep.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatal("CA file holds no certificate")
	}
	now := time.Now()
	yearOn := now.Add(365 * 24 * time.Hour)
	verify := func(c *x509.Certificate, name string, at time.Time) error {
		_, err := c.Verify(x509.VerifyOptions{Roots: roots, DNSName: name, CurrentTime: at})
		return err
	}
	expired := func(err error) bool {
		var inv x509.CertificateInvalidError
		return errors.As(err, &inv) && inv.Reason == x509.Expired
	}
	for _, h := range ep.Hosts {
		c := peerCertificate(t, h)
		switch h.Name {
		case "mail.good.test":
			for _, at := range []time.Time{now, yearOn} {
				if err := verify(c, h.Name, at); err != nil {
					t.Errorf("%s at %s: %v", h.Name, at.Format(time.DateOnly), err)
				}
			}
			if c.NotBefore.After(now) || now.Sub(c.NotBefore) > 2*time.Hour {
				t.Errorf("%s: NotBefore %s is not shortly before now", h.Name, c.NotBefore)
			}
		case "mail.expired.test":
			if err := verify(c, h.Name, now); !expired(err) || !c.NotAfter.Before(now) {
				t.Errorf("%s verifies now (NotAfter %s): %v", h.Name, c.NotAfter, err)
			}
		case "mail.future.test":
			if err := verify(c, h.Name, now); !expired(err) || !c.NotBefore.After(now) {
				t.Errorf("%s verifies now (NotBefore %s): %v", h.Name, c.NotBefore, err)
			}
		default:
			t.Errorf("unexpected host %s", h.Name)
		}
	}
}

// Two `up`s of one scenario run side by side: the second takes the next
// free network, and says so in its table and its endpoints.
func TestUpTwoSideBySide(t *testing.T) {
	first, _, _ := startUp(t, "cross-domain")
	second, out, _ := startUp(t, "cross-domain")
	if first.Net == second.Net || first.Net == "" || second.Net == "" {
		t.Fatalf("networks %q and %q", first.Net, second.Net)
	}
	if !strings.Contains(out.String(), "Simulated internet on "+second.Net) {
		t.Errorf("the table does not name %s:\n%s", second.Net, out.String())
	}
	// Both answer: each network's submission server greets.
	for _, ep := range []endpoints{first, second} {
		h := ep.Hosts[0]
		conn, err := net.DialTimeout("tcp", net.JoinHostPort(h.Address, strconv.Itoa(h.Ports["submission"])), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 64)
		n, err := conn.Read(buf)
		conn.Close()
		if err != nil || !strings.HasPrefix(string(buf[:n]), "220 ") {
			t.Errorf("%s greets %q, %v", ep.Net, buf[:n], err)
		}
	}
}

// A network named with --net that another `up` holds is exit 1 with one
// line that says what is in the way and what to do.
func TestUpChosenNetBusy(t *testing.T) {
	first, _, _ := startUp(t, "cross-domain")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out syncBuffer
	err := upScenario(ctx, &out, "cross-domain", upOptions{quiet: true, net: first.Net})
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitFailed {
		t.Fatalf("got %v (%T), want exit %d", err, err, exitFailed)
	}
	msg := ee.Error()
	for _, want := range []string{"already in use", "--net " + first.Net, "another mailflow up", "choose another network"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("message is more than one line: %q", msg)
	}
}

func TestUpNetFlagChecked(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/24", "127.25.0.0/16", "127.25.3.7/24", "nonsense", "::1/128"} {
		_, err := parseNet(bad)
		if err == nil {
			t.Errorf("--net %s accepted", bad)
		}
	}
	if p, err := parseNet("127.25.7.0/24"); err != nil || p.String() != "127.25.7.0/24" {
		t.Errorf("parseNet = %v, %v", p, err)
	}
	err := upScenario(context.Background(), &syncBuffer{}, "cross-domain", upOptions{net: "10.1.2.0/24"})
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitBadInput {
		t.Errorf("--net 10.1.2.0/24: %v, want bad input", err)
	}
}
