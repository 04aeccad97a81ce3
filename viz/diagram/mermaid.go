package diagram

import (
	"fmt"
	"strings"

	"github.com/mailflow/mailflow/viz/plot/flow"
)

// MermaidOf writes a flow as a Mermaid sequenceDiagram.
func MermaidOf(f *flow.Flow, o Options) string {
	var b strings.Builder
	b.WriteString("sequenceDiagram\n")
	if f.Scenario != "" {
		fmt.Fprintf(&b, "%%%% mailflow scenario %s\n", mermaidText(f.Scenario))
	}
	id := func(lane int) string { return fmt.Sprintf("P%d", lane+1) }
	for i, l := range f.Lanes {
		fmt.Fprintf(&b, "    participant %s as %s\n", id(i), mermaidText(l.Label))
	}
	last := len(f.Lanes) - 1
	for _, r := range rows(f, o) {
		switch {
		case r.gap > 0 && last >= 0:
			fmt.Fprintf(&b, "    Note over %s,%s: ≈ %s later\n", id(0), id(last), flow.Human(r.gap))
		case r.step > 0:
			fmt.Fprintf(&b, "    Note over %s: %s\n", span(id, r.lo, r.hi), mermaidText(stepTitle(o.Lang, r.step)))
		case r.hop != nil:
			h := r.hop
			fmt.Fprintf(&b, "    %s%s%s: %s\n", id(h.From), mermaidArrow(h), id(h.To), mermaidText(h.Label))
		case r.mark != nil:
			m := r.mark
			fmt.Fprintf(&b, "    Note over %s: %s\n", id(m.Lane), mermaidText(m.Label))
		}
	}
	return b.String()
}

func span(id func(int) string, lo, hi int) string {
	if lo == hi {
		return id(lo)
	}
	return id(lo) + "," + id(hi)
}

// mermaidArrow: solid for a request, dotted for a reply, a cross at the
// end of a failure.
func mermaidArrow(h *flow.Hop) string {
	switch {
	case h.Tone == flow.Failed && h.Reply:
		return "--x"
	case h.Tone == flow.Failed:
		return "-x"
	case h.Reply:
		return "-->>"
	}
	return "->>"
}

// mermaidText keeps text from breaking the Mermaid syntax: ; and # end or
// escape statements, < and > may open HTML, a newline ends the line.
func mermaidText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '#':
			b.WriteString("#35;")
		case ';':
			b.WriteString("#59;")
		case '<':
			b.WriteString("#lt;")
		case '>':
			b.WriteString("#gt;")
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
