package tui

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mailflow/mailflow/viz/narrate"
)

// Every label of the view exists in every language: no empty string, no
// missing state, rcode or weekday, help of the same length.
func TestWordsComplete(t *testing.T) {
	langs := []narrate.Lang{narrate.English, narrate.Vietnamese}
	if len(wordsByLang) != len(langs) {
		t.Fatalf("labels in %d languages, narration in %d", len(wordsByLang), len(langs))
	}
	en := reflect.ValueOf(*wordsByLang[narrate.English])
	for _, lang := range langs {
		w, ok := wordsByLang[lang]
		if !ok {
			t.Fatalf("no labels in %s", lang)
		}
		v := reflect.ValueOf(*w)
		for i := 0; i < v.NumField(); i++ {
			name, f, ref := v.Type().Field(i).Name, v.Field(i), en.Field(i)
			switch f.Kind() {
			case reflect.String:
				if strings.TrimSpace(f.String()) == "" {
					t.Errorf("%s: %s is empty", lang, name)
				}
			case reflect.Array, reflect.Slice:
				if f.Len() != ref.Len() {
					t.Errorf("%s: %s has %d entries, English %d", lang, name, f.Len(), ref.Len())
				}
				for j := 0; j < f.Len(); j++ {
					if strings.TrimSpace(f.Index(j).String()) == "" {
						t.Errorf("%s: %s[%d] is empty", lang, name, j)
					}
				}
			case reflect.Map:
				for _, k := range ref.MapKeys() {
					if e := f.MapIndex(k); !e.IsValid() || e.String() == "" {
						t.Errorf("%s: %s lacks %v", lang, name, k)
					}
				}
				if f.Len() != ref.Len() {
					t.Errorf("%s: %s has %d entries, English %d", lang, name, f.Len(), ref.Len())
				}
			default:
				t.Errorf("%s: field %s of kind %s is not checked", lang, name, f.Kind())
			}
		}
		for _, st := range []string{StateInFlight, StateQueued, StateDelivered, StateBounced, StateRejected,
			StatePartly, StateDropped} {
			if w.states[st] == "" {
				t.Errorf("%s: no word for the state %q", lang, st)
			}
		}
	}
}

// The help and the footer name every key the view answers to.
func TestHelpNamesTheKeys(t *testing.T) {
	for _, lang := range []narrate.Lang{narrate.English, narrate.Vietnamese} {
		w := wordsFor(lang)
		help := strings.Join(w.help, "\n")
		for _, key := range []string{"b ←", "\no ", ". ,", "Home End", "\ng ", "\np ", "+ -", "\n/ ", "kind:dns",
			"Tab", "↑ ↓", "Enter", "[ ]", "\nw ", "\nL ", "\nEsc ", "?"} {
			if !strings.Contains("\n"+help, key) {
				t.Errorf("%s help lacks %q", lang, key)
			}
		}
		for _, key := range []string{"? ", "q ", "o ", "/ "} {
			if !strings.Contains(fit(w.footer, 78, false), key) {
				t.Errorf("%s footer at 80 columns lacks %q: %q", lang, key, fit(w.footer, 78, false))
			}
		}
	}
}

func TestClockAndDates(t *testing.T) {
	mon := time.Date(2026, 1, 5, 9, 0, 0, 30e6, time.UTC)
	sat := time.Date(2026, 1, 10, 9, 0, 0, 21e6, time.UTC)
	if SpansDays(mon, mon.Add(14*time.Hour)) || !SpansDays(mon, sat) || SpansDays(time.Time{}, sat) {
		t.Error("SpansDays")
	}
	cases := []struct {
		lang        narrate.Lang
		clock, when string
	}{
		{narrate.English, "Sat 10 Jan 09:00:00.021", "Sat 09:00"},
		{narrate.Vietnamese, "T7 10/1 09:00:00.021", "T7 09:00"},
	}
	for _, c := range cases {
		if got := clockText(sat, true, c.lang); got != c.clock {
			t.Errorf("%s clock %q, want %q", c.lang, got, c.clock)
		}
		if got := clockText(sat, false, c.lang); got != "09:00:00.021" {
			t.Errorf("%s clock without date %q", c.lang, got)
		}
		if got := shortWhen(sat, c.lang); got != c.when {
			t.Errorf("%s retry time %q, want %q", c.lang, got, c.when)
		}
		h := plain(RenderHeader(Header{Title: "give-up-after-retries", Mode: ModeFinished, Speed: "1×",
			Clock: sat, Dated: true}, c.lang, Theme{}, 80))
		if !strings.HasSuffix(h, c.clock) || width(h) > 80 {
			t.Errorf("%s header %q should end with %q within 80 cells", c.lang, h, c.clock)
		}
	}
}

// Five days of retries: after the end the header's clock has the date, and
// the log's times name the day.
func TestReplayShowsTheDate(t *testing.T) {
	s := newTestScreen(120, 30)
	s, stop := startReplay(t, Options{Lang: narrate.English, Screen: s}, loadTrace(t, "give-up-after-retries.jsonl"))
	defer stop()
	txt := s.waitText(t, "⏸ next: Step 1", "Mon 5 Jan 09:00:00")
	if strings.Contains(strings.Split(txt, "\n")[0], "Sat") {
		t.Errorf("the first frame shows the start, not the end:\n%s", txt)
	}
	s.rune('o')
	txt = s.waitText(t, "✔ finished", "Sat 10 Jan 09:00:00")
	if !strings.Contains(txt, "Sat 09:00:00 ") {
		t.Errorf("the log's times should name the day:\n%s", txt)
	}
}
