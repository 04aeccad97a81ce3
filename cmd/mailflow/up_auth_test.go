package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-msgauth/authres"
)

// A message a real client (Go's net/smtp) submits to `mailflow up
// cross-domain` reaches bob with the receiving server's verdicts: SPF, DKIM
// and DMARC pass. Bob's real IMAP client idles until it arrives.
func TestUpSubmittedMailArrivesAuthenticated(t *testing.T) {
	ep, _, _ := startUp(t, "cross-domain")
	pem, err := os.ReadFile(ep.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	hosts := map[string]hostEndpoint{}
	for _, h := range ep.Hosts {
		hosts[h.Name] = h
	}
	alice, school := hosts["mail.example.test"], hosts["mail.school.test"]

	exists := make(chan uint32, 8)
	c, err := imapclient.DialTLS(net.JoinHostPort(school.Address, strconv.Itoa(school.Ports["imaps"])),
		&imapclient.Options{TLSConfig: &tls.Config{ServerName: school.Name, RootCAs: pool},
			UnilateralDataHandler: &imapclient.UnilateralDataHandler{Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					exists <- *d.NumMessages
				}
			}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("bob@school.test", "password").Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}

	conn, err := net.DialTimeout("tcp", net.JoinHostPort(alice.Address, strconv.Itoa(alice.Ports["submission"])), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(20 * time.Second)) // fail, never hang
	sc, err := smtp.NewClient(conn, alice.Name)        // named, so PlainAuth sends the password
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	steps := []func() error{
		func() error { return sc.StartTLS(&tls.Config{ServerName: alice.Name, RootCAs: pool}) },
		func() error { return sc.Auth(smtp.PlainAuth("", "alice@example.test", "password", alice.Name)) },
		func() error { return sc.Mail("alice@example.test") },
		func() error { return sc.Rcpt("bob@school.test") },
		func() error {
			w, err := sc.Data()
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "From: Alice <alice@example.test>\r\nTo: bob@school.test\r\nSubject: from a real client\r\n"+
				"Message-ID: <real-client-1@example.test>\r\nDate: %s\r\n\r\nSigned on the way out.\r\n",
				time.Now().Format(time.RFC1123Z))
			return w.Close()
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	sc.Quit()

	want := sel.NumMessages + 1
	timeout := time.After(20 * time.Second)
	for got := uint32(0); got < want; {
		select {
		case got = <-exists:
		case <-timeout:
			t.Fatalf("the message never reached bob's INBOX (%d messages, want %d)", got, want)
		}
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(want), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{
		{Specifier: imap.PartSpecifierHeader}}}).Collect()
	if err != nil || len(msgs) != 1 || len(msgs[0].BodySection) != 1 {
		t.Fatalf("fetch: %v %+v", err, msgs)
	}
	header := string(msgs[0].BodySection[0].Bytes)
	if !strings.Contains(header, "Subject: from a real client") {
		t.Fatalf("fetched another message:\n%s", header)
	}
	ar := authResultsOf(t, header, school.Name)
	for method, want := range map[string]string{"spf": "pass", "dkim": "pass", "dmarc": "pass"} {
		if ar[method] != want {
			t.Errorf("%s=%s, want %s; header:\n%s", method, ar[method], want, header)
		}
	}
	if !strings.Contains(header, "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.test; s=mail;") {
		t.Errorf("no signature of example.test:\n%s", header)
	}
}

// authResultsOf parses the Authentication-Results field authservID added.
func authResultsOf(t *testing.T, header, authservID string) map[string]string {
	t.Helper()
	unfolded := strings.ReplaceAll(strings.ReplaceAll(header, "\r\n\t", " "), "\r\n ", " ")
	for _, line := range strings.Split(unfolded, "\r\n") {
		v, ok := strings.CutPrefix(line, "Authentication-Results:")
		if !ok {
			continue
		}
		id, results, err := authres.Parse(strings.TrimSpace(v))
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if id != authservID {
			continue
		}
		out := map[string]string{}
		for _, r := range results {
			switch r := r.(type) {
			case *authres.SPFResult:
				out["spf"] = string(r.Value)
			case *authres.DKIMResult:
				out["dkim"] = string(r.Value)
			case *authres.DMARCResult:
				out["dmarc"] = string(r.Value)
			}
		}
		return out
	}
	t.Fatalf("no Authentication-Results of %s in:\n%s", authservID, header)
	return nil
}
