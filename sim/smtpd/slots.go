package smtpd

import (
	"sync"
	"time"
)

// slots are one listener's places for connections. A full listener does
// not leave a new client in the kernel's backlog: it takes the place of the
// connection that has kept the server waiting longest — an idle client, or
// one trickling a command byte by byte — once that wait reaches ShedAfter.
// Only when every client is busy (the server working for it, or its data
// arriving) is the newcomer refused, and then at once with 421 4.3.2.
type slots struct {
	max   int
	mu    sync.Mutex
	conns map[*conn]struct{}
	// waiters counts connections waiting to be admitted; at most max may.
	waiters int
	freed   chan struct{} // closed and replaced when a slot frees
}

func newSlots(max int) *slots {
	return &slots{max: max, conns: map[*conn]struct{}{}, freed: make(chan struct{})}
}

// busy reports whether three quarters of the slots are taken: commands then
// get the shorter BusyTimeout.
func (s *slots) busy() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return 4*len(s.conns) >= 3*s.max
}

// admit gives c a slot, waiting up to ShedAfter (plus a little) for one to
// free or for a waiting connection to become old enough to shed. It
// returns false when none could be had, or the server closed.
func (s *slots) admit(c *conn) bool {
	shedAfter := c.srv.cfg.ShedAfter
	giveUp := time.Now().Add(shedAfter + shedAfter/2)
	s.mu.Lock()
	if s.waiters >= s.max {
		s.mu.Unlock()
		return false
	}
	s.waiters++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.waiters--
		s.mu.Unlock()
	}()
	for {
		ok, victim, retry, freed := s.tryAdmit(c, shedAfter)
		if ok {
			if victim != nil {
				victim.shedNow()
			}
			return true
		}
		now := time.Now()
		if !now.Before(giveUp) {
			return false
		}
		wake := giveUp
		if !retry.IsZero() && retry.Before(wake) {
			wake = retry
		}
		t := time.NewTimer(wake.Sub(now))
		select {
		case <-freed:
		case <-t.C:
		case <-c.srv.done:
			t.Stop()
			return false
		}
		t.Stop()
	}
}

// tryAdmit takes a free slot or sheds the longest waiting connection that
// has waited ShedAfter. Otherwise it says when the longest waiting one will
// have (zero if no connection is waiting) and returns the channel closed
// when a slot frees.
func (s *slots) tryAdmit(c *conn, shedAfter time.Duration) (bool, *conn, time.Time, chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) < s.max {
		s.conns[c] = struct{}{}
		return true, nil, time.Time{}, nil
	}
	var victim *conn
	var oldest int64
	for o := range s.conns {
		if w := o.waitingSince.Load(); w != 0 && (victim == nil || w < oldest) {
			victim, oldest = o, w
		}
	}
	if victim == nil {
		return false, nil, time.Time{}, s.freed
	}
	since := time.Unix(0, oldest)
	if time.Since(since) < shedAfter {
		return false, nil, since.Add(shedAfter), s.freed
	}
	delete(s.conns, victim)
	s.conns[c] = struct{}{}
	return true, victim, time.Time{}, nil
}

// release frees c's slot (a shed connection has lost it already).
func (s *slots) release(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.conns[c]; !ok {
		return
	}
	delete(s.conns, c)
	close(s.freed)
	s.freed = make(chan struct{})
}
