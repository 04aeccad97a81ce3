package imapd

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailflow/mailflow/sim/mailstore"
	"github.com/mailflow/mailflow/sim/pop3d"
)

// One store, two views: what a POP3 client deletes is gone for IMAP and
// the other way round, and both name messages by the same stable UIDs.
func TestOneStoreTwoViews(t *testing.T) {
	store := mailstore.New()
	store.AddUser(alice, pw)
	imapSrv := startOn(t, store, false, nil)
	popAddr := startPOP3(t, store)
	for _, s := range []string{"one", "two", "three"} {
		imapSrv.deliver(t, "", rawMsg(s, s))
	}
	info, _ := store.Info(alice, mailstore.Inbox)

	expunged := make(chan uint32, 10)
	c := login(t, imapSrv.addr, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Expunge: func(seq uint32) { expunged <- seq },
	}})
	if sel := selectBox(t, c, "INBOX"); sel.NumMessages != 3 || sel.UIDValidity != info.UIDValidity {
		t.Fatalf("SELECT %+v", sel)
	}

	// POP3 UIDL names the messages by IMAP's UIDVALIDITY and UIDs.
	p := dialPOP3(t, popAddr)
	want := []string{}
	for uid := 1; uid <= 3; uid++ {
		want = append(want, fmt.Sprintf("%d %d-%d", uid, info.UIDValidity, uid))
	}
	if got := p.multi("UIDL"); !slices.Equal(got, want) {
		t.Fatalf("UIDL %q, want %q", got, want)
	}

	// POP3 DELE 1 + QUIT: the idle-free IMAP client learns of it at its next command.
	p.ok("DELE 1")
	p.ok("QUIT")
	p.eof()
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	if seq := <-expunged; seq != 1 {
		t.Fatalf("IMAP saw EXPUNGE %d, want 1", seq)
	}
	m := fetch(t, c, imap.SeqSetNum(1, 2), &imap.FetchOptions{UID: true})
	if len(m) != 2 || m[0].UID != 2 || m[1].UID != 3 {
		t.Fatalf("IMAP after POP3 delete: %+v", m)
	}

	// IMAP \Deleted + EXPUNGE of UID 2: POP3 no longer lists it.
	if err := c.Store(imap.UIDSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	p = dialPOP3(t, popAddr)
	if got := p.ok("STAT"); !strings.HasPrefix(got, "+OK 1 ") {
		t.Fatalf("POP3 STAT after IMAP expunge: %q", got)
	}
	// The survivor keeps its UIDL across sessions, though it is now message 1.
	if got := p.multi("UIDL"); !slices.Equal(got, []string{fmt.Sprintf("1 %d-3", info.UIDValidity)}) {
		t.Fatalf("UIDL after IMAP expunge: %q", got)
	}
	p.ok("RETR 1")
	p.readMulti()
	p.ok("QUIT")
	p.eof()

	// POP3 RETR marked it \Seen for IMAP; its UID is unchanged.
	m = fetch(t, c, imap.SeqSetNum(1), &imap.FetchOptions{UID: true, Flags: true})
	if len(m) != 1 || m[0].UID != 3 || !slices.Contains(m[0].Flags, imap.FlagSeen) {
		t.Fatalf("IMAP after POP3 RETR: %+v", m)
	}
}

func startPOP3(t *testing.T, store *mailstore.Store) string {
	t.Helper()
	srv := pop3d.New(pop3d.Config{Host: host, Store: store, AllowPlaintextAuth: true})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l, false) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return l.Addr().String()
}

// pop3Client is a logged-in raw POP3 client.
type pop3Client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialPOP3(t *testing.T, addr string) *pop3Client {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(wait))
	p := &pop3Client{t: t, conn: conn, r: bufio.NewReader(conn)}
	p.line() // greeting
	p.ok("USER " + alice)
	p.ok("PASS " + pw)
	return p
}

func (p *pop3Client) line() string {
	p.t.Helper()
	l, err := p.r.ReadString('\n')
	if err != nil {
		p.t.Fatalf("POP3 read: %v", err)
	}
	return strings.TrimSuffix(l, "\r\n")
}

func (p *pop3Client) ok(cmd string) string {
	p.t.Helper()
	if _, err := io.WriteString(p.conn, cmd+"\r\n"); err != nil {
		p.t.Fatal(err)
	}
	l := p.line()
	if !strings.HasPrefix(l, "+OK") {
		p.t.Fatalf("POP3 %s: %q", cmd, l)
	}
	return l
}

func (p *pop3Client) multi(cmd string) []string {
	p.t.Helper()
	p.ok(cmd)
	return p.readMulti()
}

func (p *pop3Client) readMulti() []string {
	p.t.Helper()
	var lines []string
	for l := p.line(); l != "."; l = p.line() {
		lines = append(lines, l)
	}
	return lines
}

func (p *pop3Client) eof() {
	p.t.Helper()
	if l, err := p.r.ReadString('\n'); err != io.EOF {
		p.t.Fatalf("POP3: want EOF, got %q, %v", l, err)
	}
}
