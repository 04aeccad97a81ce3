package tui

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"
)

// Theme turns meaning into tview style tags. Without colour (NO_COLOR,
// no-color.org) it still marks everything with symbols and attributes —
// reverse for the lit step, bold for failures — so no meaning is carried by
// colour alone.
//
// With colour it paints its own background, so that every text colour is
// known to stand out from it: on a projector there is no faint grey text
// (no dim attribute, no bright black), and each colour of both palettes
// keeps a contrast ratio of at least 4.5:1 (WCAG AA) against its background.
type Theme struct {
	NoColor bool
	// Light is the projector theme: dark text on white.
	Light bool
}

// Themes the view knows by name (--theme).
const (
	ThemeDark  = "dark"
	ThemeLight = "light"
)

// ThemeFromEnv honours NO_COLOR.
func ThemeFromEnv() Theme { return Theme{NoColor: os.Getenv("NO_COLOR") != ""} }

// ParseTheme gives the theme named "dark" (also "") or "light", with
// NO_COLOR honoured.
func ParseTheme(name string) (Theme, error) {
	th := ThemeFromEnv()
	switch strings.ToLower(name) {
	case "", ThemeDark:
	case ThemeLight:
		th.Light = true
	default:
		return th, fmt.Errorf("unknown theme %q: want %s or %s", name, ThemeDark, ThemeLight)
	}
	return th, nil
}

// Colour roles: what a colour means, not which it is.
const (
	roleText  = "text"  // ordinary text
	roleMuted = "muted" // secondary text: times, hints, details
	roleOK    = "ok"    // done, delivered, a server's reply
	roleWarn  = "warn"  // waiting, queued, paused
	roleBad   = "bad"   // failed, refused
	roleInfo  = "info"  // the client's side, history
	roleFault = "fault" // an injected fault
	roleLive  = "live"  // playing
	roleFocus = "focus" // the focused pane's title
)

// palette is one theme's colours, as #rrggbb taken from the 256-colour
// cube so that terminals without true colour show them exactly.
type palette struct {
	bg    string
	roles map[string]string
	steps [7]string
}

var (
	darkPalette = palette{bg: "#000000",
		roles: map[string]string{roleText: "#e4e4e4", roleMuted: "#afafaf", roleOK: "#5fd75f",
			roleWarn: "#ffd75f", roleBad: "#ff5f5f", roleInfo: "#5fd7ff", roleFault: "#ff87ff",
			roleLive: "#87ff5f", roleFocus: "#ffd75f"},
		steps: [7]string{"#e4e4e4", "#5fd7ff", "#5fafff", "#d787ff", "#ffd75f", "#ffaf5f", "#87ff87"}}
	lightPalette = palette{bg: "#ffffff",
		roles: map[string]string{roleText: "#1c1c1c", roleMuted: "#4e4e4e", roleOK: "#005f00",
			roleWarn: "#875f00", roleBad: "#af0000", roleInfo: "#005f87", roleFault: "#870087",
			roleLive: "#005f00", roleFocus: "#875f00"},
		steps: [7]string{"#1c1c1c", "#005f87", "#0000d7", "#5f00af", "#5f5f00", "#af5f00", "#005f00"}}
)

func (t Theme) palette() *palette {
	if t.Light {
		return &lightPalette
	}
	return &darkPalette
}

// stepRole is the colour role of step n (0: no step).
func stepRole(n int) string {
	if n < 1 || n > 6 {
		return ""
	}
	return "step" + strconv.Itoa(n)
}

// hex is a role's colour, "" for none.
func (t Theme) hex(role string) string {
	if t.NoColor || role == "" {
		return ""
	}
	p := t.palette()
	if strings.HasPrefix(role, "step") {
		n, _ := strconv.Atoi(strings.TrimPrefix(role, "step"))
		return p.steps[max(0, min(n, 6))]
	}
	return p.roles[role]
}

// color is a role's colour for tview's setters; the terminal's own without
// colour.
func (t Theme) color(role string) tcell.Color {
	if h := t.hex(role); h != "" {
		return tcell.GetColor(h)
	}
	return tcell.ColorDefault
}

// Background and text are the theme's base colours.
func (t Theme) Background() tcell.Color {
	if t.NoColor {
		return tcell.ColorDefault
	}
	return tcell.GetColor(t.palette().bg)
}

// Text is the colour of ordinary text.
func (t Theme) Text() tcell.Color { return t.color(roleText) }

// styleText gives a text view, its border and its title the theme's
// colours.
func (t Theme) styleText(tv *tview.TextView) {
	tv.SetTextColor(t.Text())
	tv.SetBackgroundColor(t.Background())
	tv.SetBorderColor(t.Text())
	tv.SetTitleColor(t.Text())
}

// styleInput does the same for an input field.
func (t Theme) styleInput(in *tview.InputField) {
	in.SetFieldBackgroundColor(t.Background())
	in.SetFieldTextColor(t.Text())
	in.SetLabelColor(t.Text())
	in.SetBackgroundColor(t.Background())
	in.SetBorder(true)
	in.SetBorderColor(t.Text())
}

// tag opens a style: a colour role (may be "") and attributes (b bold,
// r reverse, u underline). There is no dim: it fades on a projector.
func (t Theme) tag(role, attrs string) string {
	color := t.hex(role)
	if color == "" && attrs == "" {
		return ""
	}
	return "[" + color + "::" + attrs + "]"
}

// reset closes any style.
func (t Theme) reset() string { return "[-:-:-]" }

func (t Theme) wrap(s, role, attrs string) string {
	open := t.tag(role, attrs)
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
