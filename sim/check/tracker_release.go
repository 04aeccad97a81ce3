package check

// A network that runs for days (mailflow up) lets go of the messages that
// have reached their final state, as its queues and event history do: it
// keeps the newest keep of them and, once half as many again have
// finished, forgets the oldest half at once, so that the bookkeeping stays
// amortised O(1) per message. Runs keep every message for their checks.

// KeepFinished bounds the finished messages the tracker keeps; 0 keeps all.
func (t *Tracker) KeepFinished(n int) {
	t.mu.Lock()
	t.keep = max(n, 0)
	t.mu.Unlock()
}

// afterHandle notes a message that has just reached its final state, and
// forgets the oldest finished ones when there are too many. Called with
// t.mu held.
func (t *Tracker) afterHandle(m *tracked) {
	if t.keep == 0 || m.finished || len(m.rcpts) == 0 {
		return
	}
	for _, st := range m.rcpts {
		if !Final(st) {
			return
		}
	}
	m.finished = true
	t.done = append(t.done, m.id)
	if len(t.done) < t.keep+max(t.keep/2, 1) {
		return
	}
	drop := len(t.done) - t.keep
	for _, id := range t.done[:drop] {
		delete(t.messages, id)
	}
	t.done = append([]string(nil), t.done[drop:]...)
	order := make([]string, 0, len(t.messages))
	for _, id := range t.order {
		if _, ok := t.messages[id]; ok {
			order = append(order, id)
		}
	}
	t.order = order
}
