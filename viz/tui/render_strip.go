package tui

import (
	"fmt"
	"strings"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
)

// Marks of a step box; they carry the meaning when there is no colour.
const (
	markCurrent = "▶"
	markDone    = "✓"
	markFailed  = "✗"
	markWaiting = "↻"
	markNext    = "▷"
)

// RenderStrip draws the six-step strip for one message in two lines of
// width cells: the boxes 1–6, then the full name of the step it is in —
// or, when the world waits before a step, of the step about to start.
// next is that waiting event, nil when none.
func RenderStrip(m *Model, msgID string, next *event.Event, lang narrate.Lang, th Theme, width int) string {
	w := wordsFor(lang)
	msg := m.Message(msgID)
	nextStep := 0
	if next != nil && next.Msg == msgID {
		nextStep = next.Step
	}
	// Separators between the boxes only when the names still fit.
	sep := 1
	if (width-5)/6 < 13 {
		sep = 0
	}
	cw := max(3, (width-5*sep)/6)
	var line1 strings.Builder
	for s := 1; s <= 6; s++ {
		if s > 1 && sep > 0 {
			line1.WriteString(th.wrap("›", "gray", "d"))
		}
		state := StepNone
		lit := false
		if msg != nil {
			state = msg.Steps[s]
			lit = msg.Current == s
		}
		mark, color, attrs := " ", "gray", "d"
		switch state {
		case StepCurrent:
			mark, color, attrs = markCurrent, stepColors[s], "b"
		case StepDone:
			mark, color, attrs = markDone, "green", ""
		case StepWaiting:
			mark, color, attrs = markWaiting, "yellow", "b"
		case StepFailed:
			mark, color, attrs = markFailed, "red", "b"
		}
		if s == nextStep && state != StepFailed {
			mark, color, attrs = markNext, stepColors[s], "u"
		}
		if lit {
			attrs += "r"
		}
		label := fit(fmt.Sprintf("%s%d %s", mark, s, ShortStepName(lang, s)), cw, true)
		line1.WriteString(th.wrap(esc(label), color, attrs))
	}
	var line2 string
	switch {
	case nextStep > 0:
		line2 = th.wrap(fmt.Sprintf("⏸ %s: %s %d · %s", w.next, w.step, nextStep, narrate.StepName(lang, nextStep)),
			stepColors[nextStep], "b") + "  " + th.wrap(w.press, "", "d")
	case msg != nil && msg.Current > 0:
		mark := markCurrent
		switch msg.Steps[msg.Current] {
		case StepDone:
			mark = markDone
		case StepFailed:
			mark = markFailed
		case StepWaiting:
			mark = markWaiting
		}
		line2 = th.wrap(fmt.Sprintf("%s %s %d · %s", mark, w.step, msg.Current, narrate.StepName(lang, msg.Current)),
			stepColors[msg.Current], "b")
		if st := stateText(msg, lang); st != "" {
			line2 += "  " + th.wrap("("+esc(st)+")", stateColor(msg.State), "")
		}
	case msg == nil:
		line2 = th.wrap(w.noMsg, "", "d")
	}
	return line1.String() + "\n" + line2
}

// StripTitle names the message the strip follows.
func StripTitle(m *Model, msgID string, lang narrate.Lang) string {
	w := wordsFor(lang)
	msg := m.Message(msgID)
	if msg == nil {
		return w.steps
	}
	t := w.steps + " · " + msg.ID
	if msg.From != "" {
		t += " · " + msg.From + " → " + strings.Join(msg.To, ", ")
	}
	return t
}

// stateText is a message's state in words: "delivered", "queued until
// 09:30:00".
func stateText(msg *Message, lang narrate.Lang) string {
	w := wordsFor(lang)
	if msg.State == StateQueued && msg.Until != "" {
		return w.until + " " + msg.Until
	}
	if s, ok := w.states[msg.State]; ok {
		return s
	}
	return msg.State
}

func stateColor(state string) string {
	switch state {
	case StateDelivered:
		return "green"
	case StateQueued, StatePartly:
		return "yellow"
	case StateBounced, StateRejected, StateDropped:
		return "red"
	}
	return "aqua"
}
