package narrate

import (
	"strings"
	"testing"

	"github.com/mailflow/mailflow/sim/event"
)

func TestAuthResultNarration(t *testing.T) {
	e := event.Event{Kind: event.AuthResult, Step: 5, Host: "mail.college.test", Msg: "m1",
		Auth: &event.AuthResults{Why: "DMARC failed and school.test asks receivers to reject (p=reject)",
			SPF:    event.AuthCheck{Result: "fail", Domain: "school.test", Reason: "not listed"},
			DKIM:   event.AuthCheck{Result: "pass", Domain: "example.test"},
			DMARC:  event.AuthCheck{Result: "fail", Domain: "school.test", Policy: "reject", Reason: "DKIM passed for example.test, which is not aligned"},
			Action: "reject"}}
	for lang, want := range map[Lang][]string{
		English: {"Step 5 · mail.college.test checks the sender: SPF fail for school.test; DKIM pass, signed by example.test; DMARC fail for school.test",
			"DMARC: DKIM passed for example.test, which is not aligned", "refuses the message: DMARC failed"},
		Vietnamese: {"Bước 5 · mail.college.test kiểm tra người gửi: SPF không đạt (fail) cho school.test; DKIM đạt (pass), chữ ký của example.test",
			"chính tên miền school.test trong From:, chính sách p=reject", "từ chối thư"},
	} {
		got := Text(lang, e)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", lang, got, w)
			}
		}
	}
	e.Auth = &event.AuthResults{SPF: event.AuthCheck{Result: "pass", Domain: "example.test"},
		DKIM: event.AuthCheck{Result: "none"}, DMARC: event.AuthCheck{Result: "none", Domain: "example.test"}, Action: "accept"}
	if got := Text(English, e); strings.Contains(got, "(") || strings.Contains(got, "→") {
		t.Errorf("a plain accept says more than the verdicts: %q", got)
	}
}
