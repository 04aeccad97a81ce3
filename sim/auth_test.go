package sim

import (
	"strings"
	"testing"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/event"
)

// runAuth plays a scenario given as YAML and returns the network, every
// expectation having passed.
func runAuth(t *testing.T, src string) *Network {
	t.Helper()
	s, err := scenarios.Parse("auth.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	n := startScenario(t, s)
	requirePassed(t, play(t, n))
	return n
}

// spoof is a phisher's machine writing as security@bank.test straight to
// school.test's MX; the settings of mail.school.test come after it.
const spoof = `
domains:
  - name: bank.test
    users: [{name: security}]
    spf: "v=spf1 mx -all"
    dmarc: "v=DMARC1; p=reject"
  - name: school.test
    users: [{name: bob}]
actions:
  - send: {from: security@bank.test, to: [bob@school.test], server: mail.school.test, port: 25, subject: Locked}
  - wait: {}
`

func authEvents(n *Network) []event.Event {
	var out []event.Event
	for _, e := range n.Bus.History() {
		if e.Kind == event.AuthResult {
			out = append(out, e)
		}
	}
	return out
}

func TestSPFFailAloneCanReject(t *testing.T) {
	n := runAuth(t, spoof+`
servers:
  - host: mail.school.test
    sender_auth: {dmarc: report, spf_fail: reject}
expect:
  - auth: {message: m1, spf: fail, dmarc: fail}
  - reply: {message: m1, code: 550, enhanced: 5.7.23, host: mail.school.test, stage: data}
  - not_delivered: {mailbox: bob@school.test}
`)
	if a := authEvents(n); len(a) != 1 || a[0].Auth.Action != "reject" {
		t.Fatalf("auth events %+v", a)
	}
}

func TestSPFFailCanGoToSpam(t *testing.T) {
	runAuth(t, spoof+`
servers:
  - host: mail.school.test
    sender_auth: {dmarc: report, spf_fail: spam}
expect:
  - delivered: {mailbox: bob@school.test, folder: Spam, headers: {Authentication-Results: dmarc=fail}}
`)
}

// A host that only reports DMARC files what p=reject asks it to refuse,
// with the verdict in the header.
func TestDMARCReportOnly(t *testing.T) {
	runAuth(t, spoof+`
servers:
  - host: mail.school.test
    sender_auth: {dmarc: report}
expect:
  - auth: {message: m1, spf: fail, dkim: none, dmarc: fail}
  - delivered: {mailbox: bob@school.test, headers: {Authentication-Results: 'dmarc=fail reason="p=reject"'}}
`)
}

func TestVerifyOff(t *testing.T) {
	n := runAuth(t, spoof+`
servers:
  - host: mail.school.test
    sender_auth: {verify: false}
expect:
  - delivered: {mailbox: bob@school.test}
`)
	if a := authEvents(n); len(a) != 0 {
		t.Fatalf("a host that does not verify told %d verdicts", len(a))
	}
	msgs, _ := n.Store.Messages("bob@school.test", "INBOX")
	if strings.Contains(string(msgs[0].Raw), "Authentication-Results") {
		t.Errorf("a host that does not verify wrote Authentication-Results:\n%s", msgs[0].Raw)
	}
}

// DNS trouble during the checks gives temperror, and the message is not
// refused for it.
func TestDNSFailureIsTempError(t *testing.T) {
	runAuth(t, spoof+`
faults:
  - {dns: _dmarc.bank.test, type: TXT, answer: servfail}
  - {dns: bank.test, type: TXT, answer: drop}
expect:
  - auth: {message: m1, spf: temperror, dmarc: temperror}
  - delivered: {mailbox: bob@school.test}
  - dns: {name: _dmarc.bank.test, type: TXT, rcode: SERVFAIL}
`)
}

// RFC 8601 §5: an Authentication-Results field that claims to come from
// the receiving host, written by the sender, is removed before the host
// adds its own.
func TestForgedResultsAreRemoved(t *testing.T) {
	s, err := scenarios.Parse("auth.yaml", []byte(spoof+`
servers:
  - host: mail.school.test
    sender_auth: {dmarc: report}
`))
	if err != nil {
		t.Fatal(err)
	}
	n := startScenario(t, s)
	c := dialSMTP(t, n, "mail.school.test", "smtp")
	defer c.Close()
	for _, step := range []func() error{
		func() error { return c.Hello("phisher.invalid") },
		func() error { return c.Mail("security@bank.test") },
		func() error { return c.Rcpt("bob@school.test") },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("Authentication-Results: mail.school.test;\r\n\tdmarc=pass header.from=bank.test\r\n" +
		"Authentication-Results: elsewhere.test; spf=pass\r\n" +
		"From: security@bank.test\r\nSubject: trust me\r\nMessage-ID: <forged@bank.test>\r\n\r\nhi\r\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	msgs, _ := n.Store.Messages("bob@school.test", "INBOX")
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	raw := string(msgs[0].Raw)
	if strings.Contains(raw, "dmarc=pass") || strings.Count(raw, "Authentication-Results: mail.school.test;") != 1 ||
		!strings.Contains(raw, "Authentication-Results: elsewhere.test; spf=pass") || !strings.Contains(raw, "dmarc=fail") {
		t.Errorf("forged field kept or other fields lost:\n%s", raw)
	}
}

func TestFooterGoesInsideMultipart(t *testing.T) {
	msg := "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b1--\r\n"
	got := string(addFooter([]byte(msg), "-- \nthe list"))
	want := "--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n-- \r\nthe list\r\n--b1--\r\n"
	if !strings.HasSuffix(got, want) {
		t.Errorf("got:\n%q", got)
	}
	if got := string(addFooter([]byte("Subject: x\r\n\r\nhello"), "bye")); got != "Subject: x\r\n\r\nhello\r\nbye\r\n" {
		t.Errorf("plain: %q", got)
	}
}

// A border MX that does not keep the mailboxes marks a quarantined message,
// and the host that does files it in Spam.
func TestQuarantineAcrossAnInternalHop(t *testing.T) {
	runAuth(t, `
domains:
  - name: bank.test
    users: [{name: security}]
    dmarc: "v=DMARC1; p=quarantine"
  - name: school.test
    users: [{name: bob}]
    hosts:
      - {name: mx.school.test, mx: 10, mailboxes: false}
      - {name: store.school.test, mailboxes: true}
actions:
  - send: {from: security@bank.test, to: [bob@school.test], server: mx.school.test, port: 25, subject: Locked}
  - wait: {}
expect:
  - auth: {message: m1, host: mx.school.test, dmarc: fail}
  - delivered: {mailbox: bob@school.test, folder: Spam, subject: Locked, headers: {X-Spam-Flag: "YES"}}
`)
}
