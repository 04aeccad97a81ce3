package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stopWithin is how soon Ctrl-C must end `up`, clients connected or not.
const stopWithin = 2 * time.Second

// dialLine connects to a host's service and reads the greeting.
func dialLine(t *testing.T, h hostEndpoint, svc string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(h.Address, strconv.Itoa(h.Ports[svc])), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	if svc == "imaps" { // passwords go over TLS only
		conn = tls.Client(conn, &tls.Config{InsecureSkipVerify: true})
	}
	r := bufio.NewReader(conn)
	if _, err := r.ReadString('\n'); err != nil {
		t.Fatalf("%s greeting: %v", svc, err)
	}
	return conn, r
}

// say sends one line and reads replies until one starts with want.
func say(t *testing.T, conn net.Conn, r *bufio.Reader, line, want string) {
	t.Helper()
	if _, err := io.WriteString(conn, line+"\r\n"); err != nil {
		t.Fatal(err)
	}
	for {
		got, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("after %q: %v", line, err)
		}
		if strings.HasPrefix(got, want) {
			return
		}
	}
}

// holdClients connects what a class leaves behind when the teacher presses
// Ctrl-C: an IMAP session logged in, one in IDLE, an SMTP transfer stopped
// half-way through DATA, an implicit-TLS connection that never says hello.
func holdClients(t *testing.T, ep endpoints) {
	t.Helper()
	var mbox hostEndpoint
	for _, h := range ep.Hosts {
		if h.Name == ep.Users[0].Host {
			mbox = h
		}
	}
	u := ep.Users[0]
	c, r := dialLine(t, mbox, "imaps")
	say(t, c, r, fmt.Sprintf("a LOGIN %s %s", u.Address, u.Password), "a OK")

	c, r = dialLine(t, mbox, "imaps")
	say(t, c, r, fmt.Sprintf("a LOGIN %s %s", u.Address, u.Password), "a OK")
	say(t, c, r, "b SELECT INBOX", "b OK")
	say(t, c, r, "c IDLE", "+")

	c, r = dialLine(t, mbox, "smtp")
	say(t, c, r, "EHLO client.test", "250 ")
	say(t, c, r, "MAIL FROM:<x@client.test>", "250")
	say(t, c, r, "RCPT TO:<"+u.Address+">", "250")
	say(t, c, r, "DATA", "354")
	io.WriteString(c, "Subject: half\r\n\r\nthe first half of a message, and then nothing")

	raw, err := net.DialTimeout("tcp", net.JoinHostPort(mbox.Address, strconv.Itoa(mbox.Ports["imaps"])), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	tc := tls.Client(raw, &tls.Config{InsecureSkipVerify: true})
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
}

// Ctrl-C ends the `mailflow up` process within 2s with clients still
// connected: the real binary, the real signal.
func TestUpProcessStopsOnInterrupt(t *testing.T) {
	if _, err := exec.LookPath("mailflow"); err != nil {
		t.Skip("mailflow is not in PATH (TestMain puts it there)")
	}
	dir := t.TempDir()
	epFile := filepath.Join(dir, "endpoints.json")
	cmd := exec.Command("mailflow", "up", "cross-domain", "--quiet", "--endpoints-json", epFile,
		"--ca-out", filepath.Join(dir, "ca.pem"))
	// a race-enabled binary otherwise sleeps a second at exit
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	var output strings.Builder
	up := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			output.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "Servers are up") {
				up <- true
			}
		}
		close(up)
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case ok := <-up:
		if !ok {
			t.Fatalf("up ended before its servers were up: %v\n%s", <-exited, output.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("up did not start within 60s")
	}
	raw, err := os.ReadFile(epFile)
	if err != nil {
		t.Fatal(err)
	}
	var ep endpoints
	if err := json.Unmarshal(raw, &ep); err != nil {
		t.Fatal(err)
	}
	holdClients(t, ep)

	sent := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		took := time.Since(sent)
		t.Logf("with clients connected, up on %s stopped %s after Ctrl-C", ep.Net, took)
		if took > stopWithin {
			t.Errorf("up took %s to stop", took)
		}
		if err != nil {
			t.Errorf("up exited with %v", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Signal(syscall.SIGQUIT) // the goroutine dump shows what hangs
		t.Fatalf("up did not stop within 10s of Ctrl-C")
	}
}

// Start and stop, again and again, with clients connected: every stop
// finishes closing the servers within 2s (in the process, so -race and
// the stop message see it).
func TestUpStartStopLoop(t *testing.T) {
	for i := range 5 {
		dir := t.TempDir()
		out := &syncBuffer{}
		ready := make(chan endpoints, 1)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		o := upOptions{quiet: true, base: testUpBase, caOut: filepath.Join(dir, "ca.pem"),
			ready: func(ep endpoints, _ string) { ready <- ep }}
		go func() { done <- upScenario(ctx, out, "cross-domain", o) }()
		var ep endpoints
		select {
		case ep = <-ready:
		case err := <-done:
			cancel()
			t.Fatalf("round %d: up ended early: %v\n%s", i, err, out.String())
		}
		if i%2 == 0 {
			holdClients(t, ep)
		}
		sent := time.Now()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: %v", i, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: up did not return within 10s", i)
		}
		if took := time.Since(sent); took > stopWithin || strings.Contains(out.String(), "did not stop") {
			t.Errorf("round %d: stopping took %s\n%s", i, took, out.String())
		}
	}
}
