package transcript

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/mailflow/mailflow/sim/pki"
)

type session struct{}

func (session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, _, _ string) error { return nil }), nil
}
func (session) Mail(string, *smtp.MailOptions) error { return nil }
func (session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (session) Data(r io.Reader) error               { _, err := io.Copy(io.Discard, r); return err }
func (session) Reset()                               {}
func (session) Logout() error                        { return nil }

// A STARTTLS dialogue is recorded in plain text on both sides of the
// handshake, with the password hidden and a long body cut short.
func TestRecordsBothSidesOfStartTLS(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	ca, err := pki.NewCA("test CA", now)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue([]string{"mx.test"}, nil, pki.IssueOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return session{}, nil }))
	srv.Domain = "mx.test"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	defer func() { srv.Close(); <-done }()

	rec := &Recorder{}
	raw, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClientStartTLS(rec.Wrap(raw), &tls.Config{ServerName: "mx.test", RootCAs: ca.Pool(),
		Time: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	c.DebugWriter = rec
	if err := c.Auth(sasl.NewPlainClient("", "alice@example.test", "s3cret")); err != nil {
		t.Fatal(err)
	}
	body := "Subject: hi\r\n\r\n" + strings.Repeat("line\r\n", 40)
	if err := c.SendMail("alice@example.test", []string{"bob@school.test"}, strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	c.Quit()

	lines := rec.Lines()
	text := strings.Join(lines, "\n")
	for _, want := range []string{"S: 220 ", "C: EHLO", "C: STARTTLS", "(TLS handshake", "C: AUTH PLAIN ********",
		`user "alice@example.test", password hidden`, "C: MAIL FROM:<alice@example.test>", "C: Subject: hi",
		"more lines of the message", "C: .", "S: 250 ", "C: QUIT"} {
		if !strings.Contains(text, want) {
			t.Errorf("transcript lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "s3cret") || strings.Contains(text, "czNjcmV0") {
		t.Errorf("password leaked:\n%s", text)
	}
	ehlo := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "C: EHLO") })
	tlsAt := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "TLS handshake") })
	if ehlo < 0 || tlsAt < ehlo {
		t.Errorf("EHLO before STARTTLS missing:\n%s", text)
	}
	for _, l := range lines {
		if strings.ContainsRune(l, '\x16') || strings.ContainsRune(l, '\x03') {
			t.Fatalf("ciphertext in transcript: %q", l)
		}
	}
	// Every reply the server sent is read back with the stage it answered.
	var got []string
	for _, r := range SMTPReplies(lines) {
		got = append(got, fmt.Sprintf("%d %s", r.Code, r.Stage))
	}
	want := []string{"220 connect", "250 ehlo", "220 starttls", "250 ehlo", "235 auth", "250 mail", "250 rcpt",
		"354 data", "250 data", "221 quit"}
	if !slices.Equal(got, want) {
		t.Errorf("replies %v, want %v\n%s", got, want, text)
	}
}
