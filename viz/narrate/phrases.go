package narrate

import (
	"fmt"
	"strings"
	"time"

	"github.com/mailflow/mailflow/sim/event"
)

// phrasebook holds one language's sentences, one function per event kind.
type phrasebook struct {
	step  string
	kinds map[event.Kind]func(event.Event) string
	other func(event.Event) string
}

func (p *phrasebook) sentence(e event.Event) string {
	if f, ok := p.kinds[e.Kind]; ok {
		return f(e)
	}
	return p.other(e)
}

var phrases = map[Lang]*phrasebook{English: english, Vietnamese: vietnamese}

func answerText(e event.Event, none, pref string) string {
	if e.Rcode != "" && e.Rcode != "NOERROR" {
		return e.Rcode
	}
	if len(e.Answer) == 0 {
		return none
	}
	var parts []string
	for _, a := range e.Answer {
		f := strings.Fields(a)
		// "school.test. 300 IN MX 10 mail.school.test." → "mail.school.test (preference 10)"
		if len(f) >= 6 && f[3] == "MX" && f[5] == "." {
			parts = append(parts, ". (null MX: the domain takes no mail)")
		} else if len(f) >= 6 && f[3] == "MX" {
			parts = append(parts, fmt.Sprintf("%s (%s %s)", strings.TrimSuffix(f[5], "."), pref, f[4]))
		} else if len(f) >= 5 {
			parts = append(parts, strings.Join(f[4:], " "))
		}
	}
	return strings.Join(parts, ", ")
}

func qname(e event.Event) string { return strings.TrimSuffix(e.QName, ".") }

var english = &phrasebook{
	step: "Step",
	kinds: map[event.Kind]func(event.Event) string{
		event.RunStart: func(e event.Event) string { return "Scenario " + e.Detail + ": the simulated internet is up" },
		event.ActionStart: func(e event.Event) string {
			return fmt.Sprintf("%s writes %q to %s", e.From, e.Subject, list(e.To))
		},
		event.SMTPConnect: func(e event.Event) string {
			return fmt.Sprintf("%s connects to %s on port %d (%s)", e.Host, e.Peer, e.Port, e.Service)
		},
		event.SMTPTLS: func(e event.Event) string {
			if e.TLS == "none" {
				return fmt.Sprintf("%s → %s: no encryption: %s", e.Host, e.Peer, e.Error)
			}
			if e.Error != "" {
				return fmt.Sprintf("%s ↔ %s: connection encrypted (%s) but %s", e.Host, e.Peer, e.TLS, e.Error)
			}
			return fmt.Sprintf("%s ↔ %s: connection encrypted (%s), certificate verified", e.Host, e.Peer, e.TLS)
		},
		event.SMTPAuth: func(e event.Event) string {
			if e.Code == 235 {
				return fmt.Sprintf("%s logs %s in (AUTH accepted, 235)", e.Host, e.User)
			}
			return fmt.Sprintf("%s refuses the login of %s: %s", e.Host, e.User, reply(e))
		},
		event.SMTPAccepted: func(e event.Event) string {
			s := fmt.Sprintf("%s accepts %q from %s for %s (%s", e.Host, e.Subject, sender(e.From), list(e.To), size(e.Size))
			if len(e.Attachments) > 0 {
				s += ", attachments: " + list(e.Attachments)
			}
			return s + ") — 250 OK"
		},
		event.RouteDecision: func(e event.Event) string {
			switch e.Route {
			case "local":
				return fmt.Sprintf("%s: %s is in its own domain → local delivery, no DNS needed", e.Host, list(e.To))
			case "alias":
				return fmt.Sprintf("%s expands the alias %s", e.Host, e.Detail)
			case "forward":
				return fmt.Sprintf("%s forwards to %s; %s", e.Host, list(e.To), e.Detail)
			case "srs":
				return fmt.Sprintf("%s: %s", e.Host, e.Detail)
			case "spam":
				return fmt.Sprintf("%s: %s", e.Host, e.Detail)
			}
			s := fmt.Sprintf("%s: %s is in another domain → relay it (queue for delivery)", e.Host, list(e.To))
			if e.Detail != "" {
				s += "; " + e.Detail
			}
			return s
		},
		event.DNSQuery: func(e event.Event) string {
			return fmt.Sprintf("%s asks DNS for the %s record of %s", e.Host, e.QType, qname(e))
		},
		event.DNSAnswer: func(e event.Event) string {
			return fmt.Sprintf("DNS answers %s %s → %s", qname(e), e.QType, answerText(e, "no records", "preference"))
		},
		event.RelayConnect: func(e event.Event) string {
			return fmt.Sprintf("%s connects to %s on port %d to transfer the message", e.Host, e.Peer, e.Port)
		},
		event.SMTPTranscript: func(e event.Event) string {
			return fmt.Sprintf("Transcript %s → %s: %d lines", e.Host, e.Peer, len(e.Transcript))
		},
		event.RelayDone: func(e event.Event) string {
			return fmt.Sprintf("%s accepted the message for %s (250); %s is done with it", e.Peer, list(e.To), e.Host)
		},
		event.SMTPReply: func(e event.Event) string {
			if e.Stage == "client" {
				return fmt.Sprintf("%s gets %s from %s; the message for %s is not sent", e.Host, reply(e), e.Peer, list(e.To))
			}
			if e.Stage == "auth" && e.Peer != "" {
				return fmt.Sprintf("%s refuses the login of %s: %s", e.Peer, e.User, reply(e))
			}
			who := list(e.To)
			if who == "" {
				who = "the message"
			}
			return fmt.Sprintf("%s refuses %s at %s: %s", e.Host, who, strings.ToUpper(e.Stage), reply(e))
		},
		event.QueueDeferred: func(e event.Event) string {
			return fmt.Sprintf("%s could not deliver to %s yet (%s); the message stays in the queue", e.Host, list(e.To), e.Error)
		},
		event.QueueFailed: func(e event.Event) string {
			return fmt.Sprintf("%s gives up on %s: %s", e.Host, list(e.To), reply(e))
		},
		event.MailboxStore: func(e event.Event) string {
			return fmt.Sprintf("%s files the message in %s's %s (UID %d), ready for POP3/IMAP", e.Host, e.User, e.Folder, e.UID)
		},
		event.RetrievalFetch: func(e event.Event) string {
			if e.Error != "" {
				return fmt.Sprintf("%s: %s session of %s — %s", e.Host, strings.ToUpper(e.Service), e.User, e.Error)
			}
			return fmt.Sprintf("%s: %s session of %s — %s", e.Host, strings.ToUpper(e.Service), e.User, e.Detail)
		},
		event.FetchDone: func(e event.Event) string {
			if e.Error != "" {
				return fmt.Sprintf("%s cannot fetch mail from %s over %s: %s", e.Host, e.Peer, strings.ToUpper(e.Service), e.Error)
			}
			return fmt.Sprintf("%s fetches mail from %s over %s: %s", e.Host, e.Peer, strings.ToUpper(e.Service), e.Detail)
		},
		event.ExpectResult: func(e event.Event) string {
			if e.Passed != nil && *e.Passed {
				return "✔ expectation " + e.Stage + ": " + e.Detail
			}
			return "✘ expectation " + e.Stage + " failed: " + e.Detail
		},
		event.Summary: func(e event.Event) string {
			s := fmt.Sprintf("Summary: %d message(s); %s", len(e.Outcomes), e.Detail)
			if e.Error != "" {
				s += "; " + e.Error
			}
			return s
		},
		event.ServerListen: func(e event.Event) string {
			return fmt.Sprintf("%s listens on %s for %s (port %d)", e.Host, e.Peer, e.Service, e.Port)
		},
		event.QueueRetry: func(e event.Event) string {
			return fmt.Sprintf("%s keeps the message for %s in its queue: %s", e.Host, list(e.To), e.Detail)
		},
		event.DSNSent: func(e event.Event) string {
			if e.State == "delayed" {
				return fmt.Sprintf("%s tells %s that delivery to %s is delayed (%s)", e.Host, e.From, list(e.To), e.Enhanced)
			}
			return fmt.Sprintf("%s sends %s a bounce: delivery to %s failed (%s: %s)", e.Host, e.From, list(e.To), e.Enhanced, e.Error)
		},
		event.MessageDropped: func(e event.Event) string {
			return fmt.Sprintf("%s drops the message for %s: %s", e.Host, list(e.To), e.Detail)
		},
		event.FaultInjected: func(e event.Event) string {
			what := e.Error
			if e.Code != 0 {
				what = reply(e)
			}
			if e.QName != "" {
				return fmt.Sprintf("⚡ fault: for %s %s, %s", qname(e), e.QType, what)
			}
			s := fmt.Sprintf("⚡ fault on %s at %s: %s", e.Host, strings.ToUpper(e.Stage), what)
			if e.Detail != "" {
				s += " (" + e.Detail + ")"
			}
			return s
		},
	},
	other: func(e event.Event) string { return fmt.Sprintf("%s %s", e.Host, e.Kind) },
}

var vietnamese = &phrasebook{
	step: "Bước",
	kinds: map[event.Kind]func(event.Event) string{
		event.RunStart: func(e event.Event) string {
			return "Kịch bản " + e.Detail + ": mạng Internet mô phỏng đã sẵn sàng"
		},
		event.ActionStart: func(e event.Event) string {
			return fmt.Sprintf("%s soạn thư %q gửi tới %s", e.From, e.Subject, list(e.To))
		},
		event.SMTPConnect: func(e event.Event) string {
			return fmt.Sprintf("%s kết nối tới máy chủ SMTP %s qua cổng %d (%s)", vh(e.Host), e.Peer, e.Port, e.Service)
		},
		event.SMTPTLS: func(e event.Event) string {
			if e.TLS == "none" {
				return fmt.Sprintf("%s → %s: không mã hoá: %s", vh(e.Host), e.Peer, e.Error)
			}
			if e.Error != "" {
				return fmt.Sprintf("%s ↔ %s: kết nối đã được mã hoá (%s) nhưng chứng chỉ không hợp lệ: %s", vh(e.Host), e.Peer, e.TLS, e.Error)
			}
			return fmt.Sprintf("%s ↔ %s: kết nối đã được mã hoá (%s), chứng chỉ hợp lệ", vh(e.Host), e.Peer, e.TLS)
		},
		event.SMTPAuth: func(e event.Event) string {
			if e.Code == 235 {
				return fmt.Sprintf("%s xác thực thành công cho %s (AUTH, 235)", e.Host, e.User)
			}
			return fmt.Sprintf("%s từ chối đăng nhập của %s: %s", e.Host, e.User, reply(e))
		},
		event.SMTPAccepted: func(e event.Event) string {
			s := fmt.Sprintf("%s nhận thư %q từ %s gửi %s (%s", e.Host, e.Subject, sender(e.From), list(e.To), size(e.Size))
			if len(e.Attachments) > 0 {
				s += ", tệp đính kèm: " + list(e.Attachments)
			}
			return s + ") — 250 OK"
		},
		event.RouteDecision: func(e event.Event) string {
			switch e.Route {
			case "local":
				return fmt.Sprintf("%s: %s cùng tên miền → giao nội bộ, không cần hỏi DNS", e.Host, list(e.To))
			case "alias":
				return fmt.Sprintf("%s mở rộng bí danh (alias) %s", e.Host, e.Detail)
			case "forward":
				return fmt.Sprintf("%s chuyển tiếp thư tới %s; %s", e.Host, list(e.To), e.Detail)
			case "srs", "spam":
				return fmt.Sprintf("%s: %s", e.Host, e.Detail)
			}
			return fmt.Sprintf("%s: %s khác tên miền → chuyển tiếp (email relay), đưa vào hàng đợi", e.Host, list(e.To))
		},
		event.DNSQuery: func(e event.Event) string {
			return fmt.Sprintf("%s hỏi DNS bản ghi %s của %s", e.Host, e.QType, qname(e))
		},
		event.DNSAnswer: func(e event.Event) string {
			return fmt.Sprintf("DNS trả lời %s %s → %s", qname(e), e.QType, answerText(e, "không có bản ghi", "ưu tiên"))
		},
		event.RelayConnect: func(e event.Event) string {
			return fmt.Sprintf("%s kết nối tới máy chủ SMTP người nhận %s qua cổng %d để chuyển thư", e.Host, e.Peer, e.Port)
		},
		event.SMTPTranscript: func(e event.Event) string {
			return fmt.Sprintf("Hội thoại %s → %s: %d dòng", vh(e.Host), e.Peer, len(e.Transcript))
		},
		event.RelayDone: func(e event.Event) string {
			return fmt.Sprintf("%s đã nhận thư cho %s (250); %s hoàn tất việc chuyển", e.Peer, list(e.To), e.Host)
		},
		event.SMTPReply: func(e event.Event) string {
			if e.Stage == "client" {
				return fmt.Sprintf("%s nhận lỗi %s từ %s; thư tới %s không được gửi", vh(e.Host), reply(e), e.Peer, list(e.To))
			}
			return fmt.Sprintf("%s từ chối %s ở lệnh %s: %s", e.Host, list(e.To), strings.ToUpper(e.Stage), reply(e))
		},
		event.QueueDeferred: func(e event.Event) string {
			return fmt.Sprintf("%s chưa gửi được tới %s (%s); thư nằm lại trong hàng đợi", e.Host, list(e.To), e.Error)
		},
		event.QueueFailed: func(e event.Event) string {
			return fmt.Sprintf("%s bỏ cuộc với %s: %s", e.Host, list(e.To), reply(e))
		},
		event.MailboxStore: func(e event.Event) string {
			return fmt.Sprintf("%s lưu thư vào hộp thư %s của %s (UID %d), sẵn sàng cho POP3/IMAP", e.Host, e.Folder, e.User, e.UID)
		},
		event.RetrievalFetch: func(e event.Event) string {
			if e.Error != "" {
				return fmt.Sprintf("%s: phiên %s của %s — %s", e.Host, strings.ToUpper(e.Service), e.User, e.Error)
			}
			return fmt.Sprintf("%s: phiên %s của %s — %s", e.Host, strings.ToUpper(e.Service), e.User, e.Detail)
		},
		event.FetchDone: func(e event.Event) string {
			if e.Error != "" {
				return fmt.Sprintf("%s không tải được thư từ %s qua %s: %s", vh(e.Host), e.Peer, strings.ToUpper(e.Service), e.Error)
			}
			return fmt.Sprintf("%s tải thư từ %s qua %s: %s", vh(e.Host), e.Peer, strings.ToUpper(e.Service), viDetail(e.Detail))
		},
		event.ExpectResult: func(e event.Event) string {
			if e.Passed != nil && *e.Passed {
				return "✔ kỳ vọng " + e.Stage + ": " + e.Detail
			}
			return "✘ kỳ vọng " + e.Stage + " không đạt: " + e.Detail
		},
		event.Summary: func(e event.Event) string { return fmt.Sprintf("Tổng kết: %d thư", len(e.Outcomes)) },
		event.ServerListen: func(e event.Event) string {
			return fmt.Sprintf("%s lắng nghe tại %s cho %s (cổng %d)", e.Host, e.Peer, e.Service, e.Port)
		},
		event.QueueRetry: func(e event.Event) string {
			if e.Next != nil {
				return fmt.Sprintf("%s giữ thư gửi %s trong hàng đợi: lần thử %d thất bại, sẽ thử lại lúc %s (sau %s)",
					e.Host, list(e.To), e.Attempt, e.Next.Format("15:04 02/01"), e.Next.Sub(e.Time).Round(time.Minute))
			}
			return fmt.Sprintf("%s giữ thư gửi %s trong hàng đợi và sẽ thử lại", e.Host, list(e.To))
		},
		event.DSNSent: func(e event.Event) string {
			if e.State == "delayed" {
				return fmt.Sprintf("%s báo cho %s rằng thư tới %s bị chậm trễ (%s)", e.Host, e.From, list(e.To), e.Enhanced)
			}
			return fmt.Sprintf("%s gửi trả thư (bounce) cho %s: không giao được tới %s (%s: %s)", e.Host, e.From, list(e.To), e.Enhanced, e.Error)
		},
		event.MessageDropped: func(e event.Event) string {
			return fmt.Sprintf("%s bỏ thư gửi %s: %s", e.Host, list(e.To), e.Detail)
		},
		event.FaultInjected: func(e event.Event) string {
			what := e.Error
			if e.Code != 0 {
				what = reply(e)
			}
			if e.QName != "" {
				return fmt.Sprintf("⚡ lỗi giả lập: DNS %s %s, %s", qname(e), e.QType, what)
			}
			return fmt.Sprintf("⚡ lỗi giả lập ở %s, lệnh %s: %s", e.Host, strings.ToUpper(e.Stage), what)
		},
	},
	other: func(e event.Event) string { return fmt.Sprintf("%s %s", e.Host, e.Kind) },
}

// vh renders "alice's mail client" as "máy khách thư của alice".
func vh(host string) string {
	if name, ok := strings.CutSuffix(host, "'s mail client"); ok {
		return "máy khách thư của " + name
	}
	return host
}

// viDetail renders the English fetch detail in Vietnamese.
func viDetail(s string) string {
	r := strings.NewReplacer("message(s)", "thư", "kept on the server", "vẫn giữ trên máy chủ",
		"deleted from the server", "đã xoá khỏi máy chủ")
	return r.Replace(s)
}
