package narrate

import (
	"strings"
	"testing"
)

func TestWhyEveryStepBothLanguages(t *testing.T) {
	for _, lang := range []Lang{English, Vietnamese} {
		for step := 1; step <= 6; step++ {
			w := Why(lang, step)
			// 2–4 sentences: count the full stops that end one.
			n := strings.Count(w+" ", ". ")
			if n < 2 || n > 4 {
				t.Errorf("Why(%s, %d) has %d sentences, want 2–4: %q", lang, step, n, w)
			}
			if q := WhyQuestion(lang, step); !strings.HasSuffix(q, "?") {
				t.Errorf("WhyQuestion(%s, %d) = %q, want a question", lang, step, q)
			}
		}
	}
	for _, step := range []int{-1, 0, 7} {
		if Why(English, step) != "" || WhyQuestion(Vietnamese, step) != "" {
			t.Errorf("step %d: want no explanation", step)
		}
	}
	if Why(Lang("fr"), 4) != Why(English, 4) {
		t.Error("an unknown language should fall back to English")
	}
}

// The explanations use the terms the class meets in the step names and
// the Vietnamese course material.
func TestWhyUsesTheLessonTerms(t *testing.T) {
	cases := []struct {
		lang Lang
		step int
		want []string
	}{
		{English, 1, []string{"587", "AUTH"}},
		{English, 2, []string{"MAIL FROM", "RCPT TO", "DATA", "250"}},
		{English, 3, []string{"relay", "queue"}},
		{English, 4, []string{"MX", "preference", "A or AAAA"}},
		{English, 5, []string{"port 25", "STARTTLS", "4xx", "5xx"}},
		{English, 6, []string{"550 5.1.1", "POP3", "IMAP", "mailbox"}},
		{Vietnamese, 1, []string{"máy chủ SMTP", "587"}},
		{Vietnamese, 2, []string{"người gửi", "người nhận", "tệp đính kèm"}},
		{Vietnamese, 3, []string{"cùng tên miền", "chuyển tiếp", "hộp thư"}},
		{Vietnamese, 4, []string{"bản ghi MX", "địa chỉ IP"}},
		{Vietnamese, 5, []string{"máy chủ SMTP người nhận", "cổng 25"}},
		{Vietnamese, 6, []string{"hộp thư", "POP3", "IMAP"}},
	}
	for _, c := range cases {
		w := strings.ToLower(Why(c.lang, c.step) + " " + WhyQuestion(c.lang, c.step))
		for _, term := range c.want {
			if !strings.Contains(w, strings.ToLower(term)) {
				t.Errorf("Why(%s, %d) lacks %q", c.lang, c.step, term)
			}
		}
	}
}
