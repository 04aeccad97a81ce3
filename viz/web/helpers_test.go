package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startNetwork starts a built-in on ephemeral ports; edit may change the
// scenario first. The network stops when the test ends.
func startNetwork(t *testing.T, name string, edit func(*scenarios.Scenario)) *sim.Network {
	t.Helper()
	s, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(s)
	}
	n, err := sim.Start(s, sim.Options{Narrate: narrate.Func(narrate.English)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// played starts a built-in, plays its actions to the end and keeps the
// network running, as `mailflow up` does.
func played(t *testing.T, name string) *sim.Network {
	t.Helper()
	return playedWith(t, name, nil)
}

// playedWith is played with the scenario changed by edit first.
func playedWith(t *testing.T, name string, edit func(*scenarios.Scenario)) *sim.Network {
	t.Helper()
	n := startNetwork(t, name, edit)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := n.Play(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.WaitSettled(ctx); err != nil {
		t.Fatal(err)
	}
	n.StartDriver()
	return n
}

// serve puts the web view of n on a test server.
func serve(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	srv := New(cfg)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		srv.Close() // ends the event streams first, so ts.Close does not wait on them
		ts.Close()
	})
	return srv, ts
}

// call makes a request and decodes a JSON answer into out (when not nil),
// checking the status.
func call(t *testing.T, ts *httptest.Server, method, path, body string, want int, out any) http.Header {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d\n%s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("%s %s: Content-Type %q, want JSON", method, path, ct)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		if err := dec.Decode(out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, raw)
		}
	}
	return resp.Header
}

// wantError checks an error answer: its status and a JSON body that says
// the same status and a message.
func wantError(t *testing.T, ts *httptest.Server, method, path, body string, status int) APIError {
	t.Helper()
	var e APIError
	call(t, ts, method, path, body, status, &e)
	if e.Status != status || e.Message == "" {
		t.Errorf("%s %s: error body %+v, want status %d and a message", method, path, e, status)
	}
	return e
}

// await waits for an event of the network without sleeping.
func await(t *testing.T, n *sim.Network, what string, match func(event.Event) bool) event.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e, err := n.Bus.Wait(ctx, match)
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
	return e
}
