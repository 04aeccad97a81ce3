package report

// words are the page's own headings, in the report's language.
type words struct {
	Outcome, Expectations, Timeline, Load, Sequence, Mermaid, Log, Transcripts string
	Message, From, To, Subject, State, Steps, Mailboxes, Error                 string
	Pass, Fail, NoChecks, Events, Start, NoTranscripts, TimelineHelp           string
}

var english = words{
	Outcome: "Outcome", Expectations: "Expectations", Timeline: "Timeline", Load: "Load",
	Sequence: "Sequence diagram", Mermaid: "Mermaid source (paste into Markdown or slides)",
	Log: "Narrated log", Transcripts: "Transcripts",
	Message: "Message", From: "From", To: "To", Subject: "Subject", State: "State", Steps: "Steps",
	Mailboxes: "Mailboxes", Error: "Error",
	Pass: "PASS", Fail: "FAIL", NoChecks: "no expectations", Events: "events", Start: "simulated start",
	NoTranscripts: "No dialogue was recorded.",
	TimelineHelp: "One lane per actor; bars are exchanges (SMTP sessions, DNS questions), arrows are " +
		"hops with their reply codes, red marks failures, orange deferrals and retries. " +
		"A zigzag band cuts out a long wait.",
}

var vietnamese = words{
	Outcome: "Kết quả", Expectations: "Kỳ vọng", Timeline: "Dòng thời gian", Load: "Tải",
	Sequence: "Sơ đồ tuần tự", Mermaid: "Mã Mermaid (dán vào Markdown hoặc trang chiếu)",
	Log: "Nhật ký", Transcripts: "Hội thoại",
	Message: "Thư", From: "Người gửi", To: "Người nhận", Subject: "Tiêu đề", State: "Trạng thái",
	Steps: "Các bước", Mailboxes: "Hộp thư", Error: "Lỗi",
	Pass: "ĐẠT", Fail: "KHÔNG ĐẠT", NoChecks: "không có kỳ vọng", Events: "sự kiện",
	Start:         "thời điểm bắt đầu (mô phỏng)",
	NoTranscripts: "Không có hội thoại nào được ghi lại.",
	TimelineHelp: "Mỗi làn là một tác nhân; thanh là một phiên trao đổi (SMTP, DNS), mũi tên là " +
		"một bước chuyển kèm mã trả lời; đỏ là lỗi, cam là hoãn và thử lại. " +
		"Dải răng cưa cắt bớt một khoảng chờ dài.",
}
