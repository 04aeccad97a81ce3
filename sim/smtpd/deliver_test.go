package smtpd

import (
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mailflow/mailflow/sim/envelope"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/topology"
)

// A 451 to DATA means no recipient got a copy, so the client's retry
// delivers exactly one: the queue refusing the remote part of a
// transaction must not leave the local parts filed.
func TestFailedTransactionFilesNothingAndRetryFilesOnce(t *testing.T) {
	var refuse atomic.Bool
	refuse.Store(true)
	var h *harness
	h = start(t, func(c *Config) {
		c.Take = func(ms ...envelope.Message) (func(), error) {
			if refuse.Load() {
				return nil, errors.New("queue full")
			}
			h.mu.Lock()
			h.queued = append(h.queued, ms...)
			h.mu.Unlock()
			return func() {}, nil
		}
	})
	c := h.dial(topology.SMTP)
	c.expect("EHLO client.test", 250)
	// team expands to bob, carol and dan@other.test (a queued copy).
	rcpts := []string{"bob@school.test", "team@school.test", "carol@school.test"}
	if code, last := c.transaction("dan@other.test", rcpts, testMessage("retry me")); code != 451 {
		t.Fatalf("DATA with the queue refusing: %q, want 451", last)
	}
	for _, u := range []string{"bob@school.test", "carol@school.test"} {
		if got := h.inbox(u, "INBOX"); len(got) != 0 {
			t.Errorf("%s got %d copies from a transaction answered 451", u, len(got))
		}
	}
	for _, k := range h.kinds() {
		if k == string(event.SMTPAccepted) || k == string(event.MailboxStore) {
			t.Errorf("a failed transaction published %s", k)
		}
	}

	refuse.Store(false)
	if code, last := c.transaction("dan@other.test", rcpts, testMessage("retry me")); code != 250 {
		t.Fatalf("retry: %q, want 250", last)
	}
	for _, u := range []string{"bob@school.test", "carol@school.test"} {
		if got := h.inbox(u, "INBOX"); len(got) != 1 {
			t.Errorf("%s has %d copies after the retry, want 1", u, len(got))
		}
	}
	q := h.queue()
	if len(q) != 1 || strings.Join(q[0].To, ",") != "dan@other.test" {
		t.Errorf("queued %+v, want one copy for dan@other.test", q)
	}
	c.expect("QUIT", 221)
}

// The same recipient named five times is accepted five times and gets one
// copy (RFC 5321 §3.3 leaves duplicates to the server).
func TestRepeatedRecipientGetsOneCopy(t *testing.T) {
	h := start(t, nil)
	c := h.dial(topology.SMTP)
	c.expect("EHLO client.test", 250)
	c.expect("MAIL FROM:<dan@other.test>", 250)
	for _, r := range []string{"bob@school.test", "bob@school.test", "BOB@school.test", "bob@SCHOOL.test", "bob@school.test"} {
		c.expect("RCPT TO:<"+r+">", 250)
	}
	c.expect("DATA", 354)
	c.expect(testMessage("five times"), 250)
	if got := h.inbox("bob@school.test", "INBOX"); len(got) != 1 {
		t.Fatalf("bob got %d copies, want 1", len(got))
	}
	if got := h.inbox("bob@school.test", "INBOX")[0]; !strings.Contains(got, "for <bob@school.test>") {
		t.Errorf("the Received: header should name the one recipient:\n%s", got)
	}
}

// A user reached directly and through an alias gets one copy.
func TestUserReachedTwiceThroughAnAliasGetsOneCopy(t *testing.T) {
	h := start(t, nil)
	c := h.dial(topology.SMTP)
	c.expect("EHLO client.test", 250)
	if code, last := c.transaction("dan@other.test", []string{"team@school.test", "carol@school.test"}, testMessage("alias")); code != 250 {
		t.Fatalf("DATA: %q", last)
	}
	for _, u := range []string{"bob@school.test", "carol@school.test"} {
		if got := h.inbox(u, "INBOX"); len(got) != 1 {
			t.Errorf("%s got %d copies, want 1", u, len(got))
		}
	}
}

// postmaster@<domain> is accepted for the domain the host receives mail
// for and, without an alias of that name, reaches the domain's first user.
func TestPostmasterReachesTheFirstUser(t *testing.T) {
	h := start(t, nil)
	c := h.dial(topology.SMTP)
	c.expect("EHLO client.test", 250)
	if code, last := c.transaction("dan@other.test", []string{"Postmaster@school.test"}, testMessage("to the postmaster")); code != 250 {
		t.Fatalf("DATA: %q", last)
	}
	if got := h.inbox("bob@school.test", "INBOX"); len(got) != 1 {
		t.Fatalf("bob (first user of school.test) got %d messages for postmaster, want 1", len(got))
	}
}

// The queue owns a relayed copy before the 250, but may try it only once
// the server has told of the transaction: otherwise a queue driven in the
// background could tell of step 4 before steps 2 and 3 that led to it.
func TestQueueStartsAfterTheTransactionIsTold(t *testing.T) {
	var h *harness
	started := make(chan []string, 1)
	h = start(t, func(c *Config) {
		c.Take = func(ms ...envelope.Message) (func(), error) {
			h.mu.Lock()
			h.queued = append(h.queued, ms...)
			h.mu.Unlock()
			return func() { started <- h.kinds() }, nil
		}
	})
	c := h.dial(topology.SMTP)
	c.expect("EHLO client.test", 250)
	// bob is filed here; dan@other.test goes to the queue.
	if code, last := c.transaction("dan@other.test", []string{"bob@school.test", "team@school.test"}, testMessage("order")); code != 250 {
		t.Fatalf("DATA: %q, want 250", last)
	}
	var kinds []string
	select {
	case kinds = <-started:
	default:
		t.Fatal("the 250 came before the queue was told it may start")
	}
	for _, want := range []event.Kind{event.SMTPAccepted, event.MailboxStore} {
		if !slices.Contains(kinds, string(want)) {
			t.Errorf("queue started before %s was published; published so far: %v", want, kinds)
		}
	}
	c.expect("QUIT", 221)
}
