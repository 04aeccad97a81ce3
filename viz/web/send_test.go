package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim"
	"github.com/mailflow/mailflow/sim/event"
)

func TestSendGoesThroughTheSubmissionPort(t *testing.T) {
	const secret = "Alice-s3cret-7"
	n := playedWith(t, "cross-domain", func(s *scenarios.Scenario) { s.Domains[0].Users[0].Password = secret })
	_, ts := serve(t, Config{Network: n})

	var res SendResult
	call(t, ts, "POST", "/api/send", `{"from":"alice@example.test","to":["bob@school.test"],`+
		`"subject":"From the API","body":"Hello Bob"}`, 201, &res)
	// Steps 1 and 2 are done when the answer comes; the queue may already
	// be at work on the next ones.
	if res.ID != "w1" || res.State == "rejected" || !slices.Contains(res.Steps, 1) || !slices.Contains(res.Steps, 2) {
		t.Fatalf("send: %+v", res)
	}
	await(t, n, "w1 filed", func(e event.Event) bool { return e.Msg == "w1" && e.Kind == event.MailboxStore })

	var d MessageDetail
	call(t, ts, "GET", "/api/messages/w1", "", 200, &d)
	// In order of first event: the queue starts only once the submission
	// server has told of steps 2 and 3, even with the background driver.
	if d.State != "delivered" || !slices.Equal(d.Steps, []int{1, 2, 3, 4, 5, 6}) || d.Subject != "From the API" {
		t.Errorf("w1: %+v", d.MessageSummary)
	}
	// Steps 1 and 2 on the wire: the client connected to 587, the server
	// logged Alice in and took the message.
	var connect, auth, transcript bool
	for _, e := range n.Bus.History() {
		switch {
		case e.Msg == "w1" && e.Kind == event.SMTPConnect && e.Step == 1 && e.Port == 587 && e.Peer == "mail.example.test":
			connect = true
		case e.Kind == event.SMTPAuth && e.Code() == 235 && e.User == "alice@example.test" && e.Seq > d.Events[0].Seq:
			auth = true
		case e.Msg == "w1" && e.Kind == event.SMTPTranscript && e.Port == 587:
			lines := strings.Join(e.Transcript, "\n")
			transcript = strings.Contains(lines, "C: STARTTLS") && strings.Contains(lines, "C: AUTH PLAIN") &&
				strings.Contains(lines, "password hidden")
		}
	}
	if !connect || !auth || !transcript {
		t.Errorf("on the wire: connect %v, auth %v, transcript %v", connect, auth, transcript)
	}
	// The password crossed the wire but is shown nowhere else.
	if n.Topology.User("alice@example.test").Password != secret {
		t.Fatal("the scenario edit did not set alice's password")
	}
	resp, err := ts.Client().Get(ts.URL + "/api/events?limit=5000")
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	resp.Body.Close()
	if strings.Contains(body, secret) {
		t.Errorf("the events show alice's password")
	}

	var mb Mailbox
	call(t, ts, "GET", "/api/mailboxes/bob@school.test", "", 200, &mb)
	if msgs := mb.Folders[0].Messages; len(msgs) != 2 || msgs[1].ID != "w1" {
		t.Errorf("bob's INBOX: %+v", msgs)
	}

	// A second send gets the next id.
	call(t, ts, "POST", "/api/send", `{"from":"bob@school.test","to":["alice@example.test"],"cc":["bob@school.test"],"subject":"Re"}`,
		201, &res)
	if res.ID != "w2" {
		t.Errorf("second send: %+v", res)
	}
}

func TestSendRefusals(t *testing.T) {
	n := played(t, "send-as-on-behalf")
	_, ts := serve(t, Config{Network: n})
	for _, c := range []struct{ body, why string }{
		{`{"from":"mallory@example.test","to":["bob@school.test"]}`, "not a scenario user"},
		{`{"from":"alice@example.test","to":[]}`, "no recipient"},
		{`{"from":"alice@example.test","to":["bob"]}`, "not an address"},
		{`{"from":"alice@example.test","to":["Bob <bob@school.test>"]}`, "not a plain address"},
		{`{"from":"alice@example.test","to":["bob@school.test\r\nRCPT TO:<x@y>"]}`, "CRLF in an address"},
		{`{"from":"alice@example.test","to":["bob@school.test"],"subject":"a\r\nBcc: x@y"}`, "CRLF in the subject"},
		{`{"from":"alice@example.test","to":["bob@school.test"],"password":"x"}`, "unknown field"},
		{`{"from":"alice@example.test"`, "broken JSON"},
		{`{"from":"alice@example.test","to":["bob@school.test"]} {}`, "two values"},
	} {
		e := wantError(t, ts, "POST", "/api/send", c.body, 400)
		t.Logf("%s: %s", c.why, e.Message)
	}
	// Only JSON: a cross-site form cannot post.
	req, _ := http.NewRequest("POST", ts.URL+"/api/send", strings.NewReader(`from=alice@example.test`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("form post: %d", resp.StatusCode)
	}

}

func TestSendRefusedBySubmissionServer(t *testing.T) {
	n := played(t, "rate-limited-sender")
	_, ts := serve(t, Config{Network: n})
	// Alice has used her messages for the hour: 451 4.7.1 at MAIL.
	var refused struct {
		APIError
		SendResult
	}
	call(t, ts, "POST", "/api/send", `{"from":"alice@example.test","to":["bob@school.test"],"subject":"One more"}`,
		http.StatusUnprocessableEntity, &refused)
	if refused.Status != 422 || refused.ID == "" || refused.State != "rejected" || !strings.Contains(refused.Message, "refused") {
		t.Errorf("refused send: %+v", refused)
	}
}

func TestStepModeHoldsTheWorld(t *testing.T) {
	n, ts, finished := playHeld(t, "cross-domain")

	ch := openStream(t, ts, "", "")
	waitingAt := func(step int) Control {
		return nextControl(t, ch, "the world held before a step", func(c Control) bool {
			return c.Waiting != nil && c.Waiting.Step == step
		})
	}
	c := waitingAt(1)
	if c.Mode != "step" || c.Playing || c.Waiting.Msg != "m1" {
		t.Errorf("control: %+v", c)
	}
	// Held before step 1: nothing of m1's steps has happened.
	var p EventPage
	call(t, ts, "GET", "/api/events?msg=m1", "", 200, &p)
	for _, e := range p.Events {
		if e.Step != 0 {
			t.Errorf("step %d happened while held: %s", e.Step, e.Kind)
		}
	}
	call(t, ts, "POST", "/api/control", `{"action":"step"}`, 200, &c)
	first := decodeEvent(t, next(t, ch, "step 1", func(m sseMessage) bool { return m.kind == "stop" }))
	if first.Step != 1 || first.Kind != event.SMTPConnect {
		t.Errorf("after one step: %+v", first)
	}
	waitingAt(2)
	call(t, ts, "GET", "/api/control", "", 200, &c)
	if c.Waiting == nil || c.Waiting.Step != 2 {
		t.Errorf("control after one step: %+v", c)
	}

	wantError(t, ts, "POST", "/api/control", `{"action":"jump"}`, 400)
	wantError(t, ts, "POST", "/api/control", `{"action":"play","interval_ms":-1}`, 400)

	call(t, ts, "POST", "/api/control", `{"action":"play","interval_ms":0}`, 200, &c)
	if !c.Playing {
		t.Errorf("play: %+v", c)
	}
	if err := <-finished; err != nil {
		t.Fatal(err)
	}
	n.StartDriver()
	// In step mode a send answers at once: the world may be held.
	var res SendResult
	call(t, ts, "POST", "/api/send", `{"from":"alice@example.test","to":["bob@school.test"],"subject":"Held"}`, 202, &res)
	if res.ID != "w1" || res.State != "submitting" {
		t.Errorf("send in step mode: %+v", res)
	}
	await(t, n, "w1 filed", func(e event.Event) bool { return e.Msg == "w1" && e.Kind == event.MailboxStore })
}

// A smarthost login's password is no user's own (the wrong one of
// smarthost-wrong-password is nobody's): no answer of the API shows it,
// though the login crossed the wire.
func TestSmarthostPasswordsNeverShown(t *testing.T) {
	n := played(t, "smarthost-wrong-password")
	_, ts := serve(t, Config{Network: n})
	var secrets []string
	for _, sv := range n.Scenario.Servers {
		if sv.RelayPassword != "" {
			secrets = append(secrets, sv.RelayPassword)
		}
	}
	if len(secrets) == 0 {
		t.Fatal("smarthost-wrong-password logs in with no password?")
	}
	var msgs struct {
		Messages []MessageSummary `json:"messages"`
	}
	call(t, ts, "GET", "/api/messages", "", 200, &msgs)
	paths := []string{"/api/hosts", "/api/events?limit=5000", "/api/queue", "/api/stats", "/api/messages"}
	for _, m := range msgs.Messages {
		paths = append(paths, "/api/messages/"+m.ID, "/api/messages/"+m.ID+"/raw")
	}
	for _, u := range n.Topology.Users {
		paths = append(paths, "/api/mailboxes/"+u.Address)
	}
	logins := 0
	for _, e := range n.Bus.History() {
		if e.Kind == event.SMTPAuth {
			logins++
		}
	}
	if logins == 0 {
		t.Fatal("no AUTH on the wire")
	}
	for _, p := range paths {
		resp, err := ts.Client().Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp)
		resp.Body.Close()
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("%s shows the smarthost password %q", p, s)
			}
		}
	}
}

// In step mode the world also waits just after a failure, as the classroom
// view does: the control says it is held with no step named, and Step lets
// it go on.
func TestStepModeHoldsAfterAFailure(t *testing.T) {
	_, ts, finished := playHeld(t, "unknown-user-bounce")
	ch := openStream(t, ts, "", "")
	afterFailure := false
	for held := 0; !afterFailure; held++ {
		c := nextControl(t, ch, "the world held", func(c Control) bool { return c.Held })
		if c.Waiting == nil {
			afterFailure = true
			// The failure is the last event streamed before the hold.
			var p EventPage
			call(t, ts, "GET", "/api/events?msg=m1", "", 200, &p)
			if last := p.Events[len(p.Events)-1]; last.Kind != event.SMTPReply || last.Reply == nil || last.Reply.Code != 550 {
				t.Errorf("held after %s %+v, not after the 550", last.Kind, last.Reply)
			}
		}
		if held > 20 {
			t.Fatal("the world never stopped after the 550")
		}
		call(t, ts, "POST", "/api/control", `{"action":"step"}`, 200, nil)
	}
	call(t, ts, "POST", "/api/control", `{"action":"play","interval_ms":0}`, 200, nil)
	if err := <-finished; err != nil {
		t.Fatal(err)
	}
}

// playHeld starts the built-in scenario name with the world held before
// each step until the web view's controls let it go, and plays it in the
// background; finished tells how the play ended.
func playHeld(t *testing.T, name string) (*sim.Network, *httptest.Server, <-chan error) {
	t.Helper()
	n := startNetwork(t, name, nil)
	gate := NewGate()
	n.Bus.SetGate(gate.Hold)
	_, ts := serve(t, Config{Network: n, Gate: gate})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	finished := make(chan error, 1)
	go func() {
		err := n.Play(ctx)
		if err == nil {
			err = n.WaitSettled(ctx)
		}
		finished <- err
	}()
	return n, ts, finished
}

// nextControl awaits the next control message on the stream that match
// accepts.
func nextControl(t *testing.T, ch <-chan sseMessage, what string, match func(Control) bool) Control {
	t.Helper()
	var c Control
	next(t, ch, what, func(m sseMessage) bool {
		c = Control{}
		return m.kind == "control" && json.Unmarshal([]byte(m.data), &c) == nil && match(c)
	})
	return c
}
