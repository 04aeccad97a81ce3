package queue

import (
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/transcript"
)

// The SMTP connection cache, as Postfix keeps one: after a delivery the
// connection to the next hop, TLS verified, stays open for the next
// message to the same host, which goes after RSET without a new TCP
// connection, greeting, EHLO, STARTTLS or login. A connection carries at
// most ConnReuse messages and waits at most ConnIdle of simulated time
// for the next one.

// Defaults of the connection cache.
const (
	DefaultConnReuse = 100
	DefaultConnIdle  = 2 * time.Second
	// connWallIdle bounds the wait in wall time too: the next hop's server
	// closes a connection idle for its read timeout.
	connWallIdle = 20 * time.Second
)

type cachedConn struct {
	c        *smtp.Client
	rec      *transcript.Recorder
	uses     int       // messages carried so far
	idleAt   time.Time // simulated time it went idle
	idleWall time.Time
	tls      *event.TLS // nil: plain text
}

type connCache struct {
	mu   sync.Mutex
	idle map[string][]*cachedConn
}

func connKey(mxName string, ap netip.AddrPort) string { return mxName + " " + ap.String() }

// takeConn returns an open connection to the host, if one waits within
// its limits; the others it closes.
func (q *Queue) takeConn(key string) *cachedConn {
	now, wall := q.cfg.Now(), time.Now()
	var expired []*cachedConn
	defer func() { // QUIT outside the lock
		for _, cc := range expired {
			closeConn(cc)
		}
	}()
	q.conns.mu.Lock()
	defer q.conns.mu.Unlock()
	list := q.conns.idle[key]
	for len(list) > 0 {
		cc := list[len(list)-1]
		list = list[:len(list)-1]
		if now.Sub(cc.idleAt) > q.cfg.Policy.ConnIdle || wall.Sub(cc.idleWall) > connWallIdle {
			expired = append(expired, cc)
			continue
		}
		q.conns.idle[key] = list
		return cc
	}
	delete(q.conns.idle, key)
	return nil
}

// putConn keeps a connection for the next message, or closes it when it
// has carried its share.
func (q *Queue) putConn(key string, cc *cachedConn) {
	cc.uses++
	if cc.uses >= q.cfg.Policy.ConnReuse || q.ctx.Err() != nil {
		closeConn(cc)
		return
	}
	cc.idleAt, cc.idleWall = q.cfg.Now(), time.Now()
	q.conns.mu.Lock()
	defer q.conns.mu.Unlock()
	if q.conns.idle == nil {
		q.conns.idle = map[string][]*cachedConn{}
	}
	q.conns.idle[key] = append(q.conns.idle[key], cc)
}

// closeConns says QUIT on every kept connection (Close).
func (q *Queue) closeConns() {
	q.conns.mu.Lock()
	idle := q.conns.idle
	q.conns.idle = nil
	q.conns.mu.Unlock()
	for _, list := range idle {
		for _, cc := range list {
			closeConn(cc)
		}
	}
}

func closeConn(cc *cachedConn) {
	cc.c.Quit()
	cc.c.Close()
}

// transferOver sends a message over a kept connection: RSET first, to
// know it is still open. ok is false when the connection turned out dead
// before the transaction began; the caller then opens a new one.
func (q *Queue) transferOver(cc *cachedConn, key string, e *Entry, mxName string, port int, svc string, rcpts []string) (results map[string]result, derr *deliveryError, ok bool) {
	cc.rec.Take() // what the connection said while idle is no message's
	cc.rec.Note("(connection kept open: message %d over it)", cc.uses+1)
	if err := cc.c.Reset(); err != nil { // RSET: is it still open?
		cc.c.Close()
		return nil, nil, false
	}
	q.publish(event.Event{Kind: event.RelayConnect, Step: 5, Msg: e.Msg, Peer: mxName, Port: port,
		Service: svc, To: rcpts, Reuse: cc.uses + 1})
	if cc.tls != nil {
		t := *cc.tls
		q.publish(event.Event{Kind: event.SMTPTLS, Step: 5, Msg: e.Msg, Peer: mxName, Port: port, TLS: &t})
	}
	results, done, derr := q.send(cc.c, e, rcpts, mxName)
	q.publish(event.Event{Kind: event.SMTPTranscript, Step: 5, Msg: e.Msg, Peer: mxName, Port: port,
		Service: svc, Transcript: cc.rec.Take()})
	if derr != nil {
		cc.c.Close() // the session's state is not known: never reuse it
		return nil, derr, true
	}
	q.relayDone(e, mxName, port, rcpts, results, done)
	q.putConn(key, cc)
	return results, nil, true
}

// relayDone tells which recipients the next hop accepted.
func (q *Queue) relayDone(e *Entry, mxName string, port int, rcpts []string, results map[string]result, done event.Reply) {
	var accepted []string
	for _, r := range rcpts {
		if results[strings.ToLower(r)].err == nil {
			accepted = append(accepted, r)
		}
	}
	if len(accepted) > 0 {
		ev := event.Event{Kind: event.RelayDone, Step: 5, Msg: e.Msg, Peer: mxName, Port: port, To: accepted}
		ev.SetReply(done)
		q.publish(ev)
	}
}
