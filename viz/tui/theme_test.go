package tui

import (
	"math"
	"testing"

	"github.com/gdamore/tcell/v2"

	"github.com/mailflow/mailflow/viz/narrate"
)

// luminance is a colour's relative luminance (WCAG 2.x).
func luminance(c tcell.Color) float64 {
	r, g, b := c.RGB()
	lin := func(v int32) float64 {
		s := float64(v) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// contrast is the WCAG contrast ratio of two colours, 1 to 21.
func contrast(a, b tcell.Color) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

// Every colour of both themes is readable on its background: at least
// 4.5:1, WCAG AA for text.
func TestThemeContrast(t *testing.T) {
	for _, th := range []Theme{{}, {Light: true}} {
		bg := th.Background()
		roles := []string{roleText, roleMuted, roleOK, roleWarn, roleBad, roleInfo, roleFault, roleLive, roleFocus}
		for s := 1; s <= 6; s++ {
			roles = append(roles, stepRole(s))
		}
		for _, r := range roles {
			if th.hex(r) == "" {
				t.Errorf("light=%v: no colour for %s", th.Light, r)
				continue
			}
			if c := contrast(th.color(r), bg); c < 4.5 {
				t.Errorf("light=%v: %s %s on %s has contrast %.2f, want ≥ 4.5", th.Light, r, th.hex(r),
					th.palette().bg, c)
			}
		}
	}
	if _, err := ParseTheme("neon"); err == nil {
		t.Error("an unknown theme should be an error")
	}
	if th, err := ParseTheme("light"); err != nil || !th.Light {
		t.Errorf("light: %+v %v", th, err)
	}
}

// On the screen, in both themes, no text is dim or bright black, and every
// character stands out from its background by 4.5:1 at least.
func TestScreenIsReadableOnAProjector(t *testing.T) {
	for _, th := range []Theme{{}, {Light: true}} {
		s, stop := startReplay(t, Options{Lang: narrate.English, Theme: th}, loadTrace(t, "unknown-user.jsonl"))
		s.waitText(t, "⏸ next: Step 1")
		check := func(when string) {
			cells, w, _ := s.GetContents()
			for i, c := range cells {
				if len(c.Runes) == 0 || c.Runes[0] == ' ' {
					continue
				}
				fg, bg, attrs := c.Style.Decompose()
				if attrs&tcell.AttrDim != 0 {
					t.Fatalf("light=%v %s: %q at %d,%d is dim", th.Light, when, string(c.Runes), i%w, i/w)
				}
				if fg == tcell.ColorGray || fg == tcell.ColorDefault || bg == tcell.ColorDefault {
					t.Fatalf("light=%v %s: %q at %d,%d has colours %v on %v", th.Light, when, string(c.Runes),
						i%w, i/w, fg, bg)
				}
				if r := contrast(fg, bg); r < 4.5 {
					t.Fatalf("light=%v %s: %q at %d,%d has contrast %.2f", th.Light, when, string(c.Runes), i%w,
						i/w, r)
				}
			}
		}
		check("at the start")
		s.key(tcell.KeyEnd)
		s.waitText(t, "✔ finished")
		check("at the end")
		s.rune('?')
		s.waitText(t, "Esc: close")
		check("with the help open")
		stop()
	}
}
