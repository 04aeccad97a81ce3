package transcript

import (
	"regexp"
	"strings"
)

// Stages are the names of the SMTP dialogue's stages a reply belongs to,
// named by the client command it answers; "connect" is the greeting, which
// answers the connection itself.
var Stages = []string{"connect", "ehlo", "starttls", "auth", "mail", "rcpt", "data", "rset", "quit"}

// Reply is one SMTP reply as a transcript shows it: what the server sent,
// and the stage of the dialogue it answered.
type Reply struct {
	Code     int
	Enhanced string // RFC 3463 code, "" when the reply has none
	Text     string // the text after the codes, lines joined with a space
	Stage    string // one of Stages, or the lower-case verb of another command
	Line     string // the reply's last line as it crossed the wire
	Index    int    // position of that line in the transcript
}

var enhancedRe = regexp.MustCompile(`^[245]\.\d{1,3}\.\d{1,3}$`)

// stageOf names the stage a client command opens.
func stageOf(cmd string) string {
	verb, _, _ := strings.Cut(strings.TrimSpace(cmd), " ")
	switch verb = strings.ToLower(verb); verb {
	case "helo", "ehlo", "lhlo":
		return "ehlo"
	case "bdat":
		return "data"
	}
	return verb
}

// SMTPStages gives the stage of every line of an SMTP transcript (as the
// Recorder writes it): a client line's stage is the command's, a server
// line's the stage of the command it answers; notes have "". Replies are
// matched to commands in order, so a pipelined dialogue reads right too;
// message text and SASL responses belong to data and auth.
func SMTPStages(lines []string) []string {
	stages := make([]string, len(lines))
	pending := []string{"connect"}
	last := "connect"
	inBody, sasl := false, false
	for i, l := range lines {
		side, text, ok := strings.Cut(l, ": ")
		if !ok || (side != "C" && side != "S") {
			continue // a note, such as the TLS handshake
		}
		if side == "C" {
			switch {
			case inBody:
				stages[i] = "data"
				if text == "." {
					inBody = false
					pending = append(pending, "data")
				}
				continue
			case sasl:
				stages[i] = "auth"
				pending = append(pending, "auth")
				continue
			}
			stages[i] = stageOf(text)
			pending = append(pending, stages[i])
			continue
		}
		if len(pending) > 0 {
			last = pending[0]
		}
		stages[i] = last
		if len(text) > 3 && text[3] == '-' {
			continue // the reply goes on
		}
		if len(pending) > 0 {
			pending = pending[1:]
		}
		inBody = strings.HasPrefix(text, "354")
		sasl = strings.HasPrefix(text, "334")
	}
	return stages
}

// SMTPReplies lists the replies of an SMTP transcript in order, each with
// the stage it answered. A multi-line reply counts once.
func SMTPReplies(lines []string) []Reply {
	stages := SMTPStages(lines)
	var out []Reply
	var texts []string
	for i, l := range lines {
		text, ok := strings.CutPrefix(l, "S: ")
		if !ok || len(text) < 3 {
			continue
		}
		code := 0
		for _, c := range text[:3] {
			if c < '0' || c > '9' {
				code = -1
				break
			}
			code = code*10 + int(c-'0')
		}
		if code < 100 {
			continue // not a reply line
		}
		rest := strings.TrimSpace(text[min(len(text), 4):])
		enhanced, after, _ := strings.Cut(rest, " ")
		if enhancedRe.MatchString(enhanced) && enhanced[0] == text[0] {
			rest = after
		} else {
			enhanced = ""
		}
		texts = append(texts, rest)
		if len(text) > 3 && text[3] == '-' {
			continue
		}
		out = append(out, Reply{Code: code, Enhanced: enhanced, Text: strings.Join(texts, " "),
			Stage: stages[i], Line: text, Index: i})
		texts = nil
	}
	return out
}
