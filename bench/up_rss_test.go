package bench

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TestUpPeakRSS is a measurement, not a check run by default: with
// MAILFLOW_UP_RSS=N it builds mailflow, starts `mailflow up cross-domain
// --quiet` in a process of its own, sends N messages of 1 KB from 16
// clients through alice's submission port, watches bob's INBOX over IMAPS
// until all have arrived, checks that each arrived exactly once (by
// Message-ID), and reports the up process's peak resident memory (VmHWM).
//
//	MAILFLOW_UP_RSS=10000 go test -run UpPeakRSS -v -timeout 30m ./bench
func TestUpPeakRSS(t *testing.T) {
	count, _ := strconv.Atoi(os.Getenv("MAILFLOW_UP_RSS"))
	if count <= 0 {
		t.Skip("a measurement: set MAILFLOW_UP_RSS=N to send N messages through mailflow up")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "mailflow")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/mailflow").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ep, ca := filepath.Join(dir, "endpoints.json"), filepath.Join(dir, "ca.pem")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "up", "cross-domain", "--quiet", "--high-ports",
		"--net", "127.25.213.0/24", "--endpoints-json", ep, "--ca-out", ca)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	lines := bufio.NewScanner(stdout)
	for lines.Scan() && !strings.Contains(lines.Text(), "Press Ctrl-C") {
	}
	go func() { // keep the pipe drained
		for lines.Scan() {
		}
	}()
	var eps struct {
		Hosts []struct {
			Name, Address string
			Ports         map[string]int
		}
	}
	b, err := os.ReadFile(ep)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &eps); err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	addrOf := func(host, svc string) string {
		for _, h := range eps.Hosts {
			if h.Name == host {
				return net.JoinHostPort(h.Address, strconv.Itoa(h.Ports[svc]))
			}
		}
		t.Fatalf("no %s in the endpoints", host)
		return ""
	}
	target := upTarget{Target{Addr: netip.MustParseAddrPort(addrOf("mail.example.test", "submission")),
		ServerName: "mail.example.test", TLS: &tls.Config{ServerName: "mail.example.test", RootCAs: roots},
		Login: Login{"alice@example.test", "password"}, From: "alice@example.test", To: "bob@school.test"}, nil}
	imapc, err := imapclient.DialTLS(addrOf("mail.school.test", "imaps"), &imapclient.Options{
		TLSConfig: &tls.Config{ServerName: "mail.school.test", RootCAs: roots}})
	if err != nil {
		t.Fatal(err)
	}
	defer imapc.Close()
	if err := imapc.Login("bob@school.test", "password").Wait(); err != nil {
		t.Fatal(err)
	}
	target.imap = imapc
	began := time.Now()
	d, err := Round(ctx, &target, 0, count, Clients)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d messages through up in %s: %.0f msg/s end to end", count, d.Round(time.Millisecond),
		float64(count)/d.Seconds())
	// Each Message-ID once: nothing lost, nothing filed twice.
	if _, err := imapc.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	var all imap.SeqSet
	all.AddRange(1, 0)
	msgs, err := imapc.Fetch(all, &imap.FetchOptions{Envelope: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, m := range msgs {
		seen[m.Envelope.MessageID]++
	}
	lost, dups := 0, 0
	for i := range count {
		switch seen[fmt.Sprintf("load%d@bench.test", i)] {
		case 0:
			lost++
		case 1:
		default:
			dups++
		}
	}
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	hwm := ""
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "VmHWM:") || strings.HasPrefix(l, "VmRSS:") {
			hwm += strings.Join(strings.Fields(l), " ") + "  "
		}
	}
	t.Logf("up process: %s(whole run %s); %d in INBOX, %d lost, %d filed twice", hwm,
		time.Since(began).Round(time.Millisecond), len(msgs), lost, dups)
	if lost > 0 || dups > 0 {
		t.Fatalf("%d lost, %d filed twice", lost, dups)
	}
}

// upTarget is mailflow up seen from outside: delivery counted by IMAP
// STATUS on bob's INBOX.
type upTarget struct {
	t    Target
	imap *imapclient.Client
}

func (u *upTarget) Target() Target { return u.t }

func (u *upTarget) Delivered() int64 {
	st, err := u.imap.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil || st.NumMessages == nil {
		return -1
	}
	return int64(*st.NumMessages)
}

// WaitDelivered asks STATUS until n have arrived: the up process is
// watched from outside, as a user's client would.
func (u *upTarget) WaitDelivered(ctx context.Context, n int64) error {
	for {
		got := u.Delivered()
		if got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d in the INBOX: %w", got, n, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
