package main

import (
	"context"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mailflow/mailflow/scenarios"
)

// Every built-in, run with --lang vi --transcript, speaks Vietnamese: the
// narration, the notes of the transcripts, the outcome and the
// expectations. English may remain only in protocol text (the dialogues'
// C:/S: lines, replies as they were sent, keywords such as MAIL or
// STARTTLS) and in user data (addresses, host names, quoted subjects and
// texts, the names of expectations in the scenario file).
func TestVietnameseHasNoEnglish(t *testing.T) {
	usePlainBinary(t)
	dir := t.TempDir()
	found := map[string][]string{} // English word → where
	lines := 0
	for _, b := range scenarios.Builtins() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		out, errb, err := shell(ctx, dir, "mailflow run "+b.Name+" --lang vi --transcript")
		trace, _, err2 := shell(ctx, dir, "mailflow run "+b.Name+" --format json")
		cancel()
		if err != nil && !strings.Contains(err.Error(), "exit status 1") || err2 != nil && !strings.Contains(err2.Error(), "exit status 1") {
			t.Errorf("%s: %v %v\n%s", b.Name, err, err2, errb)
			continue
		}
		wire := wireTexts(t, trace)
		for _, line := range strings.Split(string(out), "\n") {
			lines++
			for _, w := range englishIn(line, wire) {
				if len(found[w]) < 3 {
					found[w] = append(found[w], b.Name+": "+strings.TrimSpace(line))
				}
			}
		}
	}
	for w, where := range found {
		t.Errorf("English %q in the Vietnamese narration, e.g.\n  %s", w, strings.Join(where, "\n  "))
	}
	if lines < 1000 {
		t.Errorf("only %d lines of Vietnamese narration checked", lines)
	}
}

var (
	dialogueLineRe = regexp.MustCompile(`│ [CS]: `)
	quotedTextRe   = regexp.MustCompile(`"[^"]*"`)
	// A reply code and its enhanced code ("550 5.1.1"); the texts that
	// followed them on the wire are taken out by wireTexts.
	replyTextRe   = regexp.MustCompile(`\b[2-5]\d\d(?: [2-5]\.\d{1,3}\.\d{1,3})?\b`)
	checkNameRe   = regexp.MustCompile(`[✔✘] (?:kỳ vọng )?[a-z_]+`)
	parenthesesRe = regexp.MustCompile(`\([A-Za-z ]{1,24}\)`)
	wordRe        = regexp.MustCompile(`[\p{L}\p{N}@._:/=+<>'\\-]+`)
)

// wireTexts lists the texts of the replies a run's servers sent (and the
// replies its faults made them send): protocol text, quoted in the
// narration as it crossed the wire.
func wireTexts(t *testing.T, trace []byte) []string {
	t.Helper()
	var texts []string
	for _, line := range strings.Split(string(trace), "\n") {
		if line == "" {
			continue
		}
		var e struct {
			Reply *struct{ Text string } `json:"reply"`
			Fault *struct{ Text string } `json:"fault"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("trace: %v: %s", err, line)
		}
		if e.Reply != nil && e.Reply.Text != "" {
			texts = append(texts, e.Reply.Text)
		}
		if e.Fault != nil && e.Fault.Text != "" {
			texts = append(texts, e.Fault.Text)
		}
	}
	// The longest first, so that a text containing another goes whole.
	sort.Slice(texts, func(i, j int) bool { return len(texts[i]) > len(texts[j]) })
	return texts
}

// englishIn lists the English words of a line of Vietnamese narration,
// outside protocol text and user data.
func englishIn(line string, wire []string) []string {
	if dialogueLineRe.MatchString(line) {
		return nil
	}
	for _, w := range wire {
		line = strings.ReplaceAll(line, w, " ")
	}
	line = quotedTextRe.ReplaceAllString(line, " ")
	line = replyTextRe.ReplaceAllString(line, " ")
	line = checkNameRe.ReplaceAllString(line, " ")
	line = parenthesesRe.ReplaceAllString(line, " ") // the RFC's word kept beside the Vietnamese: (pass), (bounce)
	var out []string
	for _, w := range wordRe.FindAllString(line, -1) {
		if strings.ContainsAny(w, "@./=:0123456789_<>+'\\") || strings.Contains(w, "-") {
			continue // addresses, host names, ids, codes, scenario names
		}
		if w == strings.ToUpper(w) {
			continue // protocol keywords: MAIL, RCPT, STARTTLS, INBOX
		}
		if englishWords[strings.ToLower(w)] {
			out = append(out, w)
		}
	}
	return out
}

// englishWords are words the English narration uses and the Vietnamese
// must not.
var englishWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		the of to for in on at with and or not no is are was be by from into after before over during
		without its it this that as an but only all any more less some each than then when until
		message messages mail delivered delivery deliver bounced bounce rejected refused dropped drops
		queued queue expected observed steps step line lines matching retries retried retry time times
		attempt attempts gave gives give up last error errors connection connects connect closed greeting
		lost answered answers answer question questions notice notices sent sends sender recipient
		domain does exist certificate verified trusted expired days day ago signed unknown authority
		user password hidden handshake dialogue below encrypted encryption wire first bytes takes
		most accepts accepted accept filter subject tag network open relay anyone may asks receivers
		quarantine reject failed fetch fetches reads read hop hops checked checks reason containing
		within simulated least outcome expectations transcript reply replies stage flagged attachments
		server client folder files keeps next plain text sending offered offers reconnecting send
		session kept deleted expunged appended scenario writes port transfer done expands
		alias forwards envelope rewritten tells delayed fault injected summary still being ready
		listens listening logs login logged none yet stays later another own local decision decides
		records record preference takes takes lookup asks ran out bigger than mailbox such here
		weekday mon tue wed thu fri sat sun jan feb mar apr may jun jul aug sep oct nov dec
	`) {
		m[w] = true
	}
	return m
}()
