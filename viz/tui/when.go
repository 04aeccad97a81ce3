package tui

import (
	"fmt"
	"time"

	"github.com/mailflow/mailflow/viz/narrate"
)

// Simulated time as the view writes it. A run that stays within one day
// shows times only; one that spans days (retries over five days) shows the
// date too, or "09:00" would come back every morning.

// SpansDays reports whether two moments fall on different calendar days.
func SpansDays(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return false
	}
	ay, am, ad := a.Date()
	by, bm, bd := b.In(a.Location()).Date()
	return ay != by || am != bm || ad != bd
}

// clockText is the header's clock: "09:00:00.030", with the date when the
// run spans days: "Tue 6 Jan 09:00:00.030", "T3 6/1 09:00:00.030".
func clockText(t time.Time, withDate bool, lang narrate.Lang) string {
	if t.IsZero() {
		return ""
	}
	if !withDate {
		return t.Format("15:04:05.000")
	}
	return dateText(t, lang) + " " + t.Format("15:04:05.000")
}

// dateText is a short date: "Tue 6 Jan" in English, "T3 6/1" (thứ ba,
// day/month) in Vietnamese.
func dateText(t time.Time, lang narrate.Lang) string {
	w := wordsFor(lang)
	day := w.weekdays[t.Weekday()]
	if lang == narrate.Vietnamese {
		return fmt.Sprintf("%s %d/%d", day, t.Day(), int(t.Month()))
	}
	return fmt.Sprintf("%s %d %s", day, t.Day(), t.Month().String()[:3])
}

// shortWhen is a moment within the week, as the queue announces a retry:
// "Mon 09:15", "T2 09:15".
func shortWhen(t time.Time, lang narrate.Lang) string {
	return wordsFor(lang).weekdays[t.Weekday()] + " " + t.Format("15:04")
}
