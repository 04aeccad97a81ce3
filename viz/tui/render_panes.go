package tui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/viz/narrate"
)

// LogText is an event's line in the log, in lang. Kinds the narration does
// not know yet keep the text they were recorded with, so a newer trace still
// reads well.
func LogText(lang narrate.Lang, e event.Event) string {
	if e.Text != "" && !narrate.Has(lang, e.Kind) {
		return e.Text
	}
	return narrate.Text(lang, e)
}

// LogRegion is the region id of event i in the log pane.
func LogRegion(i int) string { return "e" + strconv.Itoa(i) }

// MessageRegion is the region id of message i in the messages pane.
func MessageRegion(i int) string { return "m" + strconv.Itoa(i) }

// RenderLog draws the narrated log, one region per event, coloured by step;
// failures in red. Only the events the filter keeps show. With next, the
// step about to start ends the log — by its name only, so the class can
// guess what it will bring. Times show when the pane is wide enough, with
// the date when the run spans days.
func RenderLog(m *Model, next *event.Event, f Filter, lang narrate.Lang, th Theme, width int) string {
	var b strings.Builder
	dated := SpansDays(m.Start, m.Clock)
	shown := 0
	for i, e := range m.Events {
		if !f.Match(e) {
			continue
		}
		if shown > 0 {
			b.WriteByte('\n')
		}
		shown++
		b.WriteString(`["` + LogRegion(i) + `"]`)
		if width >= 70 {
			stamp := e.Time.Format("15:04:05.000")
			if dated {
				stamp = shortWhen(e.Time, lang) + e.Time.Format(":05")
			}
			b.WriteString(th.wrap(stamp, roleMuted, "") + " ")
		}
		role, attrs := stepRole(e.Step), ""
		if failed(e) || (e.Kind == event.ExpectResult && (e.Passed == nil || !*e.Passed)) {
			role, attrs = roleBad, "b"
		} else if deferred(e) {
			role = roleWarn
		}
		b.WriteString(th.wrap(esc(LogText(lang, e)), role, attrs))
		b.WriteString(`[""]`)
	}
	if shown == 0 && !f.Empty() && len(m.Events) > 0 {
		b.WriteString(th.wrap(esc(wordsFor(lang).noMatch), roleMuted, ""))
		shown++
	}
	if next != nil && next.Step >= 1 && next.Step <= 6 {
		if shown > 0 {
			b.WriteByte('\n')
		}
		w := wordsFor(lang)
		b.WriteString(th.wrap(esc(fmt.Sprintf("⏸ %s: %s %d · %s", w.next, w.step, next.Step,
			narrate.StepName(lang, next.Step))), roleMuted, ""))
	}
	return b.String()
}

// RenderMessages lists the messages and their state, one region each; sel
// is the message the strip follows.
func RenderMessages(m *Model, sel string, lang narrate.Lang, th Theme, width int) string {
	if len(m.Messages) == 0 {
		return th.wrap(wordsFor(lang).noMsg, roleMuted, "")
	}
	var b strings.Builder
	for i, msg := range m.Messages {
		if i > 0 {
			b.WriteByte('\n')
		}
		mark := " "
		if msg.ID == sel {
			mark = markCurrent
		}
		b.WriteString(`["` + MessageRegion(i) + `"]`)
		b.WriteString(esc(mark+msg.ID) + " " + th.wrap(esc(stateText(msg, lang)), stateRole(msg.State), "b"))
		from := msg.From
		if from == "" && msg.Subject != "" {
			from = "<>" // the null sender of a bounce
		}
		b.WriteString("\n  " + esc(fit(from+" → "+strings.Join(msg.To, ", "), width-2, false)))
		var path []string
		for s := 1; s <= 6; s++ {
			switch msg.Steps[s] {
			case StepDone, StepCurrent:
				path = append(path, strconv.Itoa(s))
			case StepFailed:
				path = append(path, strconv.Itoa(s)+markFailed)
			case StepWaiting:
				path = append(path, strconv.Itoa(s)+markWaiting)
			}
		}
		var about []string
		if msg.Subject != "" {
			about = append(about, strconv.Quote(msg.Subject))
		}
		about = append(about, strings.Join(path, "→"))
		if len(msg.Fetched) > 0 {
			about = append(about, wordsFor(lang).read+" "+strings.Join(msg.Fetched, ", "))
		}
		for _, l := range pack(about, "  ", width-2) {
			b.WriteString("\n  " + th.wrap(esc(l), roleMuted, ""))
		}
		if msg.Error != "" && msg.State != StateDelivered {
			b.WriteString("\n  " + th.wrap(esc(fit(msg.Error, width-2, false)), roleBad, ""))
		}
		b.WriteString(`[""]`)
	}
	return b.String()
}

// RenderTopology lists the hosts with their addresses and services, and
// badges for TLS, refusals, queued deliveries and injected faults.
func RenderTopology(m *Model, lang narrate.Lang, th Theme, width int) string {
	w := wordsFor(lang)
	var lines []string
	for _, h := range m.Hosts {
		switch h.Role {
		case RoleDNS:
			addr := h.Addr
			if p := h.port("dns"); p != "" && addr != "" {
				addr += ":" + p
			}
			lines = append(lines, headLines(strings.TrimSpace("DNS  "+addr), badges(h, w), th, width)...)
			continue
		case RoleClient:
			lines = append(lines, th.wrap(esc(w.clients), "", "b")+"  "+esc(h.Addr))
			continue
		}
		lines = append(lines, headLines(h.Name, badges(h, w), th, width)...)
		var about []string
		if h.Addr != "" {
			about = append(about, h.Addr)
		}
		if h.MX > 0 {
			about = append(about, "MX "+strconv.Itoa(h.MX))
		}
		if h.Mailboxes {
			about = append(about, w.mailboxes)
		}
		for _, l := range pack(about, " · ", width-2) {
			lines = append(lines, "  "+esc(l))
		}
		for _, l := range pack(serviceGroups(h), " · ", width-2) {
			lines = append(lines, "  "+th.wrap(esc(l), roleMuted, ""))
		}
	}
	return strings.Join(lines, "\n")
}

// badge is one mark on a host: plain text and its style.
type badge struct{ text, color, attrs string }

func badges(h *Host, w *words) []badge {
	var out []badge
	if h.TLS != "" {
		if h.TLSError != "" {
			out = append(out, badge{"[" + h.TLS + " " + markFailed + "]", roleBad, "b"})
		} else {
			out = append(out, badge{"[" + h.TLS + " " + markDone + "]", roleOK, ""})
		}
	}
	if h.Refused != "" {
		color := roleBad
		if strings.HasPrefix(h.Refused, "4") {
			color = roleWarn // temporary: the sender will try again
		}
		out = append(out, badge{"[" + markFailed + h.Refused + "]", color, "b"})
	}
	if h.Queued > 0 {
		out = append(out, badge{fmt.Sprintf("[%s %d]", w.queuedBadge, h.Queued), roleWarn, ""})
	}
	for _, f := range h.Faults {
		out = append(out, badge{"[⚠ " + f + "]", roleFault, "b"})
	}
	if h.FaultHits > 0 {
		out = append(out, badge{fmt.Sprintf("[⚠×%d]", h.FaultHits), roleFault, "b"})
	}
	return out
}

// headLines is a host's name with its badges: on the name's line while
// they fit, then on indented lines of their own.
func headLines(head string, bs []badge, th Theme, cols int) []string {
	head = fit(head, cols, false)
	lines := []string{th.wrap(esc(head), "", "b")}
	used := width(head)
	for _, b := range bs {
		if used+1+width(b.text) > cols && used > 2 {
			lines = append(lines, " ")
			used = 1
		}
		t := fit(b.text, cols-used-1, false)
		lines[len(lines)-1] += " " + th.wrap(esc(t), b.color, b.attrs)
		used += 1 + width(t)
	}
	return lines
}

// serviceGroups groups a host's services by protocol: "SMTP 25 587 465",
// "POP3 110 995", "IMAP 143 993".
func serviceGroups(h *Host) []string {
	groups := map[string][]string{}
	var order []string
	for _, s := range h.Services {
		g := strings.ToUpper(s.Name)
		switch s.Name {
		case "smtp", "submission", "submissions":
			g = "SMTP"
		case "pop3", "pop3s":
			g = "POP3"
		case "imap", "imaps":
			g = "IMAP"
		}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		p := strconv.Itoa(s.Port)
		if s.Real != 0 && s.Real != s.Port {
			p += "→" + strconv.Itoa(s.Real)
		}
		groups[g] = append(groups[g], p)
	}
	var parts []string
	for _, g := range order {
		parts = append(parts, g+" "+strings.Join(groups[g], " "))
	}
	return parts
}

func (h *Host) port(name string) string {
	for _, s := range h.Services {
		if s.Name == name {
			if s.Real != 0 {
				return strconv.Itoa(s.Real)
			}
			return strconv.Itoa(s.Port)
		}
	}
	return ""
}

// ConnTitle names a connection: "alice's mail client → mail.example.test:587
// (submission)".
func ConnTitle(c *Conn) string {
	t := c.Host + " → " + c.Peer
	if c.Kind == ConnDNS {
		t = c.Host + " ⇄ DNS"
	} else if c.Port != 0 {
		t += ":" + strconv.Itoa(c.Port)
	}
	if c.Service != "" && c.Kind != ConnDNS {
		t += " (" + c.Service + ")"
	}
	if c.Msg != "" {
		t += " · " + c.Msg
	}
	return t
}

// RenderTranscript shows one connection's dialogue: C:/S: lines for SMTP,
// Q:/A: for DNS; refusals in red. Before the dialogue is known it tells
// what happened on the connection so far.
func RenderTranscript(m *Model, conn int, lang narrate.Lang, th Theme) string {
	w := wordsFor(lang)
	if conn < 0 || conn >= len(m.Conns) {
		return th.wrap(w.noConn, roleMuted, "")
	}
	c := m.Conns[conn]
	var b strings.Builder
	b.WriteString(th.wrap(esc(ConnTitle(c)), stepRole(max(0, min(c.Step, 6))), "b"))
	if len(c.Lines) == 0 {
		for _, i := range c.Notes {
			b.WriteString("\n" + th.wrap(esc("» "+LogText(lang, m.Events[i])), roleMuted, ""))
		}
	}
	if len(c.Lines) == 0 && !c.Closed && c.Kind == ConnSMTP {
		b.WriteString("\n" + th.wrap(esc(w.dialogueLater), roleMuted, ""))
	}
	for _, l := range c.Lines {
		b.WriteString("\n" + transcriptLine(l, th))
	}
	return b.String()
}

func transcriptLine(l string, th Theme) string {
	switch {
	case strings.HasPrefix(l, "S: 4"), strings.HasPrefix(l, "S: 5"), strings.HasPrefix(l, "A: NXDOMAIN"),
		strings.HasPrefix(l, "A: SERVFAIL"), strings.HasPrefix(l, "A: REFUSED"):
		return th.wrap(esc(l), roleBad, "b")
	case strings.HasPrefix(l, "C: "), strings.HasPrefix(l, "Q: "):
		return th.wrap(esc(l), roleInfo, "")
	case strings.HasPrefix(l, "S: "), strings.HasPrefix(l, "A: "):
		return th.wrap(esc(l), roleOK, "")
	}
	return esc(l)
}
