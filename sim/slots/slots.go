// Package slots caps the connections of one service and keeps the cap fair:
// when every slot is taken, the connection doing the least is shed to make
// room for the newcomer, so silent or trickling clients cannot lock a
// service. A connection the server is working for is never shed.
package slots

import (
	"sync"
	"time"
)

// Phase is what a connection is doing now. The order is the shedding order:
// the lower a phase, the sooner its connection makes room.
type Phase int

const (
	// Handshake: accepted, TLS handshake or greeting not done yet.
	Handshake Phase = iota
	// Waiting: greeted, not logged in, waiting for a command.
	Waiting
	// Reading: a command has started and the client is still sending it.
	Reading
	// Idle: logged in, waiting for the next command (or in IDLE).
	Idle
	// Busy: the server is carrying out a command. Never shed.
	Busy
)

// Pool is the set of slots of one service.
type Pool struct {
	max int

	mu   sync.Mutex
	live map[*Slot]struct{}
	shed int
}

// New returns a pool of max slots.
func New(max int) *Pool {
	return &Pool{max: max, live: make(map[*Slot]struct{})}
}

// Slot is one admitted connection.
type Slot struct {
	pool  *Pool
	shedF func()

	// guarded by pool.mu
	phase    Phase
	since    time.Time
	released bool
	wasShed  bool
}

// Grace is how long a connection that just entered a phase is spared:
// newcomers do not shed each other while older connections sit idle.
const Grace = 2 * time.Second

// Admit takes a slot for a new connection. When the pool is full it sheds
// one connection by calling its shed function, which must close that
// connection quickly and without waiting for its goroutine: of those not
// Busy, one that has been in its phase longer than Grace if any, then the
// one least far along (earliest phase), then the one longest in it. It
// fails only when every connection is Busy. shed is called with no lock
// held.
func (p *Pool) Admit(shed func()) (*Slot, bool) {
	p.mu.Lock()
	var victim *Slot
	if len(p.live) >= p.max {
		now := time.Now()
		before := func(a, b *Slot) bool {
			if aOld, bOld := now.Sub(a.since) > Grace, now.Sub(b.since) > Grace; aOld != bOld {
				return aOld
			}
			if a.phase != b.phase {
				return a.phase < b.phase
			}
			return a.since.Before(b.since)
		}
		for s := range p.live {
			if s.phase != Busy && (victim == nil || before(s, victim)) {
				victim = s
			}
		}
		if victim == nil {
			p.mu.Unlock()
			return nil, false
		}
		victim.released, victim.wasShed = true, true
		delete(p.live, victim)
		p.shed++
	}
	s := &Slot{pool: p, shedF: shed, phase: Handshake, since: time.Now()}
	p.live[s] = struct{}{}
	p.mu.Unlock()
	if victim != nil {
		victim.shedF()
	}
	return s, true
}

// Set records the phase the connection has entered.
func (s *Slot) Set(ph Phase) {
	if s == nil {
		return
	}
	s.pool.mu.Lock()
	if s.phase != ph {
		s.phase, s.since = ph, time.Now()
	}
	s.pool.mu.Unlock()
}

// Release gives the slot back. It is safe to call more than once, and after
// the slot was shed.
func (s *Slot) Release() {
	if s == nil {
		return
	}
	s.pool.mu.Lock()
	if !s.released {
		s.released = true
		delete(s.pool.live, s)
	}
	s.pool.mu.Unlock()
}

// Shed reports whether the slot was taken away for a newcomer.
func (s *Slot) Shed() bool {
	if s == nil {
		return false
	}
	s.pool.mu.Lock()
	defer s.pool.mu.Unlock()
	return s.wasShed
}

// Crowded reports whether three quarters of the slots or more are taken:
// the time to wait for slow clients should then shrink.
func (p *Pool) Crowded() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return 4*len(p.live) >= 3*p.max
}

// CrowdedTimeout is what a wait for a client not yet logged in shrinks to
// while the pool is crowded (RFC 5321 §4.5.3.2 gives servers that freedom
// for SMTP; the same reasoning holds for IMAP and POP3).
const CrowdedTimeout = 10 * time.Second

// Stats reports the slots in use and how many connections were shed.
func (p *Pool) Stats() (inUse, shed int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.live), p.shed
}
