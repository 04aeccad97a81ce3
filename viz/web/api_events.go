package web

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
)

// eventFilter is the query of /api/events and its stream.
type eventFilter struct {
	msg, kind, host string
	step            int // -1: any
	lang            narrate.Lang
}

func (s *Server) filterOf(r *http.Request) (eventFilter, string) {
	q := r.URL.Query()
	f := eventFilter{msg: q.Get("msg"), kind: q.Get("kind"), host: q.Get("host"), step: -1}
	if v := q.Get("step"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 6 {
			return f, "step must be a number from 0 to 6"
		}
		f.step = n
	}
	lang, ok := s.langOf(r)
	if !ok {
		return f, "lang must be en or vi"
	}
	f.lang = lang
	return f, ""
}

func (f eventFilter) match(e event.Event) bool {
	return (f.msg == "" || e.Msg == f.msg) && (f.host == "" || strings.EqualFold(e.Actor, f.host) || strings.EqualFold(e.Host, f.host)) &&
		(f.step < 0 || e.Step == f.step) &&
		(f.kind == "" || string(e.Kind) == f.kind || strings.HasPrefix(string(e.Kind), f.kind+"."))
}

// EventPage is one answer of /api/events.
type EventPage struct {
	Events []event.Event `json:"events"`
	// Stops lists the sequence numbers of the events step-through stops
	// before: each step a message starts, and the event after a failure
	// (the classroom view's rule, tui.Stops).
	Stops []int64 `json:"stops"`
	// Last is the sequence number to pass as after= for the next page.
	Last int64 `json:"last"`
	// Latest is the newest event's sequence number.
	Latest int64 `json:"latest"`
}

// maxPage bounds one page of events.
const maxPage = 5000

func parseAfter(v string) (int64, bool) {
	if v == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil && n >= 0
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	f, bad := s.filterOf(r)
	if bad != "" {
		writeError(w, http.StatusBadRequest, bad)
		return
	}
	q := r.URL.Query()
	after, ok := parseAfter(q.Get("after"))
	if !ok {
		writeError(w, http.StatusBadRequest, "after must be an event sequence number (0 or more)")
		return
	}
	limit := 1000
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPage {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit must be from 1 to %d", maxPage))
			return
		}
		limit = n
	}
	var wait time.Duration
	if v := q.Get("wait"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 60 {
			writeError(w, http.StatusBadRequest, "wait must be a number of seconds from 0 to 60")
			return
		}
		wait = time.Duration(n) * time.Second
	}
	page := EventPage{Events: []event.Event{}, Stops: []int64{}, Last: after}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		events, stops, changed := s.idx.after(page.Last, maxPage)
		for i, e := range events {
			if len(page.Events) == limit {
				break
			}
			page.Last = e.Seq
			if !f.match(e) {
				continue
			}
			page.Events = append(page.Events, s.narrated(e, f.lang))
			if stops[i] {
				page.Stops = append(page.Stops, e.Seq)
			}
		}
		if len(page.Events) > 0 {
			break
		}
		if len(events) > 0 {
			continue // a whole chunk filtered out: read on
		}
		if wait == 0 {
			break
		}
		select { // long poll: wait for the next event
		case <-changed:
		case <-deadline.C:
			wait = 0
		case <-r.Context().Done():
			return
		case <-s.done:
			wait = 0
		}
	}
	page.Latest = s.idx.last()
	writeJSON(w, http.StatusOK, page)
}

// streamBatch is how many events the stream writes between flushes.
const streamBatch = 500

// keepAlive is how often an idle stream sends a comment, so that proxies
// and browsers keep it open.
const keepAlive = 15 * time.Second

// stream sends events as Server-Sent Events: "stop" for an event that
// step-through stops before, "event" for the others, each with its sequence number as
// id, so a reconnecting EventSource resumes after Last-Event-ID; "control"
// when the step gate changes.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	f, bad := s.filterOf(r)
	if bad != "" {
		writeError(w, http.StatusBadRequest, bad)
		return
	}
	after, ok := parseAfter(r.URL.Query().Get("after"))
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		after, ok = parseAfter(id)
	}
	if !ok {
		writeError(w, http.StatusBadRequest, "after and Last-Event-ID must be an event sequence number (0 or more)")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	bw := bufio.NewWriterSize(w, 32<<10)
	send := func() bool { return bw.Flush() == nil && rc.Flush() == nil }

	fmt.Fprint(bw, "retry: 2000\n\n")
	// The control state is read before the events: every event published
	// before the world was held is in the index by then, so the stream tells
	// of a hold only after the events that led to it.
	var lastControl []byte
	control := func(b []byte) {
		if string(b) != string(lastControl) {
			lastControl = b
			fmt.Fprintf(bw, "event: control\ndata: %s\n\n", b)
		}
	}
	state := func() []byte {
		b, _ := json.Marshal(s.ctl.state())
		return b
	}
	control(state())
	if !send() {
		return
	}
	var gateChanged <-chan struct{}
	ticker := time.NewTicker(keepAlive)
	defer ticker.Stop()
	for {
		if s.ctl.gate != nil {
			gateChanged = s.ctl.gate.Changed()
		}
		st := state()
		events, stops, changed := s.idx.after(after, streamBatch)
		for i, e := range events {
			after = e.Seq
			if !f.match(e) {
				continue
			}
			b, err := json.Marshal(s.narrated(e, f.lang))
			if err != nil {
				continue
			}
			kind := "event"
			if stops[i] {
				kind = "stop"
			}
			fmt.Fprintf(bw, "id: %d\nevent: %s\ndata: %s\n\n", e.Seq, kind, b)
		}
		if len(events) < streamBatch { // caught up with the state read above
			control(st)
		}
		if !send() {
			return
		}
		if len(events) > 0 {
			continue
		}
		select {
		case <-changed:
		case <-gateChanged:
		case <-ticker.C:
			fmt.Fprint(bw, ": keep-alive\n\n")
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		}
	}
}
