package narrate

import (
	"fmt"
	"strings"

	"github.com/mailflow/mailflow/sim/event"
)

var vietnamese = &phrasebook{
	kinds:      map[event.Kind]func(event.Event) string{},
	step:       "Bước",
	none:       "không có bản ghi",
	pref:       "ưu tiên",
	nullMX:     ". (null MX: tên miền không nhận thư)",
	local:      " — trạng thái %s, do máy chủ tự quyết định (không có mã trả lời)",
	client:     func(local string) string { return "máy khách thư của " + local },
	detail:     func(s string) string { return Detail(Vietnamese, s) },
	nullSender: "người gửi rỗng",
	reasons: map[string]string{
		event.ReasonRefused:     "kết nối bị từ chối",
		event.ReasonClosed:      "kết nối bị đóng mà không có trả lời",
		event.ReasonTimeout:     "không có trả lời kịp thời",
		event.ReasonTLS:         "bắt tay TLS thất bại",
		event.ReasonNoStartTLS:  "máy chủ không hỗ trợ STARTTLS",
		event.ReasonCertificate: "chứng chỉ không đáng tin cậy",
		event.ReasonDNS:         "lỗi DNS",
		event.ReasonNXDomain:    "tên miền không tồn tại",
		event.ReasonNullMX:      "tên miền không nhận thư (null MX)",
		event.ReasonNoAddress:   "không máy chủ MX nào có địa chỉ",
		event.ReasonMXLoop:      "MX ưu tiên nhất chính là máy chủ này",
		event.ReasonSize:        "thư lớn hơn giới hạn SIZE của máy chủ",
		event.ReasonGiveUp:      "hết thời gian chờ trong hàng đợi",
		event.ReasonAuth:        "đăng nhập bị từ chối",
		event.ReasonNoMailbox:   "không có hộp thư này",
		event.ReasonStore:       "lưu thư thất bại",
		event.ReasonOther:       "lỗi",
	},
	dropped: map[string]string{
		event.ReasonNullSender: "thư báo lỗi không giao được thì không gửi báo lỗi lần nữa (người gửi rỗng)",
		event.ReasonNotify:     "không gửi báo lỗi: người gửi không yêu cầu (NOTIFY)",
	},
	effects: map[string]string{
		"refuse":      "từ chối kết nối",
		"not_offered": "không cung cấp STARTTLS",
		"handshake":   "bắt tay TLS thất bại",
		"disconnect":  "mất kết nối trong lúc DATA, trước khi trả lời",
		"slow":        "máy chủ chậm",
		"delay":       "máy chủ chậm",
		"nxdomain":    "DNS trả lời nxdomain",
		"servfail":    "DNS trả lời servfail",
		"no_answer":   "DNS trả lời không có bản ghi",
		"drop":        "DNS bỏ qua câu hỏi",
	},
}

func init() {
	p := vietnamese
	for k, f := range map[event.Kind]func(event.Event) string{
		event.RunStart: func(e event.Event) string {
			return "Kịch bản " + e.Scenario + ": mạng Internet mô phỏng đã sẵn sàng"
		},
		event.ServerListen: func(e event.Event) string {
			return fmt.Sprintf("%s lắng nghe tại %s cho %s (cổng %d)", e.Host, e.Peer, e.Service, e.Port)
		},
		event.ActionStart: func(e event.Event) string {
			return fmt.Sprintf("%s soạn thư %q gửi tới %s", e.From, e.Subject, list(e.To))
		},
		event.SMTPConnect: func(e event.Event) string {
			return fmt.Sprintf("%s kết nối tới máy chủ SMTP %s qua cổng %d (%s)", p.who(e), e.Peer, e.Port, e.Service)
		},
		event.SMTPTLS: func(e event.Event) string {
			t := e.TLS
			switch {
			case t == nil:
				return fmt.Sprintf("%s ↔ %s: TLS", p.who(e), e.Peer)
			case t.Version == "" && t.Problem == event.ReasonNoStartTLS:
				return fmt.Sprintf("%s → %s: %s không hỗ trợ STARTTLS; thư được gửi không mã hoá", p.who(e), e.Peer, e.Peer)
			case t.Version == "":
				return fmt.Sprintf("%s → %s: không mã hoá: %s", p.who(e), e.Peer, p.detail(e.Error))
			case !t.Verified && t.Cert != nil && t.Cert.Why != "":
				return fmt.Sprintf("%s ↔ %s: kết nối đã được mã hoá (%s) nhưng chứng chỉ không đáng tin cậy: %s",
					p.who(e), e.Peer, t.Version, p.detail(t.Cert.Why))
			case !t.Verified:
				return fmt.Sprintf("%s ↔ %s: kết nối đã được mã hoá (%s), chứng chỉ chưa được kiểm tra", p.who(e), e.Peer, t.Version)
			}
			return fmt.Sprintf("%s ↔ %s: kết nối đã được mã hoá (%s), chứng chỉ hợp lệ", p.who(e), e.Peer, t.Version)
		},
		event.SMTPAuth: func(e event.Event) string {
			ok := e.Code() == 235
			switch {
			case isClient(e) && ok:
				return fmt.Sprintf("%s đăng nhập vào %s với tài khoản %s (AUTH, %d)", p.who(e), e.Peer, e.User, e.Code())
			case isClient(e):
				return fmt.Sprintf("%s không đăng nhập được vào %s với tài khoản %s: %s", p.who(e), e.Peer, e.User, p.status(e))
			case ok:
				return fmt.Sprintf("%s xác thực thành công cho %s (AUTH, %d)", p.who(e), e.User, e.Code())
			}
			return fmt.Sprintf("%s từ chối đăng nhập của %s: %s", p.who(e), e.User, p.status(e))
		},
		event.SMTPReply: func(e event.Event) string {
			switch {
			case e.Local != nil:
				return fmt.Sprintf("%s không gửi được thư tới %s cho %s: %s", p.who(e), list(e.To), e.Peer, p.status(e))
			case isClient(e):
				return fmt.Sprintf("%s nhận lỗi %s từ %s; thư tới %s không được gửi", p.who(e), p.status(e), e.Peer, list(e.To))
			}
			who := list(e.To)
			if who == "" {
				who = "thư"
			}
			return fmt.Sprintf("%s từ chối %s ở lệnh %s: %s", p.who(e), who, strings.ToUpper(e.Stage()), p.status(e))
		},
		event.SMTPAccepted: func(e event.Event) string {
			s := fmt.Sprintf("%s nhận thư %q từ %s gửi %s (%s", p.who(e), e.Subject, p.sender(e.From), list(e.To), size(e.Size))
			if len(e.Attachments) > 0 {
				s += ", tệp đính kèm: " + list(e.Attachments)
			}
			return s + fmt.Sprintf(") — %d OK", e.Code())
		},
		event.SMTPTranscript: func(e event.Event) string {
			return fmt.Sprintf("Hội thoại %s → %s:%d: %d dòng", p.who(e), e.Peer, e.Port, len(e.Transcript))
		},
		event.RouteDecision: func(e event.Event) string {
			switch e.Route {
			case "local":
				return fmt.Sprintf("%s: %s cùng tên miền → giao nội bộ, không cần hỏi DNS", p.who(e), list(e.To))
			case "alias":
				s := fmt.Sprintf("%s mở rộng bí danh (alias) %s → %s", p.who(e), list(e.To), strings.Join(e.Targets, ", "))
				if e.Error != "" {
					s += " (" + p.detail(e.Error) + ": dừng tại đó)"
				}
				return s
			case "forward":
				return fmt.Sprintf("%s chuyển tiếp thư tới %s; địa chỉ người gửi trên phong bì được viết lại (SRS): %s → %s",
					p.who(e), list(e.To), p.sender(e.From), e.Rewritten)
			case "srs":
				return fmt.Sprintf("%s: %s là địa chỉ SRS: thư báo được gửi trả về %s", p.who(e), list(e.To), list(e.Targets))
			case "spam":
				if e.Reason == "dmarc" {
					return fmt.Sprintf("%s: %s → thư mục %s", p.who(e), p.detail(e.Rule), e.Folder)
				}
				return fmt.Sprintf("%s: quy tắc nội dung %q → thư mục %s", p.who(e), e.Rule, e.Folder)
			}
			s := fmt.Sprintf("%s: %s khác tên miền → chuyển tiếp (email relay), đưa vào hàng đợi", p.who(e), list(e.To))
			if e.Rule != "" {
				s += "; được phép chuyển tiếp: " + p.detail(e.Rule)
			}
			return s
		},
		event.DNSQuery: func(e event.Event) string {
			return fmt.Sprintf("%s truy vấn DNS bản ghi %s của %s", p.who(e), e.QType, qname(e))
		},
		event.DNSAnswer: func(e event.Event) string {
			if e.Local != nil {
				return fmt.Sprintf("%s không nhận được trả lời của DNS cho %s %s: %s", p.who(e), qname(e), e.QType, p.detail(e.Error))
			}
			return fmt.Sprintf("DNS trả lời %s %s → %s", qname(e), e.QType, p.records(e))
		},
		event.RelayConnect: func(e event.Event) string {
			if e.Reuse > 0 {
				return fmt.Sprintf("%s gửi thư tới %s qua kết nối đang giữ mở (thư thứ %d trên kết nối này, sau RSET)",
					p.who(e), e.Peer, e.Reuse)
			}
			return fmt.Sprintf("%s kết nối tới máy chủ SMTP người nhận %s qua cổng %d để chuyển thư", p.who(e), e.Peer, e.Port)
		},
		event.DNSCached: func(e event.Event) string {
			return fmt.Sprintf("%s lấy %s %s từ bộ nhớ đệm DNS, không cần hỏi → %s (còn %s)", p.who(e),
				qname(e), e.QType, p.records(e), cacheLeft(Vietnamese, e))
		},
		event.QueueWait: func(e event.Event) string {
			return fmt.Sprintf("%s giữ thư gửi %s trong hàng đợi: chỉ gửi tới %s tối đa %s; tới lượt lúc %s (sau %s)",
				p.who(e), list(e.To), e.Peer, rateWords(Vietnamese, e.Rule), turnAt(e), turnIn(Vietnamese, e))
		},
		event.RelayDone: func(e event.Event) string {
			return fmt.Sprintf("%s đã nhận thư cho %s (%d); %s hoàn tất việc chuyển", e.Peer, list(e.To), e.Code(), p.who(e))
		},
		event.QueueDeferred: func(e event.Event) string {
			return fmt.Sprintf("%s chưa gửi được tới %s (%s); thư nằm lại trong hàng đợi", p.who(e), list(e.To), p.status(e))
		},
		event.QueueFailed: func(e event.Event) string {
			return fmt.Sprintf("%s ngừng gửi tới %s: %s", p.who(e), list(e.To), p.status(e))
		},
		event.QueueRetry: func(e event.Event) string {
			if e.Next == nil {
				return fmt.Sprintf("%s giữ thư gửi %s trong hàng đợi và sẽ thử lại", p.who(e), list(e.To))
			}
			return fmt.Sprintf("%s giữ thư gửi %s trong hàng đợi: lần thử %d thất bại, sẽ thử lại lúc %s (sau %s)",
				p.who(e), list(e.To), e.Attempt, When(Vietnamese, *e.Next), Duration(Vietnamese, e.Next.Sub(e.Time)))
		},
		event.MailboxStore: func(e event.Event) string {
			folder := "thư mục " + e.Folder
			if e.Folder == "INBOX" {
				folder = "hộp thư đến (INBOX)"
			}
			s := fmt.Sprintf("%s lưu thư vào %s của %s (UID %d), sẵn sàng cho POP3/IMAP", p.who(e), folder, e.User, e.UID)
			if e.Rule != "" {
				s += "; " + p.detail(e.Rule)
				if len(e.Flags) > 0 {
					s += ", gắn cờ " + strings.Join(e.Flags, " ")
				}
			}
			return s
		},
		event.DSNSent: func(e event.Event) string {
			n := e.Notice
			if n == nil {
				return fmt.Sprintf("%s gửi thư báo cho %s", p.who(e), e.From)
			}
			if n.Action == "delayed" {
				return fmt.Sprintf("%s báo cho %s rằng thư tới %s bị chậm trễ (%s)", p.who(e), e.From, list(e.To), n.Status)
			}
			return fmt.Sprintf("%s gửi trả thư (bounce) cho %s: không giao được tới %s (%s: %s)", p.who(e), e.From, list(e.To), n.Status, p.detail(n.Diagnostic))
		},
		event.MessageDropped: func(e event.Event) string {
			why := p.dropped[e.Reason]
			if e.Reason == event.ReasonFilter {
				why = "bị xoá bởi " + p.detail(e.Rule) + " của " + e.User
			}
			return fmt.Sprintf("%s bỏ thư gửi %s: %s", p.who(e), list(e.To), why)
		},
		event.RetrievalFetch: func(e event.Event) string {
			svc := strings.ToUpper(e.Service)
			if e.Error != "" {
				return fmt.Sprintf("%s: phiên %s của %s — %s", p.who(e), svc, e.User, p.detail(e.Error))
			}
			s := fmt.Sprintf("%s: phiên %s của %s — %s", p.who(e), svc, e.User, fetchWordsVi(e.Fetch, e.Service))
			if e.Fetch != nil && e.Fetch.PlainAuth {
				s += "; mật khẩu được gửi không mã hoá"
			}
			return s
		},
		event.FetchDone: func(e event.Event) string {
			svc := strings.ToUpper(e.Service)
			if e.Error != "" {
				return fmt.Sprintf("%s không tải được thư từ %s qua %s: %s", p.who(e), e.Peer, svc, p.detail(e.Error))
			}
			n, kept := 0, false
			if e.Fetch != nil {
				n, kept = e.Fetch.Read, e.Fetch.Kept
			}
			where := "đã xoá khỏi máy chủ"
			if kept {
				where = "vẫn giữ trên máy chủ"
			}
			return fmt.Sprintf("%s tải thư từ %s qua %s: %d thư, %s", p.who(e), e.Peer, svc, n, where)
		},
		event.FaultInjected: func(e event.Event) string {
			f := e.Fault
			if f == nil {
				return "⚡ lỗi giả lập ở " + p.who(e)
			}
			what := p.effects[f.Effect]
			if f.Effect == "reply" {
				what = faultReply(f)
			}
			if f.Target == "dns" {
				return fmt.Sprintf("⚡ lỗi giả lập: DNS %s %s, %s", qname(e), e.QType, what)
			}
			s := fmt.Sprintf("⚡ lỗi giả lập ở %s, lệnh %s: %s", p.who(e), strings.ToUpper(f.Stage), what)
			if f.Delay > 0 {
				s += fmt.Sprintf(" (trả lời sau %s)", f.Delay)
			}
			return s
		},
		event.ExpectResult: func(e event.Event) string {
			if e.Passed != nil && *e.Passed {
				return fmt.Sprintf("✔ kỳ vọng %s: mong đợi %s; thấy %s", e.Check, Expected(Vietnamese, e.Expected), Observed(Vietnamese, e.Observed))
			}
			return fmt.Sprintf("✘ kỳ vọng %s không đạt: mong đợi %s; thấy %s", e.Check, Expected(Vietnamese, e.Expected), Observed(Vietnamese, e.Observed))
		},
		event.Summary: func(e event.Event) string {
			c := e.Counts
			s := fmt.Sprintf("Tổng kết: %d thư; người nhận đã chấp nhận: %d trong hộp thư, %d bị trả lại, %d còn trong hàng đợi, %d bị bỏ theo quy tắc",
				len(e.Outcomes), c["delivered"], c["bounced"], c["queued"], c["dropped"])
			if e.Error != "" {
				s += "; " + p.detail(e.Error)
			}
			return s
		},
	} {
		p.kinds[k] = f
	}
}

// fetchWordsVi counts a POP3 or IMAP session's work.
func fetchWordsVi(f *event.Fetch, service string) string {
	if f == nil {
		return "xong"
	}
	if strings.HasPrefix(service, "pop3") {
		return fmt.Sprintf("tải %d trên %d thư, xoá %d", f.Read, f.Total, f.Deleted)
	}
	return fmt.Sprintf("đọc %d thư, xoá hẳn %d, thêm %d", f.Read, f.Deleted, f.Appended)
}
