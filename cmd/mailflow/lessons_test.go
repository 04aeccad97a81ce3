package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailflow/mailflow/scenarios"
)

// The lessons in docs/lessons are checked as a teacher would use them:
// every lesson exists in English and Vietnamese with the same sections, a
// 45-minute plan, a hands-on exercise that starts with `mailflow new`, and a
// worksheet (without answers) whose questions the lesson answers one by
// one; and every command in them runs as printed.

// seedLessons are the lessons the course needs: the six steps, their
// failures, and the topics of the teaching material (send-as, aliases and
// filters, relays and smarthosts, TLS ports, retries, open relays).
var seedLessons = []string{
	"cross-domain", "same-domain", "pop3-vs-imap", "unknown-user-bounce", "greylisting", "nxdomain",
	"open-relay-closed", "send-as-on-behalf", "plus-address-filter", "smarthost-auth",
	"tls-unknown-ca-required", "relay-down-queued", "open-relay-abused",
}

// lessonLanguage holds what a lesson says in one language.
type lessonLanguage struct {
	dir       string   // the lessons, relative to docs/lessons
	sections  []string // the level-2 headings every lesson has, in order
	worksheet string   // the worksheet's title starts with this
}

var lessonLanguages = map[string]lessonLanguage{
	"en": {dir: ".", worksheet: "# Worksheet: ", sections: []string{
		"## Learning objectives", "## Lesson plan (45 minutes)", "## What to point at",
		"## Questions for the class", "## Hands-on exercise", "## Worksheet answers"}},
	"vi": {dir: "vi", worksheet: "# Phiếu bài tập: ", sections: []string{
		"## Mục tiêu bài học", "## Kế hoạch bài học (45 phút)", "## Chỉ cho lớp xem gì",
		"## Câu hỏi cho lớp", "## Bài tập thực hành", "## Đáp án phiếu bài tập"}},
}

var lessonsDir = filepath.Join(repoRoot, "docs", "lessons")

// allLessons lists every lesson: the seed topics and any other page in
// docs/lessons, so that a new lesson gets every check too.
func allLessons(t *testing.T) []string {
	t.Helper()
	names := slices.Clone(seedLessons)
	pages, err := filepath.Glob(filepath.Join(lessonsDir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		if name := strings.TrimSuffix(filepath.Base(p), ".md"); name != "README" && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names
}

// sectionOf returns the text under a level-2 heading, up to the next one.
func sectionOf(text, heading string) string {
	i := strings.Index(text, "\n"+heading+"\n")
	if i < 0 {
		return ""
	}
	rest := text[i+len(heading)+2:]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

var (
	planRowRe      = regexp.MustCompile(`(?m)^\| (\d+)–(\d+) \|`)
	numberedRe     = regexp.MustCompile(`(?m)^(\d+)\. `)
	answerRe       = regexp.MustCompile(`(?m)^\*\*(\d+)\.\*\* (.*)$`)
	fromBuiltinRe  = regexp.MustCompile(`--from ([a-z0-9-]+)`)
	shBlockRe      = regexp.MustCompile("(?s)```sh\n(.*?)```")
	lessonLinkRe   = regexp.MustCompile(`\]\(([a-z0-9-]+)\.md\)`)
	trailingNoteRe = regexp.MustCompile(`\s+#\s.*$`)
	// What announces answers: "Answers:", "Answer 3:", "Đáp án".
	answersHeadingRe = regexp.MustCompile(`(?i)\banswers?( \d+)?:|đáp án`)
)

func TestLessonsComplete(t *testing.T) {
	builtin := map[string]bool{}
	for _, b := range scenarios.Builtins() {
		builtin[b.Name] = true
	}
	index, err := os.ReadFile(filepath.Join(lessonsDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, m := range lessonLinkRe.FindAllStringSubmatch(string(index), -1) {
		if !slices.Contains(listed, m[1]) {
			listed = append(listed, m[1])
		}
	}
	for _, name := range allLessons(t) {
		if !slices.Contains(listed, name) {
			t.Errorf("docs/lessons/README.md does not list the lesson %s", name)
		}
		var commands [][]string
		for _, lang := range []string{"en", "vi"} {
			l := lessonLanguages[lang]
			path := filepath.Join(lessonsDir, l.dir, name+".md")
			b, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("lesson %s in %s: %v", name, lang, err)
				continue
			}
			text := string(b)
			checkLesson(t, path, text, l, builtin)
			commands = append(commands, lessonCommands(text))
			ws := filepath.Join(lessonsDir, l.dir, "worksheets", name+".md")
			wb, err := os.ReadFile(ws)
			if err != nil {
				t.Errorf("worksheet of %s in %s: %v", name, lang, err)
				continue
			}
			checkWorksheet(t, ws, string(wb), text, l)
		}
		if len(commands) == 2 && strings.Join(commands[0], "\n") != strings.Join(commands[1], "\n") {
			t.Errorf("lesson %s: the English and Vietnamese commands differ (beyond --lang vi and comments):\n  en: %q\n  vi: %q",
				name, commands[0], commands[1])
		}
	}
}

// checkLesson checks one lesson page's sections, plan and exercise.
func checkLesson(t *testing.T, path, text string, l lessonLanguage, builtin map[string]bool) {
	t.Helper()
	last := -1
	for _, h := range l.sections {
		i := strings.Index(text, "\n"+h+"\n")
		if i < 0 {
			t.Errorf("%s: no section %q", path, h)
			continue
		}
		if i < last {
			t.Errorf("%s: section %q is out of order", path, h)
		}
		last = i
	}
	if objectives := sectionOf(text, l.sections[0]); strings.Count(objectives, "\n- ") < 3 {
		t.Errorf("%s: fewer than three learning objectives", path)
	}
	// The plan is a table of rows "| a–b |" running from 0 to 45 without gaps.
	at := 0
	for _, m := range planRowRe.FindAllStringSubmatch(sectionOf(text, l.sections[1]), -1) {
		from, _ := strconv.Atoi(m[1])
		to, _ := strconv.Atoi(m[2])
		if from != at || to <= from {
			t.Errorf("%s: the plan's row %s–%s does not follow minute %d", path, m[1], m[2], at)
		}
		at = to
	}
	if at != 45 {
		t.Errorf("%s: the plan ends at minute %d, not 45", path, at)
	}
	exercise := sectionOf(text, l.sections[4])
	if !strings.Contains(exercise, "mailflow new ") {
		t.Errorf("%s: the exercise does not start from `mailflow new`", path)
	}
	for _, m := range fromBuiltinRe.FindAllStringSubmatch(text, -1) {
		if !builtin[m[1]] {
			t.Errorf("%s: --from %s names no built-in", path, m[1])
		}
	}
}

// checkWorksheet checks that a worksheet asks numbered questions without
// their answers, and that the lesson answers each of them.
func checkWorksheet(t *testing.T, path, ws, lesson string, l lessonLanguage) {
	t.Helper()
	if !strings.HasPrefix(ws, l.worksheet) {
		t.Errorf("%s: the title should start %q", path, l.worksheet)
	}
	var questions []int
	for _, m := range numberedRe.FindAllStringSubmatch(ws, -1) {
		n, _ := strconv.Atoi(m[1])
		questions = append(questions, n)
	}
	if len(questions) < 4 {
		t.Errorf("%s: %d questions; a worksheet has at least 4", path, len(questions))
	}
	answers := answerRe.FindAllStringSubmatch(sectionOf(lesson, l.sections[5]), -1)
	if len(answers) != len(questions) {
		t.Errorf("%s: %d questions, but the lesson gives %d answers", path, len(questions), len(answers))
	}
	for i, a := range answers {
		if n, _ := strconv.Atoi(a[1]); n != i+1 {
			t.Errorf("%s: answer %d is numbered %s", path, i+1, a[1])
		}
		// A worksheet handed out must not carry its answers.
		if words := strings.Fields(a[2]); len(words) >= 8 {
			probe := strings.Join(words[:8], " ")
			if strings.Contains(strings.Join(strings.Fields(ws), " "), probe) {
				t.Errorf("%s: the worksheet gives away answer %s (%q)", path, a[1], probe)
			}
		}
	}
	if m := answersHeadingRe.FindString(ws); m != "" {
		t.Errorf("%s: a worksheet without answers says %q", path, m)
	}
}

// lessonCommands lists a lesson's command lines, without comments and
// --lang vi, to compare the two languages.
func lessonCommands(text string) []string {
	var out []string
	for _, m := range shBlockRe.FindAllStringSubmatch(text, -1) {
		for _, line := range strings.Split(m[1], "\n") {
			line = strings.TrimSpace(trailingNoteRe.ReplaceAllString(line, ""))
			line = strings.TrimSpace(strings.ReplaceAll(line, " --lang vi", ""))
			if line != "" && !strings.HasPrefix(line, "#") {
				out = append(out, line)
			}
		}
	}
	return out
}

// Every ```sh block of every English lesson runs as printed, in order, in
// a fresh directory: the exercises' `mailflow new` files, their changes
// and the answers' runs all exit 0. (The Vietnamese lessons hold the same
// commands; TestLessonsComplete checks that.)
func TestLessonCommands(t *testing.T) {
	usePlainBinary(t)
	for _, name := range allLessons(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(filepath.Join(lessonsDir, name+".md"))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			blocks := shBlockRe.FindAllStringSubmatch(string(b), -1)
			if len(blocks) < 2 {
				t.Fatalf("%s has %d sh blocks; a lesson runs a scenario and has an exercise", name, len(blocks))
			}
			for _, m := range blocks {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				out, errb, err := shell(ctx, dir, "set -e\n"+m[1])
				cancel()
				if err != nil {
					t.Errorf("%s:\n%s  %v\n%s%s", name, m[1], err, tail(out), tail(errb))
				}
			}
		})
	}
}
