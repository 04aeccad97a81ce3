package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/netip"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe to read while up writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testUpBase is where the tests' `up`s look for a free network, away from
// the one users get.
var testUpBase = netip.MustParsePrefix("127.26.0.0/24")

// startUp runs `mailflow up` in the background until the test ends and
// returns its endpoints and output.
func startUp(t *testing.T, scenario string) (endpoints, *syncBuffer, string) {
	t.Helper()
	return startUpWith(t, scenario, upOptions{quiet: true})
}

// startUpWith is startUp with options; the files and the network base are
// filled in.
func startUpWith(t *testing.T, scenario string, o upOptions) (endpoints, *syncBuffer, string) {
	t.Helper()
	dir := t.TempDir()
	epFile := filepath.Join(dir, "endpoints.json")
	out := &syncBuffer{}
	ready := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	o.endpointsJSON, o.caOut, o.base = epFile, filepath.Join(dir, "ca.pem"), testUpBase
	o.ready = func(endpoints, string) { close(ready) }
	go func() { done <- upScenario(ctx, out, scenario, o) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("up ended early: %v\n%s", err, out.String())
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("up: %v", err)
		}
	})
	raw, err := os.ReadFile(epFile)
	if err != nil {
		t.Fatal(err)
	}
	var ep endpoints
	if err := json.Unmarshal(raw, &ep); err != nil {
		t.Fatalf("endpoints JSON: %v\n%s", err, raw)
	}
	return ep, out, string(raw)
}

func TestUpPrintsEndpointsThatWork(t *testing.T) {
	ep, out, raw := startUp(t, "cross-domain")
	for _, key := range []string{`"net"`, `"ca_file"`, `"dns"`, `"address"`, `"port"`, `"hosts"`, `"ports"`, `"smtp"`,
		`"submission"`, `"submissions"`, `"users"`, `"password"`, `"host"`} {
		if !strings.Contains(raw, key) {
			t.Errorf("endpoints JSON lacks %s:\n%s", key, raw)
		}
	}
	if len(ep.Hosts) != 2 || len(ep.Users) != 2 {
		t.Fatalf("endpoints: %+v", ep)
	}
	for _, want := range []string{"Simulated internet on " + ep.Net, "mail.example.test", "alice@example.test", "password", "dig @", "swaks --server",
		"curl", "openssl s_client", ep.CAFile} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// A real client verifies TLS against the written CA and submits.
	pem, err := os.ReadFile(ep.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("CA file holds no certificate")
	}
	var alice hostEndpoint
	for _, h := range ep.Hosts {
		if h.Name == "mail.example.test" {
			alice = h
		}
	}
	conn, err := net.Dial("tcp", alice.Address+":"+strconv.Itoa(alice.Ports["submission"]))
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClient(conn, alice.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.StartTLS(&tls.Config{ServerName: alice.Name, RootCAs: pool}); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(smtp.PlainAuth("", "alice@example.test", "password", alice.Name)); err != nil {
		t.Fatal(err)
	}
}

// The printed examples work as printed, for the tools this machine has.
func TestUpExamplesRunAsPrinted(t *testing.T) {
	_, out, _ := startUp(t, "cross-domain")
	ran := 0
	for _, line := range strings.Split(out.String(), "\n") {
		line = strings.TrimSpace(line)
		tool := strings.Fields(line + " x")[0]
		switch {
		case strings.Contains(line, "| curl"):
			tool = "curl"
		case tool == "openssl":
			line = "echo QUIT | " + line + " -brief"
		case tool != "dig" && tool != "swaks" && tool != "curl":
			continue
		}
		if _, err := exec.LookPath(tool); err != nil {
			t.Logf("skipping (no %s here): %s", tool, line)
			continue
		}
		cmd := exec.Command("sh", "-c", line)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("example failed: %s\n%v\n%s", line, err, b)
			continue
		}
		if tool == "openssl" && !strings.Contains(string(b), "Verification: OK") {
			t.Errorf("openssl did not verify the certificate: %s\n%s", line, b)
		}
		ran++
	}
	if ran == 0 {
		t.Skip("none of dig, swaks, curl, openssl is installed")
	}
}
