package tui

import (
	"strconv"
	"strings"

	"github.com/mailflow/mailflow/sim/event"
)

// Filter keeps the log lines whose event matches every term. A term is
// "kind:dns" (part of the kind), "host:school" (part of the host or its
// peer), "msg:m1" (the message, with its bounce m1.bounce), "step:4", or a
// bare word found in any of kind, host, peer and message. Case does not
// matter. The zero Filter keeps everything.
type Filter struct {
	terms []filterTerm
}

type filterTerm struct{ field, value string }

// ParseFilter reads a filter as typed; words with an unknown field
// ("foo:bar") are bare words.
func ParseFilter(s string) Filter {
	var f Filter
	for _, word := range strings.Fields(strings.ToLower(s)) {
		t := filterTerm{value: word}
		if k, v, ok := strings.Cut(word, ":"); ok && v != "" {
			switch k {
			case "kind", "host", "msg", "step":
				t = filterTerm{field: k, value: v}
			}
		}
		f.terms = append(f.terms, t)
	}
	return f
}

// Empty reports whether the filter keeps everything.
func (f Filter) Empty() bool { return len(f.terms) == 0 }

// String is the filter as it would be typed.
func (f Filter) String() string {
	parts := make([]string, len(f.terms))
	for i, t := range f.terms {
		parts[i] = t.value
		if t.field != "" {
			parts[i] = t.field + ":" + t.value
		}
	}
	return strings.Join(parts, " ")
}

// Match reports whether e is kept.
func (f Filter) Match(e event.Event) bool {
	for _, t := range f.terms {
		if !t.match(e) {
			return false
		}
	}
	return true
}

func (t filterTerm) match(e event.Event) bool {
	has := func(s string) bool { return strings.Contains(strings.ToLower(s), t.value) }
	msg := func() bool {
		id := strings.ToLower(e.Msg)
		return id != "" && (id == t.value || strings.HasPrefix(id, t.value+"."))
	}
	switch t.field {
	case "kind":
		return has(string(e.Kind))
	case "host":
		return has(e.Host) || has(e.Peer)
	case "msg":
		return msg()
	case "step":
		return strconv.Itoa(e.Step) == t.value
	}
	return has(string(e.Kind)) || has(e.Host) || has(e.Peer) || msg()
}
