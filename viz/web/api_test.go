package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/event"
)

func TestHealthzAndHosts(t *testing.T) {
	n := played(t, "cross-domain")
	_, ts := serve(t, Config{Network: n})

	var health map[string]any
	call(t, ts, "GET", "/api/healthz", "", 200, &health)
	if health["status"] != "ok" || health["scenario"] != "cross-domain" || health["mode"] != "live" {
		t.Errorf("healthz: %v", health)
	}

	var steps []StepInfo
	call(t, ts, "GET", "/api/steps", "", 200, &steps)
	if len(steps) != 6 || steps[3].Name["en"] != "DNS lookup of the MX" || steps[3].Name["vi"] == "" ||
		steps[5].Why["vi"] == "" || steps[0].Question["en"] == "" {
		t.Errorf("steps: %+v", steps)
	}

	var topo Topology
	call(t, ts, "GET", "/api/hosts", "", 200, &topo)
	if topo.Scenario != "cross-domain" || len(topo.Domains) != 2 || len(topo.Hosts) != 2 {
		t.Fatalf("hosts: %+v", topo)
	}
	if topo.DNS.Port != int(n.DNSAddrPort().Port()) || topo.DNS.Address != n.Topology.DNSAddr.String() {
		t.Errorf("dns: %+v, network's %s", topo.DNS, n.DNSAddrPort())
	}
	if topo.Clients.Address != n.Topology.ClientAddr.String() {
		t.Errorf("clients: %+v", topo.Clients)
	}
	school := topo.Hosts[1]
	if school.Name != "mail.school.test" || school.MX != 10 ||
		!slices.Equal(school.Roles, []string{"submission", "mailbox", "mx"}) {
		t.Errorf("mail.school.test: %+v", school)
	}
	for _, svc := range school.Services {
		if real := n.Port(school.Name, serviceOf(svc.Name)); svc.RealPort != real || real == 0 {
			t.Errorf("%s real port %d, network says %d", svc.Name, svc.RealPort, real)
		}
	}
	if len(topo.Users) != 2 || topo.Users[1].Address != "bob@school.test" || topo.Users[1].Password == "" ||
		topo.Users[1].Host != "mail.school.test" {
		t.Errorf("users: %+v", topo.Users)
	}
	if !slices.ContainsFunc(topo.Records, func(r RecordInfo) bool {
		return r.Type == "MX" && r.Name == "school.test." && r.Value == "mail.school.test."
	}) {
		t.Errorf("no MX record of school.test in %+v", topo.Records)
	}
}

func TestMessagesListAndFilters(t *testing.T) {
	n := played(t, "unknown-user-bounce")
	_, ts := serve(t, Config{Network: n})
	type list struct {
		Messages []MessageSummary `json:"messages"`
		Count    int              `json:"count"`
	}
	var all list
	call(t, ts, "GET", "/api/messages", "", 200, &all)
	if all.Count != len(all.Messages) || all.Count < 2 {
		t.Fatalf("messages: %+v", all)
	}
	var outcomes []string
	for _, o := range n.Outcomes() {
		outcomes = append(outcomes, o.Msg+" "+o.State)
	}
	var got []string
	for _, m := range all.Messages {
		got = append(got, m.ID+" "+m.State)
		if len(m.Steps) == 0 || m.From == "" && !strings.HasSuffix(m.ID, ".bounce") { // a bounce's sender is <>
			t.Errorf("message without steps or sender: %+v", m)
		}
	}
	if !slices.Equal(got, outcomes) {
		t.Errorf("states %v, the network's outcomes %v", got, outcomes)
	}
	for _, c := range []struct {
		query string
		ids   []string
	}{
		{"state=delivered", idsWhere(all.Messages, func(m MessageSummary) bool { return m.State == "delivered" })},
		{"state=bounced", idsWhere(all.Messages, func(m MessageSummary) bool { return m.State == "bounced" })},
		{"mailbox=alice@example.test", idsWhere(all.Messages, func(m MessageSummary) bool { return m.inMailbox("alice@example.test") })},
		{"mailbox=nobody@nowhere.test", nil},
	} {
		var l list
		call(t, ts, "GET", "/api/messages?"+c.query, "", 200, &l)
		var ids []string
		for _, m := range l.Messages {
			ids = append(ids, m.ID)
		}
		if !slices.Equal(ids, c.ids) {
			t.Errorf("?%s: %v, want %v", c.query, ids, c.ids)
		}
	}
	// The bounce is in Alice's mailbox: filed there, though not addressed
	// to her by the scenario.
	var alice list
	call(t, ts, "GET", "/api/messages?mailbox=alice@example.test&state=delivered", "", 200, &alice)
	if len(alice.Messages) != 1 || !strings.HasSuffix(alice.Messages[0].ID, ".bounce") {
		t.Errorf("Alice's delivered messages: %+v", alice.Messages)
	}
}

func idsWhere(ms []MessageSummary, keep func(MessageSummary) bool) []string {
	var out []string
	for _, m := range ms {
		if keep(m) {
			out = append(out, m.ID)
		}
	}
	return out
}

func TestMessageDetailAndRaw(t *testing.T) {
	n := played(t, "cross-domain")
	_, ts := serve(t, Config{Network: n})

	var d MessageDetail
	call(t, ts, "GET", "/api/messages/m1", "", 200, &d)
	if !slices.Equal(d.Steps, []int{1, 2, 3, 4, 5, 6}) || d.State != "delivered" {
		t.Errorf("m1: steps %v state %q", d.Steps, d.State)
	}
	if d.Envelope.MailFrom != "alice@example.test" || !slices.Equal(d.Envelope.RcptTo, []string{"bob@school.test"}) {
		t.Errorf("envelope: %+v", d.Envelope)
	}
	if d.Copy == nil || d.Copy.Where != "mailbox" || d.Copy.Mailbox != "bob@school.test" || d.Copy.UID != 1 {
		t.Fatalf("copy: %+v", d.Copy)
	}
	if len(d.Received) != 2 || !strings.Contains(d.Received[0], "mail.school.test") ||
		!strings.Contains(d.Received[1], "mail.example.test") {
		t.Errorf("Received chain (newest first): %q", d.Received)
	}
	if field(d.Headers, "Subject") != "Homework week 3" || field(d.Headers, "Message-ID") == "" {
		t.Errorf("headers: %+v", d.Headers)
	}
	var kinds []event.Kind
	for _, e := range d.Events {
		if e.Msg != "m1" {
			t.Errorf("event of %q in m1's events", e.Msg)
		}
		kinds = append(kinds, e.Kind)
	}
	for _, k := range []event.Kind{event.SMTPConnect, event.RouteDecision, event.DNSQuery, event.RelayConnect, event.MailboxStore} {
		if !slices.Contains(kinds, k) {
			t.Errorf("m1's events lack %s: %v", k, kinds)
		}
	}

	var vi MessageDetail
	call(t, ts, "GET", "/api/messages/m1?lang=vi", "", 200, &vi)
	if len(vi.Events) != len(d.Events) || vi.Events[1].Text == d.Events[1].Text || !strings.HasPrefix(vi.Events[1].Text, "Bước 1") {
		t.Errorf("Vietnamese narration: %q (English %q)", vi.Events[1].Text, d.Events[1].Text)
	}
	wantError(t, ts, "GET", "/api/messages/m1?lang=fr", "", 400)
	wantError(t, ts, "GET", "/api/messages/m9", "", 404)

	req, _ := http.NewRequest("GET", ts.URL+"/api/messages/m1/raw", nil)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw := readAll(t, resp)
	stored, _ := n.Store.Messages("bob@school.test", "INBOX")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") ||
		raw != string(stored[0].Raw) {
		t.Errorf("raw: status %d, %q, %d bytes; stored %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"),
			len(raw), len(stored[0].Raw))
	}
	wantError(t, ts, "GET", "/api/messages/m9/raw", "", 404)
	wantError(t, ts, "GET", "/api/messages/m1/raw?mailbox=alice@example.test", "", 404)
}

func TestMailboxesAndEmptying(t *testing.T) {
	n := played(t, "cross-domain")
	_, ts := serve(t, Config{Network: n})

	var mb Mailbox
	call(t, ts, "GET", "/api/mailboxes/bob@school.test", "", 200, &mb)
	if len(mb.Folders) != 1 || mb.Folders[0].Name != "INBOX" || mb.Folders[0].Count != 1 || mb.Folders[0].Unseen != 1 {
		t.Fatalf("bob's mailbox: %+v", mb)
	}
	m := mb.Folders[0].Messages[0]
	if m.UID != 1 || m.ID != "m1" || m.Subject != "Homework week 3" || !strings.Contains(m.From, "alice@example.test") || m.Size == 0 {
		t.Errorf("listed: %+v", m)
	}

	var sm StoredMessage
	call(t, ts, "GET", "/api/mailboxes/bob@school.test/messages/1?folder=INBOX", "", 200, &sm)
	if sm.ID != "m1" || len(sm.Received) != 2 || !slices.Equal(sm.Attachments, []string{"homework.pdf"}) ||
		sm.Text == "" || !strings.HasPrefix(sm.Raw, "Return-Path:") && !strings.HasPrefix(sm.Raw, "Received:") {
		t.Errorf("stored message: id %q received %q attachments %v text %q raw %.40q", sm.ID, sm.Received,
			sm.Attachments, sm.Text, sm.Raw)
	}
	wantError(t, ts, "GET", "/api/mailboxes/bob@school.test/messages/2", "", 404)
	wantError(t, ts, "GET", "/api/mailboxes/bob@school.test/messages/x", "", 400)
	wantError(t, ts, "GET", "/api/mailboxes/bob@school.test/messages/1?folder=Nope", "", 404)
	wantError(t, ts, "GET", "/api/mailboxes/mallory@school.test", "", 404)
	wantError(t, ts, "DELETE", "/api/mailboxes/mallory@school.test/messages", "", 404)

	var del map[string]any
	call(t, ts, "DELETE", "/api/mailboxes/bob@school.test/messages", "", 200, &del)
	if del["deleted"] != float64(1) {
		t.Errorf("delete: %v", del)
	}
	if msgs, _ := n.Store.Messages("bob@school.test", "INBOX"); len(msgs) != 0 {
		t.Errorf("the store still holds %d message(s)", len(msgs))
	}
	call(t, ts, "GET", "/api/mailboxes/bob@school.test", "", 200, &mb)
	if mb.Folders[0].Count != 0 {
		t.Errorf("after delete: %+v", mb)
	}
	wantError(t, ts, "GET", "/api/messages/m1/raw", "", 404) // no copy left
}

func TestQueueAndStats(t *testing.T) {
	// The smarthost refuses the first attempts; without the wait action the
	// message stays queued with its next attempt scheduled.
	n := startNetwork(t, "relay-down-queued", func(s *scenarios.Scenario) { s.Actions = s.Actions[:1] })
	if err := n.Play(t.Context()); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	_, ts := serve(t, Config{Network: n, Now: func() time.Time { return now }})

	var q struct {
		Now   time.Time   `json:"now"`
		Hosts []QueueHost `json:"hosts"`
	}
	call(t, ts, "GET", "/api/queue", "", 200, &q)
	var entries []QueueEntry
	for _, h := range q.Hosts {
		if h.Host == "mail.example.test" {
			entries = h.Entries
		} else if len(h.Entries) != 0 {
			t.Errorf("%s queue: %+v", h.Host, h.Entries)
		}
	}
	if len(entries) != 1 {
		t.Fatalf("mail.example.test queue: %+v", q.Hosts)
	}
	e := entries[0]
	retry := await(t, n, "the retry", func(e event.Event) bool { return e.Kind == event.QueueRetry })
	if e.Msg != "m1" || e.Attempts != 1 || e.NextTry == nil || !e.NextTry.Equal(*retry.Next) ||
		len(e.Recipients) != 1 || e.Recipients[0].State != "pending" || e.Recipients[0].LastError == "" {
		t.Errorf("queue entry: %+v (next %v)", e, e.NextTry)
	}

	var st Snapshot
	call(t, ts, "GET", "/api/stats?seconds=10", "", 200, &st)
	var sender HostStats
	for _, h := range st.Hosts {
		if h.Name == "mail.example.test" {
			sender = h
		}
	}
	if sender.QueueDepth != 1 || sender.Accepted != 1 || sender.Deferred != 1 {
		t.Errorf("mail.example.test stats: %+v", sender)
	}
	if len(st.Rates.Accepted) != 10 || st.Rates.Accepted[9] != 1 || st.Messages != 1 || st.Events != n.Bus.Seq() {
		t.Errorf("rates %+v, messages %d, events %d (bus %d)", st.Rates, st.Messages, st.Events, n.Bus.Seq())
	}
	if st.Steps[0].Step != 1 || st.Steps[0].Count != 1 {
		t.Errorf("steps: %+v", st.Steps)
	}
	wantError(t, ts, "GET", "/api/stats?seconds=0", "", 400)
}

func TestStatsCountRefusalsOnce(t *testing.T) {
	n := played(t, "unknown-user-bounce")
	_, ts := serve(t, Config{Network: n})
	var st Snapshot
	call(t, ts, "GET", "/api/stats", "", 200, &st)
	// The server's refusal, not also the sending side's account of it.
	want := 0
	for _, e := range n.Bus.History() {
		if e.Kind == event.SMTPReply && e.Code() == 550 && e.Reply.Side == event.SideServer {
			want++
		}
	}
	if want == 0 || len(st.Refusals) != 1 || st.Refusals[0].Code != 550 || st.Refusals[0].Enhanced != "5.1.1" ||
		st.Refusals[0].Count != want {
		t.Errorf("refusals %+v, want %d × 550 5.1.1", st.Refusals, want)
	}
}

func TestErrorsAndSafety(t *testing.T) {
	n := played(t, "same-domain")
	_, ts := serve(t, Config{Network: n})

	wantError(t, ts, "GET", "/api/nothing", "", 404)
	h := call(t, ts, "DELETE", "/api/hosts", "", 405, nil)
	if h.Get("Allow") != "GET, HEAD" {
		t.Errorf("Allow: %q", h.Get("Allow"))
	}
	wantError(t, ts, "GET", "/api/send", "", 405)
	wantError(t, ts, "POST", "/api/control", `{"action":"step"}`, 409) // live: nothing to step

	// A page of another site that points its own name at 127.0.0.1 is
	// turned away (DNS rebinding).
	req, _ := http.NewRequest("GET", ts.URL+"/api/hosts", nil)
	req.Host = "attacker.example:80"
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("foreign Host: status %d", resp.StatusCode)
	}
	for _, host := range []string{"localhost:8025", "127.0.0.1", "[::1]:80", "a.localhost"} {
		if !loopbackHost(host) {
			t.Errorf("%s refused", host)
		}
	}

	resp, err = ts.Client().Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(page, "<html") ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("page: %d %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
}

func TestListenOnlyOnLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:8025", "example.com:80", "nonsense"} {
		if l, err := Listen(addr, false); err == nil {
			l.Close()
			t.Errorf("Listen(%q) bound without --http-allow-remote", addr)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		l, err := Listen(addr, false)
		if err != nil {
			t.Errorf("Listen(%q): %v", addr, err)
			continue
		}
		l.Close()
	}
}

func TestServeAndClose(t *testing.T) {
	n := played(t, "same-domain")
	srv := New(Config{Network: n})
	l, err := Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	resp, err := http.Get(fmt.Sprintf("http://%s/api/healthz", l.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz: %d", resp.StatusCode)
	}
	http.DefaultClient.CloseIdleConnections()
	if err := srv.Close(); err != nil {
		t.Error(err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}
