package dsn

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	for _, r := range []Report{failedReport(), mixedReport()} {
		raw, err := Build(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(foreignDSN))
	f.Add([]byte("Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\n" +
		"Content-Type: message/delivery-status\r\n\r\n \r\n\r\n\tx\r\n--x--\r\n"))
	f.Add([]byte("Content-Type: multipart/report; report-type=delivery-status; boundary=\"\"\r\n\r\n"))
	f.Add([]byte("\x00\xff"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := Parse(raw)
		if err != nil {
			return
		}
		if !IsDSN(raw) {
			t.Error("Parse accepted what IsDSN rejects")
		}
		if len(p.Recipients) == 0 {
			t.Error("parsed a DSN without recipients")
		}
	})
}

// FuzzBuild feeds hostile strings into the fields a caller passes through
// from remote servers: the output must stay well formed and parse back.
func FuzzBuild(f *testing.F) {
	f.Add("smtp; 550 5.1.1 No such user", "bob@school.test", "QQ1", "Hello")
	f.Add("x\r\nAction: delivered", "người@trường.test", "a\r\nb", "Chào\r\nBcc: x")
	f.Add(strings.Repeat("w ", 600), strings.Repeat("z", 1000), "", "")
	f.Fuzz(func(t *testing.T, diag, final, envid, subject string) {
		r := failedReport()
		r.Recipients[0].Diagnostic = diag
		r.Recipients[0].Final = final
		r.Recipients[0].Original = ""
		r.EnvelopeID = envid
		r.Subject = subject
		raw, err := Build(r)
		if err != nil {
			return
		}
		checkLines(t, raw)
		p, err := Parse(raw)
		if err != nil {
			t.Fatalf("Parse of built DSN: %v\n%q", err, raw)
		}
		if len(p.Recipients) != 1 || p.Recipients[0].Action != Failed || p.ReportingMTA != r.ReportingMTA {
			t.Fatalf("fields leaked across: %+v", p)
		}
		if printable(final) && len(final) < 200 && p.Recipients[0].Final != final {
			t.Errorf("Final = %q, want %q", p.Recipients[0].Final, final)
		}
	})
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}
