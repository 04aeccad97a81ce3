package narrate

import (
	"fmt"
	"strings"

	"github.com/mailflow/mailflow/sim/event"
)

// Sender authentication (auth.result, step 5) in both languages.
func init() {
	english.kinds[event.AuthResult] = func(e event.Event) string {
		a := e.Auth
		if a == nil {
			return e.Host + " checks the sender"
		}
		s := fmt.Sprintf("%s checks the sender: SPF %s; DKIM %s; DMARC %s", e.Host,
			authItem(a.SPF, " for "), authItem(a.DKIM, ", signed by "), authItem(a.DMARC, " for "))
		var why []string
		for _, c := range []struct {
			name string
			c    event.AuthCheck
		}{{"DKIM", a.DKIM}, {"DMARC", a.DMARC}} {
			if c.c.Result != "pass" && c.c.Result != "none" && c.c.Reason != "" {
				why = append(why, c.name+": "+c.c.Reason)
			}
		}
		if len(why) > 0 {
			s += " (" + strings.Join(why, "; ") + ")"
		}
		switch a.Action {
		case "reject":
			s += " → it refuses the message: " + a.Why
		case "spam":
			s += " → " + a.Why
		}
		return s
	}
	vietnamese.kinds[event.AuthResult] = func(e event.Event) string {
		a := e.Auth
		if a == nil {
			return e.Host + " kiểm tra người gửi"
		}
		s := fmt.Sprintf("%s kiểm tra người gửi: SPF %s; DKIM %s; DMARC %s", e.Host,
			viAuthItem(a.SPF, " cho "), viAuthItem(a.DKIM, ", chữ ký của "), viAuthItem(a.DMARC, " cho "))
		if a.DMARC.Result == "fail" {
			s += fmt.Sprintf(" (không có SPF hay DKIM nào đạt cho chính tên miền %s trong From:", a.DMARC.Domain)
			if a.DMARC.Policy != "" {
				s += ", chính sách p=" + a.DMARC.Policy
			}
			s += ")"
		}
		switch a.Action {
		case "reject":
			s += " → từ chối thư"
		case "spam":
			s += " → đưa thư vào thư mục Spam"
		}
		return s
	}
}

func authItem(c event.AuthCheck, prep string) string {
	if c.Domain == "" {
		return c.Result
	}
	return c.Result + prep + c.Domain
}

// viResults says each result in Vietnamese, keeping the RFC's word.
var viResults = map[string]string{
	"pass":      "đạt (pass)",
	"fail":      "không đạt (fail)",
	"softfail":  "không đạt nhẹ (softfail)",
	"neutral":   "trung lập (neutral)",
	"none":      "không có (none)",
	"temperror": "lỗi tạm thời (temperror)",
	"permerror": "bản ghi lỗi (permerror)",
}

func viAuthItem(c event.AuthCheck, prep string) string {
	r := viResults[c.Result]
	if r == "" {
		r = c.Result
	}
	if c.Domain == "" {
		return r
	}
	return r + prep + c.Domain
}
