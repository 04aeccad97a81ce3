package web

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/topology"
)

func serviceOf(name string) topology.Service { return topology.Service(name) }

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sseMessage is one Server-Sent Event.
type sseMessage struct {
	id, kind, data string
}

// openStream reads an event stream in the background; messages arrive on
// the channel, which closes when the stream ends.
func openStream(t *testing.T, ts *httptest.Server, query, lastID string) <-chan sseMessage {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/api/events/stream"+query, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" {
		cancel()
		resp.Body.Close()
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan sseMessage, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var m sseMessage
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if m.data != "" {
					select {
					case out <- m:
					case <-ctx.Done():
						return
					}
				}
				m = sseMessage{}
			case strings.HasPrefix(line, "id: "):
				m.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				m.kind = line[7:]
			case strings.HasPrefix(line, "data: "):
				m.data = line[6:]
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		<-done
	})
	return out
}

// next returns the next stream message that satisfies keep.
func next(t *testing.T, ch <-chan sseMessage, what string, keep func(sseMessage) bool) sseMessage {
	t.Helper()
	timeout := time.NewTimer(30 * time.Second) // a guard against a hang, not a wait
	defer timeout.Stop()
	var skipped []string // the last messages passed over, to tell what came instead
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				t.Fatalf("stream ended before %s; last seen %q", what, skipped)
			}
			if keep(m) {
				return m
			}
			skipped = append(skipped, m.kind+" "+m.data[:min(len(m.data), 160)])
			if len(skipped) > 5 {
				skipped = skipped[1:]
			}
		case <-timeout.C:
			t.Fatalf("no %s on the stream; last seen %q", what, skipped)
		}
	}
}

func decodeEvent(t *testing.T, m sseMessage) event.Event {
	t.Helper()
	var e event.Event
	if err := json.Unmarshal([]byte(m.data), &e); err != nil {
		t.Fatalf("event data: %v\n%s", err, m.data)
	}
	if strconv.FormatInt(e.Seq, 10) != m.id {
		t.Errorf("id %s for event %d", m.id, e.Seq)
	}
	return e
}

func TestEventsPagesAndFilters(t *testing.T) {
	n := played(t, "cross-domain")
	_, ts := serve(t, Config{Network: n})
	history := n.Bus.History()

	var p EventPage
	call(t, ts, "GET", "/api/events?limit=5", "", 200, &p)
	if len(p.Events) != 5 || p.Events[0].Seq != 1 || p.Last != 5 || p.Latest != int64(len(history)) {
		t.Fatalf("first page: %d events, last %d, latest %d", len(p.Events), p.Last, p.Latest)
	}
	var all []event.Event
	after := int64(0)
	var stops []int64
	for {
		var page EventPage
		call(t, ts, "GET", "/api/events?limit=7&after="+strconv.FormatInt(after, 10), "", 200, &page)
		if len(page.Events) == 0 {
			break
		}
		all = append(all, page.Events...)
		stops = append(stops, page.Stops...)
		after = page.Last
	}
	if len(all) != len(history) {
		t.Fatalf("paged %d events, the bus has %d", len(all), len(history))
	}
	for i := range all {
		if all[i].Seq != history[i].Seq || all[i].Kind != history[i].Kind || all[i].Text != history[i].Text {
			t.Fatalf("event %d: %+v, bus %+v", i, all[i], history[i])
		}
	}
	// One stop per step of m1, at the event that starts it.
	var stopSteps []int
	for _, seq := range stops {
		stopSteps = append(stopSteps, history[seq-1].Step)
	}
	if !slices.Equal(stopSteps, []int{1, 2, 3, 4, 5, 6}) || history[stops[0]-1].Kind != event.SMTPConnect {
		t.Errorf("stops at steps %v (first %s)", stopSteps, history[stops[0]-1].Kind)
	}

	var dns EventPage
	call(t, ts, "GET", "/api/events?msg=m1&step=4&kind=dns", "", 200, &dns)
	if len(dns.Events) != 4 {
		t.Errorf("m1's DNS events: %d", len(dns.Events))
	}
	for _, e := range dns.Events {
		if e.Step != 4 || !strings.HasPrefix(string(e.Kind), "dns.") {
			t.Errorf("filtered: %+v", e)
		}
	}
	var host EventPage
	call(t, ts, "GET", "/api/events?host=mail.school.test&kind=mailbox.store", "", 200, &host)
	if len(host.Events) != 1 || host.Events[0].UID != 1 {
		t.Errorf("mailbox.store at mail.school.test: %+v", host.Events)
	}
	for _, bad := range []string{"after=-1", "after=x", "limit=0", "limit=99999", "step=7", "wait=61", "lang=de"} {
		wantError(t, ts, "GET", "/api/events?"+bad, "", 400)
	}
}

func TestEventsLongPoll(t *testing.T) {
	n := played(t, "same-domain")
	_, ts := serve(t, Config{Network: n})
	latest := n.Bus.Seq()
	got := make(chan EventPage, 1)
	go func() {
		var p EventPage
		call(t, ts, "GET", "/api/events?wait=30&after="+strconv.FormatInt(latest, 10), "", 200, &p)
		got <- p
	}()
	// The poll is waiting (nothing after latest); an event ends it.
	n.Bus.Publish(event.Event{Kind: event.FaultInjected, Host: "dns", Error: "a test's event"})
	p := <-got
	if len(p.Events) != 1 || p.Events[0].Seq != latest+1 || p.Events[0].Error != "a test's event" {
		t.Errorf("long poll: %+v", p)
	}
}

func TestStreamResumesAfterLastEventID(t *testing.T) {
	n := played(t, "cross-domain")
	_, ts := serve(t, Config{Network: n})
	history := n.Bus.History()

	ch := openStream(t, ts, "", "10")
	ctl := next(t, ch, "the control state", func(m sseMessage) bool { return m.kind == "control" })
	if !strings.Contains(ctl.data, `"mode":"live"`) {
		t.Errorf("control: %s", ctl.data)
	}
	first := decodeEvent(t, next(t, ch, "an event", func(m sseMessage) bool { return m.id != "" }))
	if first.Seq != 11 {
		t.Errorf("resumed at %d, want 11", first.Seq)
	}
	step := next(t, ch, "a step", func(m sseMessage) bool { return m.kind == "stop" })
	if e := decodeEvent(t, step); e.Kind != event.SMTPConnect || e.Step != 1 {
		t.Errorf("first stop: %+v", e)
	}
	last := next(t, ch, "the last event", func(m sseMessage) bool { return m.id == strconv.Itoa(len(history)) })
	_ = last
	// A new event reaches a stream that has caught up.
	n.Bus.Publish(event.Event{Kind: event.FaultInjected, Host: "dns", Error: "after the end"})
	e := decodeEvent(t, next(t, ch, "the new event", func(m sseMessage) bool { return m.id != "" }))
	if e.Error != "after the end" {
		t.Errorf("new event: %+v", e)
	}

	// Filters and languages apply to the stream too.
	vi := openStream(t, ts, "?lang=vi&kind=mailbox.store", "")
	store := decodeEvent(t, next(t, vi, "the filing", func(m sseMessage) bool { return m.id != "" }))
	if store.Kind != event.MailboxStore || !strings.HasPrefix(store.Text, "Bước 6") {
		t.Errorf("filtered Vietnamese stream: %+v", store)
	}
	wantError(t, ts, "GET", "/api/events/stream?after=x", "", 400)
}
