package dsn

import "strings"

// Wanted reports whether a recipient's NOTIFY keywords (RFC 3461 §4.1:
// NEVER, or any of SUCCESS, FAILURE, DELAY; case-insensitive) ask for a DSN
// reporting action a. Without NOTIFY the default is FAILURE,DELAY, one of the
// two readings §4.1 allows, so that delays show up in a simulation.
// SUCCESS covers delivered, relayed and expanded (§6.2).
func Wanted(notify []string, a Action) bool {
	want := map[string]bool{}
	for _, k := range notify {
		for _, k := range strings.Split(k, ",") {
			if k = strings.ToUpper(strings.TrimSpace(k)); k != "" {
				want[k] = true
			}
		}
	}
	if len(want) == 0 {
		want["FAILURE"], want["DELAY"] = true, true
	}
	if want["NEVER"] {
		return false
	}
	switch a {
	case Failed:
		return want["FAILURE"]
	case Delayed:
		return want["DELAY"]
	case Delivered, Relayed, Expanded:
		return want["SUCCESS"]
	}
	return false
}
