package dsn

import (
	"strings"
	"time"
)

// wrapWidth is where the human-readable text is wrapped.
const wrapWidth = 72

// humanText writes the first part: which recipients failed or are delayed
// and why, in plain English, and what happens next. Lines end in "\n";
// Build turns them into CRLF.
func humanText(r Report, host string) string {
	var t textBuilder
	if host != "" {
		t.para("This is the mail system at " + host + ".")
	} else {
		t.para("This is the mail system.")
	}

	byAction := map[Action][]Recipient{}
	for _, rc := range r.Recipients {
		byAction[rc.Action] = append(byAction[rc.Action], rc)
	}
	intro := map[Action]string{
		Failed:    "Your message could not be delivered to %s. The mail system has given up:",
		Delayed:   "Your message has not yet been delivered to %s. The mail system is still trying:",
		Delivered: "Your message was delivered to %s:",
		Relayed:   "Your message was passed on to %s, to a mail system that does not send delivery reports:",
		Expanded:  "Your message was delivered to %s, which passed it on to further addresses (a list or an alias):",
	}
	order := []Action{Failed, Delayed, Delivered, Relayed, Expanded}
	for _, a := range order {
		rcpts := byAction[a]
		if len(rcpts) == 0 {
			continue
		}
		who := "this recipient"
		if len(rcpts) > 1 {
			who = "these recipients"
		}
		t.para(strings.Replace(intro[a], "%s", who, 1))
		for _, rc := range rcpts {
			t.recipient(rc)
		}
	}

	// What happens next, gravest first.
	switch {
	case len(byAction[Failed]) > 0:
		t.para("What happens next: the mail system will not try the failed recipients again. " +
			"Check the address (or ask the recipient another way), then send the message again.")
		if len(byAction[Delayed]) > 0 {
			t.para("For the delayed recipients the mail system will keep trying " + retryUntil(byAction[Delayed]) +
				". If the message still cannot be delivered by then, you will get another notice.")
		}
	case len(byAction[Delayed]) > 0:
		t.para("What happens next: nothing for you to do yet. The mail system will keep trying " +
			retryUntil(byAction[Delayed]) + ". If the message still cannot be delivered by then, you will get another notice.")
	default:
		t.para("What happens next: nothing; this is only a report.")
	}

	if len(r.Original) > 0 {
		if Return(strings.ToUpper(string(r.Return))) == ReturnHeaders {
			t.para("The header of your message is attached.")
		} else {
			t.para("A copy of your message is attached.")
		}
	}
	return strings.TrimRight(t.String(), "\n") + "\n"
}

// retryUntil says until when delayed recipients will be retried.
func retryUntil(rcpts []Recipient) string {
	var until time.Time
	for _, rc := range rcpts {
		if rc.WillRetryUntil.After(until) {
			until = rc.WillRetryUntil
		}
	}
	if until.IsZero() {
		return "for a while"
	}
	return "until " + until.Format(dateLayout)
}

// textBuilder collects wrapped paragraphs.
type textBuilder struct{ strings.Builder }

func (t *textBuilder) para(s string) {
	t.wrap("", s)
	t.WriteString("\n")
}

func (t *textBuilder) recipient(rc Recipient) {
	t.wrap("  ", "<"+oneLine(rc.Final)+">")
	const in = "      "
	if o := oneLine(rc.Original); o != "" && !strings.EqualFold(o, oneLine(rc.Final)) {
		t.wrap(in, "originally addressed to <"+o+">")
	}
	remote := remoteHost(rc.RemoteMTA)
	typ, diag := typed(oneLine(rc.Diagnostic))
	switch {
	case diag != "" && remote != "" && (typ == "" || strings.EqualFold(typ, "smtp")):
		t.wrap(in, "The server "+remote+" replied: "+diag)
	case diag != "" && remote != "":
		t.wrap(in, "The server "+remote+" reported: "+diag)
	case diag != "":
		t.wrap(in, "The mail system reported: "+diag)
	case remote != "":
		t.wrap(in, "The server was "+remote+".")
	}
	if remote == "" && (rc.Action == Failed || rc.Action == Delayed) {
		if d := domainOf(rc.Final); d != "" {
			t.wrap(in, "No mail server for "+d+" was reached.")
		}
	}
	t.wrap(in, "Status "+rc.Status+": "+Describe(rc.Status)+".")
	if !rc.LastAttempt.IsZero() {
		t.wrap(in, "Last attempt: "+rc.LastAttempt.Format(dateLayout)+".")
	}
	if rc.Action == Delayed && !rc.WillRetryUntil.IsZero() {
		t.wrap(in, "Will keep trying until: "+rc.WillRetryUntil.Format(dateLayout)+".")
	}
	t.WriteString("\n")
}

// wrap writes s word-wrapped at wrapWidth, each line starting with indent;
// a word longer than a line is cut so no line passes maxLineLen.
func (t *textBuilder) wrap(indent, s string) {
	n := 0
	for _, w := range strings.Fields(s) {
		for len(w) > hardCut {
			c := runeCut(w, hardCut)
			t.line(&n, indent, w[:c])
			w = w[c:]
		}
		t.line(&n, indent, w)
	}
	if n > 0 {
		t.WriteString("\n")
	}
}

func (t *textBuilder) line(n *int, indent, w string) {
	switch {
	case *n == 0:
		t.WriteString(indent)
		t.WriteString(w)
		*n = len(indent) + len(w)
	case *n+1+len(w) > wrapWidth:
		t.WriteString("\n")
		t.WriteString(indent)
		t.WriteString(w)
		*n = len(indent) + len(w)
	default:
		t.WriteString(" ")
		t.WriteString(w)
		*n += 1 + len(w)
	}
}

// remoteHost is the host of a "dns;host" Remote-MTA (or the value itself).
func remoteHost(mta string) string {
	_, v := typed(oneLine(mta))
	return v
}

func domainOf(addr string) string {
	addr = oneLine(addr)
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}
