package pop3d

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/mailflow/mailflow/sim/mailstore"
)

// FuzzSession feeds arbitrary input to a session as if a client sent it;
// the session must neither panic nor hang.
func FuzzSession(f *testing.F) {
	for _, seed := range []string{
		"USER alice@example.test\r\nPASS wonderland\r\nSTAT\r\nLIST\r\nUIDL 1\r\nRETR 1\r\nTOP 2 1\r\nDELE 1\r\nRSET\r\nQUIT\r\n",
		"CAPA\r\nAUTH PLAIN\r\nAGFsaWNlQGV4YW1wbGUudGVzdAB3b25kZXJsYW5k\r\nLIST 99999999999\r\nDELE 0\r\n",
		"AUTH PLAIN =\r\nAUTH\r\nSTLS\r\nUSER\r\nPASS\r\n\r\n\n\x00\xff",
		"USER a\r\nPASS b\r\nUSER a\r\nPASS b\r\nUSER a\r\nPASS b\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		store := mailstore.New()
		store.AddUser("alice@example.test", "wonderland")
		for _, raw := range []string{"Subject: x\n\n.dot\nbody\n", "", "no header end"} {
			if _, err := store.Deliver("alice@example.test", "", []byte(raw), time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		srv := New(Config{Host: "fuzz.test", Store: store, ReadTimeout: time.Second, AllowPlaintextAuth: true})
		client, server := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			newSession(srv, server, server, "fuzz", "pop3", 110, false).serve()
		}()
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			_, _ = io.Copy(io.Discard, client)
		}()
		_, _ = client.Write(input) // fails once the session hangs up; that is fine
		client.Close()
		<-done
		<-drained
	})
}
