package imapd

import (
	"bufio"
	"bytes"
	"mime"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// addressFields are the header fields ENVELOPE carries as address lists.
var addressFields = []string{"From", "Sender", "Reply-To", "To", "Cc", "Bcc"}

// envelope builds a message's ENVELOPE. imapserver's drops group syntax
// ("undisclosed-recipients:;", "team: a@x, b@y;"); the address lists are
// parsed here instead, with groups as RFC 3501 §7.4.2 writes them: a start
// marker (NIL NIL "name" NIL), the members, an end marker (NIL NIL NIL NIL).
func envelope(raw []byte) *imap.Envelope {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return nil // written as an empty envelope
	}
	env := imapserver.ExtractEnvelope(h)
	lists := []*[]imap.Address{&env.From, &env.Sender, &env.ReplyTo, &env.To, &env.Cc, &env.Bcc}
	for i, key := range addressFields {
		*lists[i] = addressList(h.Get(key))
	}
	return env
}

// addressList parses an address list header value, keeping groups.
func addressList(value string) []imap.Address {
	var out []imap.Address
	inGroup := false
	add := func(text string) {
		if text = strings.TrimSpace(text); text == "" {
			return
		}
		addrs, err := mail.ParseAddressList(text)
		if err != nil { // comments inside an address: "bob (x) @ host"
			addrs, err = mail.ParseAddressList(withoutComments(text))
		}
		if err != nil {
			return // unparsable: left out, as imapserver does
		}
		for _, a := range addrs {
			box, host, ok := strings.Cut(a.Address, "@")
			if !ok || box == "" || host == "" {
				continue
			}
			out = append(out, imap.Address{Name: a.Name, Mailbox: box, Host: host})
		}
	}
	var cur strings.Builder
	for _, tok := range splitTopLevel(value) {
		switch tok.sep {
		case ':':
			if inGroup { // nested groups are not allowed: read as text
				cur.WriteString(tok.text + ":")
				continue
			}
			add(cur.String())
			cur.Reset()
			inGroup = true
			out = append(out, imap.Address{Mailbox: groupName(tok.text)})
		case ';':
			cur.WriteString(tok.text)
			add(cur.String())
			cur.Reset()
			if inGroup {
				out = append(out, imap.Address{})
				inGroup = false
			}
		default: // ',' or the end
			cur.WriteString(tok.text)
			add(cur.String())
			cur.Reset()
		}
	}
	if inGroup { // an unterminated group still ends
		out = append(out, imap.Address{})
	}
	return out
}

// groupName decodes a group's display name.
func groupName(s string) string {
	s = strings.TrimSpace(s)
	if dec, err := new(mime.WordDecoder).DecodeHeader(s); err == nil {
		s = dec
	}
	return strings.Trim(s, `"`)
}

// withoutComments drops comments outside quotes and the blanks around
// "@", which net/mail does not accept inside an address.
func withoutComments(v string) string {
	var b strings.Builder
	quoted, escaped, depth := false, false, 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case escaped:
			escaped = false
		case c == '\\' && (quoted || depth > 0):
			escaped = true
		case quoted:
			quoted = c != '"'
		case c == '(':
			depth++
			continue
		case c == ')' && depth > 0:
			depth--
			continue
		case c == '"' && depth == 0:
			quoted = true
		}
		if depth == 0 {
			b.WriteByte(c)
		}
	}
	out := b.String()
	for _, sp := range []string{" @", "@ ", "\t@", "@\t"} {
		for strings.Contains(out, sp) {
			out = strings.ReplaceAll(out, sp, "@")
		}
	}
	return out
}

type token struct {
	text string
	sep  byte // ',', ':', ';' or 0 at the end
}

// splitTopLevel cuts a header value at the commas, colons and semicolons
// outside quotes, comments and angle brackets.
func splitTopLevel(v string) []token {
	var (
		toks            []token
		start           int
		quoted, escaped bool
		comment, angle  int
	)
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case escaped:
			escaped = false
		case c == '\\' && (quoted || comment > 0):
			escaped = true
		case quoted:
			quoted = c != '"'
		case c == '(':
			comment++
		case c == ')' && comment > 0:
			comment--
		case comment > 0:
		case c == '"':
			quoted = true
		case c == '<':
			angle++
		case c == '>' && angle > 0:
			angle--
		case angle > 0:
		case c == ',' || c == ':' || c == ';':
			toks = append(toks, token{text: v[start:i], sep: c})
			start = i + 1
		}
	}
	return append(toks, token{text: v[start:]})
}

// addressText is an address header as SEARCH compares it: each address
// written plainly ("Name <box@host>"), comments and groups gone.
func addressText(value string) string {
	var parts []string
	for _, a := range addressList(value) {
		switch {
		case a.IsGroupStart():
			parts = append(parts, a.Mailbox+":")
		case a.IsGroupEnd():
		case a.Name != "":
			parts = append(parts, a.Name+" <"+a.Addr()+">")
		default:
			parts = append(parts, a.Addr())
		}
	}
	return strings.Join(parts, ", ")
}
