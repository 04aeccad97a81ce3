package web

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/event"
)

// chromium is where Debian's chromium package puts the browser; CI installs
// it with: apt-get install -y chromium
const chromium = "/usr/bin/chromium"

// browserLog collects what the page did that a test checks: every request
// it made, exceptions, console errors and Content-Security-Policy reports.
type browserLog struct {
	mu       sync.Mutex
	requests []string
	problems []string
}

func (b *browserLog) add(list *[]string, s string) {
	b.mu.Lock()
	*list = append(*list, s)
	b.mu.Unlock()
}

func (b *browserLog) snapshot() (requests, problems []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...), append([]string(nil), b.problems...)
}

// openBrowser starts headless Chromium with a fresh profile, or skips when
// there is none (fails instead with MAILFLOW_REQUIRE_CHROMIUM=1).
func openBrowser(t *testing.T) (context.Context, *browserLog) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("MAILFLOW_REQUIRE_CHROMIUM") == "1" {
			t.Fatalf("MAILFLOW_REQUIRE_CHROMIUM=1 but %s is missing: %v", chromium, err)
		}
		t.Skipf("no %s (apt-get install -y chromium), so the page is not tried in a browser: %v", chromium, err)
	}
	if testing.Short() {
		t.Skip("starting a browser is slow")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1050),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelTime()
		cancelTab()
		cancelAlloc()
	})
	bl := &browserLog{}
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			bl.add(&bl.requests, e.Request.URL)
		case *runtime.EventExceptionThrown:
			bl.add(&bl.problems, fmt.Sprintf("exception: %s %s:%d", e.ExceptionDetails.Text, e.ExceptionDetails.URL,
				e.ExceptionDetails.LineNumber+1))
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				bl.add(&bl.problems, "console: "+strings.Join(args, " "))
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || strings.Contains(e.Entry.Text, "Content Security Policy") {
				bl.add(&bl.problems, "log: "+e.Entry.Text+" "+e.Entry.URL)
			}
		}
	})
	if err == nil {
		_, err = chromedp.Call(ctx, network.Enable, network.EnableParams{})
	}
	if err == nil {
		_, err = chromedp.Call(ctx, log.Enable, cdp.Empty{})
	}
	if err == nil {
		_, err = chromedp.Call(ctx, runtime.Enable, cdp.Empty{})
	}
	if err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}
	return ctx, bl
}

// artifacts is where screenshots are kept: $MAILFLOW_ARTIFACTS (CI uploads
// it) or the test's temporary directory.
func artifacts(t *testing.T) string {
	if dir := os.Getenv("MAILFLOW_ARTIFACTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// until polls a JavaScript condition in the page (the browser re-checks it
// on every animation frame; nothing sleeps).
func until(cond string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(30*time.Second))
}

func jsText(ctx context.Context, t *testing.T, expr string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return s
}

func run(ctx context.Context, t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// The page in a real browser, on a run held before each step as `run
// --http` holds it: it loads with nothing from elsewhere, Step lets the
// cross-domain message go through all six steps to the mailbox, Back and
// the keys move through what happened, Vietnamese switches, and the other
// views show the mailbox and the monitor.
func TestPageInChromium(t *testing.T) {
	ctx, bl := openBrowser(t)
	n := startNetwork(t, "cross-domain", nil)
	gate := NewGate()
	n.Bus.SetGate(gate.Hold)
	_, ts := serve(t, Config{Network: n, Gate: gate})
	playCtx, stopPlay := context.WithTimeout(context.Background(), 2*time.Minute)
	defer stopPlay()
	finished := make(chan error, 1)
	go func() {
		err := n.Play(playCtx)
		if err == nil {
			err = n.WaitSettled(playCtx)
		}
		finished <- err
	}()
	defer func() {
		gate.Close()
		<-finished
	}()

	run(ctx, t, "load", chromedp.Navigate(ts.URL+"/?lang=en"), until(`document.body.dataset.ready === "true"`),
		until(`document.querySelector("#status").textContent.includes("waits before step 1")`))

	// Step lets each step happen; the strip and the envelope follow.
	for k := 1; k <= 6; k++ {
		run(ctx, t, "step", chromedp.Click(chromedp.ID("step-next")),
			until(`document.body.dataset.cursor === "`+itoa(k-1)+`"`),
			until(`document.querySelector('#strip [data-step="`+itoa(k)+`"]').dataset.state === "current"`))
		if k < 6 {
			if got := jsText(ctx, t, `document.querySelector('#strip [data-step="`+itoa(k+1)+`"]').dataset.state`); got != "none" {
				t.Errorf("after step %d, step %d shows %q before it happened", k, k+1, got)
			}
		}
	}
	run(ctx, t, "the envelope at rest", until(`document.querySelector('.envelope.current').getAnimations().length === 0`))
	// The envelope sits on bob's mailbox tray at mail.school.test.
	dx := jsText(ctx, t, `(() => {
		const e = document.querySelector('.envelope.current').getBoundingClientRect();
		const b = document.querySelector('[data-node="mail.school.test"] .tray').getBoundingClientRect();
		return String(Math.round(Math.abs((e.left + e.right) / 2 - (b.left + b.right) / 2)));
	})()`)
	if dx != "0" && dx != "1" {
		t.Errorf("the envelope is %s px from the mailbox tray", dx)
	}
	for k := 1; k <= 5; k++ {
		if got := jsText(ctx, t, `document.querySelector('#strip [data-step="`+itoa(k)+`"]').dataset.state`); got != "done" {
			t.Errorf("step %d: %q, want done", k, got)
		}
	}
	// The receiving host wears a badge of its verdicts on the sender.
	run(ctx, t, "auth badge", until(`document.querySelector('.auth-badge.pass[data-msg="m1"]') !== null`))
	if got := jsText(ctx, t, `document.querySelector('.auth-badge').textContent`); !strings.HasPrefix(got, "SPF pass · DKIM pass · DMARC pass") {
		t.Errorf("auth badge %q", got)
	}
	narration := jsText(ctx, t, `document.querySelector("#narration").textContent`)
	if !strings.Contains(narration, "files the message in bob@school.test's INBOX") {
		t.Errorf("narration at step 6: %q", narration)
	}

	// Back shows step 5 again, step 6 not yet happened; Step and the keys
	// move on and back.
	run(ctx, t, "back", chromedp.Click(chromedp.ID("step-back")), until(`document.body.dataset.cursor === "4"`),
		until(`document.querySelector('#strip [data-step="6"]').dataset.state === "none"`),
		until(`document.querySelector('#strip [data-step="5"]').dataset.state === "current"`))
	run(ctx, t, "keys", chromedp.KeyEvent(kb.ArrowRight), until(`document.body.dataset.cursor === "5"`),
		chromedp.KeyEvent("b"), until(`document.body.dataset.cursor === "4"`),
		chromedp.KeyEvent(" "), until(`document.body.dataset.cursor === "5"`))

	// Vietnamese: the page's words and the narration.
	run(ctx, t, "Vietnamese", chromedp.Click(chromedp.ID("lang")), until(`document.documentElement.lang === "vi"`),
		until(`document.querySelector('#strip [data-step="1"] .num').textContent === "Bước 1"`),
		until(`document.querySelector("#narration").textContent.includes("Bước 6")`),
		until(`location.search.includes("lang=vi")`))

	dir := artifacts(t)
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	checkScreenshot(t, shot)
	if err := os.WriteFile(filepath.Join(dir, "web-cross-domain.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}

	// The other views: the event list, bob's mailbox, the monitor.
	run(ctx, t, "events", chromedp.KeyEvent("2"), until(`document.querySelectorAll("#event-rows tr").length > 20`))
	var transcript, tlsEvent, authEvent int64
	for _, e := range n.Bus.History() {
		switch {
		case e.Kind == event.AuthResult && authEvent == 0:
			authEvent = e.Seq
		case e.Kind == event.SMTPTranscript && transcript == 0:
			transcript = e.Seq
		case e.Kind == event.SMTPTLS && e.TLS != nil && tlsEvent == 0:
			tlsEvent = e.Seq
		}
	}
	run(ctx, t, "inspector: dialogue", chromedp.Click(chromedp.CSS(`#event-rows tr[data-seq="`+strconv.FormatInt(transcript, 10)+`"]`)),
		until(`document.querySelector("#inspector").open && document.querySelector("#insp-body .transcript").textContent.includes("C: EHLO")`),
		chromedp.KeyEvent(kb.Escape), until(`!document.querySelector("#inspector").open`))
	run(ctx, t, "inspector: TLS", chromedp.Click(chromedp.CSS(`#event-rows tr[data-seq="`+strconv.FormatInt(tlsEvent, 10)+`"]`)),
		until(`document.querySelector("#insp-body").textContent.includes("TLS 1.3") && document.querySelector("#insp-body").textContent.includes("verified")`),
		chromedp.KeyEvent(kb.Escape), until(`!document.querySelector("#inspector").open`))
	run(ctx, t, "inspector: sender authentication", chromedp.Click(chromedp.CSS(`#event-rows tr[data-seq="`+strconv.FormatInt(authEvent, 10)+`"]`)),
		until(`document.querySelector("#insp-body").textContent.includes("Xác thực người gửi")`),
		until(`document.querySelector('#insp-body table.auth [data-auth="DMARC"] .verdict').textContent === "pass"`),
		until(`document.querySelector('#insp-body table.auth [data-auth="action"] .verdict').textContent === "nhận thư"`),
		chromedp.KeyEvent(kb.Escape), until(`!document.querySelector("#inspector").open`))
	run(ctx, t, "mailbox", chromedp.KeyEvent("3"), until(`document.querySelector('[data-user="bob@school.test"]') !== null`),
		chromedp.Click(chromedp.CSS(`[data-user="bob@school.test"]`)), until(`document.querySelector('#inbox tr[data-uid="1"]') !== null`),
		chromedp.Click(chromedp.CSS(`#inbox tr[data-uid="1"]`)),
		until(`document.querySelectorAll("#reader .received li").length === 2`))
	run(ctx, t, "monitor", chromedp.KeyEvent("4"), until(`document.querySelectorAll("#chart-rate polyline").length === 2`),
		until(`document.querySelector("#host-rows").textContent.includes("mail.school.test")`))
	if monitorShot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		os.WriteFile(filepath.Join(dir, "web-monitor.png"), monitorShot, 0o644)
	}

	requests, problems := bl.snapshot()
	if len(requests) < 5 {
		t.Errorf("only %d requests seen: %v", len(requests), requests)
	}
	for _, u := range requests {
		if !strings.HasPrefix(u, ts.URL+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("a request outside the server: %s", u)
		}
	}
	for _, p := range problems {
		t.Errorf("browser: %s", p)
	}
}

func checkScreenshot(t *testing.T, shot []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	colours := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[(r>>11)<<10|(g>>11)<<5|bl>>11] = true
		}
	}
	if b.Dx() < 1000 || len(colours) < 30 {
		t.Errorf("screenshot %v with %d colours: blank?", b, len(colours))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func mustAtoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPageShots draws the page of each built-in named in
// MAILFLOW_WEB_SHOTS (comma-separated) after a live run, into
// $MAILFLOW_ARTIFACTS: pictures for the docs and for a look at new
// scenarios. It does nothing otherwise.
func TestPageShots(t *testing.T) {
	names := os.Getenv("MAILFLOW_WEB_SHOTS")
	if names == "" {
		t.Skip("MAILFLOW_WEB_SHOTS names no scenario")
	}
	ctx, _ := openBrowser(t)
	dir := artifacts(t)
	for _, name := range strings.Split(names, ",") {
		// name[:vi][@stop]: in Vietnamese; shown at that stop, not at the end.
		name, at, _ := strings.Cut(name, "@")
		lang := "en"
		if l, ok := strings.CutSuffix(name, ":vi"); ok {
			name, lang = l, "vi"
		}
		n := played(t, name)
		_, ts := serve(t, Config{Network: n})
		run(ctx, t, name, chromedp.Navigate(ts.URL+"/?lang="+lang), until(`document.body.dataset.ready === "true"`),
			until(`Number(document.body.dataset.stops) > 0 && document.body.dataset.cursor === String(document.body.dataset.stops - 1)`))
		if at != "" {
			run(ctx, t, name+"@"+at, chromedp.KeyEvent(kb.Home), until(`document.body.dataset.cursor === "-1"`))
			for range mustAtoi(t, at) {
				run(ctx, t, "step", chromedp.KeyEvent(kb.ArrowRight))
			}
			run(ctx, t, "at "+at, until(`document.body.dataset.cursor === "`+strconv.Itoa(mustAtoi(t, at)-1)+`"`))
			name += "-at" + at
		}
		run(ctx, t, "at rest", until(`[...document.querySelectorAll('.envelope')].every((e) => e.getAnimations().length === 0)`))
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "web-"+name+"-"+lang+".png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The page stays usable while a thousand messages cross the network: the
// browser answers within a second all along, keeps up with the stream, and
// steps back through it afterwards.
func TestPageUnderLoad(t *testing.T) {
	ctx, bl := openBrowser(t)
	n := played(t, "cross-domain")
	_, ts := serve(t, Config{Network: n})
	run(ctx, t, "load", chromedp.Navigate(ts.URL+"/?lang=en"), until(`document.body.dataset.ready === "true"`))

	messages, workers := 1000, 8
	if raceDetector {
		messages = 250
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				s := &scenarios.Send{ID: fmt.Sprintf("load%d", i), From: "alice@example.test", To: []string{"bob@school.test"},
					Subject: fmt.Sprintf("Load %d", i), Body: "x"}
				if err := n.Submit(context.Background(), s); err != nil {
					t.Errorf("submit %d: %v", i, err)
				}
			}
		}()
	}
	sent := make(chan struct{})
	go func() {
		for i := range messages {
			work <- i
		}
		close(work)
		wg.Wait()
		close(sent)
	}()
	// While the messages go, the page answers promptly.
	slowest := time.Duration(0)
	for done := false; !done; {
		select {
		case <-sent:
			done = true
		default:
		}
		began := time.Now()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.dataset.stops`)); err != nil {
			t.Fatal(err)
		}
		slowest = max(slowest, time.Since(began))
	}
	for i := range messages {
		await(t, n, "the last filing", func(e event.Event) bool {
			return e.Kind == event.MailboxStore && e.Msg == fmt.Sprintf("load%d", i)
		})
	}
	last := n.Bus.Seq()
	began := time.Now()
	run(ctx, t, "caught up", until(`Number(document.body.dataset.lastseq) >= `+strconv.FormatInt(last, 10)))
	caughtUp := time.Since(began)
	t.Logf("%d messages, %d events: slowest answer of the page while they went %v; caught up %v after the last",
		messages, last, slowest, caughtUp)
	if slowest > 3*time.Second { // measured 0.1-0.8 s on two busy cores; a page that froze would take far longer
		t.Errorf("the page took %v to answer during the load", slowest)
	}
	run(ctx, t, "back through it", chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent(kb.ArrowLeft),
		until(`document.body.dataset.cursor === String(document.body.dataset.stops - 3)`),
		chromedp.KeyEvent("2"), until(`document.querySelectorAll("#event-rows tr").length === 400`))
	_, problems := bl.snapshot()
	for _, p := range problems {
		t.Errorf("browser: %s", p)
	}
}
