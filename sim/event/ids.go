package event

import (
	"fmt"
	"strings"
	"sync"
)

// MessageIDs maps the Message-ID header (and the DSN envelope id) of a
// message to the short id events carry ("m1"), so that every hop tags its
// events with the same id. Messages from outside the scenario (a student's
// swaks) get ids x1, x2, ...
type MessageIDs struct {
	mu   sync.Mutex
	ids  map[string]string
	next int
}

// NewMessageIDs returns an empty registry.
func NewMessageIDs() *MessageIDs { return &MessageIDs{ids: make(map[string]string)} }

func idKey(headerID string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(headerID), "<>"))
}

// Register ties a Message-ID header value to a scenario message id.
func (m *MessageIDs) Register(headerID, msg string) {
	m.mu.Lock()
	m.ids[idKey(headerID)] = msg
	m.mu.Unlock()
}

// Lookup returns the id registered for a Message-ID, if any.
func (m *MessageIDs) Lookup(headerID string) (string, bool) {
	if headerID == "" {
		return "", false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	msg, ok := m.ids[idKey(headerID)]
	return msg, ok
}

// Assign returns the id registered for a Message-ID, registering a new one
// (x1, x2, ...) when there is none.
func (m *MessageIDs) Assign(headerID string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := idKey(headerID)
	if msg, ok := m.ids[k]; ok && k != "" {
		return msg
	}
	m.next++
	msg := fmt.Sprintf("x%d", m.next)
	if k != "" {
		m.ids[k] = msg
	}
	return msg
}
