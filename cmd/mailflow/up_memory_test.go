package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// refuseRCPTs sends count RCPT TO commands for a user that does not exist,
// over conns connections in batches (pipelined, as a flood would), and
// checks that each is refused.
func refuseRCPTs(t testing.TB, h hostEndpoint, conns, count int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- refuseOn(h, c, count/conns)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func refuseOn(h hostEndpoint, c, count int) error {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(h.Address, strconv.Itoa(h.Ports["smtp"])), 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	conn.SetDeadline(time.Now().Add(2 * time.Minute))
	expect := func(prefix string) error {
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return err
			}
			if !strings.HasPrefix(line, prefix) {
				return fmt.Errorf("got %q, want %s", line, prefix)
			}
			if len(line) > 3 && line[3] == ' ' {
				return nil
			}
		}
	}
	if err := expect("220"); err != nil {
		return err
	}
	const batch = 50
	for sent := 0; sent < count; sent += batch {
		// a new transaction now and then, as a storm of separate messages would
		var b strings.Builder
		b.WriteString("RSET\r\nMAIL FROM:<storm@client.test>\r\n")
		for i := range batch {
			fmt.Fprintf(&b, "RCPT TO:<nobody%d-%d@school.test>\r\n", c, sent+i)
		}
		if sent == 0 {
			io.WriteString(conn, "EHLO client.test\r\n")
			if err := expect("250"); err != nil {
				return err
			}
		}
		if _, err := io.WriteString(conn, b.String()); err != nil {
			return err
		}
		if err := expect("250"); err != nil { // RSET
			return err
		}
		if err := expect("250"); err != nil { // MAIL
			return err
		}
		for range batch {
			if err := expect("5"); err != nil {
				return err
			}
		}
	}
	io.WriteString(conn, "QUIT\r\n")
	return nil
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// A storm of refused recipients does not make `up` grow: its event
// history is bounded, and nothing else keeps what was refused. The heap
// after 80,000 refused RCPTs is measured against the heap after a first
// 20,000, when the history is already full.
func TestUpRefusedRecipientsStayBounded(t *testing.T) {
	count := 80_000
	if testing.Short() || raceEnabled {
		count = 20_000 // the same shape, faster; the bound is what is checked
	}
	dir := t.TempDir()
	out := &syncBuffer{}
	ready := make(chan endpoints, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	// narrated, as users run it, to a writer that keeps nothing
	o := upOptions{base: testUpBase, caOut: filepath.Join(dir, "ca.pem"), history: 2_000,
		ready: func(ep endpoints, _ string) { ready <- ep }}
	go func() { done <- upScenario(ctx, io.Discard, "cross-domain", o) }()
	defer func() { cancel(); <-done }()
	var ep endpoints
	select {
	case ep = <-ready:
	case err := <-done:
		t.Fatalf("up ended early: %v\n%s", err, out.String())
	}
	var mx hostEndpoint
	for _, h := range ep.Hosts {
		if h.Name == "mx.school.test" || strings.HasSuffix(h.Name, "school.test") {
			mx = h
		}
	}
	began := time.Now()
	refuseRCPTs(t, mx, 4, count/4)
	warm := heapInUse()
	refuseRCPTs(t, mx, 4, count)
	after := heapInUse()
	growth := int64(after) - int64(warm)
	t.Logf("%d refused RCPTs in %s; heap %.1f MB after %d, %.1f MB after %d more (growth %+.1f MB)",
		count+count/4, time.Since(began).Round(time.Millisecond), float64(warm)/1e6, count/4, float64(after)/1e6, count, float64(growth)/1e6)
	if growth > 8<<20 {
		t.Errorf("heap grew by %.1f MB over %d refused RCPTs", float64(growth)/1e6, count)
	}
}
