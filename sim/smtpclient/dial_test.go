package smtpclient

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/transcript"
)

// A server that resets every connection, as a refusing host does: the
// failure names no socket address (its port differs in every run, and a
// trace must not) and, on 465 as on 587, counts as a closed connection,
// not as a failed TLS handshake.
func TestDialResetIsClosedAndNamesNoAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
	}()
	remote := netip.MustParseAddrPort(ln.Addr().String())
	for _, mode := range []string{Implicit, StartTLS} {
		_, err := Dial(context.Background(), Options{Local: netip.MustParseAddr("127.0.0.1"), Remote: remote,
			Name: "client.test", TLS: mode, Config: &tls.Config{InsecureSkipVerify: true}, Timeout: 5 * time.Second, Record: &transcript.Recorder{}})
		if err == nil {
			t.Fatalf("%s: dial to a resetting server succeeded", mode)
		}
		var de *DialError
		if !errors.As(err, &de) || de.Stage != event.StageConnect {
			t.Errorf("%s: error %v is not a DialError at connect", mode, err)
		}
		if strings.Contains(err.Error(), "127.0.0.1") {
			t.Errorf("%s: error %q names a socket address", mode, err)
		}
		if r, _ := event.LocalReasonOf(err); r != event.ReasonClosed {
			t.Errorf("%s: reason %q, want %q (error %q)", mode, r, event.ReasonClosed, err)
		}
	}
	ln.Close()
	<-done
}
