package tui

import "github.com/mailflow/mailflow/viz/narrate"

// words are the view's own strings in one language; narration and step
// names come from viz/narrate. Every field is filled in every language:
// TestWordsComplete fails on a missing one.
type words struct {
	steps, network, log, transcript, messages string
	step                                      string
	short                                     [6]string // step names short enough for a box of the strip
	states                                    map[string]string
	until                                     string // "queued until Mon 09:15"
	paused, playing, history, finished        string
	skipping                                  string // running on to the outcome
	next, press                               string
	replay, event                             string
	noConn, noMsg, dialogueLater              string
	help                                      []string
	keysTitle, detailTitle, gotoLabel         string
	footer                                    string
	queuedBadge, mailboxes                    string
	clients                                   string
	quitNote                                  string
	read                                      string
	weekdays                                  [7]string // Sunday first, as time.Weekday
	rcodes                                    map[string]string
	at                                        string // "550 5.1.1 … (at RCPT)"
	noReason                                  string
	decided, client                           string // a status no reply carried
	filterLabel, filterShown, noMatch         string
	closeHint, more                           string
}

var wordsByLang = map[narrate.Lang]*words{
	narrate.English: {
		steps: "Steps", network: "Network", log: "Log", transcript: "Transcript", messages: "Messages",
		step:  "Step",
		short: [6]string{"connect", "hand over", "decide", "DNS MX", "transfer", "mailbox"},
		states: map[string]string{StateInFlight: "in flight", StateQueued: "queued", StateDelivered: "delivered",
			StateBounced: "bounced", StateRejected: "rejected", StatePartly: "partly delivered",
			StateDropped: "dropped"},
		until:  "queued until",
		paused: "paused", playing: "playing", history: "history", finished: "finished",
		skipping: "to the outcome",
		next:     "next", press: "space: go on · w: why",
		replay: "replay", event: "event",
		noConn: "No connection yet.", noMsg: "No message yet.",
		dialogueLater: "(the dialogue shows when the connection closes)",
		help: []string{
			"space →   next step (the world waits before each step and after a failure)",
			"b ←       back one step (replays the view, not the network)",
			"o         skip to the outcome: run to the end without stopping",
			". ,       one event forward / back (in the history)",
			"Home End  first / last point of the history",
			"g         go to event number …",
			"p         play / pause",
			"+ -       faster / slower",
			"/         filter the log: words match kind, host or message;",
			"          kind:dns host:mail.school.test msg:m1; empty: all",
			"Tab       next pane (Shift-Tab: previous)",
			"↑ ↓       select a line in the pane; Esc: follow again",
			"Enter     details of the selected event",
			"[ ]       previous / next connection in the transcript",
			"w         why does this step happen?",
			"L         English / Tiếng Việt",
			"Esc       close a box like this one (↑ ↓ PgUp PgDn scroll it)",
			"?         this help     q  quit",
		},
		keysTitle: "Keys", detailTitle: "Event", gotoLabel: "Go to event: ",
		footer:      "? keys · q quit · ␣ step · b back · o outcome · / filter · p play · w why · +- speed · Tab pane · ⏎ detail",
		queuedBadge: "queue", mailboxes: "mailboxes",
		clients:  "mail clients",
		quitNote: "q: quit",
		read:     "read over",
		weekdays: [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
		rcodes: map[string]string{"NXDOMAIN": "no such domain", "SERVFAIL": "the DNS server failed",
			"REFUSED": "the DNS server refused to answer"},
		at:       "at",
		noReason: "no reason given",
		decided:  "no reply: %s decided", client: "the mail client",
		filterLabel: "Filter the log: ", filterShown: "filter", noMatch: "No event matches the filter.",
		closeHint: "Esc: close", more: "▼ more",
	},
	narrate.Vietnamese: {
		steps: "Các bước", network: "Mạng", log: "Nhật ký", transcript: "Hội thoại", messages: "Thư",
		step:  "Bước",
		short: [6]string{"kết nối", "giao thư", "quyết định", "hỏi DNS", "chuyển thư", "hộp thư"},
		states: map[string]string{StateInFlight: "đang gửi", StateQueued: "trong hàng đợi",
			StateDelivered: "đã giao", StateBounced: "bị trả lại", StateRejected: "bị từ chối",
			StatePartly: "giao một phần", StateDropped: "bị huỷ"},
		until:  "chờ gửi lại lúc",
		paused: "tạm dừng", playing: "đang chạy", history: "xem lại", finished: "đã xong",
		skipping: "tới kết quả",
		next:     "tiếp theo", press: "phím cách: tiếp · w: vì sao",
		replay: "phát lại", event: "sự kiện",
		noConn: "Chưa có kết nối.", noMsg: "Chưa có thư.",
		dialogueLater: "(hội thoại hiện ra khi kết nối đóng)",
		help: []string{
			"cách →    bước tiếp theo (thế giới dừng trước mỗi bước và sau mỗi lỗi)",
			"b ←       lùi một bước (xem lại, không chạy lại mạng)",
			"o         tới thẳng kết quả: chạy đến cuối, không dừng",
			". ,       tiến / lùi một sự kiện (trong lịch sử)",
			"Home End  điểm đầu / cuối của lịch sử",
			"g         tới sự kiện số …",
			"p         chạy / tạm dừng",
			"+ -       nhanh hơn / chậm hơn",
			"/         lọc nhật ký: từ khoá khớp loại, máy hoặc thư;",
			"          kind:dns host:mail.school.test msg:m1; để trống: tất cả",
			"Tab       khung tiếp theo (Shift-Tab: khung trước)",
			"↑ ↓       chọn một dòng trong khung; Esc: theo dõi tiếp",
			"Enter     chi tiết sự kiện đang chọn",
			"[ ]       kết nối trước / sau trong khung hội thoại",
			"w         vì sao có bước này?",
			"L         English / Tiếng Việt",
			"Esc       đóng hộp như hộp này (↑ ↓ PgUp PgDn để cuộn)",
			"?         trợ giúp này     q  thoát",
		},
		keysTitle: "Phím", detailTitle: "Sự kiện", gotoLabel: "Tới sự kiện: ",
		footer:      "? phím · q thoát · ␣ bước · b lùi · o kết quả · / lọc · p chạy · w vì sao · +- tốc độ · Tab khung · ⏎ chi tiết",
		queuedBadge: "hàng đợi", mailboxes: "hộp thư",
		clients:  "máy khách thư",
		quitNote: "q: thoát",
		read:     "đã đọc qua",
		weekdays: [7]string{"CN", "T2", "T3", "T4", "T5", "T6", "T7"},
		rcodes: map[string]string{"NXDOMAIN": "tên miền không tồn tại", "SERVFAIL": "máy chủ DNS bị lỗi",
			"REFUSED": "máy chủ DNS từ chối trả lời"},
		at:       "ở lệnh",
		noReason: "không rõ lý do",
		decided:  "không có phản hồi: %s tự quyết định", client: "máy khách thư",
		filterLabel: "Lọc nhật ký: ", filterShown: "lọc", noMatch: "Không có sự kiện nào khớp bộ lọc.",
		closeHint: "Esc: đóng", more: "▼ còn nữa",
	},
}

func wordsFor(lang narrate.Lang) *words {
	if w, ok := wordsByLang[lang]; ok {
		return w
	}
	return wordsByLang[narrate.English]
}

// ShortStepName is a step's name short enough for a box of the strip.
func ShortStepName(lang narrate.Lang, step int) string {
	if step < 1 || step > 6 {
		return ""
	}
	return wordsFor(lang).short[step-1]
}
