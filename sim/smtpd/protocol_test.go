package smtpd

import (
	"regexp"
	"strings"
	"testing"

	"github.com/mailflow/mailflow/topology"
)

// The EHLO reply starts with the server's own name (RFC 5321 §4.1.1.1);
// neither it nor the HELO reply carries enhanced status codes (RFC 2034 §3).
func TestHelloRepliesNameTheServer(t *testing.T) {
	h := start(t, nil)
	c := h.dial(topology.SMTP)
	c.send("EHLO client.test")
	code, lines := c.reply()
	if code != 250 || lines[0] != "250-mail.school.test Hello client.test" {
		t.Fatalf("EHLO reply %q", lines)
	}
	enh := regexp.MustCompile(`^\d{3}[ -]\d\.\d{1,3}\.\d{1,3} `)
	for _, l := range lines {
		if enh.MatchString(l) {
			t.Errorf("EHLO line with an enhanced code: %q", l)
		}
	}
	for _, want := range []string{"250-STARTTLS", "250-ENHANCEDSTATUSCODES", "250 SIZE 26214400"} {
		if !strings.Contains(strings.Join(lines, "\n"), want) {
			t.Errorf("EHLO reply lacks %q: %q", want, lines)
		}
	}
	if got := c.expect("HELO client.test", 250); got != "250 mail.school.test Hello client.test" {
		t.Errorf("HELO reply %q", got)
	}
	if code, last := c.cmd("EHLO"); code != 501 || enh.MatchString(last) {
		t.Errorf("EHLO without a name: %q, want 501 without enhanced code", last)
	}
}

// Commands out of sequence get 503 5.5.1 (RFC 5321 §4.2.4, §4.3.2).
func TestCommandsOutOfSequenceGet503(t *testing.T) {
	h := start(t, nil)
	c := h.dial(topology.SMTP)
	for _, line := range []string{"MAIL FROM:<dan@other.test>", "RCPT TO:<bob@school.test>", "DATA"} {
		if code, last := c.cmd(line); code != 503 || !strings.HasPrefix(last, "503 5.5.1 ") {
			t.Errorf("%s before EHLO: %q, want 503 5.5.1", line, last)
		}
	}
	c.expect("EHLO client.test", 250)
	for _, line := range []string{"RCPT TO:<bob@school.test>", "DATA"} {
		c.answers(line, 503) // before MAIL
	}
	c.expect("MAIL FROM:<dan@other.test>", 250)
	c.answers("DATA", 503)                       // DATA before RCPT
	c.answers("MAIL FROM:<dan@other.test>", 503) // nested MAIL
	c.expect("RSET", 250)
	c.expect("MAIL FROM:<dan@other.test>", 250)

	s := h.dial(topology.Submission)
	s.answers("AUTH PLAIN", 503) // AUTH before EHLO
}

// <postmaster> without a domain is accepted (RFC 5321 §4.5.1) and
// delivered where postmaster@<domain> goes.
func TestBarePostmasterIsAccepted(t *testing.T) {
	h := start(t, nil)
	c := h.dial(topology.SMTP)
	c.expect("EHLO client.test", 250)
	if code, last := c.transaction("dan@other.test", []string{"Postmaster"}, testMessage("hello postmaster")); code != 250 {
		t.Fatalf("DATA: %q", last)
	}
	if got := h.inbox("bob@school.test", "INBOX"); len(got) != 1 {
		t.Fatalf("bob got %d messages for <postmaster>, want 1", len(got))
	}
}

// Malformed paths and parameters get the reply the RFCs name, and the
// connection goes on.
func TestPathsAndParameters(t *testing.T) {
	h := start(t, nil)
	c := h.dial(topology.SMTP)
	c.expect("EHLO client.test", 250)
	for line, want := range map[string]int{
		"MAIL FROM:<dan@other.test> SIZE=999999999": 552, // RFC 1870 §6.2
		"MAIL FROM:<dan@other.test> SMTPUTF8":       555, // RFC 5321 §4.1.1.11
		"MAIL FROM:<dan@other.test> BODY=BINARY":    501,
		"MAIL FROM:<dan@other.test>BODY=7BIT":       501,
		"MAIL FROM:<dan other.test>":                501,
		"MAIL FROM:<dan@other.test":                 501,
		"MAIL TO:<dan@other.test>":                  501,
		"MAIL FROM:<dan@other.test> ENVID=a+2":      501,
	} {
		c.answers(line, want)
	}
	c.expect("MAIL FROM:<@relay.test:dan@other.test> SIZE=100 BODY=8BITMIME RET=HDRS ENVID=id+2B1", 250)
	for line, want := range map[string]int{
		"RCPT TO:<bob@school.test> NOTIFY=NEVER,SUCCESS": 501,
		"RCPT TO:<bob@school.test> ORCPT=x400;foo":       501,
		"RCPT TO:<bob@school.test> FOO=1":                555,
		"RCPT TO:<>":                                     501,
		"RCPT TO:<nobody@school.test>":                   550,
	} {
		c.answers(line, want)
	}
	c.expect("RCPT TO:<bob@school.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob+2Bx@school.test", 250)
	c.expect("DATA", 354)
	c.expect(testMessage("params"), 250)
	c.answers("FROB", 500) // unknown command
	c.answers("HELP", 502)
	c.answers("VRFY bob", 252)
}

// DATA undoes dot-stuffing and ends only at <CRLF>.<CRLF>: a dot line after
// a bare LF is content, so a second message cannot be smuggled in.
func TestDataEndsOnlyAtCRLFDotCRLF(t *testing.T) {
	h := start(t, nil)
	c := h.dial(topology.SMTP)
	c.expect("EHLO client.test", 250)
	c.expect("MAIL FROM:<dan@other.test>", 250)
	c.expect("RCPT TO:<bob@school.test>", 250)
	c.expect("DATA", 354)
	c.send("Subject: smuggle\r\n\r\n..leading dot\r\nline\n.\nMAIL FROM:<evil@other.test>\r\n.")
	code, last := c.reply()
	if code != 250 {
		t.Fatalf("end of data: %q", last)
	}
	msgs := h.inbox("bob@school.test", "INBOX")
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	if !strings.Contains(msgs[0], "\r\n.leading dot\r\n") || !strings.Contains(msgs[0], "\n.\nMAIL FROM:<evil@other.test>") {
		t.Errorf("content not kept as sent:\n%q", msgs[0])
	}
	c.expect("NOOP", 250)
}

// A message over the limit is read to its end, answered 552 5.3.4 and
// nothing is filed; the connection stays usable.
func TestOversizedMessageIsRefusedAfterItsEnd(t *testing.T) {
	h := start(t, func(c *Config) { c.MaxMessageBytes = 1000 })
	c := h.dial(topology.SMTP)
	c.expect("EHLO client.test", 250)
	c.expect("MAIL FROM:<dan@other.test>", 250)
	c.expect("RCPT TO:<bob@school.test>", 250)
	c.expect("DATA", 354)
	c.send("Subject: big\r\n\r\n" + strings.Repeat(strings.Repeat("x", 99)+"\r\n", 20) + ".")
	if code, last := c.reply(); code != 552 || !strings.HasPrefix(last[0], "552 5.3.4 ") {
		t.Fatalf("oversized: %q, want 552 5.3.4", last)
	}
	if got := h.inbox("bob@school.test", "INBOX"); len(got) != 0 {
		t.Fatalf("an oversized message was filed")
	}
	if code, last := c.transaction("dan@other.test", []string{"bob@school.test"}, testMessage("small")); code != 250 {
		t.Fatalf("next transaction: %q", last)
	}
	if h.srv.cfg.InFlight.InUse() != 0 {
		t.Errorf("%d bytes still reserved after the transactions", h.srv.cfg.InFlight.InUse())
	}
}
