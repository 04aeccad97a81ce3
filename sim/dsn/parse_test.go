package dsn

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/emersion/go-message/mail"
)

// statusGroups is a deliberately separate, minimal reader of RFC 3464 field
// groups: blank lines separate groups, lines starting with WSP continue.
func statusGroups(t *testing.T, body string) []map[string]string {
	t.Helper()
	var groups []map[string]string
	cur := map[string]string{}
	last := ""
	for _, line := range strings.Split(body, "\r\n") {
		switch {
		case line == "":
			if len(cur) > 0 {
				groups = append(groups, cur)
				cur, last = map[string]string{}, ""
			}
		case line[0] == ' ' || line[0] == '\t':
			if last == "" {
				t.Fatalf("continuation without a field: %q", line)
			}
			cur[last] += " " + strings.TrimSpace(line)
		default:
			name, value, ok := strings.Cut(line, ":")
			if !ok {
				t.Fatalf("not a field: %q", line)
			}
			last = strings.ToLower(name)
			cur[last] = strings.TrimSpace(value)
		}
	}
	if len(cur) > 0 {
		groups = append(groups, cur)
	}
	return groups
}

type contentTyper interface {
	ContentType() (string, map[string]string, error)
}

func TestIndependentParse(t *testing.T) {
	raw, err := Build(mixedReport())
	if err != nil {
		t.Fatal(err)
	}
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer mr.Close()
	mt, params, err := mr.Header.ContentType()
	if err != nil || mt != "multipart/report" || params["report-type"] != "delivery-status" {
		t.Fatalf("top-level Content-Type %q %v %v", mt, params, err)
	}
	if got := mr.Header.Get("Auto-Submitted"); got != "auto-replied" {
		t.Errorf("Auto-Submitted = %q", got)
	}
	if id, _ := mr.Header.MessageID(); id != "dsn-1@mail.example.test" {
		t.Errorf("Message-ID = %q", id)
	}
	if d, err := mr.Header.Date(); err != nil || !d.Equal(t0) {
		t.Errorf("Date = %v, %v", d, err)
	}

	var types []string
	var bodies [][]byte
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := p.Header.(contentTyper).ContentType()
		b, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, ct)
		bodies = append(bodies, b)
	}
	want := []string{"text/plain", "message/delivery-status", "message/rfc822"}
	if strings.Join(types, " ") != strings.Join(want, " ") {
		t.Fatalf("parts %v, want %v", types, want)
	}

	groups := statusGroups(t, string(bodies[1]))
	if len(groups) != 3 {
		t.Fatalf("%d field groups, want 3: %v", len(groups), groups)
	}
	if groups[0]["reporting-mta"] != "dns;mail.example.test" || groups[0]["original-envelope-id"] != "QQ314159" ||
		groups[0]["arrival-date"] != "Fri, 14 Mar 2025 09:20:53 +0000" {
		t.Errorf("per-message group: %v", groups[0])
	}
	bob, carol := groups[1], groups[2]
	if bob["final-recipient"] != "rfc822;bob@school.test" || bob["original-recipient"] != "rfc822;bob@school.test" ||
		bob["action"] != "failed" || bob["status"] != "5.1.1" || bob["remote-mta"] != "dns;mx.school.test" ||
		bob["diagnostic-code"] != "smtp; 550 5.1.1 <bob@school.test>: No such user here" {
		t.Errorf("first recipient: %v", bob)
	}
	if _, ok := bob["will-retry-until"]; ok {
		t.Error("Will-Retry-Until on a failed recipient")
	}
	if carol["action"] != "delayed" || carol["status"] != "4.4.1" ||
		carol["will-retry-until"] != "Wed, 19 Mar 2025 09:26:53 +0000" || carol["original-recipient"] != "" {
		t.Errorf("second recipient: %v", carol)
	}
	if _, ok := carol["remote-mta"]; ok {
		t.Error("Remote-MTA written though none was reached")
	}
	if !bytes.Equal(bodies[2], origMsg) {
		t.Errorf("returned message = %q", bodies[2])
	}
}

// A DSN as another MTA writes one: LF line ends, "type; value" with a
// space, comments, whitespace-only separator lines, multipart/alternative.
const foreignDSN = `Return-Path: <>
From: MAILER-DAEMON@mx.other.test (Mail Delivery System)
To: alice@example.test
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type="Delivery-Status";
	boundary="B1"

--B1
Content-Type: multipart/alternative; boundary="B2"

--B2
Content-Type: text/html; charset=utf-8

<p>failed</p>
--B2
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Your message could not be delivered. Gr=FC=DFe.
--B2--

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.other.test
X-Postfix-Queue-ID: 4F2A1
Arrival-Date: Fri, 14 Mar 2025 10:00:00 +0100 (CET)
  
Final-Recipient: RFC822; bob@school.test
Original-Recipient: rfc822;Bob@School.test
Action: Failed
Status: 5.2.2 (mailbox full)
Remote-MTA: dns; mx.school.test
Diagnostic-Code: smtp; 552 5.2.2 Mailbox
    full
Last-Attempt-Date: Fri, 14 Mar 2025 10:00:01 +0100 (CET)

--B1
Content-Type: text/rfc822-headers

Subject: hello
--B1--
`

func TestParseForeign(t *testing.T) {
	p, err := Parse([]byte(foreignDSN))
	if err != nil {
		t.Fatal(err)
	}
	if p.ReportType != "delivery-status" || p.ReportingMTA != "dns; mx.other.test" || p.OriginalType != "text/rfc822-headers" {
		t.Errorf("%+v", p)
	}
	if p.Human != "Your message could not be delivered. Grüße." {
		t.Errorf("Human = %q", p.Human)
	}
	if len(p.Recipients) != 1 {
		t.Fatalf("%d recipients", len(p.Recipients))
	}
	rc := p.Recipients[0]
	if rc.Final != "bob@school.test" || rc.Original != "Bob@School.test" || rc.Action != Failed ||
		rc.Status != "5.2.2" || rc.Diagnostic != "smtp; 552 5.2.2 Mailbox full" || rc.LastAttempt.IsZero() {
		t.Errorf("recipient %+v", rc)
	}
	if !IsDSN([]byte(foreignDSN)) {
		t.Error("IsDSN = false")
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		is   error  // errors.Is target, or nil
		want string // substring otherwise
	}{
		{"plain mail", "From: a@b.test\r\nSubject: hi\r\n\r\nhello\r\n", ErrNotReport, ""},
		{"mixed multipart", "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nhi\r\n--x--\r\n", ErrNotReport, ""},
		{"MDN", "Content-Type: multipart/report; report-type=disposition-notification; boundary=x\r\n\r\n--x\r\n\r\nhi\r\n--x--\r\n", ErrNotDSN, ""},
		{"no status part", "Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\n\r\nhi\r\n--x--\r\n", nil, "no message/delivery-status"},
		{"no recipient group", "Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\n" +
			"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns;a.test\r\n--x--\r\n", nil, "no per-recipient"},
		{"no Final-Recipient", "Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\n" +
			"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns;a.test\r\n\r\nAction: failed\r\nStatus: 5.0.0\r\n--x--\r\n", nil, "no Final-Recipient"},
		{"garbage field", "Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\n" +
			"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns;a.test\r\n\r\nno colon here\r\n--x--\r\n", nil, "group 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse([]byte(tc.raw))
			if err == nil {
				t.Fatalf("parsed: %+v", p)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want %v", err, tc.is)
			}
			if tc.want != "" && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tc.want)
			}
			if tc.is != nil && IsDSN([]byte(tc.raw)) {
				t.Error("IsDSN = true")
			}
		})
	}
}

func TestIsDSNHeaderOnly(t *testing.T) {
	for raw, want := range map[string]bool{
		"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n":                 true,
		"Content-Type: Multipart/Report; Report-Type=\"Delivery-Status\"; boundary=x\r\n":                 true,
		"Content-Type: multipart/report; report-type=global-delivery-status; boundary=x\r\n\r\n":          true,
		"Content-Type: multipart/report; boundary=x\r\n\r\n":                                              false,
		"Content-Type: text/plain\r\n\r\nContent-Type: multipart/report; report-type=delivery-status\r\n": false,
		"":                    false,
		" bad first line\r\n": false,
	} {
		if got := IsDSN([]byte(raw)); got != want {
			t.Errorf("IsDSN(%q) = %v, want %v", raw, got, want)
		}
	}
}
