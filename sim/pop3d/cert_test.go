package pop3d

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/mailflow/mailflow/sim/pki"
)

// testTLS makes a throwaway CA and a server certificate for host, and
// returns the server config and a client config that trusts only that CA.
func testTLS(t testing.TB, host string) (server, client *tls.Config) {
	t.Helper()
	now := time.Now()
	ca, err := pki.NewCA("test CA", now)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue([]string{host}, []net.IP{net.IPv4(127, 0, 0, 1)}, pki.IssueOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}}, &tls.Config{RootCAs: ca.Pool(), ServerName: host}
}
