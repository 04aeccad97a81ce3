package smtpd

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/envelope"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/mailstore"
	"github.com/mailflow/mailflow/sim/pki"
	"github.com/mailflow/mailflow/topology"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every read of a test client: a server that never answers
// fails the test instead of hanging it.
const wait = 10 * time.Second

const schoolYAML = `
domains:
  - name: school.test
    users:
      - name: bob
        password: bobpw
      - name: carol
        password: carolpw
    aliases:
      - {name: team, members: [bob@school.test, carol@school.test, dan@other.test]}
  - name: other.test
    users: [{name: dan}]
`

// harness is one host's SMTP server on loopback, with its mailstore and
// the events it published.
type harness struct {
	t     *testing.T
	srv   *Server
	store *mailstore.Store
	host  *topology.Host
	addrs map[topology.Service]string
	ca    *pki.CA

	mu      sync.Mutex
	events  []event.Event
	queued  []envelope.Message
	changed chan struct{} // closed and replaced on every event
}

// testConfig is the configuration of mail.school.test's SMTP server over
// a fresh mailstore, its events and queued messages kept in h.
func testConfig(t testing.TB, h *harness) Config {
	t.Helper()
	s, err := scenarios.Parse("t.yaml", []byte(schoolYAML))
	if err != nil {
		t.Fatal(err)
	}
	topo, err := topology.Build(s, topology.NewPlan(topology.RunPrefix(), false))
	if err != nil {
		t.Fatal(err)
	}
	h.store = mailstore.New()
	for _, d := range topo.Domains {
		for _, u := range d.Users {
			h.store.AddUser(u.Address, u.Password)
		}
	}
	h.host = topo.Domain("school.test").MailboxHost
	if h.ca, err = pki.NewCA("Test CA", time.Now()); err != nil {
		t.Fatal(err)
	}
	cert, err := h.ca.Issue([]string{h.host.Name}, []net.IP{net.IPv4(127, 0, 0, 1)}, pki.IssueOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return Config{Host: h.host, Network: topo, Store: h.store,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		IDs:       event.NewMessageIDs(),
		Publish: func(e event.Event) {
			h.mu.Lock()
			h.events = append(h.events, e)
			if h.changed != nil {
				close(h.changed)
			}
			h.changed = make(chan struct{})
			h.mu.Unlock()
		},
		Take: func(ms ...envelope.Message) (func(), error) {
			h.mu.Lock()
			h.queued = append(h.queued, ms...)
			h.mu.Unlock()
			return func() {}, nil
		},
	}
}

// start runs the SMTP server of mail.school.test on 127.0.0.1 ports for
// smtp, submission and submissions; tune changes the config first.
func start(t *testing.T, tune func(*Config)) *harness {
	t.Helper()
	h := &harness{t: t, addrs: map[topology.Service]string{}}
	cfg := testConfig(t, h)
	if tune != nil {
		tune(&cfg)
	}
	h.srv = New(cfg)
	for _, svc := range []topology.Service{topology.SMTP, topology.Submission, topology.Submissions} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		h.addrs[svc] = l.Addr().String()
		if err := h.srv.Serve(l, svc); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { h.srv.Close() })
	return h
}

// inbox returns the raw messages in a user's folder.
func (h *harness) inbox(user, folder string) []string {
	h.t.Helper()
	msgs, err := h.store.Messages(user, folder)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		out = append(out, string(m.Raw))
	}
	return out
}

func (h *harness) queue() []envelope.Message {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]envelope.Message(nil), h.queued...)
}

// await waits until n events published so far match, failing the test
// after wait.
func (h *harness) await(what string, n int, match func(event.Event) bool) {
	h.t.Helper()
	timeout := time.NewTimer(wait)
	defer timeout.Stop()
	for {
		h.mu.Lock()
		got := 0
		for _, e := range h.events {
			if match(e) {
				got++
			}
		}
		if h.changed == nil {
			h.changed = make(chan struct{})
		}
		changed := h.changed
		h.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-changed:
		case <-timeout.C:
			h.t.Fatalf("waiting for %s: %d of %d events", what, got, n)
		}
	}
}

func (h *harness) kinds() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, e := range h.events {
		out = append(out, string(e.Kind))
	}
	return out
}

func (h *harness) clientTLS() *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(h.ca.Certificate())
	return &tls.Config{RootCAs: pool, ServerName: h.host.Name}
}

// client speaks SMTP line by line, as a test needs it: what a library
// client would refuse to send included.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

// dial connects to svc and reads the greeting.
func (h *harness) dial(svc topology.Service) *client {
	h.t.Helper()
	c := h.connect(svc)
	if code, lines := c.reply(); code != 220 {
		h.t.Fatalf("greeting %d %q", code, lines)
	}
	return c
}

// connect opens the connection (TLS from the first byte on submissions)
// without reading anything.
func (h *harness) connect(svc topology.Service) *client {
	h.t.Helper()
	conn, err := net.DialTimeout("tcp", h.addrs[svc], wait)
	if err != nil {
		h.t.Fatal(err)
	}
	if svc == topology.Submissions {
		conn = tls.Client(conn, h.clientTLS())
	}
	h.t.Cleanup(func() { conn.Close() })
	return newClient(h.t, conn)
}

func newClient(t *testing.T, conn net.Conn) *client {
	return &client{t: t, conn: conn, r: bufio.NewReader(conn)}
}

// send writes one line.
func (c *client) send(line string) {
	c.t.Helper()
	_ = c.conn.SetWriteDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(c.conn, line+"\r\n"); err != nil {
		c.t.Fatalf("send %q: %v", line, err)
	}
}

// reply reads one reply, all its lines, and returns its code and the lines
// as they came.
func (c *client) reply() (int, []string) {
	c.t.Helper()
	code, lines, err := c.tryReply()
	if err != nil {
		c.t.Fatalf("reply: %v (so far %q)", err, lines)
	}
	return code, lines
}

func (c *client) tryReply() (int, []string, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(wait))
	var lines []string
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			return 0, lines, err
		}
		if !strings.HasSuffix(l, "\r\n") || len(l) < 5 {
			return 0, lines, fmt.Errorf("malformed reply line %q", l)
		}
		l = strings.TrimSuffix(l, "\r\n")
		lines = append(lines, l)
		code, err := strconv.Atoi(l[:3])
		if err != nil {
			return 0, lines, fmt.Errorf("malformed reply line %q", l)
		}
		if l[3] == ' ' {
			return code, lines, nil
		}
		if l[3] != '-' {
			return 0, lines, fmt.Errorf("malformed reply line %q", l)
		}
	}
}

// cmd sends a line and returns the reply's code and its last line.
func (c *client) cmd(line string) (int, string) {
	c.t.Helper()
	c.send(line)
	code, lines := c.reply()
	return code, lines[len(lines)-1]
}

// expect sends a line and fails unless the reply has the code.
func (c *client) expect(line string, want int) string {
	c.t.Helper()
	code, last := c.cmd(line)
	if code != want {
		c.t.Fatalf("%s: got %q, want %d", line, last, want)
	}
	return last
}

// answers sends a line and reports, going on, unless the reply has the
// code.
func (c *client) answers(line string, want int) {
	c.t.Helper()
	if code, last := c.cmd(line); code != want {
		c.t.Errorf("%s: %q, want %d", line, last, want)
	}
}

// closed fails unless the server closes the connection (after any replies
// still on their way, which it returns).
func (c *client) closed() []string {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(wait))
	var rest []string
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				c.t.Fatalf("the server kept the connection open (read %q)", rest)
			}
			return rest
		}
		rest = append(rest, strings.TrimSuffix(l, "\r\n"))
	}
}

// testMessage is a small message's DATA, dot included.
func testMessage(subject string) string {
	return "From: Dan <dan@other.test>\r\nTo: bob@school.test\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@other.test>\r\n\r\nHello.\r\n."
}

// transaction runs MAIL, the RCPTs (each must be accepted) and DATA, and
// returns the final reply.
func (c *client) transaction(from string, rcpts []string, data string) (int, string) {
	c.t.Helper()
	c.expect("MAIL FROM:<"+from+">", 250)
	for _, r := range rcpts {
		c.expect("RCPT TO:<"+r+">", 250)
	}
	c.expect("DATA", 354)
	return c.cmd(data)
}
