package narrate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The words around the narration — a message's state, durations, dates,
// the details events carry as free text (errors, rules, certificate
// problems) and the descriptions of expectations — in both languages.
// The simulation writes those details in English; Vietnamese says them
// with the rules below, leaving alone what is protocol text (replies as
// they were sent, record types, codes) and user data (addresses, names,
// quoted subjects).

// Word is a label of the outcome block and the views around it.
func Word(lang Lang, key string) string {
	if w, ok := words[lang][key]; ok {
		return w
	}
	return words[English][key]
}

var words = map[Lang]map[string]string{
	English: {
		"outcome": "Outcome", "expectations": "Expectations", "steps": "steps",
		"expected": "expected", "observed": "observed", "line": "line",
	},
	Vietnamese: {
		"outcome": "Kết quả", "expectations": "Kỳ vọng", "steps": "các bước",
		"expected": "mong đợi", "observed": "thấy", "line": "dòng",
	},
}

// State names a message's state ("delivered", "partly delivered, bounced").
func State(lang Lang, s string) string {
	if lang != Vietnamese {
		return s
	}
	parts := strings.Split(s, ", ")
	for i, p := range parts {
		if v, ok := viStates[p]; ok {
			parts[i] = v
		}
	}
	return strings.Join(parts, ", ")
}

var viStates = map[string]string{
	"delivered":        "đã giao",
	"partly delivered": "giao một phần",
	"bounced":          "bị trả lại",
	"rejected":         "bị từ chối",
	"dropped":          "bị bỏ",
	"queued":           "còn trong hàng đợi",
	"in flight":        "đang gửi",
	"failed":           "thất bại",
}

// Duration says a span of simulated time: "15m", "2h12m", "5d" in English,
// "15 phút", "2 giờ 12 phút", "5 ngày" in Vietnamese.
func Duration(lang Lang, d time.Duration) string {
	if lang != Vietnamese {
		if d < time.Minute {
			return d.Round(time.Second).String()
		}
		s := d.Round(time.Minute).String()
		return strings.TrimSuffix(s, "0s")
	}
	if d < time.Minute {
		return fmt.Sprintf("%d giây", int(d.Round(time.Second)/time.Second))
	}
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%d ngày", days))
	}
	if hours > 0 {
		parts = append(parts, fmt.Sprintf("%d giờ", hours))
	}
	if mins > 0 {
		parts = append(parts, fmt.Sprintf("%d phút", mins))
	}
	return strings.Join(parts, " ")
}

var viWeekdays = [7]string{"Chủ Nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"}

// Day names a simulated day: "Tue 6 Jan 2026", "Thứ Ba, 6/1/2026".
func Day(lang Lang, t time.Time) string {
	if lang != Vietnamese {
		return t.Format("Mon 2 Jan 2006")
	}
	return fmt.Sprintf("%s, %d/%d/%d", viWeekdays[t.Weekday()], t.Day(), int(t.Month()), t.Year())
}

// When names a moment in the coming days: "Wed 04:21", "Thứ Tư 04:21".
func When(lang Lang, t time.Time) string {
	if lang != Vietnamese {
		return t.Format("Mon 15:04")
	}
	return viWeekdays[t.Weekday()] + " " + t.Format("15:04")
}

// Detail says a free-text detail of an event — an error, a rule, a
// certificate problem, a notice's diagnostic — in lang.
func Detail(lang Lang, s string) string {
	if lang != Vietnamese || s == "" {
		return s
	}
	return translate(s, viDetails)
}

// Expected says what an expectation expected, in lang.
func Expected(lang Lang, s string) string {
	if lang != Vietnamese || s == "" {
		return s
	}
	return translate(s, viExpected)
}

// Observed says what an expectation observed, in lang.
func Observed(lang Lang, s string) string {
	if lang != Vietnamese || s == "" {
		return s
	}
	return translate(translate(s, viObserved), viDetails)
}

// TranscriptNote says a note a transcript keeps between the lines of a
// dialogue ("(TLS handshake; ...)", "... (5 more lines of the message)");
// the lines themselves are protocol text and stay as they were sent.
func TranscriptNote(lang Lang, line string) string {
	if lang != Vietnamese {
		return line
	}
	for _, ru := range viNotes { // notes quote user names: no quoted parts to keep
		line = ru.re.ReplaceAllString(line, ru.repl)
	}
	return line
}

// rule rewrites what matches re; with durations set, each duration token
// ("15m", "2h0m", "5.0 days") in the replacement is said in Vietnamese.
type rule struct {
	re        *regexp.Regexp
	repl      string
	durations bool
	fn        func(m []string) string // builds the replacement from the submatches
}

func r(pattern, repl string) rule { return rule{re: regexp.MustCompile(pattern), repl: repl} }
func rd(pattern, repl string) rule {
	return rule{re: regexp.MustCompile(pattern), repl: repl, durations: true}
}
func rf(pattern string, fn func(m []string) string) rule {
	return rule{re: regexp.MustCompile(pattern), fn: fn}
}

// translate applies the rules to s outside its quoted parts ("..."), which
// are user data: subjects, texts searched for.
func translate(s string, rules []rule) string {
	var b strings.Builder
	for i, part := range strings.Split(s, `"`) {
		if i > 0 {
			b.WriteByte('"')
		}
		if i%2 == 1 { // inside quotes
			b.WriteString(part)
			continue
		}
		for _, ru := range rules {
			switch {
			case ru.durations:
				part = ru.re.ReplaceAllStringFunc(part, func(m string) string {
					return viDurations(ru.re.ReplaceAllString(m, ru.repl))
				})
			case ru.fn != nil:
				part = ru.re.ReplaceAllStringFunc(part, func(m string) string {
					return ru.fn(ru.re.FindStringSubmatch(m))
				})
			default:
				part = ru.re.ReplaceAllString(part, ru.repl)
			}
		}
		b.WriteString(part)
	}
	return b.String()
}

// durationRe finds durations as the simulation writes them: "15m",
// "2h30m", "120h0m0s", "3d", "5.0 days".
var durationRe = regexp.MustCompile(`\b(\d+(?:\.\d+)?) days\b|\b\d+(?:d|h|m|s)(?:\d+(?:h|m|s))*\b`)

func viDurations(s string) string {
	return durationRe.ReplaceAllStringFunc(s, func(m string) string {
		if days, ok := strings.CutSuffix(m, " days"); ok {
			f, err := strconv.ParseFloat(days, 64)
			if err != nil {
				return m
			}
			return Duration(Vietnamese, time.Duration(f*24*float64(time.Hour)))
		}
		d, err := parseDuration(m)
		if err != nil {
			return m
		}
		return Duration(Vietnamese, d)
	})
}

// parseDuration reads Go durations and the scenario format's days ("3d").
func parseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		return time.Duration(days) * 24 * time.Hour, err
	}
	return time.ParseDuration(s)
}

const addr = `(\S+@\S+)`

// viDetails are the free-text details of events.
var viDetails = []rule{
	r(`(\S+) refused the connection \(closed before the greeting\)`, "$1 từ chối kết nối (đóng trước lời chào)"),
	r(`(\S+) refused the connection`, "$1 từ chối kết nối"),
	r(`connection lost during DATA`, "mất kết nối trong lúc DATA"),
	r(`closed before the greeting`, "đóng trước lời chào"),
	r(`DNS answered (\S+) for the MX of (\S+)`, "DNS trả lời $1 cho bản ghi MX của $2"),
	r(`STARTTLS not offered; sending in plain text`, "không có STARTTLS; thư được gửi không mã hoá"),
	r(`certificate of (\S+) not trusted: `, "chứng chỉ của $1 không đáng tin cậy: "),
	r(`certificate not verified: `, "chứng chỉ không được xác minh: "),
	r(`certificate expired (\d+) days? ago`, "chứng chỉ đã hết hạn $1 ngày trước"),
	r(`certificate is for (\S+), not (\S+)`, "chứng chỉ cấp cho $1, không phải cho $2"),
	r(`certificate signed by an unknown authority`, "chứng chỉ do một tổ chức cấp chứng chỉ không rõ ký"),
	r(`domain (\S+) does not exist \(NXDOMAIN\)`, "tên miền $1 không tồn tại (NXDOMAIN)"),
	rd(`gave up after (\d+) attempts over ([^;]+); last error: `, "ngừng gửi sau $1 lần thử trong $2; lỗi cuối cùng: "),
	rd(`gave up after (\d+) attempts over (\S+)`, "ngừng gửi sau $1 lần thử trong $2"),
	r(`message is (\d+) bytes, (\S+) takes at most (\d+) \(SIZE\)`, "thư dài $1 byte, $2 chỉ nhận tối đa $3 byte (SIZE)"),
	r(`(\S+) accepts no mail \(null MX\)`, "$1 không nhận thư (null MX)"),
	r(`^filter (\d+) \(`, "bộ lọc $1 ("),
	r(`\btag \+`, "danh mục +"),
	r(`\bsubject has `, "tiêu đề có "),
	r(`\ball mail\b`, "mọi thư"),
	r(`\(from (\S+)\)`, "(từ $1)"),
	r(`, from (\S+)`, ", từ $1"),
	r(`^open relay: anyone may relay`, "máy chủ chuyển tiếp mở (open relay): ai cũng được chuyển tiếp"),
	r(`^trusted network (\S+)`, "mạng tin cậy $1"),
	r(`^DMARC failed and (\S+) asks receivers to quarantine \(p=quarantine\)(?: → Spam folder)?`, "DMARC không đạt và $1 yêu cầu cách ly thư (p=quarantine)"),
	r(`^DMARC failed and (\S+) asks receivers to reject \(p=reject\)`, "DMARC không đạt và $1 yêu cầu từ chối thư (p=reject)"),
}

// viExpected are the descriptions of expectations (sim/expect*.go).
var viExpected = []rule{
	r(`^an SMTP reply (\d{3}(?: \d\.\d{1,3}\.\d{1,3})?)`, "một câu trả lời SMTP $1"),
	r(` on a connection of (\S+)`, " trên một kết nối của $1"),
	r(` on a connection to (\S+)`, " trên một kết nối tới $1"),
	r(` on a connection from (\S+)`, " trên một kết nối từ $1"),
	rf(` at stage (\w+)`, func(m []string) string { return " ở lệnh " + strings.ToUpper(m[1]) }),
	r(`\bat least (\d+)`, "ít nhất $1"),
	r(`(\d+) transcript line\(s\) containing `, "$1 dòng hội thoại chứa "),
	r(`^no transcript line containing `, "không dòng hội thoại nào chứa "),
	r(`^message (\S+) through steps`, "thư $1 đi qua các bước"),
	r(`^message (\S+) retried (ít nhất )?(\d+) time\(s\)`, "thư $1 được gửi lại $2$3 lần"),
	rd(`^message (\S+) delivered within (\S+) of simulated time`, "thư $1 đã giao trong vòng $2 (thời gian mô phỏng)"),
	rd(`^message (\S+) bounced within (\S+) of simulated time`, "thư $1 bị trả lại trong vòng $2 (thời gian mô phỏng)"),
	r(`^message (\S+) checked with`, "thư $1 được kiểm tra với"),
	r(` for a reason containing `, " với lý do chứa "),
	r(`(\d+) failed notice\(s\)`, "$1 thư báo thất bại (failed)"),
	r(`(\d+) delayed notice\(s\)`, "$1 thư báo chậm trễ (delayed)"),
	r(`\bfor message (\S+)`, "cho thư $1"),
	r(` to `+addr, ", người nhận $1"),
	r(` with status `, " với trạng thái "),
	r(` saying `, " có nội dung "),
	r(`(\d+) DNS question\(s\) for (\S+) (\S+) answered (\S+)`, "$1 câu hỏi DNS về $2 $3, được trả lời $4"),
	r(`(\d+) DNS question\(s\) for (\S+) (\S+)`, "$1 câu hỏi DNS về $2 $3"),
	r(`^fetch (\S+) reads `, "lần đọc thư $1 đọc được "),
	r(`(\d+) message\(s\)`, "$1 thư"),
	r(`(\d+) message\b`, "$1 thư"),
	r(`^no message\b`, "không có thư nào"),
	r(` in (\S+/\S+)`, " trong $1"),
	r(` in `+addr, " trong $1"),
	r(` with subject `, " có tiêu đề "),
	r(` from `+addr, " từ $1"),
	r(` containing `, " chứa "),
	r(` with attachments `, " có tệp đính kèm "),
	r(` with ([A-Za-z][A-Za-z-]*): `, " có dòng $1: "),
	r(` flagged `, " gắn cờ "),
	r(`^TLS on the hop `, "TLS trên chặng "),
	r(`, certificate verified$`, ", chứng chỉ đã được xác minh"),
	r(`, certificate NOT verified$`, ", chứng chỉ KHÔNG được xác minh"),
	r(` at (\S+\.\S+)$`, " tại $1"),
}

// viObserved are what expectations observed.
var viObserved = []rule{
	r(`(\d+) matching of (\d+) message\(s\) read`, "$1 khớp trong $2 thư đã đọc"),
	r(`(\d+) matching of (\d+) message\(s\)`, "$1 khớp trong $2 thư"),
	r(`\(subjects: `, "(tiêu đề: "),
	r(`(\d+) matching line\(s\) in (\d+) transcript\(s\)`, "$1 dòng khớp trong $2 hội thoại"),
	r(`(\d+) matching; answers: `, "$1 khớp; các câu trả lời: "),
	r(`^(\d+) retries$`, "$1 lần gửi lại"),
	rd(`^delivered after (\S+)`, "đã giao sau $1"),
	rd(`^bounced after (\S+)`, "bị trả lại sau $1"),
	r(`^the message was never delivered`, "thư chưa bao giờ được giao"),
	r(`^the message was never bounced`, "thư chưa bao giờ bị trả lại"),
	r(`^hops: `, "các chặng: "),
	r(`^notices sent: `, "thư báo đã gửi: "),
	r(`\bfailed (\d\.\d{1,3}\.\d{1,3}) for `, "thất bại (failed) $1 cho "),
	r(`\bdelayed (\d\.\d{1,3}\.\d{1,3}) for `, "chậm trễ (delayed) $1 cho "),
	r(`^replies on the wire: `, "các câu trả lời trên đường truyền: "),
	rf(` at (\w+)(,|$)`, func(m []string) string { return " ở " + strings.ToUpper(m[1]) + m[2] }),
	r(`^no server checked message (\S+)`, "không máy chủ nào kiểm tra thư $1"),
	r(`^the fetch did not run`, "lần đọc thư không chạy"),
	r(`\bnone$`, "không có"),
}

// viNotes are the notes of transcripts (sim/transcript, sim/queue).
var viNotes = []rule{
	r(`\(TLS handshake; the dialogue below is encrypted on the wire\)`, "(bắt tay TLS; phần hội thoại dưới đây được mã hoá trên đường truyền)"),
	r(`\(TLS from the first byte: implicit TLS, RFC 8314\)`, "(TLS ngay từ byte đầu: implicit TLS, RFC 8314)"),
	r(`\((\w+): user (.*), password hidden\)`, "($1: người dùng $2, mật khẩu được ẩn)"),
	r(`\.\.\. \((\d+) more lines of the message\)`, "... (thêm $1 dòng của lá thư)"),
	r(`\((\S+) offers no STARTTLS: reconnecting to send without encryption\)`, "($1 không hỗ trợ STARTTLS: kết nối lại để gửi không mã hoá)"),
	r(`\(connection kept open: message (\d+) over it\)`, "(kết nối được giữ mở: thư thứ $1 trên kết nối này)"),
}
