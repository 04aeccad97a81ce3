package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailflow/mailflow/scenarios"
)

var (
	lookForRe = regexp.MustCompile(`(?s)\*\*Look for:\*\*(.*?)(?:\n\n|$)`)
	quotedRe  = regexp.MustCompile("`([^`]+)`")
)

// The "Look for" lines of failures.md and relay.md quote what a run prints:
// every quote of three words or more (a narrated line, a reply, a JSON
// detail; "..." stands for any text between) must appear in the output of
// the scenario the section is about, so that the pages follow the
// narration when it changes.
func TestDocsLookFor(t *testing.T) {
	usePlainBinary(t)
	builtin := map[string]bool{}
	for _, b := range scenarios.Builtins() {
		builtin[b.Name] = true
	}
	dir := t.TempDir()
	checked := 0
	for _, page := range []string{"docs/failures.md", "docs/relay.md"} {
		src, err := os.ReadFile(filepath.Join(repoRoot, page))
		if err != nil {
			t.Fatal(err)
		}
		for _, sec := range strings.Split(string(src), "\n### ")[1:] {
			name, body, _ := strings.Cut(sec, "\n")
			name = strings.TrimSpace(name)
			m := lookForRe.FindStringSubmatch(body)
			if !builtin[name] || m == nil {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			text, _, err1 := shell(ctx, dir, "mailflow run "+name+" --transcript")
			json, _, err2 := shell(ctx, dir, "mailflow run "+name+" --format json")
			cancel()
			if err1 != nil || err2 != nil {
				t.Errorf("%s: mailflow run %s: %v %v", page, name, err1, err2)
				continue
			}
			out := strings.Join(strings.Fields(string(text)+" "+strings.NewReplacer(`\"`, `"`, `\n`, " ", `\t`, " ", `\r`, " ").Replace(string(json))), " ")
			for _, q := range quotedRe.FindAllStringSubmatch(m[1], -1) {
				quote := strings.Join(strings.Fields(q[1]), " ")
				if strings.Count(quote, " ") < 2 || strings.HasPrefix(quote, "mailflow ") {
					continue
				}
				checked++
				if !containsInOrder(out, strings.Split(quote, "...")) {
					t.Errorf("%s, %s: the run no longer prints `%s`", page, name, quote)
				}
			}
		}
	}
	if checked < 40 {
		t.Errorf("only %d quotes checked in the Look for lines", checked)
	}
}

// containsInOrder reports whether the parts appear in s one after another.
func containsInOrder(s string, parts []string) bool {
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}
