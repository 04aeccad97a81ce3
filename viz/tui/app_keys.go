package tui

import (
	"strconv"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
)

// onKey handles every key before tview does; it runs in the event loop, so
// the view's state needs no lock. Returning nil means handled (tview then
// redraws).
func (a *App) onKey(ev *tcell.EventKey) *tcell.EventKey {
	switch ev.Key() {
	case keyWake:
		a.absorb()
		return nil
	case keyTick:
		a.tick()
		return nil
	case keyQuit, tcell.KeyCtrlC:
		a.quit()
		return nil
	}
	a.absorb()
	if a.modal != "" {
		return a.modalKey(ev)
	}
	switch ev.Key() {
	case tcell.KeyRight:
		a.forward()
	case tcell.KeyLeft:
		a.back()
	case tcell.KeyHome:
		a.setPlaying(false)
		a.seek(0)
	case tcell.KeyEnd:
		a.seek(a.tl.Len())
	case tcell.KeyTab:
		a.focusPane(a.focused + 1)
	case tcell.KeyBacktab:
		a.focusPane(a.focused + len(a.focus) - 1)
	case tcell.KeyEnter:
		a.openDetail()
	case tcell.KeyEscape:
		a.selLog, a.msgPinned, a.connPinned = -1, false, false
		a.log.Highlight()
		a.log.ScrollToEnd()
	case tcell.KeyUp, tcell.KeyDown, tcell.KeyPgUp, tcell.KeyPgDn:
		return a.paneKey(ev)
	case tcell.KeyRune:
		return a.runeKey(ev)
	default:
		return ev
	}
	return nil
}

func (a *App) runeKey(ev *tcell.EventKey) *tcell.EventKey {
	switch ev.Rune() {
	case ' ':
		a.forward()
	case 'b':
		a.back()
	case '.':
		a.seek(a.pos + 1)
	case ',':
		a.setPlaying(false)
		a.seek(a.pos - 1)
	case 'p':
		a.setPlaying(!a.playing)
	case 'o':
		a.skipToOutcome()
	case '/':
		a.openFilter()
	case '+', '=':
		a.setSpeed(a.speed + 1)
	case '-', '_':
		a.setSpeed(a.speed - 1)
	case '[':
		a.moveConn(-1)
	case ']':
		a.moveConn(+1)
	case 'w':
		a.openText("why", RenderWhy(a.lang, a.whyStep(), a.th), WhyTitle(a.lang, a.whyStep()))
	case '?':
		a.openText("help", RenderHelp(a.lang), wordsFor(a.lang).keysTitle)
	case 'g':
		a.openGoto()
	case 'L':
		if a.lang == narrate.Vietnamese {
			a.lang = narrate.English
		} else {
			a.lang = narrate.Vietnamese
		}
	case 'q':
		a.quit()
	default:
		return ev
	}
	return nil
}

// paneKey moves the selection in the log and messages panes and scrolls
// the others.
func (a *App) paneKey(ev *tcell.EventKey) *tcell.EventKey {
	step := map[tcell.Key]int{tcell.KeyUp: -1, tcell.KeyDown: 1, tcell.KeyPgUp: -10, tcell.KeyPgDn: 10}[ev.Key()]
	switch a.focus[a.focused] {
	case a.log:
		var shown []int // the lines the filter keeps
		for i, e := range a.model.Events {
			if a.filter.Match(e) {
				shown = append(shown, i)
			}
		}
		if len(shown) == 0 {
			return nil
		}
		at := len(shown) // following the end: the first step up is the last line
		for j, i := range shown {
			if i >= a.selLog && a.selLog >= 0 {
				at = j
				break
			}
		}
		a.selLog = shown[max(0, min(len(shown)-1, at+step))]
		a.connPinned = false
		a.log.Highlight(LogRegion(a.selLog)).ScrollToHighlight()
	case a.msgs:
		n := len(a.model.Messages)
		if n == 0 {
			return nil
		}
		i := 0
		for j, m := range a.model.Messages {
			if m.ID == a.stripMsg() {
				i = j
			}
		}
		i = max(0, min(n-1, i+step))
		a.selMsg, a.msgPinned = a.model.Messages[i].ID, true
		a.msgs.Highlight(MessageRegion(i)).ScrollToHighlight()
	default:
		return ev // the text view scrolls
	}
	return nil
}

func (a *App) focusPane(i int) {
	a.focused = i % len(a.focus)
	a.tv.SetFocus(a.focus[a.focused])
}

// forward moves one step on: through the history while the view is behind,
// then by letting the world take its next step.
func (a *App) forward() {
	if a.pos < a.tl.Len() {
		a.seek(a.tl.Next(a.pos))
		return
	}
	if a.live {
		a.gate.Step()
	}
}

// back replays the view up to the previous stop; the world stays where it
// is (paused).
func (a *App) back() {
	a.setPlaying(false)
	a.seek(a.tl.Prev(a.pos))
}

// seek shows the first k events: forward by folding the ones in between,
// back by folding the prefix again.
func (a *App) seek(k int) {
	k = max(0, min(k, a.tl.Len()))
	if k >= a.pos && len(a.model.Events) == a.pos {
		for _, e := range a.tl.Events(k)[a.pos:] {
			a.model.Apply(e)
		}
	} else {
		a.model = Fold(a.opts.Hosts, a.tl.Events(k))
	}
	a.pos = k
	a.follow = a.live && k == a.tl.Len()
	if a.selLog >= k {
		a.selLog = -1
		a.log.Highlight()
	}
	if a.selLog < 0 {
		a.log.ScrollToEnd()
	}
}

func (a *App) setPlaying(on bool) {
	a.skipping = false
	if on && a.live && a.pos < a.tl.Len() {
		a.seek(a.tl.Len()) // playing a live run means following it
	}
	a.playing = on
	if a.live {
		a.gate.SetPlaying(on, speeds[a.speed].interval)
		return
	}
	a.schedule()
}

func (a *App) setSpeed(i int) {
	a.skipping = false
	a.speed = max(0, min(i, len(speeds)-1))
	if a.live {
		a.gate.SetPlaying(a.playing, speeds[a.speed].interval)
		return
	}
	a.schedule()
}

// skipToOutcome runs on to the end without stopping: a replay jumps to
// its last event, a live world is let through every stop until it ends.
func (a *App) skipToOutcome() {
	a.setPlaying(false)
	a.seek(a.tl.Len())
	if a.live {
		done, _ := a.world()
		a.skipping = !done
		a.gate.SetPlaying(true, 0)
	}
}

// setFilter changes what the log shows; a selected line the filter hides
// is let go.
func (a *App) setFilter(f Filter) {
	a.filter = f
	if a.selLog >= 0 && a.selLog < len(a.model.Events) && !f.Match(a.model.Events[a.selLog]) {
		a.selLog = -1
		a.log.Highlight()
	}
	if a.selLog < 0 {
		a.log.ScrollToEnd()
	}
}

// schedule arms the next tick of a playing replay.
func (a *App) schedule() {
	if a.timer != nil {
		a.timer.Stop()
		a.timer = nil
	}
	if !a.playing || a.live {
		return
	}
	if speeds[a.speed].interval == 0 || a.pos >= a.tl.Len() {
		a.seek(a.tl.Len())
		a.playing = false
		return
	}
	a.timer = time.AfterFunc(speeds[a.speed].interval, func() { a.post(keyTick) })
}

func (a *App) tick() {
	if !a.playing || a.live {
		return
	}
	a.forward()
	a.schedule()
}

func (a *App) moveConn(d int) {
	n := len(a.model.Conns)
	if n == 0 {
		return
	}
	a.selConn = max(0, min(n-1, a.connIndex()+d))
	a.connPinned = true
	a.trans.ScrollToBeginning()
}

// headerState is what the top line shows.
func (a *App) headerState() Header {
	h := Header{Title: a.opts.Title, Replay: !a.live, Speed: speeds[a.speed].label, Pos: a.pos,
		Len: a.tl.Len(), Clock: a.model.Clock}
	if n := a.tl.Len(); n > 0 {
		h.Dated = SpansDays(a.tl.At(0).Time, a.tl.At(n-1).Time)
	}
	if h.Title == "" {
		h.Title = a.model.Scenario
	}
	done, err := a.world()
	if err != nil {
		h.Note = err.Error()
	}
	switch {
	case a.live && a.pos < a.tl.Len():
		h.Mode = ModeHistory
	case a.live && done && a.nextEvent() == nil, !a.live && a.pos == a.tl.Len():
		h.Mode = ModeFinished
	case a.skipping:
		h.Mode = ModeSkipping
	case a.playing:
		h.Mode = ModePlaying
	default:
		h.Mode = ModePaused
	}
	return h
}

// nextEvent is the step about to start: held at the gate, or next in the
// history when the view stands before it. A stop just after a failure has
// none, unless a step starts right there too.
func (a *App) nextEvent() *event.Event {
	if a.pos < a.tl.Len() {
		if a.tl.StartsAt(a.pos) {
			e := a.tl.At(a.pos)
			return &e
		}
		return nil
	}
	if a.live && a.gate != nil {
		if e, ok := a.gate.Pending(); ok {
			return &e
		}
	}
	return nil
}

// stripMsg is the message the strip follows: the one picked in the
// messages pane, else the one that just failed, else the one about to
// move, else the last one that did.
func (a *App) stripMsg() string {
	if a.msgPinned && a.model.Message(a.selMsg) != nil {
		return a.selMsg
	}
	if id := a.model.JustFailed; id != "" {
		return id // the view stands at its failure
	}
	if n := a.nextEvent(); n != nil && n.Msg != "" {
		return n.Msg
	}
	for i := len(a.model.Events) - 1; i >= 0; i-- {
		if id := a.model.Events[i].Msg; id != "" && a.model.Message(id) != nil {
			return id
		}
	}
	return ""
}

// connIndex is the connection the transcript shows: the one picked with
// [ ], else the selected log line's, else the latest.
func (a *App) connIndex() int {
	if a.connPinned && a.selConn < len(a.model.Conns) {
		return a.selConn
	}
	if a.selLog >= 0 && a.selLog < len(a.model.LogConn) && a.model.LogConn[a.selLog] >= 0 {
		return a.model.LogConn[a.selLog]
	}
	for i := len(a.model.LogConn) - 1; i >= 0; i-- {
		if c := a.model.LogConn[i]; c >= 0 {
			return c
		}
	}
	return -1
}

// whyStep is the step "why" explains: the selected event's, the one about
// to start, or the strip's.
func (a *App) whyStep() int {
	if a.selLog >= 0 && a.selLog < len(a.model.Events) && a.model.Events[a.selLog].Step > 0 {
		return a.model.Events[a.selLog].Step
	}
	if n := a.nextEvent(); n != nil && n.Step > 0 {
		return n.Step
	}
	if m := a.model.Message(a.stripMsg()); m != nil && m.Current > 0 {
		return m.Current
	}
	return 1
}

// selectedEvent is the event Enter opens: the selected log line, else the
// last one.
func (a *App) selectedEvent() (event.Event, bool) {
	n := len(a.model.Events)
	switch {
	case a.selLog >= 0 && a.selLog < n:
		return a.model.Events[a.selLog], true
	case n > 0:
		return a.model.Events[n-1], true
	}
	return event.Event{}, false
}

func seqTitle(e event.Event, lang narrate.Lang) string {
	return wordsFor(lang).detailTitle + " #" + strconv.FormatInt(e.Seq, 10)
}
