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
// width cells: the boxes 1–6, then a line about the step — the one about to
// start when the world waits before it (its name only, never what it will
// bring), the failure and its reason when the message just failed, else the
// step it is in. next is the waiting event, nil when none.
func RenderStrip(m *Model, msgID string, next *event.Event, lang narrate.Lang, th Theme, cols int) string {
	w := wordsFor(lang)
	msg := m.Message(msgID)
	nextStep := 0
	if next != nil && next.Msg == msgID {
		nextStep = next.Step
	}
	var labels, roles, attrs [7]string
	for s := 1; s <= 6; s++ {
		state := StepNone
		if msg != nil {
			state = msg.Steps[s]
		}
		mark, role, attr := " ", roleMuted, ""
		switch state {
		case StepCurrent:
			mark, role, attr = markCurrent, stepRole(s), "b"
		case StepDone:
			mark, role, attr = markDone, roleOK, ""
		case StepWaiting:
			mark, role, attr = markWaiting, roleWarn, "b"
		case StepFailed:
			mark, role, attr = markFailed, roleBad, "b"
		}
		if s == nextStep && state != StepFailed {
			mark, role, attr = markNext, stepRole(s), "u"
		}
		if msg != nil && msg.Current == s {
			attr += "r"
		}
		labels[s] = fmt.Sprintf("%s%d %s", mark, s, ShortStepName(lang, s))
		roles[s], attrs[s] = role, attr
	}
	var line1 strings.Builder
	cells, sep := boxWidths(labels, cols)
	for s := 1; s <= 6; s++ {
		if s > 1 {
			line1.WriteString(th.wrap(sep, roleMuted, ""))
		}
		line1.WriteString(th.wrap(esc(fit(labels[s], cells[s], true)), roles[s], attrs[s]))
	}
	var line2 string
	switch {
	case nextStep > 0 && m.JustFailed != msgID:
		line2 = th.wrap(fmt.Sprintf("⏸ %s: %s %d · %s", w.next, w.step, nextStep, narrate.StepName(lang, nextStep)),
			stepRole(nextStep), "b") + "  " + th.wrap(w.press, roleMuted, "")
	case msg != nil && msg.Failure != nil:
		f := msg.Failure
		mark, role := markFailed, roleBad
		if msg.Steps[f.Step] == StepWaiting {
			mark, role = markWaiting, roleWarn
		}
		why := fmt.Sprintf("%s %s %d: %s", mark, w.step, f.Step, FailureReason(*f, lang))
		// Just failed, the message's fate is still to come: say how to go
		// on; later, say what became of it. The reason comes first.
		after, afterRole := w.press, roleMuted
		if m.JustFailed != msgID {
			after, afterRole = "("+stateText(msg, lang)+")", stateRole(msg.State)
		}
		line2 = th.wrap(esc(fit(why, cols, false)), role, "b")
		if width(why)+2+width(after) <= cols {
			line2 += "  " + th.wrap(esc(after), afterRole, "")
		}
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
			stepRole(msg.Current), "b")
		if st := stateText(msg, lang); st != "" {
			line2 += "  " + th.wrap("("+esc(st)+")", stateRole(msg.State), "")
		}
	case msg == nil:
		line2 = th.wrap(w.noMsg, roleMuted, "")
	}
	return line1.String() + "\n" + line2
}

// boxWidths gives each step's box its width and the separator between
// boxes. Every label keeps its full width when all six fit — with " › "
// between them if there is room, else one blank — the spare room shared
// out; otherwise the boxes are equal and long labels end in "…". Labels
// never touch.
func boxWidths(labels [7]string, cols int) ([7]int, string) {
	var cells [7]int
	sum := 0
	for s := 1; s <= 6; s++ {
		cells[s] = width(labels[s])
		sum += cells[s]
	}
	for _, sep := range []string{" › ", " "} {
		spare := cols - sum - 5*width(sep)
		if spare < 0 {
			continue
		}
		for s := 1; s <= 6; s++ {
			cells[s] += spare / 6
			if s <= spare%6 {
				cells[s]++
			}
		}
		return cells, sep
	}
	for s := 1; s <= 6; s++ {
		cells[s] = max(3, (cols-5)/6)
	}
	return cells, " "
}

// StripTitle names the message the strip follows.
func StripTitle(m *Model, msgID string, lang narrate.Lang) string {
	w := wordsFor(lang)
	msg := m.Message(msgID)
	if msg == nil {
		if msgID != "" {
			return w.steps + " · " + msgID // about to start its first step
		}
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
	if msg.State == StateQueued && !msg.Retry.IsZero() {
		return w.until + " " + shortWhen(msg.Retry, lang)
	}
	if s, ok := w.states[msg.State]; ok {
		return s
	}
	return msg.State
}

func stateRole(state string) string {
	switch state {
	case StateDelivered:
		return roleOK
	case StateQueued, StatePartly:
		return roleWarn
	case StateBounced, StateRejected, StateDropped:
		return roleBad
	}
	return roleInfo
}
