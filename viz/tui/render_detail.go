package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rivo/tview"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
)

// Mode is what the world (or the replay) is doing.
type Mode int

// Modes the header shows.
const (
	ModePaused   Mode = iota // waiting for a key before the next step
	ModePlaying              // one step per interval
	ModeHistory              // the view shows an earlier point than the world's
	ModeFinished             // the run is over
	ModeSkipping             // running on to the outcome without stopping
)

// Header is what the top line says.
type Header struct {
	Title  string
	Replay bool
	Mode   Mode
	Speed  string
	// Pos and Len place the view in the history (events shown of events known).
	Pos, Len int
	Clock    time.Time
	// Dated shows the date with the clock: the run spans days.
	Dated bool
	// Note is a warning to show, such as why the scenario stopped early.
	Note string
}

// RenderHeader is the top line: the run, what it is doing and its speed,
// and the simulated clock at the right. The title gives way first when the
// line is short.
func RenderHeader(h Header, lang narrate.Lang, th Theme, cols int) string {
	w := wordsFor(lang)
	var status string
	switch h.Mode {
	case ModePaused:
		status = "⏸ " + w.paused
	case ModePlaying:
		status = "▶ " + w.playing
	case ModeHistory:
		status = "↩ " + w.history
	case ModeFinished:
		status = "✔ " + w.finished
	case ModeSkipping:
		status = "⏭ " + w.skipping
	}
	status += " · " + h.Speed
	if h.Replay || h.Mode == ModeHistory {
		status += fmt.Sprintf(" · %s %d/%d", w.event, h.Pos, h.Len)
	}
	clock := clockText(h.Clock, h.Dated, lang)
	title := "mailflow · " + h.Title
	if h.Replay {
		title = "mailflow " + w.replay + " · " + h.Title
	}
	room := cols - width(status) - width(clock) - 4
	if h.Note != "" && room > 20 {
		note := fit("⚠ "+h.Note, room/2, false)
		title = esc(fit(title, room-width(note)-1, false)) + " " + th.wrap(esc(note), roleBad, "b")
	} else {
		title = esc(fit(title, max(0, room), false))
	}
	pad := max(1, cols-tview.TaggedStringWidth(title)-width(status)-width(clock)-3)
	return title + "  " + th.wrap(esc(status), modeColor(h.Mode), "b") + strings.Repeat(" ", pad) + th.wrap(esc(clock), "", "b")
}

func modeColor(m Mode) string {
	switch m {
	case ModePaused:
		return roleWarn
	case ModePlaying:
		return roleLive
	case ModeHistory:
		return roleInfo
	case ModeSkipping:
		return roleWarn
	}
	return roleOK
}

// RenderFooter is the key line at the bottom.
func RenderFooter(lang narrate.Lang, th Theme, width int) string {
	return th.wrap(esc(fit(wordsFor(lang).footer, width, false)), roleMuted, "")
}

// RenderHelp lists the keys.
func RenderHelp(lang narrate.Lang) string {
	return esc(strings.Join(wordsFor(lang).help, "\n"))
}

// RenderWhy is the explanation of a step: the question a class asks, and
// why.
func RenderWhy(lang narrate.Lang, step int, th Theme) string {
	if step < 1 || step > 6 {
		step = 1
	}
	return th.wrap(esc(narrate.WhyQuestion(lang, step)), stepRole(step), "b") + "\n\n" +
		esc(narrate.Why(lang, step))
}

// WhyTitle names the step an explanation is about.
func WhyTitle(lang narrate.Lang, step int) string {
	if step < 1 || step > 6 {
		step = 1
	}
	return fmt.Sprintf("%s %d · %s", wordsFor(lang).step, step, narrate.StepName(lang, step))
}

// RenderDetail shows every field an event carries, its narration and, for
// a step, the step's name; a transcript follows in full.
func RenderDetail(e event.Event, lang narrate.Lang, th Theme) string {
	var b strings.Builder
	b.WriteString(th.wrap(esc(LogText(lang, e)), stepRole(max(0, min(e.Step, 6))), "b") + "\n")
	field := func(k, v string) {
		if v != "" && v != "0" {
			b.WriteString("\n" + th.wrap(fmt.Sprintf("%-9s", k), roleMuted, "") + " " + esc(v))
		}
	}
	field("seq", strconv.FormatInt(e.Seq, 10))
	field("time", e.Time.Format(time.RFC3339Nano))
	if e.Step >= 1 && e.Step <= 6 {
		field("step", fmt.Sprintf("%d · %s", e.Step, narrate.StepName(lang, e.Step)))
	}
	field("kind", string(e.Kind))
	field("host", e.Host)
	field("peer", e.Peer)
	field("msg", e.Msg)
	field("conn", e.Conn)
	field("service", e.Service)
	field("port", strconv.Itoa(e.Port))
	field("from", e.From)
	field("to", strings.Join(e.To, ", "))
	field("user", e.User)
	field("folder", e.Folder)
	field("subject", e.Subject)
	field("size", strconv.Itoa(e.Size))
	field("attach", strings.Join(e.Attachments, ", "))
	field("uid", strconv.FormatUint(uint64(e.UID), 10))
	field("route", e.Route)
	if t := e.TLS; t != nil {
		field("tls", strings.TrimSpace(fmt.Sprintf("%s verified=%t %s", t.Version, t.Verified, t.Problem)))
	}
	field("question", strings.TrimSpace(e.QName+" "+e.QType))
	field("rcode", e.Rcode)
	var records []string
	for _, r := range e.Records {
		value := r.Value
		if r.Type == "MX" {
			value = strconv.Itoa(r.Pref) + " " + value
		}
		records = append(records, fmt.Sprintf("%s %d IN %s %s", r.Name, r.TTL, r.Type, value))
	}
	field("answer", strings.Join(records, "; "))
	field("origin", e.Origin)
	if r := e.Reply; r != nil {
		field("code", strconv.Itoa(r.Code))
		field("enhanced", r.Enhanced)
		field("stage", r.Stage)
		field("side", r.Side)
	}
	if l := e.Local; l != nil {
		field("reason", l.Reason)
		field("status", l.Status)
		field("stage", l.Stage)
	}
	field("state", e.State)
	field("check", e.Check)
	field("expected", e.Expected)
	field("observed", e.Observed)
	field("error", e.Error)
	if a := e.Auth; a != nil { // sender authentication: each verdict and why
		for _, c := range []struct {
			k string
			v event.AuthCheck
		}{{"spf", a.SPF}, {"dkim", a.DKIM}, {"dmarc", a.DMARC}} {
			field(c.k, strings.TrimSpace(c.v.Result+" "+c.v.Domain)+" — "+c.v.Reason)
		}
		field("action", a.Action)
	}
	for _, o := range e.Outcomes {
		field("outcome", fmt.Sprintf("%s %s %s → %s", o.Msg, o.State, o.From, strings.Join(o.To, ", ")))
	}
	if len(e.Transcript) > 0 {
		b.WriteString("\n")
		for _, l := range e.Transcript {
			b.WriteString("\n" + transcriptLine(l, th))
		}
	}
	return b.String()
}
