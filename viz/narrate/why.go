package narrate

// WhyQuestion is the question a class asks about a step, e.g. "Why does the
// server ask DNS for the MX record?"; "" outside steps 1–6.
func WhyQuestion(lang Lang, step int) string {
	if step < 1 || step > 6 {
		return ""
	}
	if q, ok := questions[lang]; ok {
		return q[step-1]
	}
	return questions[English][step-1]
}

// Why explains in a few sentences why a step happens, for a class that asks
// while the view is paused on it; "" outside steps 1–6.
func Why(lang Lang, step int) string {
	if step < 1 || step > 6 {
		return ""
	}
	if w, ok := whys[lang]; ok {
		return w[step-1]
	}
	return whys[English][step-1]
}

var questions = map[Lang][6]string{
	English: {
		"Why does the mail client connect to its own server, not to the recipient's?",
		"Why does the client send the sender and recipients separately from the content?",
		"Why does the server decide between local delivery and relay?",
		"Why does the server ask DNS for the MX record?",
		"Why does the sending server connect to port 25?",
		"Why does the recipient's server check the user before filing the mail?",
	},
	Vietnamese: {
		"Vì sao máy khách kết nối tới máy chủ SMTP của mình, không phải của người nhận?",
		"Vì sao máy khách gửi người gửi, người nhận tách riêng khỏi nội dung?",
		"Vì sao máy chủ phải chọn giữa giao nội bộ và chuyển tiếp?",
		"Vì sao máy chủ truy vấn DNS bản ghi MX?",
		"Vì sao máy chủ gửi kết nối tới cổng 25?",
		"Vì sao máy chủ người nhận kiểm tra người dùng trước khi lưu thư?",
	},
}

var whys = map[Lang][6]string{
	English: {
		"A mail client never delivers mail by itself: it hands every message to the SMTP server of its own domain, " +
			"which knows how to reach the rest of the internet. It uses the submission port 587 (STARTTLS) or 465 " +
			"(TLS from the first byte) and logs in with AUTH, so the server relays only for its own users and nobody " +
			"can send in their name. Port 25 is kept for servers talking to servers.",
		"SMTP hands a message over in parts: MAIL FROM names the sender, one RCPT TO names each recipient, and DATA " +
			"carries the headers, the text and the attachments (as MIME parts). Servers route by this envelope, not by " +
			"the To: line inside the message, which is how Bcc works. The server answers 250 only once the message is " +
			"stored or queued: from then on it is responsible for it.",
		"The server compares each recipient's domain with the domains it serves. For its own domain it files the " +
			"message locally and no other server is involved. For another domain it must relay: it puts the message " +
			"in its outbound queue, from which delivery is tried, and retried if the other side is not ready.",
		"The sending server knows only the recipient's domain, not which machine takes mail for it. The domain's MX " +
			"(mail exchanger) record names that host, with a preference: lower numbers are tried first. A second " +
			"question, for the A or AAAA record of that host, gives the IP address to connect to.",
		"With the address in hand, the sending server connects to the recipient's SMTP server on port 25, the port " +
			"for mail between servers, and protects the connection with STARTTLS. It repeats the envelope and the " +
			"content as the client did in step 2, without logging in. A 250 hands the responsibility over; a " +
			"temporary error (4xx) keeps the message queued for a retry, a permanent one (5xx) bounces it.",
		"A server accepts mail only for the domains it serves and the users it knows: an unknown user gets " +
			"550 5.1.1 and the sender a bounce. Then it files the message in the user's mailbox, in the INBOX " +
			"folder. The recipient's own mail client fetches it later with POP3 (download it) or IMAP (keep it on " +
			"the server and sync folders).",
	},
	Vietnamese: {
		"Máy khách thư không tự giao thư: nó trao mọi thư cho máy chủ SMTP của tên miền mình, nơi biết cách liên " +
			"lạc với phần còn lại của Internet. Máy khách dùng cổng submission 587 (STARTTLS) hoặc 465 (mã hoá TLS " +
			"ngay từ đầu) và đăng nhập bằng AUTH, để máy chủ chỉ chuyển tiếp thư cho người dùng của mình và không ai " +
			"gửi mạo danh được. Cổng 25 dành cho các máy chủ trao đổi với nhau.",
		"SMTP trao thư theo từng phần: MAIL FROM cho biết người gửi, mỗi người nhận một lệnh RCPT TO, rồi DATA mang " +
			"tiêu đề, nội dung và tệp đính kèm (dưới dạng các phần MIME). Máy chủ định tuyến theo phong bì này chứ " +
			"không theo dòng To: trong thư, nhờ vậy Bcc mới hoạt động. Máy chủ chỉ trả lời 250 khi đã lưu hoặc " +
			"đưa thư vào hàng đợi: từ lúc đó nó chịu trách nhiệm về thư.",
		"Máy chủ so tên miền của từng người nhận với các tên miền nó phục vụ. Cùng tên miền: nó giao nội bộ, lưu " +
			"thư vào hộp thư mà không cần máy chủ nào khác. Khác tên miền: nó phải chuyển tiếp, đưa thư vào hàng " +
			"đợi gửi đi, từ đó thư được gửi và gửi lại nếu phía bên kia chưa sẵn sàng.",
		"Máy chủ gửi chỉ biết tên miền của người nhận, chưa biết máy nào nhận thư cho tên miền đó. Bản ghi MX " +
			"(mail exchanger) của tên miền chỉ ra máy chủ đó, kèm độ ưu tiên: số nhỏ hơn được thử trước. Câu hỏi " +
			"thứ hai, bản ghi A hoặc AAAA của máy chủ đó, cho địa chỉ IP để kết nối.",
		"Có địa chỉ IP rồi, máy chủ gửi kết nối tới máy chủ SMTP người nhận qua cổng 25, cổng dành cho thư giữa " +
			"các máy chủ, và mã hoá kết nối bằng STARTTLS. Nó lặp lại phong bì và nội dung như máy khách đã làm ở " +
			"bước 2, nhưng không cần đăng nhập. Trả lời 250 nghĩa là trách nhiệm đã chuyển sang phía nhận; lỗi tạm " +
			"thời (4xx) giữ thư trong hàng đợi để gửi lại, lỗi vĩnh viễn (5xx) khiến thư bị trả lại.",
		"Máy chủ chỉ nhận thư cho tên miền nó phục vụ và người dùng nó biết: người dùng không tồn tại bị trả lời " +
			"550 5.1.1 và người gửi nhận thư báo lỗi. Sau đó nó lưu thư vào hộp thư đến (INBOX) của người dùng. " +
			"Máy khách thư của người nhận sẽ lấy thư bằng POP3 (tải về máy) hoặc IMAP (giữ trên máy chủ, đồng bộ " +
			"thư mục).",
	},
}
