package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// getJSON fetches a URL of the web API and decodes it.
func getJSON(t *testing.T, method, url, body string, out any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("%s: %v\n%s", url, err, raw)
	}
}

type messageList struct {
	Messages []struct {
		ID    string `json:"id"`
		State string `json:"state"`
		Steps []int  `json:"steps"`
	} `json:"messages"`
}

func TestUpServesTheWebView(t *testing.T) {
	ep, out, _ := startUpWith(t, "cross-domain", upOptions{quiet: true, web: webFlags{addr: "127.0.0.1:0"}})
	if !strings.HasPrefix(ep.HTTP, "http://127.0.0.1:") || !strings.Contains(out.String(), "Web view and API: "+ep.HTTP) {
		t.Fatalf("endpoints http %q; output:\n%s", ep.HTTP, out.String())
	}
	var list messageList
	getJSON(t, "GET", ep.HTTP+"api/messages?state=delivered", "", &list)
	if len(list.Messages) != 1 || list.Messages[0].ID != "m1" {
		t.Errorf("delivered messages: %+v", list)
	}
	http.DefaultClient.CloseIdleConnections()
}

func TestHTTPOnlyOnLoopback(t *testing.T) {
	err := runScenario(context.Background(), io.Discard, "same-domain",
		runOptions{format: "text", timeout: time.Minute, web: webFlags{addr: "0.0.0.0:0"}})
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitBadInput || !strings.Contains(err.Error(), "--http-allow-remote") {
		t.Errorf("run --http 0.0.0.0:0: %v", err)
	}
}

func TestRunHTTPWaitsForThePage(t *testing.T) {
	out := &syncBuffer{}
	urls := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	o := runOptions{format: "text", timeout: time.Minute, web: webFlags{addr: "127.0.0.1:0"},
		webReady: func(u string) { urls <- u }}
	go func() { done <- runScenario(ctx, out, "cross-domain", o) }()
	var url string
	select {
	case url = <-urls:
	case err := <-done:
		t.Fatalf("run ended early: %v\n%s", err, out.String())
	}
	var control struct {
		Mode    string `json:"mode"`
		Waiting *struct {
			Step int    `json:"step"`
			Msg  string `json:"msg"`
		} `json:"waiting"`
	}
	// The run waits before step 1 until the page lets it go.
	var page struct {
		Events []struct {
			Kind string `json:"kind"`
		} `json:"events"`
	}
	getJSON(t, "GET", url+"api/events?step=1", "", &page)
	getJSON(t, "GET", url+"api/control", "", &control)
	if control.Mode != "step" || len(page.Events) != 0 {
		t.Errorf("control %+v, step 1 events before the page let it go: %+v", control, page.Events)
	}
	getJSON(t, "POST", url+"api/control", `{"action":"play","interval_ms":0}`, &control)
	getJSON(t, "GET", url+"api/events?kind=run.summary&wait=30", "", &page)
	if len(page.Events) != 1 {
		t.Fatalf("no summary: %+v", page)
	}
	var list messageList
	getJSON(t, "GET", url+"api/messages", "", &list)
	if len(list.Messages) != 1 || list.Messages[0].State != "delivered" || len(list.Messages[0].Steps) != 6 {
		t.Errorf("messages: %+v", list)
	}
	http.DefaultClient.CloseIdleConnections()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Web view: "+url) || !strings.Contains(out.String(), "Step 6") {
		t.Errorf("output:\n%s", out.String())
	}
}
