package smtpd

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/mailflow/mailflow/topology"
)

// FuzzSession feeds arbitrary input to a connection as if a client sent it,
// on each port; the server must neither panic nor hang.
func FuzzSession(f *testing.F) {
	for _, seed := range []string{
		"EHLO a\r\nMAIL FROM:<dan@other.test> SIZE=10 BODY=8BITMIME RET=FULL ENVID=x+2By\r\n" +
			"RCPT TO:<bob@school.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;bob@school.test\r\nRCPT TO:<postmaster>\r\n" +
			"DATA\r\nSubject: x\r\n\r\n..dot\r\n.\r\nRSET\r\nQUIT\r\n",
		"HELO a\r\nAUTH PLAIN AGJvYkBzY2hvb2wudGVzdABib2Jwdw==\r\nAUTH LOGIN\r\n*\r\nAUTH LOGIN =\r\n=\r\n\r\nSTARTTLS\r\n",
		"MAIL FROM:<>\r\nRCPT TO:<@a,@b:x@y>\r\nDATA\r\nEHLO\r\nVRFY\r\nBDAT 10 LAST\r\n\x00\xff\r\n\n.\n\r\n.\r\n",
		"EHLO a\r\nMAIL FROM:<\"a b\"@c> AUTH=<> SMTPUTF8\r\nMAIL FROM:<a@b\r\nRCPT TO:<team@school.test>\r\nDATA\r\n",
	} {
		f.Add([]byte(seed), uint8(0))
	}
	h := &harness{addrs: map[topology.Service]string{}}
	cfg := testConfig(f, h)
	cfg.ReadTimeout, cfg.AuthFailDelay, cfg.MaxMessageBytes = time.Second, time.Millisecond, 4096
	services := []topology.Service{topology.SMTP, topology.Submission}
	f.Fuzz(func(t *testing.T, input []byte, port uint8) {
		srv := New(cfg)
		client, server := net.Pipe()
		svc := services[int(port)%len(services)]
		c := &conn{srv: srv, slots: newSlots(1), svc: svc, port: topology.StandardPort(svc), raw: server, nc: server}
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer server.Close()
			c.serve()
		}()
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			_, _ = io.Copy(io.Discard, client)
		}()
		_, _ = client.Write(input) // fails once the server hangs up; that is fine
		client.Close()
		<-done
		<-drained
		if n := srv.panics.Load(); n != 0 {
			t.Fatalf("%d panics serving %q", n, input)
		}
	})
}
