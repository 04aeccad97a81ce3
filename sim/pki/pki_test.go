package pki

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// simNow is far from the wall clock on purpose: if anything in the package
// read time.Now, verification with tls.Config.Time = simNow would fail.
var simNow = time.Date(2031, 3, 4, 10, 0, 0, 0, time.UTC)

// handshake serves cert on a real loopback TLS listener and dials it with a
// client that trusts roots, verifying at the simulated time now.
// It returns the client's and the server's handshake errors.
func handshake(t *testing.T, cert tls.Certificate, roots *x509.CertPool, serverName string, now time.Time) (clientErr, serverErr error) {
	t.Helper()
	clock := func() time.Time { return now }
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, Time: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	serverDone := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			serverDone <- err
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second)) // wall clock: a socket deadline, not sim time
		err = c.(*tls.Conn).Handshake()
		if err == nil {
			// Wait for the client's close so TLS 1.3 session tickets are read.
			_, _ = io.Copy(io.Discard, c)
		}
		serverDone <- err
	}()

	d := &net.Dialer{Timeout: 10 * time.Second}
	conn, clientErr := tls.DialWithDialer(d, "tcp", ln.Addr().String(), &tls.Config{
		RootCAs:    roots,
		ServerName: serverName,
		Time:       clock,
	})
	if clientErr == nil {
		conn.Close()
	}
	return clientErr, <-serverDone
}

func TestFaultsOverRealTLS(t *testing.T) {
	ca, err := NewCA("mailflow test root", simNow)
	if err != nil {
		t.Fatal(err)
	}
	loopback := []net.IP{net.IPv4(127, 0, 0, 1)}
	tests := []struct {
		name       string
		names      []string
		ips        []net.IP
		opts       IssueOptions
		serverName string
		verifyAt   time.Time
		want       string // "" means the handshake succeeds
	}{
		{name: "good", names: []string{"mx.school.test"}, serverName: "mx.school.test"},
		{name: "good trailing dot", names: []string{"mx.school.test."}, serverName: "mx.school.test"},
		{name: "good by IP", ips: loopback, serverName: "127.0.0.1"},
		{name: "good second name", names: []string{"mx.school.test", "smtp.school.test"}, serverName: "smtp.school.test"},
		{name: "good cert after simulated year", names: []string{"mx.school.test"}, serverName: "mx.school.test",
			verifyAt: simNow.Add(2 * 365 * 24 * time.Hour), want: "certificate expired 332 days ago"},
		{name: "expired", names: []string{"mx.school.test"}, serverName: "mx.school.test",
			opts: IssueOptions{Fault: FaultExpired}, want: "certificate expired 3 days ago"},
		{name: "not yet valid", names: []string{"mx.school.test"}, serverName: "mx.school.test",
			opts: IssueOptions{Fault: FaultNotYetValid},
			want: "certificate is not valid until 2031-03-06 10:00 UTC (in 2 days)"},
		{name: "wrong name", names: []string{"mx.school.test"}, serverName: "mx.school.test",
			opts: IssueOptions{Fault: FaultWrongName}, want: "certificate is for wrong.invalid, not mx.school.test"},
		{name: "wrong name chosen", names: []string{"mx.school.test"}, serverName: "mx.school.test",
			opts: IssueOptions{Fault: FaultWrongName, WrongName: "mx.other.test"},
			want: "certificate is for mx.other.test, not mx.school.test"},
		{name: "wrong name drops IPs", ips: loopback, serverName: "127.0.0.1",
			opts: IssueOptions{Fault: FaultWrongName}, want: "certificate is for wrong.invalid, not 127.0.0.1"},
		{name: "unknown CA", names: []string{"mx.school.test"}, serverName: "mx.school.test",
			opts: IssueOptions{Fault: FaultUnknownCA}, want: "certificate signed by an unknown authority"},
		{name: "self-signed", names: []string{"mx.school.test"}, serverName: "mx.school.test",
			opts: IssueOptions{Fault: FaultSelfSigned}, want: "certificate is self-signed, not signed by a trusted authority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Now = simNow
			cert, err := ca.Issue(tt.names, tt.ips, tt.opts)
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			at := simNow
			if !tt.verifyAt.IsZero() {
				at = tt.verifyAt
			}
			clientErr, serverErr := handshake(t, cert, ca.Pool(), tt.serverName, at)
			if tt.want == "" {
				if clientErr != nil || serverErr != nil {
					t.Fatalf("handshake failed: client %v (%s); server %v", clientErr, Describe(clientErr, at), serverErr)
				}
				return
			}
			if clientErr == nil {
				t.Fatalf("handshake succeeded, want failure %q", tt.want)
			}
			if got := Describe(clientErr, at); got != tt.want {
				t.Errorf("Describe(client error) = %q, want %q (raw: %v)", got, tt.want, clientErr)
			}
			// The server only learns of the refusal through the client's alert.
			if got := Describe(serverErr, at); !strings.HasPrefix(got, "the other side rejected the TLS handshake") {
				t.Errorf("Describe(server error) = %q (raw: %v)", got, serverErr)
			}
		})
	}
}

// A leaf also works as a client certificate (ClientAuth EKU), checked at sim time.
func TestClientCertificate(t *testing.T) {
	ca, err := NewCA("mailflow test root", simNow)
	if err != nil {
		t.Fatal(err)
	}
	serverCert, err := ca.Issue([]string{"mx.school.test"}, nil, IssueOptions{Now: simNow})
	if err != nil {
		t.Fatal(err)
	}
	clientCert, err := ca.Issue([]string{"relay.school.test"}, nil, IssueOptions{Now: simNow})
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return simNow }
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{serverCert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.Pool(),
		Time:         clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			peer <- "accept: " + err.Error()
			return
		}
		defer c.Close()
		tc := c.(*tls.Conn)
		if err := tc.Handshake(); err != nil {
			peer <- "handshake: " + err.Error()
			return
		}
		peer <- tc.ConnectionState().PeerCertificates[0].Subject.CommonName
	}()
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{
		RootCAs: ca.Pool(), ServerName: "mx.school.test", Time: clock,
		Certificates: []tls.Certificate{clientCert},
	})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	// The client handshake can finish before the server verifies the client
	// certificate (TLS 1.3), so wait for the server's verdict before closing.
	got := <-peer
	conn.Close()
	if got != "relay.school.test" {
		t.Fatalf("server saw client %q", got)
	}
}

func TestCAPEM(t *testing.T) {
	ca, err := NewCA("mailflow test root", simNow)
	if err != nil {
		t.Fatal(err)
	}
	block, rest := pem.Decode(ca.CertPEM())
	if block == nil || block.Type != "CERTIFICATE" || len(rest) != 0 {
		t.Fatalf("CertPEM is not one PEM certificate: %q", ca.CertPEM())
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !c.IsCA || c.Subject.CommonName != "mailflow test root" {
		t.Errorf("root: IsCA=%v CN=%q", c.IsCA, c.Subject.CommonName)
	}
	if !c.NotBefore.Equal(simNow.Add(-time.Hour)) || !c.NotAfter.Equal(simNow.Add(10*365*24*time.Hour)) {
		t.Errorf("root validity %v .. %v", c.NotBefore, c.NotAfter)
	}
	// Callers may scribble on the returned slice without harming the CA.
	ca.CertPEM()[0] = 'X'
	if ca.CertPEM()[0] != '-' {
		t.Error("CertPEM shares its buffer")
	}
}

func TestLeafFields(t *testing.T) {
	ca, err := NewCA("root", simNow)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue([]string{"mx.school.test"}, []net.IP{net.ParseIP("::1")}, IssueOptions{Now: simNow})
	if err != nil {
		t.Fatal(err)
	}
	leaf := cert.Leaf
	if leaf.Subject.CommonName != "mx.school.test" || leaf.IsCA {
		t.Errorf("CN=%q IsCA=%v", leaf.Subject.CommonName, leaf.IsCA)
	}
	if len(leaf.IPAddresses) != 1 || !leaf.IPAddresses[0].Equal(net.ParseIP("::1")) {
		t.Errorf("IP SANs %v", leaf.IPAddresses)
	}
	if !leaf.NotBefore.Equal(simNow.Add(-time.Hour)) || !leaf.NotAfter.Equal(simNow.Add(398*24*time.Hour)) {
		t.Errorf("leaf validity %v .. %v", leaf.NotBefore, leaf.NotAfter)
	}
	if len(leaf.ExtKeyUsage) != 2 {
		t.Errorf("EKU %v", leaf.ExtKeyUsage)
	}
}

func TestIssueErrors(t *testing.T) {
	ca, err := NewCA("root", simNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ca.Issue(nil, nil, IssueOptions{Now: simNow}); err == nil {
		t.Error("Issue with no names: want error")
	}
	if _, err := ca.Issue([]string{""}, nil, IssueOptions{Now: simNow}); err == nil {
		t.Error("Issue with empty name: want error")
	}
	_, err = ca.Issue([]string{"a.test"}, nil, IssueOptions{Now: simNow, Fault: "rotten"})
	if err == nil || !strings.Contains(err.Error(), "self-signed") {
		t.Errorf("Issue with bad fault: %v, want an error listing valid faults", err)
	}
	if _, err := NewCA("", simNow); err == nil {
		t.Error("NewCA with empty name: want error")
	}
}

func TestParseFault(t *testing.T) {
	tests := []struct {
		in      string
		want    Fault
		wantErr bool
	}{
		{"", FaultNone, false},
		{"none", FaultNone, false},
		{"expired", FaultExpired, false},
		{" Not-Yet-Valid ", FaultNotYetValid, false},
		{"wrong-name", FaultWrongName, false},
		{"unknown-ca", FaultUnknownCA, false},
		{"self-signed", FaultSelfSigned, false},
		{"expird", "", true},
	}
	for _, tt := range tests {
		got, err := ParseFault(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseFault(%q) = %q, %v", tt.in, got, err)
		}
		if err != nil {
			for _, f := range Faults() {
				if !strings.Contains(err.Error(), string(f)) {
					t.Errorf("error %q does not list %q", err, f)
				}
			}
		}
	}
}

func TestDescribeOther(t *testing.T) {
	if got := Describe(nil, simNow); got != "" {
		t.Errorf("Describe(nil) = %q", got)
	}
	if got := Describe(errors.New("boom"), simNow); got != "boom" {
		t.Errorf("Describe(plain) = %q", got)
	}
	for d, want := range map[time.Duration]string{
		30 * time.Second: "less than a minute",
		time.Minute:      "1 minute",
		5 * time.Hour:    "5 hours",
		25 * time.Hour:   "1 day",
		-72 * time.Hour:  "3 days",
	} {
		if got := span(d); got != want {
			t.Errorf("span(%v) = %q, want %q", d, got, want)
		}
	}
}
