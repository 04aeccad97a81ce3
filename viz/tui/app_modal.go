package tui

import (
	"strconv"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// openText shows text in a box over the panes: help, why, an event's
// detail. Esc, Enter or the same key close it; arrows scroll.
func (a *App) openText(kind, text, title string) {
	tv := tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true).SetText(text)
	tv.SetTextColor(tcell.ColorDefault)
	tv.SetBackgroundColor(tcell.ColorDefault)
	tv.SetBorder(true).SetTitle(" " + esc(title) + " ").SetTitleAlign(tview.AlignLeft)
	tv.SetBorderColor(tcell.ColorDefault)
	tv.SetTitleColor(tcell.ColorDefault)
	lines := 0
	cols, rows := 80, 24
	if a.screen != nil {
		cols, rows = a.screen.Size()
	}
	w := min(cols-4, 78)
	for _, l := range strings.Split(text, "\n") {
		lines += 1 + tview.TaggedStringWidth(l)/max(1, w-2)
	}
	h := min(rows-2, lines+2)
	a.showModal(kind, tv, w, h)
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
	if a.modal == "goto" {
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
	in.SetFieldBackgroundColor(tcell.ColorDefault)
	in.SetFieldTextColor(tcell.ColorDefault)
	in.SetLabelColor(tcell.ColorDefault)
	in.SetBackgroundColor(tcell.ColorDefault)
	in.SetBorder(true)
	in.SetBorderColor(tcell.ColorDefault)
	in.SetDoneFunc(func(key tcell.Key) {
		if n, err := strconv.Atoi(in.GetText()); err == nil && key == tcell.KeyEnter {
			a.setPlaying(false)
			a.seek(n)
		}
		a.closeModal()
	})
	a.showModal("goto", in, 32, 3)
}
