package imapd

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailflow/mailflow/sim/mailstore"
)

// panicCatcher is a slog handler remembering whether imapserver reported a
// recovered panic.
type panicCatcher struct {
	mu     sync.Mutex
	panics []string
}

func (h *panicCatcher) Enabled(context.Context, slog.Level) bool { return true }
func (h *panicCatcher) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *panicCatcher) WithGroup(string) slog.Handler            { return h }
func (h *panicCatcher) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "panic") {
		h.mu.Lock()
		h.panics = append(h.panics, r.Message)
		h.mu.Unlock()
	}
	return nil
}

// FuzzSelectedCommands sends arbitrary lines to a logged-in session with
// INBOX selected. The session code must not panic (imapserver would hide
// it behind a recover) and Close must still stop everything.
func FuzzSelectedCommands(f *testing.F) {
	for _, seed := range []string{
		"1 FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE BODY[] BODY.PEEK[1.MIME] BINARY[1] RFC822.SIZE)\r\n",
		"2 STORE 1,2 +FLAGS (\\Deleted \\Recent \\Bogus kw)\r\n3 EXPUNGE\r\n4 UID EXPUNGE 1:*\r\n",
		"5 SEARCH RETURN (SAVE) OR BODY x TEXT y\r\n6 FETCH $ FLAGS\r\n7 UID SEARCH UID $ NOT SEEN\r\n",
		"8 MOVE * Trash\r\n9 COPY 1:* INBOX\r\n10 UID MOVE 1 Nope\r\n11 CLOSE\r\n12 SELECT INBOX\r\n",
		"13 IDLE\r\nDONE\r\n14 EXAMINE INBOX\r\n15 STORE 1 FLAGS ()\r\n16 APPEND INBOX {5}\r\nhello\r\n",
		"17 CREATE a/b\r\n18 RENAME a/b INBOX\r\n19 DELETE INBOX\r\n20 STATUS INBOX (MESSAGES SIZE UNSEEN)\r\n21 LIST \"\" *\r\n",
		// What the front answers itself: empty and unknown lines, literals.
		"\r\n22\r\n23 ID NIL\r\n24 APPEND INBOX {5000+}\r\nxx\r\n25 APPEND INBOX {3+}\r\nabc {2}\r\n",
		"26 LOGIN {3}\r\n27 STARTTLS\r\n28 LSUB \"\" %\r\n29 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" %\r\n30 FETCH 0 FLAGS\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		store := mailstore.New()
		store.AddUser(alice, pw)
		if err := store.CreateFolder(alice, "Trash"); err != nil {
			t.Fatal(err)
		}
		for _, raw := range []string{rawMsg("one", "1"), "Subject: bare\n\nlf\n", "", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n"} {
			if _, err := store.Deliver(alice, "", []byte(raw), date); err != nil {
				t.Fatal(err)
			}
		}
		catcher := &panicCatcher{}
		srv := New(Config{Host: host, Store: store, Logger: slog.New(catcher), ReadTimeout: time.Second, AllowPlaintextAuth: true})
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		go func() { served <- srv.Serve(l, false) }()

		conn, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			_, _ = io.Copy(io.Discard, conn)
		}()
		_, _ = io.WriteString(conn, "a LOGIN "+alice+" "+pw+"\r\nb SELECT INBOX\r\n")
		_, _ = conn.Write(input)
		_ = conn.(*net.TCPConn).CloseWrite() // the session reads it all, then EOF
		<-drained                            // and hangs up
		if err := srv.Close(); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		if err := <-served; err != nil {
			t.Fatal(err)
		}
		catcher.mu.Lock()
		defer catcher.mu.Unlock()
		if len(catcher.panics) > 0 {
			t.Fatalf("panic in session: %v", catcher.panics)
		}
	})
}
