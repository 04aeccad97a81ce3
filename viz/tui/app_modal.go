package tui

import (
	"strconv"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"
)

// openText shows text in a box over the panes: help, why, an event's
// detail. Esc, Enter or the same key close it; arrows and PgUp/PgDn scroll
// it. Its bottom border says how to close it and, while text is hidden
// below, that there is more.
func (a *App) openText(kind, text, title string) {
	tv := tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true).SetText(text)
	a.th.styleText(tv)
	tv.SetBorder(true).SetTitle(" " + esc(title) + " ").SetTitleAlign(tview.AlignLeft)
	cols, rows := 80, 24
	if a.screen != nil {
		cols, rows = a.screen.Size()
	}
	w := min(cols-4, 78)
	lines := 0
	for _, l := range strings.Split(text, "\n") {
		lines += max(1, len(tview.WordWrap(l, max(1, w-2))))
	}
	h := min(rows-2, lines+2)
	a.showModal(kind, &scrollBox{TextView: tv, app: a}, w, h)
}

// scrollBox is a text box that tells, on its border, how to close it and
// whether it scrolls: "▲" while lines are hidden above, "▼ more" while
// some are hidden below.
type scrollBox struct {
	*tview.TextView
	app *App
}

func (b *scrollBox) Draw(screen tcell.Screen) {
	// GetWrappedLineCount wraps at the size set here, not at the width
	// last drawn: make them the same.
	_, _, iw, inner := b.GetInnerRect()
	b.SetSize(0, iw)
	b.TextView.Draw(screen)
	x, y, w, h := b.GetRect()
	if w < 4 || h < 3 {
		return
	}
	words := wordsFor(b.app.lang)
	style := tcell.StyleDefault.Foreground(b.app.th.color(roleText)).Background(b.app.th.Background()).Bold(true)
	hint := " " + words.closeHint + " "
	printCells(screen, x+2, y+h-1, w-4, hint, style)
	row, _ := b.GetScrollOffset()
	if row+inner < b.GetWrappedLineCount() {
		more := " " + words.more + " "
		printCells(screen, x+w-2-width(more), y+h-1, width(more), more, style.Foreground(b.app.th.color(roleWarn)))
	}
	if row > 0 {
		printCells(screen, x+w-5, y, 3, " ▲ ", style.Foreground(b.app.th.color(roleWarn)))
	}
}

// printCells writes plain text from (x, y), at most w cells.
func printCells(screen tcell.Screen, x, y, w int, text string, style tcell.Style) {
	g := uniseg.NewGraphemes(text)
	for g.Next() && w > 0 {
		cw := g.Width()
		if cw > w {
			break
		}
		rs := g.Runes()
		screen.SetContent(x, y, rs[0], rs[1:], style)
		x, w = x+cw, w-cw
	}
}

func (a *App) showModal(kind string, p tview.Primitive, w, h int) {
	a.modal = kind
	center := tview.NewFlex().
		AddItem(nil, 0, 1, false).
		AddItem(tview.NewFlex().SetDirection(tview.FlexRow).
			AddItem(nil, 0, 1, false).AddItem(p, h, 0, true).AddItem(nil, 0, 1, false), w, 0, true).
		AddItem(nil, 0, 1, false)
	a.pages.AddPage("modal", center, true, true)
	a.tv.SetFocus(p)
}

func (a *App) closeModal() {
	a.modal = ""
	a.pages.RemovePage("modal")
	a.tv.SetFocus(a.focus[a.focused])
}

// modalKey handles keys while a box is open.
func (a *App) modalKey(ev *tcell.EventKey) *tcell.EventKey {
	if a.modal == "goto" || a.modal == "filter" {
		return ev // the input field takes its keys; it closes itself
	}
	switch {
	case ev.Key() == tcell.KeyEscape, ev.Key() == tcell.KeyEnter:
		a.closeModal()
	case ev.Key() == tcell.KeyRune && ev.Rune() == 'q':
		a.quit()
	case ev.Key() == tcell.KeyRune && ((a.modal == "help" && ev.Rune() == '?') || (a.modal == "why" && ev.Rune() == 'w')):
		a.closeModal()
	default:
		return ev
	}
	return nil
}

// openDetail shows the selected event in full.
func (a *App) openDetail() {
	if a.focus[a.focused] == a.msgs {
		a.msgPinned = !a.msgPinned // Enter on a message pins or frees the strip
		if a.msgPinned {
			a.selMsg = a.stripMsg()
		}
		return
	}
	e, ok := a.selectedEvent()
	if !ok {
		return
	}
	a.openText("detail", RenderDetail(e, a.lang, a.th), seqTitle(e, a.lang))
}

// openGoto asks for an event number and shows the history up to it.
func (a *App) openGoto() {
	in := tview.NewInputField().SetLabel(wordsFor(a.lang).gotoLabel).SetAcceptanceFunc(tview.InputFieldInteger)
	a.th.styleInput(in)
	in.SetDoneFunc(func(key tcell.Key) {
		if n, err := strconv.Atoi(in.GetText()); err == nil && key == tcell.KeyEnter {
			a.setPlaying(false)
			a.seek(n)
		}
		a.closeModal()
	})
	a.showModal("goto", in, 32, 3)
}

// openFilter asks which events the log shows (see Filter); an empty line
// shows them all, Esc keeps the filter as it was.
func (a *App) openFilter() {
	in := tview.NewInputField().SetLabel(wordsFor(a.lang).filterLabel).SetText(a.filter.String())
	a.th.styleInput(in)
	in.SetDoneFunc(func(key tcell.Key) {
		if key == tcell.KeyEnter {
			a.setFilter(ParseFilter(in.GetText()))
		}
		a.closeModal()
	})
	cols := 80
	if a.screen != nil {
		cols, _ = a.screen.Size()
	}
	a.showModal("filter", in, min(cols-4, 64), 3)
}
