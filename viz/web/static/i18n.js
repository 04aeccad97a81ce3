// The page's own words, in English and Vietnamese. The narration of events
// and the names of the six steps come from the server (viz/narrate), so the
// web view says what the terminal view says.

const words = {
  en: {
    'tab.view': 'Network', 'tab.events': 'Events', 'tab.mail': 'Mailboxes', 'tab.monitor': 'Monitoring',
    'ctl.back': '◀ Back', 'ctl.step': 'Step ▶', 'ctl.play': '▶▶ Play', 'ctl.pause': '❚❚ Pause',
    'ctl.speed': 'Speed', 'ctl.live': '▶| Live',
    'story.title': 'What happens', 'story.messages': 'Messages', 'story.before': 'Before the first step',
    'story.none': 'Nothing has happened yet. Press Step (space) to let the first step happen.',
    'step': 'Step', 'step.next': 'next', 'step.hidden': 'what happens is hidden until it happens',
    'status.live': 'Live: following the network as it runs.',
    'status.held': 'The network waits before step {step} of {msg}. Press Step to let it happen.',
    'status.at': 'Stop {n} of {total}.', 'status.more': '{n} more already happened: Step shows them.',
    'status.heldFailure': 'The network waits just after a failure. Press Step to go on.',
    'status.over': 'Everything that happened is shown.', 'status.conn': 'Connection to the server lost; retrying…',
    'status.playing': 'Playing.',
    'f.step': 'Step', 'f.kind': 'Kind', 'f.host': 'Host', 'f.msg': 'Message', 'f.all': 'all',
    'col.time': 'Time', 'col.what': 'What happened', 'count': '{n} of {total} events',
    'mail.users': 'Mailboxes', 'mail.compose': '✎ Write', 'mail.empty': 'Empty mailbox', 'mail.from': 'From',
    'mail.to': 'To', 'mail.cc': 'Cc', 'mail.subject': 'Subject', 'mail.body': 'Text', 'mail.send': 'Send',
    'mail.cancel': 'Cancel', 'mail.date': 'Date',
    'mail.how': "Sent as the sender's mail client would: port 587, STARTTLS, login with the user's password.",
    'mail.sent': 'Submitted as {id} ({state}).', 'mail.sentStep': 'Submitted as {id}: press Step to watch it go.',
    'mail.empty.confirm': 'Delete every message of {addr}?', 'mail.nomsg': 'No messages.',
    'mail.pick': 'Choose a mailbox, then a message.', 'mail.raw': 'Raw message', 'mail.received': 'Its path (Received: lines, oldest first)',
    'mail.attachments': 'Attachments', 'mail.password': 'password',
    'mon.rate': 'Messages per second (accepted, delivered)', 'mon.queue': 'Queue depth per host',
    'mon.refusals': 'Refusals by reply code', 'mon.steps': 'Mean time in each step (simulated ms)',
    'mon.depth': 'Queue', 'mon.accepted': 'Accepted', 'mon.delivered': 'Delivered', 'mon.relayed': 'Relayed',
    'mon.deferred': 'Deferred', 'mon.failed': 'Failed', 'mon.refused': 'Refused', 'mon.bounces': 'Bounces',
    'mon.queued': 'In the queues', 'mon.next': 'next attempt', 'mon.attempts': 'attempts', 'mon.none': 'none',
    'mon.accepted.s': 'accepted/s', 'mon.delivered.s': 'delivered/s',
    'insp.fields': 'Fields', 'insp.dialogue': 'Dialogue', 'insp.dns': 'DNS', 'insp.tls': 'TLS',
    'insp.headers': 'Message header', 'insp.show': 'Show the message header',
    'insp.auth': 'Sender authentication', 'auth.method': 'Check', 'auth.result': 'Result', 'auth.domain': 'Domain',
    'auth.policy': 'Selector / policy', 'auth.reason': 'Why', 'auth.action': 'The server', 'auth.accept': 'accepts it',
    'auth.spam': 'files it in Spam', 'auth.reject': 'refuses it', 'auth.badge': "This server's verdicts on the sender of {msg}",
    'node.clients': 'mail clients', 'node.dns': 'DNS', 'node.mailbox': 'mailboxes',
    'role.submission': 'submission', 'role.mailbox': 'mailboxes', 'role.mx': 'MX', 'role.smarthost': 'smarthost',
    'role.uses-smarthost': 'via smarthost',
    'legend': 'Envelope: a message. ✖ refused for good · ↻ refused for now, tried again later.',
    'state.delivered': 'delivered', 'state.queued': 'queued', 'state.bounced': 'bounced', 'state.rejected': 'rejected',
    'state.failed': 'failed', 'state.dropped': 'dropped', 'state.in flight': 'in flight',
    'keys.title': 'Keys', 'key.step': 'let the next step happen', 'key.back': 'go back a step',
    'key.start': 'back to the start', 'key.end': 'live: show everything', 'key.play': 'play or pause',
    'key.speed': 'faster, slower', 'key.lang': 'English / Tiếng Việt', 'key.tabs': 'network, events, mailboxes, monitoring',
    'key.help': 'this list', 'key.esc': 'close',
  },
  vi: {
    'tab.view': 'Mạng', 'tab.events': 'Sự kiện', 'tab.mail': 'Hộp thư', 'tab.monitor': 'Giám sát',
    'ctl.back': '◀ Lùi', 'ctl.step': 'Bước tiếp ▶', 'ctl.play': '▶▶ Chạy', 'ctl.pause': '❚❚ Dừng',
    'ctl.speed': 'Tốc độ', 'ctl.live': '▶| Trực tiếp',
    'story.title': 'Điều gì xảy ra', 'story.messages': 'Thư', 'story.before': 'Trước bước đầu tiên',
    'story.none': 'Chưa có gì xảy ra. Nhấn Bước tiếp (phím cách) để bước đầu tiên diễn ra.',
    'step': 'Bước', 'step.next': 'tiếp theo', 'step.hidden': 'kết quả được ẩn cho đến khi nó xảy ra',
    'status.live': 'Trực tiếp: theo dõi mạng khi nó chạy.',
    'status.held': 'Mạng đang chờ trước bước {step} của {msg}. Nhấn Bước tiếp để nó diễn ra.',
    'status.at': 'Điểm dừng {n}/{total}.', 'status.more': 'Đã có thêm {n} điểm dừng xảy ra: nhấn Bước tiếp để xem.',
    'status.heldFailure': 'Mạng đang chờ ngay sau một lỗi. Nhấn Bước tiếp để đi tiếp.',
    'status.over': 'Đã hiện mọi điều đã xảy ra.', 'status.conn': 'Mất kết nối tới máy chủ; đang thử lại…',
    'status.playing': 'Đang chạy.',
    'f.step': 'Bước', 'f.kind': 'Loại', 'f.host': 'Máy chủ', 'f.msg': 'Thư', 'f.all': 'tất cả',
    'col.time': 'Thời gian', 'col.what': 'Điều đã xảy ra', 'count': '{n} trên {total} sự kiện',
    'mail.users': 'Hộp thư', 'mail.compose': '✎ Soạn thư', 'mail.empty': 'Xoá hết thư', 'mail.from': 'Từ',
    'mail.to': 'Tới', 'mail.cc': 'Cc', 'mail.subject': 'Tiêu đề', 'mail.body': 'Nội dung', 'mail.send': 'Gửi',
    'mail.cancel': 'Huỷ', 'mail.date': 'Ngày',
    'mail.how': 'Gửi như máy khách thư của người gửi: cổng 587, STARTTLS, đăng nhập bằng mật khẩu của người dùng.',
    'mail.sent': 'Đã gửi, mã {id} ({state}).', 'mail.sentStep': 'Đã gửi, mã {id}: nhấn Bước tiếp để xem thư đi.',
    'mail.empty.confirm': 'Xoá mọi thư của {addr}?', 'mail.nomsg': 'Không có thư.',
    'mail.pick': 'Chọn một hộp thư, rồi một thư.', 'mail.raw': 'Thư gốc', 'mail.received': 'Đường đi (các dòng Received:, cũ nhất trước)',
    'mail.attachments': 'Tệp đính kèm', 'mail.password': 'mật khẩu',
    'mon.rate': 'Số thư mỗi giây (nhận, giao)', 'mon.queue': 'Độ dài hàng đợi mỗi máy chủ',
    'mon.refusals': 'Từ chối theo mã trả lời', 'mon.steps': 'Thời gian trung bình mỗi bước (ms mô phỏng)',
    'mon.depth': 'Hàng đợi', 'mon.accepted': 'Đã nhận', 'mon.delivered': 'Đã giao', 'mon.relayed': 'Đã chuyển',
    'mon.deferred': 'Hoãn', 'mon.failed': 'Thất bại', 'mon.refused': 'Từ chối', 'mon.bounces': 'Thư báo lỗi',
    'mon.queued': 'Trong hàng đợi', 'mon.next': 'lần thử tới', 'mon.attempts': 'lần thử', 'mon.none': 'không có',
    'mon.accepted.s': 'nhận/giây', 'mon.delivered.s': 'giao/giây',
    'insp.fields': 'Các trường', 'insp.dialogue': 'Hội thoại', 'insp.dns': 'DNS', 'insp.tls': 'TLS',
    'insp.headers': 'Phần đầu thư', 'insp.show': 'Xem phần đầu thư',
    'insp.auth': 'Xác thực người gửi', 'auth.method': 'Kiểm tra', 'auth.result': 'Kết quả', 'auth.domain': 'Tên miền',
    'auth.policy': 'Selector / chính sách', 'auth.reason': 'Lý do', 'auth.action': 'Máy chủ', 'auth.accept': 'nhận thư',
    'auth.spam': 'đưa vào thư mục Spam', 'auth.reject': 'từ chối thư', 'auth.badge': 'Kết quả kiểm tra người gửi của {msg} tại máy chủ này',
    'node.clients': 'máy khách thư', 'node.dns': 'DNS', 'node.mailbox': 'hộp thư',
    'role.submission': 'nhận thư gửi đi', 'role.mailbox': 'hộp thư', 'role.mx': 'MX', 'role.smarthost': 'máy chủ chuyển tiếp',
    'role.uses-smarthost': 'qua máy chủ chuyển tiếp',
    'legend': 'Phong bì: một thư. ✖ bị từ chối hẳn · ↻ bị từ chối tạm thời, sẽ thử lại sau.',
    'state.delivered': 'đã giao', 'state.queued': 'đang chờ', 'state.bounced': 'bị trả lại', 'state.rejected': 'bị từ chối',
    'state.failed': 'thất bại', 'state.dropped': 'bị bỏ', 'state.in flight': 'đang đi',
    'keys.title': 'Phím tắt', 'key.step': 'cho bước tiếp theo diễn ra', 'key.back': 'lùi một bước',
    'key.start': 'về đầu', 'key.end': 'trực tiếp: hiện mọi thứ', 'key.play': 'chạy hoặc dừng',
    'key.speed': 'nhanh hơn, chậm hơn', 'key.lang': 'English / Tiếng Việt', 'key.tabs': 'mạng, sự kiện, hộp thư, giám sát',
    'key.help': 'danh sách này', 'key.esc': 'đóng',
  },
};

let lang = 'en';

export function setLang(l) { lang = words[l] ? l : 'en'; }
export function getLang() { return lang; }

// t returns the phrase for key, with {name} replaced from vars.
export function t(key, vars) {
  let s = words[lang][key] ?? words.en[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');
  return s;
}

// applyStatic translates the elements marked data-i18n and data-i18n-title.
export function applyStatic(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
}

// initialLang reads ?lang=, then the last choice, then the browser's.
export function initialLang() {
  const q = new URLSearchParams(location.search).get('lang');
  if (q && words[q.slice(0, 2)]) return q.slice(0, 2);
  try {
    const saved = localStorage.getItem('mailflow.lang');
    if (saved && words[saved]) return saved;
  } catch { /* storage may be off */ }
  return (navigator.language || '').toLowerCase().startsWith('vi') ? 'vi' : 'en';
}

export function rememberLang(l) {
  try { localStorage.setItem('mailflow.lang', l); } catch { /* storage may be off */ }
  const u = new URL(location.href);
  u.searchParams.set('lang', l);
  history.replaceState(null, '', u);
}
