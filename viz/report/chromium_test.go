package report

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromium is where Debian's chromium package puts the browser; CI installs
// it with: apt-get install -y chromium
const chromium = "/usr/bin/chromium"

// headless runs the browser on a file with the flags that work in a
// container, returning its standard output and error.
func headless(t *testing.T, file string, extra ...string) (stdout, stderr []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--window-size=1280,2000",
	}
	args = append(append(args, extra...), "file://"+file)
	cmd := exec.CommandContext(ctx, chromium, args...)
	cmd.WaitDelay = 10 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", extra, err, errb.Bytes())
	}
	return out.Bytes(), errb.Bytes()
}

// The report opens in a real browser without errors: it renders to a
// screenshot that is not blank, its DOM holds the pictures, and the
// console stays silent (the page's Content-Security-Policy would log any
// attempt to load something from outside).
func TestReportInChromium(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		// CI installs the browser and sets MAILFLOW_REQUIRE_CHROMIUM=1
		// (.ci/run), so a missing browser there fails instead of passing
		// unseen.
		msg := fmt.Sprintf("NO BROWSER: the report is not checked in Chromium: no %s (apt-get install -y chromium): %v", chromium, err)
		if os.Getenv("MAILFLOW_REQUIRE_CHROMIUM") == "1" {
			t.Fatal(msg + "; MAILFLOW_REQUIRE_CHROMIUM=1 requires it")
		}
		t.Skip(msg)
	}
	if testing.Short() {
		t.Skip("starting a browser is slow")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := Save(page, readTrace(t, "retry-bounce"), Options{}); err != nil {
		t.Fatal(err)
	}

	shot := filepath.Join(dir, "shot.png")
	headless(t, page, "--screenshot="+shot)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 2000 {
		t.Errorf("screenshot is %v, want 1280x2000", b)
	}
	// A rendered page has many colours; a blank or error page has few.
	colours := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[(r>>11)<<10|(g>>11)<<5|bl>>11] = true
		}
	}
	if len(colours) < 50 {
		t.Errorf("screenshot has %d colours: blank?", len(colours))
	}
	if os.Getenv("MAILFLOW_KEEP_SHOT") != "" {
		_ = os.WriteFile(os.Getenv("MAILFLOW_KEEP_SHOT"), mustRead(t, shot), 0o644)
	}

	dom, logs := headless(t, page, "--dump-dom", "--enable-logging=stderr", "--v=0")
	for _, want := range []string{"mailflow report: retry-bounce", "<svg", "failed 550 5.1.1", "Transcripts"} {
		if !strings.Contains(string(dom), want) {
			t.Errorf("the browser's DOM lacks %q", want)
		}
	}
	for _, line := range strings.Split(string(logs), "\n") {
		if strings.Contains(line, ":CONSOLE") || strings.Contains(line, "Refused to") {
			t.Errorf("browser console: %s", line)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
