package tui

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"go.uber.org/goleak"

	"github.com/mailflow/mailflow/sim/event"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testScreen is tcell's simulation screen at a fixed size that says when a
// frame is shown, so tests wait for frames instead of sleeping.
type testScreen struct {
	tcell.SimulationScreen
	w, h   int
	shown  chan struct{}
	inited bool

	mu    sync.Mutex
	cells []tcell.SimCell // what the last frame showed
	// onShow, when set, runs in the view's goroutine at every frame.
	onShow func()
}

func newTestScreen(w, h int) *testScreen {
	return &testScreen{SimulationScreen: tcell.NewSimulationScreen("UTF-8"), w: w, h: h,
		shown: make(chan struct{}, 1)}
}

// Init sets the screen up once: tests do it before the view starts, so
// keys can be injected at once; the view's own Init is then a no-op.
func (s *testScreen) Init() error {
	if s.inited {
		return nil
	}
	s.inited = true
	if err := s.SimulationScreen.Init(); err != nil {
		return err
	}
	s.SetSize(s.w, s.h)
	return nil
}

// Show keeps a copy of the frame: the simulation screen's own cells are
// rewritten by the next frame while a test reads them.
func (s *testScreen) Show() {
	if s.onShow != nil {
		s.onShow()
	}
	s.SimulationScreen.Show()
	cells, _, _ := s.SimulationScreen.GetContents()
	snap := make([]tcell.SimCell, len(cells))
	for i, c := range cells {
		snap[i] = tcell.SimCell{Style: c.Style, Runes: append([]rune(nil), c.Runes...)}
	}
	s.mu.Lock()
	s.cells = snap
	s.mu.Unlock()
	select {
	case s.shown <- struct{}{}:
	default:
	}
}

// GetContents returns the last frame shown.
func (s *testScreen) GetContents() ([]tcell.SimCell, int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cells == nil {
		return make([]tcell.SimCell, s.w*s.h), s.w, s.h
	}
	return s.cells, s.w, s.h
}

// text is the screen as lines of text.
func (s *testScreen) text() string {
	cells, w, h := s.GetContents()
	var b strings.Builder
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := cells[y*w+x]
			if len(c.Runes) == 0 {
				continue // the second cell of a wide character
			}
			b.WriteString(string(c.Runes))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// row returns screen line y.
func (s *testScreen) row(y int) string { return strings.Split(s.text(), "\n")[y] }

// waitFor waits for a frame whose text satisfies ok.
func (s *testScreen) waitFor(t *testing.T, what string, ok func(string) bool) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if txt := s.text(); ok(txt) {
			return txt
		}
		select {
		case <-s.shown:
		case <-deadline:
			t.Fatalf("timed out waiting for %s; screen:\n%s", what, s.text())
		}
	}
}

func (s *testScreen) waitText(t *testing.T, want ...string) string {
	t.Helper()
	return s.waitFor(t, strings.Join(want, " & "), func(txt string) bool {
		for _, w := range want {
			if !strings.Contains(txt, w) {
				return false
			}
		}
		return true
	})
}

func (s *testScreen) key(k tcell.Key) { s.InjectKey(k, 0, tcell.ModNone) }

func (s *testScreen) rune(r rune) { s.InjectKey(tcell.KeyRune, r, tcell.ModNone) }

func loadTrace(t *testing.T, name string) []event.Event {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	evs, err := event.ReadTrace(f)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// startReplay runs a replay on a test screen; the returned function quits
// it and waits for it to end.
func startReplay(t *testing.T, opts Options, events []event.Event) (*testScreen, func()) {
	t.Helper()
	s := newTestScreen(80, 24)
	if opts.Screen != nil {
		s = opts.Screen.(*testScreen)
	}
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	opts.Screen = s
	app := NewApp(opts)
	done := make(chan error, 1)
	go func() { done <- app.Replay(context.Background(), events) }()
	stop := func() {
		s.rune('q')
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("replay: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the view did not quit")
		}
	}
	return s, stop
}

// plain strips style and region tags, as the screen shows the text.
func plain(s string) string {
	return tview.NewTextView().SetDynamicColors(true).SetRegions(true).SetText(s).GetText(true)
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
