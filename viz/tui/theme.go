package tui

import (
	"os"
	"strings"

	"github.com/rivo/tview"
	"github.com/rivo/uniseg"
)

// Theme turns meaning into tview style tags. Without colour (NO_COLOR,
// no-color.org) it still marks everything with symbols and attributes —
// reverse for the lit step, bold for failures — so no meaning is carried by
// colour alone.
type Theme struct {
	NoColor bool
}

// ThemeFromEnv honours NO_COLOR.
func ThemeFromEnv() Theme { return Theme{NoColor: os.Getenv("NO_COLOR") != ""} }

// stepColors follow a step down the screen, as the narrated log does.
var stepColors = [7]string{"", "aqua", "dodgerblue", "violet", "yellow", "orange", "lime"}

// tag opens a style: a colour name (may be "") and attributes (b bold,
// r reverse, d dim, u underline).
func (t Theme) tag(color, attrs string) string {
	if t.NoColor {
		color = ""
	}
	if color == "" && attrs == "" {
		return ""
	}
	return "[" + color + "::" + attrs + "]"
}

// reset closes any style.
func (t Theme) reset() string { return "[-:-:-]" }

func (t Theme) step(n int, attrs string) string {
	if n < 1 || n > 6 {
		return t.tag("", attrs)
	}
	return t.tag(stepColors[n], attrs)
}

func (t Theme) wrap(s, color, attrs string) string {
	open := t.tag(color, attrs)
	if open == "" {
		return s
	}
	return open + s + t.reset()
}

// width is the width of plain (untagged) text in cells.
func width(s string) int { return uniseg.StringWidth(s) }

// fit cuts plain text to at most w cells, ending in "…" when cut, and pads
// it to exactly w cells when pad is set.
func fit(s string, w int, pad bool) string {
	if w <= 0 {
		return ""
	}
	if width(s) <= w {
		if pad {
			s += strings.Repeat(" ", w-width(s))
		}
		return s
	}
	var b strings.Builder
	used := 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		cw := g.Width()
		if used+cw > w-1 {
			break
		}
		b.WriteString(g.Str())
		used += cw
	}
	b.WriteString("…")
	used++
	if pad && used < w {
		b.WriteString(strings.Repeat(" ", w-used))
	}
	return b.String()
}

// esc makes text safe to put between style tags.
func esc(s string) string { return tview.Escape(s) }

// pack lays plain parts out in lines of at most w cells, joined by sep,
// starting a new line when the next part does not fit; a part too long for
// a line of its own is cut.
func pack(parts []string, sep string, w int) []string {
	var lines []string
	cur := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		switch {
		case cur == "":
			cur = fit(p, w, false)
		case width(cur)+width(sep)+width(p) <= w:
			cur += sep + p
		default:
			lines = append(lines, cur)
			cur = fit(p, w, false)
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}
