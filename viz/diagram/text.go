package diagram

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mailflow/mailflow/viz/plot/flow"
)

// clockWidth is the width of the time column: "09:00:00.012".
const clockWidth = len("15:04:05.000")

// TextOf writes a flow as a fixed-width sequence diagram: one column per
// actor, one line per hop or mark, the simulated time on the left.
func TextOf(f *flow.Flow, o Options) string {
	rs := rows(f, o)
	pos := columns(f, rs)
	width := clockWidth + 2
	if n := len(pos); n > 0 {
		width = pos[n-1] + 1
	}
	var b strings.Builder
	line := func(cells []rune) {
		b.WriteString(strings.TrimRight(string(cells), " "))
		b.WriteByte('\n')
	}
	blank := func() []rune {
		cells := []rune(strings.Repeat(" ", width))
		for _, p := range pos {
			cells[p] = '|'
		}
		return cells
	}
	// Header: each name centred on its column.
	head := []rune(strings.Repeat(" ", width))
	for i, l := range f.Lanes {
		name := []rune(l.Label)
		start := max(0, pos[i]-len(name)/2)
		head = put(head, start, string(name))
	}
	line(head)
	line(blank())
	for _, r := range rs {
		cells := blank()
		switch {
		case r.gap > 0:
			cells = put([]rune(strings.Repeat(" ", width)), clockWidth+2, "... "+flow.Human(r.gap)+" later ...")
		case r.step > 0:
			title := "== " + stepTitle(o.Lang, r.step) + " =="
			cells = put(cells, max(clockWidth+2, pos[r.lo]-2), title)
		case r.hop != nil:
			cells = put(cells, 0, clock(r.at))
			cells = hopCells(cells, pos, r.hop)
		case r.mark != nil:
			cells = put(cells, 0, clock(r.at))
			m := r.mark
			cells = put(cells, pos[m.Lane], markSign(m.Tone)+" "+m.Label)
		}
		line(cells)
	}
	if len(rs) > 0 {
		line(blank())
	}
	return b.String()
}

// hopCells draws an arrow between two columns with its label on it:
// |--label-->|, |<--label--|, a failure ends in x instead of a head.
func hopCells(cells []rune, pos []int, h *flow.Hop) []rune {
	if h.From == h.To {
		return put(cells, pos[h.From], "o "+h.Label)
	}
	a, z := pos[h.From], pos[h.To]
	lo, hi := min(a, z), max(a, z)
	for i := lo + 1; i < hi; i++ {
		cells[i] = '-'
	}
	head := '>'
	if z < a {
		head = '<'
	}
	if h.Tone == flow.Failed {
		head = 'x'
	}
	if z > a {
		cells[hi-1] = head
	} else {
		cells[lo+1] = head
	}
	label := " " + h.Label + " "
	if z > a {
		return put(cells, lo+3, label)
	}
	return put(cells, hi-2-utf8.RuneCountInString(label), label)
}

// columns places the lifelines: room for each name, and between the ends of
// every arrow room for its label.
func columns(f *flow.Flow, rs []row) []int {
	n := len(f.Lanes)
	pos := make([]int, n)
	need := make([][]int, n) // need[j][i]: minimum distance from column i < j
	for j := range need {
		need[j] = make([]int, n)
	}
	for i := 1; i < n; i++ {
		w := (runes(f.Lanes[i-1].Label)+1)/2 + (runes(f.Lanes[i].Label)+1)/2 + 3
		need[i][i-1] = max(need[i][i-1], w)
	}
	for _, r := range rs {
		if h := r.hop; h != nil && h.From != h.To {
			lo, hi := min(h.From, h.To), max(h.From, h.To)
			need[hi][lo] = max(need[hi][lo], runes(h.Label)+8) // |-- label -->|
		}
	}
	for j := 0; j < n; j++ {
		p := clockWidth + 2 + (runes(f.Lanes[j].Label)+1)/2
		if j == 0 {
			pos[0] = p
			continue
		}
		p = pos[j-1] + 1
		for i := 0; i < j; i++ {
			p = max(p, pos[i]+need[j][i])
		}
		pos[j] = p
	}
	return pos
}

// put writes s into cells from column at, growing the line if needed.
func put(cells []rune, at int, s string) []rune {
	for _, r := range s {
		for at >= len(cells) {
			cells = append(cells, ' ')
		}
		cells[at] = r
		at++
	}
	return cells
}

func runes(s string) int { return utf8.RuneCountInString(s) }

func clock(t time.Time) string { return t.UTC().Format("15:04:05.000") }
