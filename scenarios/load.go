package scenarios

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Bounds of a load action: every message is kept in memory, and a client
// per message at once would only measure the machine's limits.
const (
	MaxLoadCount       = 1_000_000
	MaxLoadConcurrency = 1000
	MaxLoadSize        = MaxAttachmentSize
)

var rateRe = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?)/(s|m|h)$`)

// ParseRate reads a rate such as 200/s, 30/m or 500/h and returns the time
// between two messages.
func ParseRate(s string) (time.Duration, error) {
	m := rateRe.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("rate %q is not a number per unit, such as 200/s, 30/m or 500/h", s)
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("rate %q must be more than 0", s)
	}
	unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}[m[3]]
	gap := time.Duration(float64(unit) / n)
	if gap <= 0 {
		return 0, fmt.Errorf("rate %q is too fast to keep", s)
	}
	return gap, nil
}

// MessageID is the id of the n-th message (from 1) of the load.
func (l *LoadAction) MessageID(n int) string { return fmt.Sprintf("%s-%d", l.ID, n) }

// Message is the n-th message (from 1) of the load as a send action:
// senders and recipients taken in turn.
func (l *LoadAction) Message(n int) *Send {
	s := &Send{ID: l.MessageID(n), From: l.From[(n-1)%len(l.From)], To: []string{l.To[(n-1)%len(l.To)]},
		Subject: fmt.Sprintf("%s %d", l.Subject, n)}
	defaultSend(s, n)
	return s
}
