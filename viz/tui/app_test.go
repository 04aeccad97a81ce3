package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/mailflow/mailflow/viz/narrate"
)

// stripLines are the two text lines inside the strip's box.
func stripLines(txt string) string {
	rows := strings.Split(txt, "\n")
	if len(rows) < 4 {
		return ""
	}
	return rows[2] + "\n" + rows[3]
}

func TestReplayKeysAdvanceSteps(t *testing.T) {
	cases := []struct {
		lang narrate.Lang
		// for steps 1–6: the strip's box once the step is on (step 6 is
		// done as soon as the mailbox has the message), and the log line its
		// first event makes
		boxes, logs []string
		next        string
		finished    string
	}{
		{narrate.English,
			[]string{"▶1 connect", "▶2 hand over", "▶3 decide", "▶4 DNS MX", "▶5 transfer", "✓6 mailbox"},
			[]string{"Step 1 · alice's mail client connects to mail.example.test on port 587",
				"Step 2 · mail.example.test accepts \"Homework week 3\"",
				"Step 3 · mail.example.test: bob@school.test is in another domain → relay it",
				"Step 4 · mail.example.test asks DNS for the MX record of school.test",
				"Step 5 · mail.example.test connects to mail.school.test on port 25",
				"Step 6 · mail.school.test files the message in bob@school.test's INBOX"},
			"⏸ next: Step %d", "✔ finished"},
		{narrate.Vietnamese,
			[]string{"▶1 kết nối", "▶2 giao thư", "▶3 quyết định", "▶4 hỏi DNS", "▶5 chuyển thư", "✓6 hộp thư"},
			[]string{"Bước 1 · máy khách thư của alice kết nối tới máy chủ SMTP mail.example.test",
				"Bước 2 · mail.example.test nhận thư \"Homework week 3\"",
				"Bước 3 · mail.example.test: bob@school.test khác tên miền → chuyển tiếp",
				"Bước 4 · mail.example.test truy vấn DNS bản ghi MX của school.test",
				"Bước 5 · mail.example.test kết nối tới máy chủ SMTP người nhận mail.school.test",
				"Bước 6 · mail.school.test lưu thư vào hộp thư đến (INBOX) của bob@school.test"},
			"⏸ tiếp theo: Bước %d", "✔ đã xong"},
	}
	for _, c := range cases {
		t.Run(string(c.lang), func(t *testing.T) {
			s := newTestScreen(160, 40) // wide: every log line on one row
			s, stop := startReplay(t, Options{Lang: c.lang, Title: "cross-domain", Screen: s},
				loadTrace(t, "cross-domain.jsonl"))
			defer stop()
			s.waitFor(t, "paused before step 1", func(txt string) bool {
				return strings.Contains(stripLines(txt), sprintf(c.next, 1))
			})
			for step := 1; step <= 6; step++ {
				s.rune(' ')
				txt := s.waitFor(t, c.boxes[step-1], func(txt string) bool {
					return strings.Contains(stripLines(txt), c.boxes[step-1])
				})
				if !strings.Contains(txt, c.logs[step-1]) {
					t.Errorf("step %d: the log lacks %q:\n%s", step, c.logs[step-1], txt)
				}
				if step < 6 && !strings.Contains(stripLines(txt), sprintf(c.next, step+1)) {
					t.Errorf("step %d: the strip should say step %d is next:\n%s", step, step+1, stripLines(txt))
				}
				for done := 1; done < step; done++ {
					if box := "✓" + c.boxes[done-1][len("▶"):]; !strings.Contains(stripLines(txt), box) {
						t.Errorf("step %d: step %d should be marked finished (%q)", step, done, box)
					}
				}
			}
			s.waitText(t, c.finished, "21/21") // after step 6, the run's end
			// b steps back through what happened: before step 6 again.
			s.rune('b')
			s.waitFor(t, "back before step 6", func(txt string) bool {
				return strings.Contains(stripLines(txt), sprintf(c.next, 6)) && strings.Contains(txt, "15/21")
			})
			s.key(tcell.KeyHome)
			s.waitText(t, " 0/21")
			s.key(tcell.KeyEnd)
			s.waitText(t, c.finished, "21/21")
		})
	}
}

func TestReplayKeys(t *testing.T) {
	s, stop := startReplay(t, Options{Lang: narrate.English, Title: "cross-domain"}, loadTrace(t, "cross-domain.jsonl"))
	defer stop()
	s.waitText(t, "⏸ next: Step 1")

	s.rune('?')
	s.waitText(t, "Keys", "back one step (replays the view, not the network)")
	s.key(tcell.KeyEscape)
	s.waitFor(t, "help closed", func(txt string) bool { return !strings.Contains(txt, "replays the view") })

	s.rune('w') // why the step about to start happens
	s.waitText(t, "Step 1 · client connects to its SMTP server ═", "Why does the mail client connect to its own server")
	s.rune('w')
	s.waitFor(t, "why closed", func(txt string) bool { return !strings.Contains(txt, "Why does") })

	// g: go to an event by number.
	s.rune('g')
	s.waitText(t, "Go to event:")
	for _, r := range "12" {
		s.rune(r)
	}
	s.key(tcell.KeyEnter)
	s.waitText(t, "event 12/21")
	s.rune(',')
	s.waitText(t, "event 11/21")
	s.rune('.')
	s.waitText(t, "event 12/21")

	// Enter opens the detail of the last event shown (the A answer).
	s.key(tcell.KeyEnter)
	s.waitText(t, "Event #12", "question  mail.school.test. A", "answer    mail.school.test. 300 IN A")
	s.key(tcell.KeyEscape)

	// Up selects a log line; the transcript follows its connection.
	s.key(tcell.KeyUp)
	s.waitText(t, "mail.example.test ⇄ DNS · m1", "Q: school.test. MX")
	s.rune('[')
	s.waitText(t, "alice's mail client → mail.example.test:587")
	s.key(tcell.KeyEscape)

	// Tab moves the focus; the focused pane's title has an arrow.
	s.key(tcell.KeyTab)
	s.waitText(t, "▸ Transcript")
	s.key(tcell.KeyBacktab)
	s.waitText(t, "▸ Log")

	// L switches the language, everything follows.
	s.rune('L')
	s.waitText(t, "Nhật ký", "Bước 4 · DNS trả lời")
	s.rune('L')
	s.waitText(t, "Log")

	// Playing at full speed runs to the end.
	for i := 0; i < 4; i++ {
		s.rune('+')
	}
	s.waitText(t, "max")
	s.rune('p')
	s.waitText(t, "✔ finished", "21/21")
}

// A playing replay moves on by itself, a step per interval.
func TestReplayPlays(t *testing.T) {
	s, stop := startReplay(t, Options{Lang: narrate.English, Title: "same-domain"}, loadTrace(t, "same-domain.jsonl"))
	defer stop()
	s.waitText(t, "⏸ next: Step 1")
	for i := 0; i < 3; i++ {
		s.rune('+') // 8×: a step every 250ms
	}
	s.rune('p')
	s.waitText(t, "▶ playing · 8×")
	s.waitText(t, "✔ finished")
	if txt := s.text(); !strings.Contains(stripLines(txt), "✓3 decide") || strings.Contains(stripLines(txt), "✓4") {
		t.Errorf("same-domain skips steps 4 and 5:\n%s", stripLines(txt))
	}
}

// At 80×24 every pane shows its title and keeps room for its text, in both
// languages.
func TestLayout80x24(t *testing.T) {
	for _, lang := range []narrate.Lang{narrate.English, narrate.Vietnamese} {
		s, stop := startReplay(t, Options{Lang: lang, Title: "pop3-vs-imap"}, loadTrace(t, "pop3-vs-imap.jsonl"))
		w := wordsFor(lang)
		s.waitText(t, w.steps)
		s.key(tcell.KeyEnd)
		txt := s.waitText(t, w.finished)
		grid := s.grid()
		for _, title := range []string{w.steps, w.network, w.log, w.transcript, w.messages} {
			x, y, ok := findTitle(grid, title)
			if !ok {
				t.Errorf("%s: pane %q has no visible title:\n%s", lang, title, txt)
				continue
			}
			if rows := innerRows(grid, x, y); rows < 2 {
				t.Errorf("%s: pane %q has %d rows of text", lang, title, rows)
			}
		}
		if last := strings.Split(txt, "\n")[23]; !strings.Contains(last, w.quitNote[:1]+" ") || !strings.Contains(last, "?") {
			t.Errorf("%s: the key line should show ? and q: %q", lang, last)
		}
		if !strings.Contains(txt, "m2") || !strings.Contains(txt, "IMAPS") {
			t.Errorf("%s: messages and their reading should show:\n%s", lang, txt)
		}
		stop()
	}
}

func TestNoColorScreen(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	s, stop := startReplay(t, Options{Lang: narrate.English, Title: "unknown-user"}, loadTrace(t, "unknown-user.jsonl"))
	defer stop()
	s.waitText(t, "Steps")
	s.key(tcell.KeyEnd)
	s.waitText(t, "✗6 mailbox")
	cells, _, _ := s.GetContents()
	for i, c := range cells {
		fg, bg, _ := c.Style.Decompose()
		if fg != tcell.ColorDefault || bg != tcell.ColorDefault {
			t.Fatalf("cell %d %q has colours %v on %v under NO_COLOR", i, string(c.Runes), fg, bg)
		}
	}
}

// grid is the screen as rows of cells.
func (s *testScreen) grid() [][]rune {
	cells, w, h := s.GetContents()
	g := make([][]rune, h)
	for y := range g {
		g[y] = make([]rune, w)
		for x := range g[y] {
			c := cells[y*w+x]
			g[y][x] = ' '
			if len(c.Runes) > 0 {
				g[y][x] = c.Runes[0]
			}
		}
	}
	return g
}

// findTitle finds a pane title on a top border and returns the column of
// that box's left corner.
func findTitle(g [][]rune, title string) (int, int, bool) {
	for y, row := range g {
		line := string(row)
		i := strings.Index(line, " "+title+" ")
		if i < 0 {
			i = strings.Index(line, "▸ "+title+" ")
		}
		if i < 0 {
			continue
		}
		col := len([]rune(line[:i]))
		for x := col; x >= 0; x-- {
			if row[x] == '┌' || row[x] == '╔' {
				return x, y, true
			}
		}
	}
	return 0, 0, false
}

// innerRows counts the rows between a box's top and bottom border.
func innerRows(g [][]rune, x, y int) int {
	n := 0
	for r := y + 1; r < len(g); r++ {
		switch g[r][x] {
		case '│', '║':
			n++
		default:
			return n
		}
	}
	return n
}

// A replay can start anywhere (--at) and ends when its context does.
func TestReplayAtAndCancel(t *testing.T) {
	s := newTestScreen(80, 24)
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	app := NewApp(Options{Lang: narrate.English, Title: "cross-domain", Screen: s, At: 12})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Replay(ctx, loadTrace(t, "cross-domain.jsonl")) }()
	s.waitText(t, "event 12/21", "▶4 DNS MX")
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("replay: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the replay did not end with its context")
	}
}
