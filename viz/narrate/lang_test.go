package narrate

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailflow/mailflow/sim/event"
)

// eventKinds reads every Kind constant of the event contract from its
// source, so that a kind added there needs a sentence here.
func eventKinds(t *testing.T) []event.Kind {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../../sim/event/event.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []event.Kind
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Kind" {
				continue
			}
			for _, v := range vs.Values {
				if lit, ok := v.(*ast.BasicLit); ok {
					k, _ := strconv.Unquote(lit.Value)
					kinds = append(kinds, event.Kind(k))
				}
			}
		}
	}
	if len(kinds) < 20 {
		t.Fatalf("found only %d event kinds in sim/event/event.go", len(kinds))
	}
	return kinds
}

// Every phrase exists in both languages: a sentence for every kind of
// event, every reason, every fault effect, every label.
func TestEveryPhraseInBothLanguages(t *testing.T) {
	for _, k := range eventKinds(t) {
		for _, lang := range []Lang{English, Vietnamese} {
			if !Has(lang, k) {
				t.Errorf("%s has no sentence for %s events", lang, k)
			}
		}
	}
	sameKeys := func(what string, en, vi map[string]string) {
		t.Helper()
		ke, kv := slices.Sorted(maps.Keys(en)), slices.Sorted(maps.Keys(vi))
		if !slices.Equal(ke, kv) {
			t.Errorf("%s: English has %q, Vietnamese %q", what, ke, kv)
		}
		for k, v := range vi {
			if v == "" || v == en[k] && v != k {
				t.Errorf("%s %q: Vietnamese %q is empty or the English words", what, k, v)
			}
		}
	}
	sameKeys("reasons", english.reasons, vietnamese.reasons)
	sameKeys("dropped", english.dropped, vietnamese.dropped)
	sameKeys("effects", english.effects, vietnamese.effects)
	sameKeys("words", words[English], words[Vietnamese])
	for _, p := range []*phrasebook{english, vietnamese} {
		if p.step == "" || p.none == "" || p.pref == "" || p.nullMX == "" || p.nullSender == "" || p.client == nil || p.detail == nil {
			t.Errorf("a phrasebook lacks a word: %+v", p)
		}
	}
	for step := 1; step <= 6; step++ {
		for _, lang := range []Lang{English, Vietnamese} {
			if StepName(lang, step) == "" || Why(lang, step) == "" || WhyQuestion(lang, step) == "" {
				t.Errorf("%s: step %d lacks its name, question or explanation", lang, step)
			}
		}
		if StepName(English, step) == StepName(Vietnamese, step) || Why(English, step) == Why(Vietnamese, step) {
			t.Errorf("step %d: the Vietnamese is the English", step)
		}
	}
}

// Times and durations are written the Vietnamese way.
func TestVietnameseTimes(t *testing.T) {
	wed := time.Date(2026, 1, 7, 4, 21, 0, 0, time.UTC)
	for _, c := range []struct{ got, want string }{
		{Duration(Vietnamese, 15*time.Minute), "15 phút"},
		{Duration(Vietnamese, 2*time.Hour+12*time.Minute), "2 giờ 12 phút"},
		{Duration(Vietnamese, 2*time.Hour), "2 giờ"},
		{Duration(Vietnamese, 5*24*time.Hour), "5 ngày"},
		{Duration(Vietnamese, 30*time.Second), "30 giây"},
		{Duration(English, 2*time.Hour+12*time.Minute), "2h12m"},
		{Duration(English, 15*time.Minute), "15m"},
		{When(Vietnamese, wed), "Thứ Tư 04:21"},
		{When(English, wed), "Wed 04:21"},
		{Day(Vietnamese, wed.AddDate(0, 0, -1)), "Thứ Ba, 6/1/2026"},
		{Day(English, wed.AddDate(0, 0, -1)), "Tue 6 Jan 2026"},
		{Detail(Vietnamese, "gave up after 52 attempts over 5.0 days; last error: 451 4.2.2 Mailbox full"),
			"ngừng gửi sau 52 lần thử trong 5 ngày; lỗi cuối cùng: 451 4.2.2 Mailbox full"},
		{Detail(Vietnamese, "gave up after 6 attempts over 2h0m; last error: x"), "ngừng gửi sau 6 lần thử trong 2 giờ; lỗi cuối cùng: x"},
		{Expected(Vietnamese, `message m1 delivered within 2h30m of simulated time`), "thư m1 đã giao trong vòng 2 giờ 30 phút (thời gian mô phỏng)"},
		{Expected(Vietnamese, `at least 1 message in bob@school.test/INBOX with subject "Hi at least 2"`),
			`ít nhất 1 thư trong bob@school.test/INBOX có tiêu đề "Hi at least 2"`},
		{Observed(Vietnamese, "bounced after 120h0m0s"), "bị trả lại sau 5 ngày"},
		{State(Vietnamese, "partly delivered, bounced"), "giao một phần, bị trả lại"},
		{TranscriptNote(Vietnamese, `C: AUTH PLAIN ********  (PLAIN: user "alice@example.test", password hidden)`),
			`C: AUTH PLAIN ********  (PLAIN: người dùng "alice@example.test", mật khẩu được ẩn)`},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// The null sender and the queue's next attempt read in the language.
func TestVietnameseQueueAndNullSender(t *testing.T) {
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	next := at.Add(2*time.Hour + 12*time.Minute)
	retry := event.Event{Kind: event.QueueRetry, Host: "mail.example.test", To: []string{"bob@school.test"}, Attempt: 3, Time: at, Next: &next}
	if got, want := Text(Vietnamese, retry), "mail.example.test giữ thư gửi bob@school.test trong hàng đợi: lần thử 3 thất bại, sẽ thử lại lúc Thứ Hai 11:12 (sau 2 giờ 12 phút)"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	acc := event.Event{Kind: event.SMTPAccepted, Host: "mail.example.test", Subject: "x", To: []string{"alice@example.test"}, Reply: &event.Reply{Code: 250}}
	if got := Text(Vietnamese, acc); !strings.Contains(got, "<> (người gửi rỗng)") {
		t.Errorf("the null sender in Vietnamese: %q", got)
	}
	if got := Text(English, acc); !strings.Contains(got, "<> (null sender)") {
		t.Errorf("the null sender in English: %q", got)
	}
}
