package tui

import (
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tmuxSession runs the real mailflow binary in a detached tmux session of
// 80×24 and reads its screen the way a class sees it.
type tmuxSession struct {
	t    *testing.T
	tmux string
	sock string
}

// buildMailflow builds the command into a temporary directory.
func buildMailflow(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mailflow")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/mailflow/mailflow/cmd/mailflow").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startTmux(t *testing.T, env []string, command ...string) *tmuxSession {
	t.Helper()
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not installed")
	}
	s := &tmuxSession{t: t, tmux: tmux, sock: filepath.Join(t.TempDir(), "tmux.sock")}
	// The shell tells how the program ended, below what it printed last.
	script := strings.Join(append(append([]string{"env", "LANG=C.UTF-8", "TERM=xterm"}, env...), command...), " ") +
		`; echo "exit status $?"; sleep 120`
	s.run("new-session", "-d", "-x", "80", "-y", "24", "-s", "mf", "sh", "-c", script)
	t.Cleanup(func() { exec.Command(s.tmux, "-S", s.sock, "kill-server").Run() })
	return s
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	cmd := exec.Command(s.tmux, append([]string{"-S", s.sock, "-f", "/dev/null"}, args...)...)
	// The server tmux starts may keep the pipes of the command that started
	// it: do not wait for them once the command itself has ended.
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.CombinedOutput()
	if errors.Is(err, exec.ErrWaitDelay) {
		err = nil
	}
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *tmuxSession) screen(escapes bool) string {
	if escapes {
		return s.run("capture-pane", "-p", "-e", "-t", "mf")
	}
	return s.run("capture-pane", "-p", "-t", "mf")
}

func (s *tmuxSession) keys(keys ...string) {
	s.run(append([]string{"send-keys", "-t", "mf"}, keys...)...)
}

// waitScreen polls the pane until it shows every want: a terminal in
// another process has no event to wait on.
func (s *tmuxSession) waitScreen(want ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		txt := s.screen(false)
		ok := true
		for _, w := range want {
			if !strings.Contains(txt, w) {
				ok = false
				break
			}
		}
		if ok {
			return txt
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q:\n%s", want, txt)
		}
		<-tick.C
	}
}

// colour matches an SGR sequence that sets a colour (not one that resets).
var colour = regexp.MustCompile(`\x1b\[(?:[0-9]+;)*(?:3[0-7]|9[0-7]|4[0-7]|10[0-7]|38;[25]|48;[25])[;m]`)

func TestTmuxDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives a terminal")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	bin := buildMailflow(t)
	s := startTmux(t, nil, bin, "demo", "--lang", "en")
	txt := s.waitScreen("⏸ next: Step 1 · client connects to its SMTP server")
	for _, pane := range []string{"Steps · m1", "Network", "▸ Log", "Transcript", "Messages", "q quit"} {
		if !strings.Contains(txt, pane) {
			t.Errorf("at 80×24 the screen lacks %q:\n%s", pane, txt)
		}
	}
	if lines := strings.Split(strings.TrimRight(txt, "\n"), "\n"); len(lines) != 24 {
		t.Errorf("the screen has %d lines, want 24", len(lines))
	}
	if !colour.MatchString(s.screen(true)) {
		t.Error("a terminal with colours should get them")
	}
	s.keys("Space")
	s.waitScreen("▶1 connect", "⏸ next: Step 2", "Step 1 · alice's mail client connects")
	s.keys("Right")
	s.waitScreen("✓1 connect", "▶2 hand over", "⏸ next: Step 3")
	s.keys("b")
	s.waitScreen("↩ history", "⏸ next: Step 2")
	for i := 0; i < 6; i++ {
		s.keys("Space")
	}
	s.waitScreen("✔ finished", "✓6 mailbox", "delivered")
	s.keys("q")
	// After the view closes, the outcome is printed as by 'mailflow run'.
	s.waitScreen("Outcome", "m1   delivered", "✔ steps", "exit status 0")
}

// NO_COLOR: the real terminal gets attributes, never colours; Vietnamese
// narration in the panes.
func TestTmuxNoColorVietnamese(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives a terminal")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	bin := buildMailflow(t)

	s := startTmux(t, []string{"NO_COLOR=1"}, bin, "run", "same-domain", "--tui", "--step", "--lang", "vi")
	s.waitScreen("⏸ tiếp theo: Bước 1", "Các bước", "Nhật ký", "Hội thoại")
	s.keys("Space")
	s.waitScreen("▶1 kết nối", "Bước 1 · máy khách thư của alice kết nối")
	if esc := s.screen(true); colour.MatchString(esc) {
		t.Errorf("colours under NO_COLOR: %q", colour.FindAllString(esc, 5))
	}
	// Quitting before the end is no failure.
	s.keys("q")
	s.waitScreen("exit status 0")
}

// faint matches the SGR of dim text or bright black, which fade on a
// projector.
var faint = regexp.MustCompile(`\x1b\[(?:[0-9]+;)*(?:2|90|38;5;8)[;m]`)

// --theme light: dark text on a white background in a real 256-colour
// terminal, and in neither theme anything faint.
func TestTmuxThemes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives a terminal")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	bin := buildMailflow(t)
	white := regexp.MustCompile(`\x1b\[(?:[0-9;]*;)?(?:107|48;5;(?:15|231)|48;2;255;255;255)[;m]`)
	for _, theme := range []string{"dark", "light"} {
		s := startTmux(t, []string{"TERM=xterm-256color"}, bin, "demo", "--lang", "en", "--theme", theme)
		s.waitScreen("⏸ next: Step 1")
		s.keys("Space")
		s.waitScreen("▶1 connect")
		esc := s.screen(true)
		if f := faint.FindAllString(esc, 3); len(f) > 0 {
			t.Errorf("%s theme: faint text %q", theme, f)
		}
		if got := white.MatchString(esc); got != (theme == "light") {
			t.Errorf("%s theme: white background %v", theme, got)
		}
		s.keys("q")
		s.waitScreen("exit status 0")
	}
}
