package scenarios

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// Error is one problem in a scenario file, at a line and column.
type Error struct {
	File   string
	Line   int // from 1
	Column int // from 1, counted in characters
	Msg    string
	// Hint, when set, suggests a fix: "did you mean \"subject\"?".
	Hint string
	// SourceLine is the text of line Line, without its newline.
	SourceLine string
}

// Error formats the problem like a compiler does:
// cross.yaml:12:7: unknown field "subjet" in send (did you mean "subject"?).
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	fmt.Fprintf(&b, "%d:%d: %s", e.Line, e.Column, e.Msg)
	if e.Hint != "" {
		fmt.Fprintf(&b, " (%s)", e.Hint)
	}
	return b.String()
}

// ErrorList is every problem found in one scenario, sorted by file and
// position. A scenario that extends another may list problems of the base
// file too, each with that file's name; they come first.
type ErrorList []*Error

// Error joins the errors' messages with newlines.
func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Format writes each error followed by the offending source line and a caret
// under the column.
func (l ErrorList) Format(w io.Writer) {
	for _, e := range l {
		fmt.Fprintln(w, e.Error())
		if e.SourceLine == "" {
			continue
		}
		gutter := fmt.Sprintf("%5d | ", e.Line)
		fmt.Fprintf(w, "%s%s\n", gutter, e.SourceLine)
		fmt.Fprintf(w, "%s| %s^\n", strings.Repeat(" ", len(gutter)-2), caretPad(e.SourceLine, e.Column))
	}
}

// caretPad returns the blanks that put a caret under column col of line,
// keeping tabs so the caret lines up however the terminal shows them.
func caretPad(line string, col int) string {
	var b strings.Builder
	n := 1
	for _, r := range line {
		if n >= col {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
		n++
	}
	return b.String()
}

// sortErrors orders errors by file (in the order of files, others last)
// and position, and drops exact duplicates, which arise when an aliased node
// is reached through several paths.
func sortErrors(l ErrorList, files []string) ErrorList {
	rank := func(f string) int {
		for i, g := range files {
			if f == g {
				return i
			}
		}
		return len(files)
	}
	sort.SliceStable(l, func(i, j int) bool {
		if ri, rj := rank(l[i].File), rank(l[j].File); ri != rj {
			return ri < rj
		}
		if l[i].Line != l[j].Line {
			return l[i].Line < l[j].Line
		}
		return l[i].Column < l[j].Column
	})
	out := l[:0]
	seen := map[string]bool{}
	for _, e := range l {
		k := e.Error()
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, e)
	}
	return out
}

// fillSource sets each error's source line from sources, keyed by file
// name; an error without a file belongs to file.
func fillSource(l ErrorList, file string, sources map[string][]byte) {
	split := map[string][]string{}
	for _, e := range l {
		if e.File == "" {
			e.File = file
		}
		if e.Line < 1 {
			e.Line = 1
		}
		if e.Column < 1 {
			e.Column = 1
		}
		lines, ok := split[e.File]
		if !ok {
			lines = strings.Split(string(sources[e.File]), "\n")
			split[e.File] = lines
		}
		if e.Line <= len(lines) {
			s := strings.TrimSuffix(lines[e.Line-1], "\r")
			if utf8.ValidString(s) {
				e.SourceLine = s
			}
		}
	}
}

// suggest returns the candidate closest to word by edit distance, ignoring
// case, or "" when none is close enough to be a likely typo.
func suggest(word string, candidates []string) string {
	w := strings.ToLower(word)
	best, bestD := "", 1<<30
	for _, c := range candidates {
		d := editDistance(w, strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := 1
	switch n := utf8.RuneCountInString(word); {
	case n > 8:
		limit = 3
	case n > 4:
		limit = 2
	}
	if best == "" || bestD > limit || best == word {
		return ""
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and transpositions of neighbours cost 1.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 256 || len(rb) > 256 {
		return 1 << 20 // not a typo of a short name; avoid quadratic work
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// didYouMean formats a suggestion as a hint, or "" when there is none.
func didYouMean(word string, candidates []string) string {
	if s := suggest(word, candidates); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	return ""
}

// didYouMeanName is didYouMean for names from the scenario (addresses,
// hosts, message ids), which read better unquoted.
func didYouMeanName(word string, candidates []string) string {
	if s := suggest(word, candidates); s != "" {
		return fmt.Sprintf("did you mean %s?", s)
	}
	return ""
}

// quoteList renders names as "a, b or c".
func quoteList(names []string, conj string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + conj + " " + names[len(names)-1]
}
