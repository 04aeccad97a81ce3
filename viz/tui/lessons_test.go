package tui

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mailflow/mailflow/scenarios"
)

// The lessons come in both languages, run scenarios that exist, and name
// only built-ins that exist.
func TestLessons(t *testing.T) {
	dir := filepath.Join("..", "..", "docs", "lessons")
	builtin := map[string]bool{}
	for _, b := range scenarios.Builtins() {
		builtin[b.Name] = true
	}
	en, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil || len(en) < 3 {
		t.Fatalf("lessons: %v %v", en, err)
	}
	// A built-in's name, not a file such as homework.yaml.
	run := regexp.MustCompile("mailflow (?:run|test) ([a-z0-9-]+)(?:[\\s`]|$)")
	named := regexp.MustCompile("`([a-z0-9]+(?:-[a-z0-9]+)+)`")
	for _, path := range en {
		name := strings.TrimSuffix(filepath.Base(path), ".md")
		if name == "README" {
			continue
		}
		if !builtin[name] {
			t.Errorf("%s: no built-in scenario is named %q", path, name)
		}
		for _, p := range []string{path, filepath.Join(dir, "vi", name+".md")} {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Errorf("lesson %s: %v", name, err)
				continue
			}
			text := string(b)
			for _, m := range append(run.FindAllStringSubmatch(text, -1), named.FindAllStringSubmatch(text, -1)...) {
				if looksLikeScenario(m[1]) && !builtin[m[1]] {
					t.Errorf("%s names %q, which is no built-in", p, m[1])
				}
			}
			if !strings.Contains(text, "--tui") && !strings.Contains(text, "mailflow demo") {
				t.Errorf("%s does not say how to open the classroom view", p)
			}
			if strings.Count(text, "\n1. ") != 1 || !strings.Contains(text, "\n3. ") {
				t.Errorf("%s should ask the class 3–5 numbered questions", p)
			}
		}
	}
}

// looksLikeScenario leaves out words such as `bop@school.test` or `m1.bounce`
// that the pattern may catch.
func looksLikeScenario(s string) bool {
	return !strings.ContainsAny(s, "@.") && !strings.HasPrefix(s, "m1")
}
