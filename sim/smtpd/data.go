package smtpd

import (
	"bufio"
	"errors"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// progressMark is how much content counts as progress: a client sending
// its message refreshes its place among the slots once per this many
// bytes, one trickling it does not.
const progressMark = 64 << 10

// RFC 1870 §6.3 and RFC 3463 §3.4: the message is bigger than the limit.
var errTooBig = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
	Message: "Message size exceeds fixed maximum message size"}

// RFC 5321 §4.2.2 (452) and RFC 3463 §3.4 (4.3.1): the server holds as
// much incoming mail as it will; the client should try again later.
var errNoRoom = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1},
	Message: "Too much mail arriving at once, try again later"}

// chunkSize is the unit in which content is kept and budgeted. Chunks are
// reused through a pool, so that transfers dropped as too big leave little
// garbage behind: the heap stays near the in-flight budget.
const chunkSize = 64 << 10

var chunkPool = sync.Pool{New: func() any {
	b := make([]byte, 0, chunkSize)
	return &b
}}

// content is a message read after 354: its bytes in chunks, or why they
// were not kept, and the in-flight budget it holds until released.
type content struct {
	chunks   []*[]byte
	size     int64
	discard  bool // read to the end, keep nothing
	refusal  *smtp.SMTPError
	budget   *Budget
	reserved int64
}

// keep appends p, taking each new chunk from the budget. When the limit or
// the budget says no, the message is dropped and the refusal recorded; the
// rest is then only read.
func (m *content) keep(p []byte, limit int64) {
	if m.discard || m.refusal != nil {
		return
	}
	if m.size += int64(len(p)); m.size > limit {
		m.drop(errTooBig)
		return
	}
	for len(p) > 0 {
		if len(m.chunks) == 0 || len(*m.chunks[len(m.chunks)-1]) == chunkSize {
			if !m.budget.take(chunkSize) {
				m.drop(errNoRoom)
				return
			}
			m.reserved += chunkSize
			m.chunks = append(m.chunks, chunkPool.Get().(*[]byte))
		}
		last := m.chunks[len(m.chunks)-1]
		n := min(len(p), chunkSize-len(*last))
		*last = append(*last, p[:n]...)
		p = p[n:]
	}
}

// bytes returns the message in one piece and gives its chunks back; the
// budget stays reserved until release.
func (m *content) bytes() []byte {
	raw := make([]byte, 0, m.size)
	for _, c := range m.chunks {
		raw = append(raw, *c...)
	}
	m.freeChunks()
	return raw
}

func (m *content) freeChunks() {
	for _, c := range m.chunks {
		*c = (*c)[:0]
		chunkPool.Put(c)
	}
	m.chunks = nil
}

func (m *content) release() {
	m.freeChunks()
	if m.reserved > 0 {
		m.budget.give(m.reserved)
		m.reserved = 0
	}
}

func (m *content) drop(why *smtp.SMTPError) {
	m.release()
	m.refusal = why
}

// readData reads the content after 354 up to the line holding a single
// dot, undoing dot-stuffing (RFC 5321 §4.1.1.4, §4.5.2). Lines end with
// CRLF only: after a bare LF a dot is content and "\n.\n" no end, so that
// nothing can be smuggled past the end of a message. The whole content must come
// within the DATA deadline. discard reads it without keeping any.
func (c *conn) readData(discard bool) (*content, error) {
	cfg := c.srv.cfg
	m := &content{budget: cfg.InFlight, discard: discard}
	limit := cfg.MaxMessageBytes
	c.waiting()
	defer c.working()
	if err := c.nc.SetReadDeadline(time.Now().Add(cfg.DataTimeout)); err != nil {
		return nil, err
	}
	if c.shed.Load() {
		return nil, errShed
	}
	lineStart := true // a line starts after CRLF only; the DATA line ended with one
	var last byte     // last byte of the previous chunk
	sinceMark := 0
	for {
		chunk, err := c.r.ReadSlice('\n')
		whole := err == nil
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			m.release()
			return nil, err
		}
		if lineStart && whole && string(chunk) == ".\r\n" {
			return m, nil
		}
		endsCRLF := whole && (len(chunk) >= 2 && chunk[len(chunk)-2] == '\r' || len(chunk) == 1 && last == '\r')
		if len(chunk) > 0 {
			last = chunk[len(chunk)-1]
		}
		body := chunk
		if lineStart && len(body) > 0 && body[0] == '.' {
			body = body[1:]
		}
		m.keep(body, limit)
		lineStart = endsCRLF
		if sinceMark += len(chunk); sinceMark >= progressMark {
			sinceMark = 0
			c.waiting()
		}
	}
}
