package tui

import (
	"strings"
	"testing"

	"github.com/mailflow/mailflow/viz/narrate"
)

func TestDevDump(t *testing.T) {
	for _, lang := range []narrate.Lang{narrate.English, narrate.Vietnamese} {
		s, stop := startReplay(t, Options{Lang: lang, Title: "cross-domain.jsonl"}, loadTrace(t, "cross-domain.jsonl"))
		s.waitText(t, "mailflow")
		t.Logf("\n%s", s.text())
		for i := 0; i < 4; i++ {
			s.rune(' ')
		}
		s.waitFor(t, "4", func(x string) bool { return strings.Contains(x, "4 · D") || strings.Contains(x, "4 · h") })
		t.Logf("\n%s", s.text())
		s.rune(' ')
		s.rune(' ')
		s.rune(' ')
		s.waitFor(t, "end", func(x string) bool { return strings.Contains(x, "21/21") })
		t.Logf("\n%s", s.text())
		stop()
	}
}
