package dsn

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// sameRecipient compares what a DSN carries of a recipient. Parse fills
// Original with Final when the report has no Original-Recipient.
func sameRecipient(t *testing.T, want, got Recipient) {
	t.Helper()
	if want.Original == "" {
		want.Original = want.Final
	}
	if want.RemoteMTA != "" && !strings.Contains(want.RemoteMTA, ";") {
		want.RemoteMTA = "dns;" + want.RemoteMTA
	}
	if want.Action != Delayed {
		want.WillRetryUntil = time.Time{}
	}
	if got.Original != want.Original || got.Final != want.Final || got.Action != want.Action ||
		got.Status != want.Status || got.RemoteMTA != want.RemoteMTA || got.Diagnostic != want.Diagnostic ||
		!got.LastAttempt.Equal(want.LastAttempt) || !got.WillRetryUntil.Equal(want.WillRetryUntil) {
		t.Errorf("recipient:\n got %+v\nwant %+v", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	utf8Orig := []byte("From: Đặng Thị Hoa <hoa@example.test>\r\n" +
		"To: bob@school.test\r\n" +
		"Subject: Chào bạn — lịch họp\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n" +
		"\r\n" +
		"Hẹn gặp lúc 12 giờ. ☕\r\n")
	tests := []struct {
		name  string
		r     func() Report
		check func(t *testing.T, r Report, p *Parsed, raw []byte)
	}{
		{"failed FULL", failedReport, func(t *testing.T, r Report, p *Parsed, raw []byte) {
			if p.Subject != SubjectFailed {
				t.Errorf("Subject = %q", p.Subject)
			}
			if p.OriginalType != "message/rfc822" || !bytes.Equal(p.Original, origMsg) {
				t.Errorf("original %q:\n%q", p.OriginalType, p.Original)
			}
			for _, s := range []string{"<bob@school.test>", "mx.school.test replied: 550 5.1.1", "user does not", "will not try"} {
				if !strings.Contains(p.Human, s) {
					t.Errorf("human text lacks %q:\n%s", s, p.Human)
				}
			}
		}},
		{"failed and delayed", mixedReport, func(t *testing.T, r Report, p *Parsed, raw []byte) {
			if p.Subject != SubjectFailed {
				t.Errorf("Subject = %q", p.Subject)
			}
			for _, s := range []string{"<carol@school.test>", "still trying", "keep trying until Wed,", "No mail server for school.test"} {
				if !strings.Contains(p.Human, s) {
					t.Errorf("human text lacks %q:\n%s", s, p.Human)
				}
			}
		}},
		{"delayed only, no original", func() Report {
			r := mixedReport()
			r.Recipients = r.Recipients[1:]
			r.Original = nil
			return r
		}, func(t *testing.T, r Report, p *Parsed, raw []byte) {
			if p.Subject != SubjectDelayed {
				t.Errorf("Subject = %q", p.Subject)
			}
			if p.OriginalType != "" || p.Original != nil {
				t.Errorf("original part present: %q", p.OriginalType)
			}
			if !strings.Contains(p.Human, "nothing for you to do yet") {
				t.Errorf("human text:\n%s", p.Human)
			}
		}},
		{"HDRS", func() Report {
			r := failedReport()
			r.Return = ReturnHeaders
			return r
		}, func(t *testing.T, r Report, p *Parsed, raw []byte) {
			if p.OriginalType != "text/rfc822-headers" {
				t.Fatalf("OriginalType = %q", p.OriginalType)
			}
			hdr := origMsg[:bytes.Index(origMsg, []byte("\r\n\r\n"))+2]
			if !bytes.Equal(p.Original, hdr) {
				t.Errorf("Original = %q, want the header only %q", p.Original, hdr)
			}
			if bytes.Contains(raw, []byte("Shall we meet")) {
				t.Error("the body came back with RET=HDRS")
			}
		}},
		{"no ENVID", func() Report {
			r := failedReport()
			r.EnvelopeID = ""
			return r
		}, func(t *testing.T, r Report, p *Parsed, raw []byte) {
			if p.EnvelopeID != "" || bytes.Contains(raw, []byte("Original-Envelope-Id")) {
				t.Errorf("EnvelopeID %q appears", p.EnvelopeID)
			}
		}},
		{"UTF-8 original FULL", func() Report {
			r := failedReport()
			r.Original = utf8Orig
			return r
		}, func(t *testing.T, r Report, p *Parsed, raw []byte) {
			if !bytes.Equal(p.Original, utf8Orig) {
				t.Errorf("Original = %q", p.Original)
			}
			if !bytes.Contains(raw[:bytes.Index(raw, []byte("\r\n\r\n"))], []byte("Content-Transfer-Encoding: 8bit")) {
				t.Error("top-level header does not declare 8bit")
			}
		}},
		{"UTF-8 original HDRS", func() Report {
			r := failedReport()
			r.Original = utf8Orig
			r.Return = "hdrs" // RET keywords are case-insensitive
			return r
		}, func(t *testing.T, r Report, p *Parsed, raw []byte) {
			hdr := utf8Orig[:bytes.Index(utf8Orig, []byte("\r\n\r\n"))+2]
			if p.OriginalType != "text/rfc822-headers" || !bytes.Equal(p.Original, hdr) {
				t.Errorf("original %q = %q", p.OriginalType, p.Original)
			}
		}},
		{"bare LF original becomes CRLF", func() Report {
			r := failedReport()
			r.Original = bytes.ReplaceAll(origMsg, []byte("\r\n"), []byte("\n"))
			return r
		}, func(t *testing.T, r Report, p *Parsed, raw []byte) {
			if !bytes.Equal(p.Original, origMsg) {
				t.Errorf("Original = %q", p.Original)
			}
		}},
		{"internationalized addresses and subject", func() Report {
			r := failedReport()
			r.To = "Hoa <hoa@ví-dụ.test>"
			r.From = "Hệ thống thư <MAILER-DAEMON@mail.example.test>"
			r.Subject = "Thư không gửi được"
			r.Recipients[0].Original = "người+nhận@trường.test"
			r.Recipients[0].Final = "người+nhận@trường.test"
			return r
		}, func(t *testing.T, r Report, p *Parsed, raw []byte) {
			if p.Subject != r.Subject {
				t.Errorf("Subject = %q", p.Subject)
			}
			if p.From != r.From {
				t.Errorf("From = %q", p.From)
			}
			if !bytes.Contains(raw, []byte(`Final-Recipient: utf-8;ng\x{1B0}\x{1EDD}i\x{2B}nh\x{1EAD}n@tr\x{1B0}\x{1EDD}ng.test`)) {
				t.Error("Final-Recipient is not in the RFC 6533 utf-8 form")
			}
			if !strings.Contains(p.Human, "<người+nhận@trường.test>") {
				t.Errorf("human text:\n%s", p.Human)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r()
			raw, err := Build(r)
			if err != nil {
				t.Fatal(err)
			}
			checkLines(t, raw)
			if !IsDSN(raw) {
				t.Error("IsDSN = false")
			}
			p, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, raw)
			}
			if p.ReportType != "delivery-status" || p.AutoSubmitted != "auto-replied" ||
				p.MessageID != r.MessageID || p.ReportingMTA != r.ReportingMTA || p.EnvelopeID != r.EnvelopeID ||
				p.ArrivalDate != r.ArrivalDate.Format(dateLayout) {
				t.Errorf("per-message fields: %+v", p)
			}
			if p.To != r.To {
				t.Errorf("To = %q", p.To)
			}
			if r.From == "" && p.From != "Mail Delivery System <MAILER-DAEMON@mail.example.test>" {
				t.Errorf("From = %q", p.From)
			}
			if len(p.Recipients) != len(r.Recipients) {
				t.Fatalf("%d recipients, want %d", len(p.Recipients), len(r.Recipients))
			}
			for i := range r.Recipients {
				sameRecipient(t, r.Recipients[i], p.Recipients[i])
			}
			tc.check(t, r, p, raw)
		})
	}
}

// checkLines asserts CRLF everywhere and no line longer than RFC 5322's 998.
func checkLines(t *testing.T, raw []byte) {
	t.Helper()
	for i, line := range bytes.SplitAfter(raw, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if !bytes.HasSuffix(line, []byte("\r\n")) || bytes.ContainsAny(line[:len(line)-2], "\r\n") {
			t.Fatalf("line %d does not end in CRLF or holds a bare CR/LF: %q", i+1, line)
		}
		if len(line)-2 > maxLineLen {
			t.Fatalf("line %d is %d octets", i+1, len(line)-2)
		}
	}
}

func TestGoldenAndDeterminism(t *testing.T) {
	for _, g := range []struct {
		file string
		r    func() Report
	}{
		{"failed-and-delayed.eml", mixedReport},
		{"failed-hdrs.eml", func() Report {
			r := failedReport()
			r.Return = ReturnHeaders
			r.EnvelopeID = ""
			return r
		}},
	} {
		t.Run(g.file, func(t *testing.T) {
			a, err := Build(g.r())
			if err != nil {
				t.Fatal(err)
			}
			b, err := Build(g.r())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Fatal("two builds of the same report differ")
			}
			path := filepath.Join("testdata", g.file)
			if *update {
				if err := os.WriteFile(path, a, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(a, want) {
				t.Errorf("output differs from %s (go test -update to accept):\n%s", path, a)
			}
		})
	}
}

func TestLongDiagnosticFolds(t *testing.T) {
	r := failedReport()
	words := strings.Repeat("the remote server explained at great length why it refused ", 40)
	r.Recipients[0].Diagnostic = "smtp; 550 5.7.1 " + strings.TrimSpace(words)
	raw, err := Build(r)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, raw)
	p, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Recipients[0].Diagnostic; got != r.Recipients[0].Diagnostic {
		t.Errorf("folded Diagnostic-Code did not unfold to the same text:\n got %q\nwant %q", got, r.Recipients[0].Diagnostic)
	}
	for line := range strings.Lines(string(raw)) {
		if strings.HasPrefix(line, "Diagnostic-Code:") && len(line) > preferredLineLen+2 {
			t.Errorf("first Diagnostic-Code line not folded: %q", line)
		}
	}

	// One word longer than any line: cut, still under 998.
	r.Recipients[0].Diagnostic = "smtp; 550 " + strings.Repeat("x", 3000)
	r.Recipients[0].Final = strings.Repeat("y", 1200) + "@school.test"
	raw, err = Build(r)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, raw)
	if _, err := Parse(raw); err != nil {
		t.Fatal(err)
	}
}

func TestNoFieldInjection(t *testing.T) {
	r := failedReport()
	r.Recipients[0].Diagnostic = "smtp; 550 no\r\nAction: delivered\r\n\r\nFinal-Recipient: rfc822;evil@x.test\r\nAction: delivered\r\nStatus: 2.0.0"
	r.EnvelopeID = "E1\r\nReporting-MTA: dns;evil.test"
	r.Subject = "hi\r\nBcc: evil@x.test"
	raw, err := Build(r)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, raw)
	p, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Recipients) != 1 || p.Recipients[0].Action != Failed || p.ReportingMTA != r.ReportingMTA {
		t.Errorf("injected fields took effect: %+v", p)
	}
	if bytes.Contains(raw, []byte("\r\nBcc:")) {
		t.Error("Subject injected a Bcc field")
	}
}

func TestBoundaryAvoidsContent(t *testing.T) {
	r := failedReport()
	first := pickBoundary(r.MessageID)
	r.Original = append(append([]byte{}, origMsg...), []byte("--"+first+"--\r\n")...)
	raw, err := Build(r)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("boundary=\""+first+"\"")) {
		t.Fatal("boundary found in the content was used")
	}
	p, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Original, r.Original) {
		t.Errorf("Original = %q", p.Original)
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Report)
		want   string
	}{
		{"null sender", func(r *Report) { r.To = "" }, "null reverse-path"},
		{"null sender brackets", func(r *Report) { r.To = "<>" }, "null reverse-path"},
		{"no reporting MTA", func(r *Report) { r.ReportingMTA = "" }, "Reporting-MTA"},
		{"no message id", func(r *Report) { r.MessageID = "" }, "Message-ID"},
		{"message id with space", func(r *Report) { r.MessageID = "a b@c" }, "Message-ID"},
		{"no date", func(r *Report) { r.Date = time.Time{} }, "Date"},
		{"bad RET", func(r *Report) { r.Return = "NONE" }, "FULL nor HDRS"},
		{"no recipients", func(r *Report) { r.Recipients = nil }, "no recipients"},
		{"no final", func(r *Report) { r.Recipients[0].Final = " " }, "Final is empty"},
		{"bad action", func(r *Report) { r.Recipients[0].Action = "bounced" }, "action"},
		{"bad status", func(r *Report) { r.Recipients[0].Status = "550" }, "status"},
		{"status class 3", func(r *Report) { r.Recipients[0].Status = "3.1.1" }, "status"},
		{"bad From", func(r *Report) { r.From = "not an address" }, "From"},
		{"bad To", func(r *Report) { r.To = "a@b@c" }, "To"},
		{"no From and typed MTA", func(r *Report) { r.ReportingMTA = "x-local;box" }, "From is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := failedReport()
			tc.mutate(&r)
			_, err := Build(r)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
	r := failedReport()
	r.To = ""
	if _, err := Build(r); !errors.Is(err, ErrNoSender) {
		t.Errorf("err = %v, want ErrNoSender", err)
	}
}

func TestDefaults(t *testing.T) {
	r := failedReport()
	r.ReportingMTA = "mail.example.test" // no type given
	r.Recipients[0].RemoteMTA = "mx.school.test"
	r.Recipients[0].Diagnostic = "550 5.1.1 No such user here"
	r.Recipients[0].Action = Delivered
	r.Recipients[0].Status = "2.0.0"
	raw, err := Build(r)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	rc := p.Recipients[0]
	if p.ReportingMTA != "dns;mail.example.test" || rc.RemoteMTA != "dns;mx.school.test" ||
		rc.Diagnostic != "smtp;550 5.1.1 No such user here" {
		t.Errorf("types not added: %q %q %q", p.ReportingMTA, rc.RemoteMTA, rc.Diagnostic)
	}
	if p.Subject != SubjectDelivered || !strings.Contains(p.Human, "only a report") {
		t.Errorf("subject %q, human:\n%s", p.Subject, p.Human)
	}
	if p.From != "Mail Delivery System <MAILER-DAEMON@mail.example.test>" {
		t.Errorf("From = %q", p.From)
	}
}
