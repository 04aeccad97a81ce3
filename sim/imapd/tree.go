package imapd

import (
	"sort"
	"strings"

	"github.com/mailflow/mailflow/sim/mailstore"
)

// tree is a user's folder hierarchy as LIST sees it: the folders, the
// subscribed names, and the parents of both, which may be neither.
type tree struct {
	exists     map[string]bool
	subscribed map[string]bool
	all        map[string]bool // every name and every parent of one
}

func newTree(folders, subs []string) *tree {
	t := &tree{exists: make(map[string]bool), subscribed: make(map[string]bool), all: make(map[string]bool)}
	for _, f := range folders {
		t.exists[f] = true
		t.add(f)
	}
	for _, n := range subs {
		t.subscribed[n] = true
	}
	return t
}

func (t *tree) add(name string) {
	t.all[name] = true
	for i := strings.LastIndexByte(name, delim); i > 0; i = strings.LastIndexByte(name, delim) {
		name = name[:i]
		t.all[name] = true
	}
}

// names lists what LIST may show, INBOX first: the folders and their
// parents, and with subscribed also the subscribed names and theirs.
func (t *tree) names(subscribed bool) []string {
	if subscribed {
		for n := range t.subscribed {
			t.add(n)
		}
	}
	out := make([]string, 0, len(t.all))
	for n := range t.all {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i] == mailstore.Inbox) != (out[j] == mailstore.Inbox) {
			return out[i] == mailstore.Inbox
		}
		return out[i] < out[j]
	})
	return out
}

// hasDescendant reports whether a name below name is in set.
func (t *tree) hasDescendant(name string, set map[string]bool) bool {
	prefix := name + string(delim)
	for n := range set {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}

// descendantMatches reports whether the patterns reach a name below name
// that is in set.
func (t *tree) descendantMatches(name, ref string, patterns []string, set map[string]bool) bool {
	prefix := name + string(delim)
	for n := range set {
		if strings.HasPrefix(n, prefix) && matchAny(n, ref, patterns) {
			return true
		}
	}
	return false
}
