package smtpd

import (
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mailflow/mailflow/topology"
)

// Starting and closing at once, again and again, never hangs: the server
// owns its listeners, so Close finds each one however early it comes.
func TestStartStopLoop(t *testing.T) {
	h := start(t, nil)
	for i := 0; i < 200; i++ {
		srv := New(h.srv.cfg)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Serve(l, topology.SMTP); err != nil {
			t.Fatal(err)
		}
		closed := make(chan struct{})
		go func() { srv.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(wait):
			t.Fatalf("Close hung on round %d", i)
		}
		if err := srv.Serve(l, topology.SMTP); err == nil {
			t.Fatal("Serve after Close succeeded")
		}
	}
}

// Close with clients in every state — greeted, half through DATA, in the
// middle of a TLS handshake — returns at once and leaves no goroutine.
func TestCloseWithClientsConnected(t *testing.T) {
	h := start(t, nil)
	idle := h.dial(topology.SMTP)
	data := h.dial(topology.SMTP)
	data.expect("EHLO client.test", 250)
	data.expect("MAIL FROM:<dan@other.test>", 250)
	data.expect("RCPT TO:<bob@school.test>", 250)
	data.expect("DATA", 354)
	data.send("Subject: half\r\n\r\nhalf a message")
	silentTLS, err := net.Dial("tcp", h.addrs[topology.Submissions])
	if err != nil {
		t.Fatal(err)
	}
	defer silentTLS.Close()
	began := time.Now()
	h.srv.Close()
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("Close took %v", took)
	}
	for _, c := range []*client{idle, data} {
		c.closed()
	}
	if got := h.inbox("bob@school.test", "INBOX"); len(got) != 0 {
		t.Errorf("a half-sent message was filed")
	}
	goleak.VerifyNone(t)
}

// The deadline of a command holds however the line trickles in: a byte
// every 50ms does not keep a 500ms deadline from striking.
func TestTricklingCannotExtendTheCommandDeadline(t *testing.T) {
	const deadline = 500 * time.Millisecond
	h := start(t, func(c *Config) { c.ReadTimeout = deadline })
	c := h.dial(topology.SMTP)
	stop, sent := make(chan struct{}), make(chan int, 1)
	go func() {
		n := 0
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				sent <- n
				return
			case <-tick.C:
				if _, err := c.conn.Write([]byte("x")); err != nil {
					sent <- n
					return
				}
				n++
			}
		}
	}()
	began := time.Now()
	code, lines, err := c.tryReply()
	took := time.Since(began)
	close(stop)
	n := <-sent
	if err != nil || code != 421 || !strings.HasPrefix(lines[0], "421 4.4.2 ") {
		t.Fatalf("trickling client got %q, %v; want 421 4.4.2", lines, err)
	}
	// The server's clock started a moment before this one.
	if took < deadline/2 || took > 6*deadline {
		t.Errorf("the deadline struck after %v, want about %v", took, deadline)
	}
	if n < 5 {
		t.Errorf("only %d bytes trickled before the deadline", n)
	}
}

// A client that opens port 465 and never starts TLS is cut off at the
// handshake deadline.
func TestImplicitTLSHandshakeDeadline(t *testing.T) {
	const deadline = 300 * time.Millisecond
	h := start(t, func(c *Config) { c.HandshakeTimeout = deadline })
	conn, err := net.Dial("tcp", h.addrs[topology.Submissions])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	began := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	n, err := io.Copy(io.Discard, conn)
	took := time.Since(began)
	if err != nil || n != 0 {
		t.Fatalf("silent TLS client: read %d bytes, %v; want the server to close", n, err)
	}
	if took < deadline/2 || took > 10*deadline { // the server's clock started at accept
		t.Errorf("closed after %v, want about %v", took, deadline)
	}
}

// With 300 slow clients on port 25 (three times its slots), each
// trickling a byte a second, a normal client is greeted within 5 s and
// delivers: the slow ones are shed before it is refused.
func TestSlowClientsCannotLockOutANormalOne(t *testing.T) {
	h := start(t, nil)
	const slow = 300
	first := make(chan string, slow)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(stop); wg.Wait() }()
	for i := 0; i < slow; i++ {
		conn, err := net.Dial("tcp", h.addrs[topology.SMTP])
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = conn.SetReadDeadline(time.Now().Add(wait))
			buf := make([]byte, 512)
			n, _ := conn.Read(buf)
			first <- string(buf[:n])
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					if _, err := conn.Write([]byte("N")); err != nil {
						return
					}
				}
			}
		}()
	}
	greeted, refused := 0, 0
	for i := 0; i < slow; i++ {
		switch l := <-first; {
		case strings.HasPrefix(l, "220 "):
			greeted++
		case strings.HasPrefix(l, "421 4.3.2 "):
			refused++
		default:
			t.Errorf("slow client %d got %q", i, l)
		}
	}
	t.Logf("slow clients: %d greeted, %d refused at once", greeted, refused)
	if greeted < h.srv.cfg.MaxConns {
		t.Errorf("only %d slow clients greeted, want at least the %d slots", greeted, h.srv.cfg.MaxConns)
	}

	began := time.Now()
	c := h.dial(topology.SMTP)
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("the normal client waited %v for its greeting", took)
	}
	c.expect("EHLO client.test", 250)
	if code, last := c.transaction("dan@other.test", []string{"bob@school.test"}, testMessage("despite the crowd")); code != 250 {
		t.Fatalf("DATA: %q", last)
	}
	c.expect("QUIT", 221)
	t.Logf("normal client delivered %v after it connected", time.Since(began))
	if got := h.inbox("bob@school.test", "INBOX"); len(got) != 1 {
		t.Errorf("bob has %d messages, want 1", len(got))
	}
}

// Transfers over the size limit are dropped as they arrive and the content
// held at once is capped for all connections: 24 clients each sending
// 26 MiB to a 25 MiB limit grow the heap by a bounded amount, not by the
// 600 MiB they send.
func TestParallelOversizedTransfersStayBounded(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("moves 624 MiB through loopback")
	}
	h := start(t, nil)
	const clients, size = 24, 26 << 20
	line := []byte(strings.Repeat("x", 998) + "\r\n")
	chunk := make([]byte, 0, 1000*64)
	for len(chunk)+len(line) <= cap(chunk) {
		chunk = append(chunk, line...)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak uint64
	sampled := make(chan struct{})
	stop := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	began := time.Now()
	codes := make(chan int, clients)
	for i := 0; i < clients; i++ {
		go func() {
			c := h.dial(topology.SMTP)
			c.expect("EHLO client.test", 250)
			c.expect("MAIL FROM:<dan@other.test>", 250)
			c.expect("RCPT TO:<bob@school.test>", 250)
			c.expect("DATA", 354)
			_ = c.conn.SetWriteDeadline(time.Now().Add(time.Minute))
			for sent := 0; sent < size; sent += len(chunk) {
				if _, err := c.conn.Write(chunk); err != nil {
					t.Errorf("client %d: %v", i, err)
					codes <- 0
					return
				}
			}
			c.send(".")
			code, _ := c.reply()
			codes <- code
		}()
	}
	count := map[int]int{}
	for i := 0; i < clients; i++ {
		count[<-codes]++
	}
	close(stop)
	<-sampled
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	growth := int64(peak) - int64(before.HeapInuse)
	t.Logf("%d × %d MiB in %v: replies %v; heap in use grew at most %d MiB (peak %d MiB), Sys %d → %d MiB",
		clients, size>>20, time.Since(began).Round(time.Millisecond), count, growth>>20, peak>>20,
		before.Sys>>20, after.Sys>>20)
	if count[552]+count[452] != clients {
		t.Errorf("replies %v, want 552 or 452 for every transfer", count)
	}
	if limit := int64(2 * DefaultInFlight); growth > limit {
		t.Errorf("heap grew by %d MiB, want under %d MiB", growth>>20, limit>>20)
	}
	if got := h.inbox("bob@school.test", "INBOX"); len(got) != 0 {
		t.Errorf("%d oversized messages filed", len(got))
	}
}
