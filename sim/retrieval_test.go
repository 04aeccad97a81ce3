package sim

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailflow/mailflow/topology"
)

// A message filed at step 6 reaches a client idling on INBOX without the
// client polling: the IMAP server announces it as EXISTS.
func TestIdlingIMAPClientSeesDeliveryAtStepSix(t *testing.T) {
	n := startBuiltin(t, "cross-domain")
	conn, err := net.Dial("tcp", hostAddr(t, n, "mail.school.test", topology.IMAPS))
	if err != nil {
		t.Fatal(err)
	}
	exists := make(chan uint32, 4)
	c := imapclient.New(tls.Client(conn, &tls.Config{ServerName: "mail.school.test", RootCAs: n.CA.Pool(),
		Time: n.Clock.Now}), &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				exists <- *d.NumMessages
			}
		}}})
	defer c.Close()
	if err := c.Login("bob@school.test", "password").Wait(); err != nil {
		t.Fatal(err)
	}
	if sel, err := c.Select("INBOX", nil).Wait(); err != nil || sel.NumMessages != 0 {
		t.Fatalf("select: %v, %v", sel, err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := n.Play(ctx); err != nil { // alice sends; the queue delivers to mail.school.test
		t.Fatal(err)
	}
	select {
	case got := <-exists:
		if got != 1 {
			t.Fatalf("EXISTS %d, want 1", got)
		}
	case <-ctx.Done():
		t.Fatal("the idling client was never told of the new message")
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatal(err)
	}
	c.Logout().Wait()
}
