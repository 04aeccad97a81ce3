package scenarios

import (
	"fmt"
	"regexp"
)

// load checks a load action at path p (the i-th action) and returns the
// message ids it sends, which waits and expectations may name.
func (v *validator) load(p string, l *LoadAction, i int) []string {
	if !idRe.MatchString(l.ID) {
		v.at(p+".id", "", "load id %q may hold only letters, digits, '.', '_' and '-'", l.ID)
		return nil
	}
	switch {
	case l.Count < 1:
		v.at(p+".count", "send at least one message", "count %d must be at least 1", l.Count)
	case l.Count > MaxLoadCount:
		v.at(p+".count", "", "count %d is too large (at most %d)", l.Count, MaxLoadCount)
	}
	for j, f := range l.From {
		v.user(fmt.Sprintf("%s.from[%d]", p, j), f, "the senders of a load log in: they must be users of a domain above")
		v.submitter(fmt.Sprintf("%s.from[%d]", p, j), f, true)
	}
	for j, r := range l.To {
		v.address(fmt.Sprintf("%s.to[%d]", p, j), r)
	}
	if l.Concurrency < 1 || l.Concurrency > MaxLoadConcurrency {
		v.at(p+".concurrency", "", "concurrency %d must be between 1 and %d", l.Concurrency, MaxLoadConcurrency)
	}
	if l.Size < 0 || l.Size > MaxLoadSize {
		v.at(p+".size", "", "size %d must be between 0 and %d bytes", l.Size, MaxLoadSize)
	}
	if l.Rate != "" {
		if _, err := ParseRate(l.Rate); err != nil {
			v.at(p+".rate", "", "%v", err)
		}
	}
	v.oneLine(p+".subject", "subject", l.Subject)
	// The load's ids must not be a send's.
	own := regexp.MustCompile(`^` + regexp.QuoteMeta(l.ID) + `-([1-9][0-9]*)$`)
	for k, a := range v.s.Actions {
		if a.Send == nil {
			continue
		}
		if m := own.FindStringSubmatch(a.Send.ID); m != nil && len(m[1]) <= 7 && atoiOr(m[1]) <= l.Count {
			v.at(fmt.Sprintf("actions[%d].send.id", k), "give the send another id, or the load another id",
				"message id %s is one of the load at %s", a.Send.ID, p)
		}
	}
	if first, dup := v.loadIDs[l.ID]; dup {
		v.at(p+".id", "give each load an id of its own", "duplicate load id %s (first at actions[%d])", l.ID, first)
		return nil
	}
	v.loadIDs[l.ID] = i
	ids := make([]string, 0, l.Count)
	for n := 1; n <= l.Count && n <= MaxLoadCount; n++ {
		id := l.MessageID(n)
		v.loadMsgs[id] = true
		ids = append(ids, id)
	}
	return ids
}

func atoiOr(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
