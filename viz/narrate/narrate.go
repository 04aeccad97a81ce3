// Package narrate turns events into one-line sentences, in English or
// Vietnamese, naming the step of delivery each belongs to. It is pure: the
// same event always gives the same sentence.
package narrate

import (
	"fmt"
	"os"
	"strings"

	"github.com/mailflow/mailflow/sim/event"
)

// Lang is a narration language.
type Lang string

// The languages narration speaks.
const (
	English    Lang = "en"
	Vietnamese Lang = "vi"
)

// ParseLang accepts "en", "vi" and locale names such as vi_VN.UTF-8.
func ParseLang(s string) (Lang, error) {
	l := strings.ToLower(s)
	switch {
	case strings.HasPrefix(l, "vi"):
		return Vietnamese, nil
	case l == "" || strings.HasPrefix(l, "en") || l == "c" || l == "posix" || strings.HasPrefix(l, "c."):
		return English, nil
	}
	return English, fmt.Errorf("unknown language %q (use en or vi)", s)
}

// FromEnv picks the language from LC_ALL, LC_MESSAGES or LANG, English when
// none names Vietnamese.
func FromEnv() Lang {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := os.Getenv(v); s != "" {
			l, _ := ParseLang(s)
			return l
		}
	}
	return English
}

// StepName is the short name of each of the six steps (DESIGN.md).
func StepName(lang Lang, step int) string {
	if step < 1 || step > 6 {
		return ""
	}
	return stepNames[lang][step-1]
}

var stepNames = map[Lang][6]string{
	English: {
		"client connects to its SMTP server",
		"client hands over the message",
		"server decides: local or relay",
		"DNS lookup of the MX",
		"transfer to the recipient's server",
		"check user and store in mailbox",
	},
	Vietnamese: {
		"máy khách kết nối tới máy chủ SMTP",
		"cung cấp người gửi, người nhận, nội dung",
		"cùng tên miền hay chuyển tiếp",
		"truy vấn DNS bản ghi MX",
		"chuyển thư tới máy chủ người nhận",
		"kiểm tra người dùng, lưu vào hộp thư",
	},
}

// Text is the narration of e in lang: "Step 4 · ..." when the event belongs
// to a step.
func Text(lang Lang, e event.Event) string {
	t := phrases[lang]
	if t == nil {
		t = phrases[English]
	}
	s := t.sentence(e)
	if e.Step >= 1 && e.Step <= 6 {
		return fmt.Sprintf("%s %d · %s", t.step, e.Step, s)
	}
	return s
}

// Reason names a local status reason (event.Reason…) in lang: "the
// domain does not exist"; an unknown one is returned as it is.
func Reason(lang Lang, reason string) string {
	t := phrases[lang]
	if t == nil {
		t = phrases[English]
	}
	if s := t.reasons[reason]; s != "" {
		return s
	}
	return reason
}

// Func returns Text bound to a language, the shape the event bus wants.
func Func(lang Lang) func(event.Event) string {
	return func(e event.Event) string { return Text(lang, e) }
}

func list(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " & " + xs[len(xs)-1]
}

func size(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1024:
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%d B", n)
}
