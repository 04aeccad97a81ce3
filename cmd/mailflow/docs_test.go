package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The documentation is checked against the program, as a reader meets it:
// the README's tour runs as printed, and every sample output and picture in
// README.md and docs/ is what the commands print and draw today.
//
// A generated part of a page is an HTML comment naming a shell command,
// followed by a fenced block with the command's output, or by the picture
// the command draws:
//
//	<!-- make docs: mailflow run cross-domain -->
//	```text
//	...
//	```
//
//	<!-- make docs: mailflow run cross-domain --plot docs/img/cross-domain.png -->
//	![...](docs/img/cross-domain.png)
//
// Commands run with bash from the top of a scratch copy of README.md and
// docs/, with this package's mailflow on PATH (see TestMain). `make docs`
// rewrites the generated parts: go test ./cmd/mailflow -run TestDocs -update.

var update = flag.Bool("update", false, "rewrite the generated parts of README.md and docs/ (make docs)")

const repoRoot = "../.."

var generatedRe = regexp.MustCompile(`^<!-- make docs: (.+) -->$`)

// generated is one generated part of a page.
type generated struct {
	page    string // relative to the repository
	command string
	line    int    // of the comment, 1-based
	start   int    // lines[start:end] hold a fenced block's content
	end     int    // 0 for a picture
	picture string // relative to the repository, for a picture
}

// pages lists README.md and the Markdown files under docs/, relative to
// the repository.
func pages(t *testing.T) []string {
	t.Helper()
	list := []string{"README.md"}
	err := filepath.WalkDir(filepath.Join(repoRoot, "docs"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			rel, _ := filepath.Rel(repoRoot, p)
			list = append(list, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// findGenerated lists the generated parts of one page's lines.
func findGenerated(t *testing.T, page string, lines []string) []generated {
	t.Helper()
	var out []generated
	for i, l := range lines {
		m := generatedRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		g := generated{page: page, command: m[1], line: i + 1}
		next := i + 1
		for next < len(lines) && strings.TrimSpace(lines[next]) == "" {
			next++
		}
		switch {
		case next < len(lines) && strings.HasPrefix(lines[next], "```"):
			g.start = next + 1
			g.end = g.start
			for g.end < len(lines) && !strings.HasPrefix(lines[g.end], "```") {
				g.end++
			}
			if g.end == len(lines) {
				t.Fatalf("%s:%d: the block after the command is not closed", page, g.line)
			}
		case next < len(lines) && strings.HasPrefix(lines[next], "!["):
			link := regexp.MustCompile(`\]\(([^)\s]+)`).FindStringSubmatch(lines[next])
			if link == nil {
				t.Fatalf("%s:%d: no picture link in %q", page, next+1, lines[next])
			}
			g.picture = filepath.ToSlash(filepath.Join(filepath.Dir(page), link[1]))
		default:
			t.Fatalf("%s:%d: a generated part needs a fenced block or a picture after the comment", page, g.line)
		}
		out = append(out, g)
	}
	return out
}

// scratchCopy copies README.md and docs/ into a new directory, where the
// commands may write what they like.
func scratchCopy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyFile := func(from, to string) {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(filepath.Join(repoRoot, "README.md"), filepath.Join(dir, "README.md"))
	err := filepath.WalkDir(filepath.Join(repoRoot, "docs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(repoRoot, p)
		copyFile(p, filepath.Join(dir, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// shellEnv is the environment the documented commands run in: English
// narration unless a command asks for another language, no colours, and
// under the race detector a plain mailflow first on PATH.
func shellEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if k == "LANG" || k == "LANGUAGE" || strings.HasPrefix(k, "LC_") || k == "MAILFLOW_LANG" {
			continue
		}
		if k == "PATH" && plain.dir != "" {
			kv = "PATH=" + plain.dir + string(os.PathListSeparator) + v
		}
		env = append(env, kv)
	}
	return append(env, "LANG=C.UTF-8", "NO_COLOR=1")
}

// plain is a mailflow built without the race detector. The documentation
// tests run hundreds of commands; a race-enabled binary (the test binary
// TestMain puts on PATH under go test -race) takes a second to start each
// time, and what these tests check is the documentation, not data races.
var plain struct {
	once sync.Once
	dir  string
	err  error
}

// usePlainBinary builds the plain mailflow once, when the tests run with
// the race detector.
func usePlainBinary(t *testing.T) {
	t.Helper()
	if !raceEnabled {
		return
	}
	plain.once.Do(func() {
		dir, err := os.MkdirTemp("", "mailflow-docs-")
		if err != nil {
			plain.err = err
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "mailflow"), ".")
		cmd.Env = append(os.Environ(), "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			plain.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		plain.dir = dir
	})
	if plain.err != nil {
		t.Fatal(plain.err)
	}
}

func removePlainBinary() {
	if plain.dir != "" {
		os.RemoveAll(plain.dir)
	}
}

// shell runs one documented command line with bash in dir, with no
// terminal and nothing on standard input.
func shell(ctx context.Context, dir, line string) (stdout, stderr []byte, err error) {
	cmd := shellCommand(ctx, dir, line)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.Bytes(), errb.Bytes(), err
}

// shellCommand prepares bash -c line in its own process group. When ctx
// ends first, every process of the group gets SIGQUIT, so that a stuck
// mailflow prints its goroutines into the failure message before it dies.
func shellCommand(ctx context.Context, dir, line string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "bash", "-c", line)
	cmd.Dir = dir
	cmd.Env = shellEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGQUIT) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// TestDocsGenerated checks (or with -update rewrites) every generated part
// of README.md and docs/.
func TestDocsGenerated(t *testing.T) {
	usePlainBinary(t)
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatalf("the documented commands need bash: %v", err)
	}
	dir := scratchCopy(t)
	ran := map[string]bool{}
	found := 0
	for _, page := range pages(t) {
		src, err := os.ReadFile(filepath.Join(repoRoot, page))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(src), "\n")
		parts := findGenerated(t, page, lines)
		found += len(parts)
		// From the last part back, so that replacing a block keeps the
		// line numbers of the parts before it.
		changed := false
		for i := len(parts) - 1; i >= 0; i-- {
			g := parts[i]
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			var out, errb []byte
			if !(g.picture != "" && ran[g.command]) {
				if g.picture != "" { // the command must draw it anew
					os.Remove(filepath.Join(dir, g.picture))
				}
				out, errb, err = shell(ctx, dir, g.command)
			}
			cancel()
			if err != nil {
				t.Errorf("%s:%d: %s: %v\n%s", page, g.line, g.command, err, errb)
				continue
			}
			ran[g.command] = true
			if g.picture != "" {
				checkPicture(t, dir, g)
				continue
			}
			want := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
			have := lines[g.start:g.end]
			if strings.Join(have, "\n") == strings.Join(want, "\n") {
				continue
			}
			if *update {
				lines = append(lines[:g.start], append(want, lines[g.end:]...)...)
				changed = true
				continue
			}
			t.Errorf("%s:%d: the output of %q has changed; run: make docs\n%s", page, g.line, g.command, firstDifference(have, want))
		}
		if changed {
			if err := os.WriteFile(filepath.Join(repoRoot, page), []byte(strings.Join(lines, "\n")), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("rewrote %s", page)
		}
	}
	if found < 4 {
		t.Errorf("only %d generated parts found in README.md and docs/", found)
	}
}

// checkPicture compares the picture the command drew in the scratch copy
// with the one in the repository, or copies it there with -update.
func checkPicture(t *testing.T, dir string, g generated) {
	t.Helper()
	drawn, err := os.ReadFile(filepath.Join(dir, g.picture))
	if err != nil {
		t.Errorf("%s:%d: %q did not draw %s: %v", g.page, g.line, g.command, g.picture, err)
		return
	}
	repo := filepath.Join(repoRoot, g.picture)
	have, _ := os.ReadFile(repo)
	if bytes.Equal(have, drawn) {
		return
	}
	if *update {
		if err := os.WriteFile(repo, drawn, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("redrew %s", g.picture)
		return
	}
	t.Errorf("%s:%d: %s is not what %q draws today; run: make docs", g.page, g.line, g.picture, g.command)
}

// firstDifference shows where two versions of a block part.
func firstDifference(have, want []string) string {
	for i := 0; i < len(have) || i < len(want); i++ {
		var h, w string
		if i < len(have) {
			h = have[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if h != w {
			return fmt.Sprintf("line %d\n  page:    %q\n  command: %q", i+1, h, w)
		}
	}
	return ""
}

// tourCommands lists the command lines of the ```sh blocks in the README's
// section "A short tour", in order.
func tourCommands(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	inTour, inBlock := false, false
	for _, l := range strings.Split(string(src), "\n") {
		switch {
		case strings.HasPrefix(l, "## "):
			inTour = l == "## A short tour"
		case inTour && !inBlock && l == "```sh":
			inBlock = true
		case inBlock && strings.HasPrefix(l, "```"):
			inBlock = false
		case inBlock && strings.TrimSpace(l) != "" && !strings.HasPrefix(strings.TrimSpace(l), "#"):
			cmds = append(cmds, l)
		}
	}
	return cmds
}

// The README's tour runs as printed, in order, in a fresh directory holding
// what a clone holds of README.md and docs/: every command exits 0.
// `mailflow up` keeps running until Ctrl-C, so it gets an interrupt once
// it says the servers are up.
func TestReadmeTour(t *testing.T) {
	usePlainBinary(t)
	cmds := tourCommands(t)
	if len(cmds) < 10 {
		t.Fatalf("the tour has %d commands; is the section still called \"A short tour\"?", len(cmds))
	}
	dir := scratchCopy(t)
	for _, line := range cmds {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		var out, errb []byte
		var err error
		if strings.HasPrefix(line, "mailflow up ") {
			out, errb, err = untilInterrupt(ctx, dir, line, "Press Ctrl-C to stop.")
		} else {
			out, errb, err = shell(ctx, dir, line)
		}
		cancel()
		if err != nil {
			t.Errorf("README tour: %s\n  %v\n%s%s", line, err, tail(out), tail(errb))
		}
	}
}

// untilInterrupt runs a command that serves until Ctrl-C, waits for it to
// print ready, then interrupts it as a user would.
func untilInterrupt(ctx context.Context, dir, line, ready string) (stdout, stderr []byte, err error) {
	cmd := shellCommand(ctx, dir, "exec "+line)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	var out bytes.Buffer
	buf := make([]byte, 4096)
	for !strings.Contains(out.String(), ready) {
		n, rerr := pipe.Read(buf)
		out.Write(buf[:n])
		if rerr != nil {
			cmd.Wait()
			return out.Bytes(), errb.Bytes(), fmt.Errorf("ended before saying %q: %v", ready, rerr)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		return out.Bytes(), errb.Bytes(), err
	}
	rest, _ := readAll(pipe)
	out.Write(rest)
	err = cmd.Wait()
	return out.Bytes(), errb.Bytes(), err
}

func readAll(r interface{ Read([]byte) (int, error) }) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(r)
	return b.Bytes(), err
}

// tail keeps the end of a command's output for a failure message.
func tail(b []byte) string {
	const max = 20000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}
