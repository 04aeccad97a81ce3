package sim

import (
	"bufio"
	"context"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/topology"
)

// Closing a network while clients are in the middle of transactions and
// the driver is delivering returns at once and leaves no goroutine: every
// server, queue and the driver let go, whatever they were doing. Every
// other round delivers as mailflow load does: attempts in parallel, over
// kept connections, from DNS caches.
func TestCloseMidTransactionAndDelivery(t *testing.T) {
	defer goleak.VerifyNone(t)
	for round := range 4 {
		s := loadBuiltin(t, "bulk-via-smarthost")
		s.Actions[0].Load.Count = 30
		s.Actions[0].Load.Rate = ""
		parallel := round%2 == 1
		n, err := Start(s, Options{Caches: parallel})
		if err != nil {
			t.Fatal(err)
		}
		if parallel {
			n.SetParallel(DefaultParallel)
		}
		n.StartDriver()
		n.SetLiveLoad(LoadOptions{Concurrency: 6})
		ctx, cancel := context.WithCancel(context.Background())
		played := make(chan error, 1)
		go func() { played <- n.Play(ctx) }()

		// Strangers on the school's port 25: one greeted and silent, one
		// after EHLO, one half through DATA.
		var strangers []net.Conn
		for _, lines := range [][]string{nil, {"EHLO a.test"},
			{"EHLO a.test", "MAIL FROM:<x@a.test>", "RCPT TO:<news@school.test>", "DATA", "Subject: half"}} {
			c, err := net.Dial("tcp", hostAddr(t, n, "mail.school.test", topology.SMTP))
			if err != nil {
				t.Fatal(err)
			}
			strangers = append(strangers, c)
			c.SetDeadline(time.Now().Add(time.Minute)) // fail, never hang
			if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
				t.Fatalf("round %d: greeting: %v", round, err)
			}
			for _, l := range lines {
				c.Write([]byte(l + "\r\n"))
			}
		}
		// The driver is delivering: a relay hop has begun.
		wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
		_, err = n.Bus.Wait(wctx, func(e event.Event) bool { return e.Kind == event.RelayConnect })
		wcancel()
		if err != nil {
			t.Fatalf("round %d: no relay started: %v", round, err)
		}
		closed := make(chan struct{})
		began := time.Now()
		go func() { n.Close(); close(closed) }()
		select {
		case <-closed:
			t.Logf("round %d: Close took %v", round, time.Since(began).Round(time.Millisecond))
		case <-time.After(3 * time.Second): // it takes milliseconds; a 5 s wait means a DNS question it did not end
			t.Fatalf("round %d: Close still waiting after 3s", round)
		}
		cancel()
		<-played
		for _, c := range strangers {
			c.Close()
		}
	}
}
