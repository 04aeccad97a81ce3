package dsn

import (
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"
)

const (
	// preferredLineLen is where fields are folded when whitespace allows
	// (RFC 5322 §2.1.1 "SHOULD be no more than 78").
	preferredLineLen = 76
	// maxLineLen is the hard limit of RFC 5322 §2.1.1 (998 plus CRLF);
	// text is cut harder than this so a line always fits.
	maxLineLen = 998
	hardCut    = 900
)

// field is one header field, its name spelled as the RFCs spell it
// (textproto.Header.Add would canonicalise "Reporting-MTA" to "Reporting-Mta").
type field struct{ name, value string }

// header turns fields into a textproto.Header that writes them in order.
func header(fs []field) textproto.Header {
	var h textproto.Header
	// textproto.Header writes the last added field first.
	for i := len(fs) - 1; i >= 0; i-- {
		h.AddRaw([]byte(fold(fs[i].name, fs[i].value)))
	}
	return h
}

// fold formats "Name: value" CRLF, folding at whitespace before
// preferredLineLen where it can, and never letting a line pass maxLineLen.
// Runs of whitespace become one space: unfolding gives the value back.
func fold(name, value string) string {
	var words []string
	for _, w := range strings.Fields(value) {
		// A word too long for any line is cut; the fold then adds a space,
		// the only choice left.
		for len(w) > hardCut {
			n := runeCut(w, hardCut)
			words = append(words, w[:n])
			w = w[n:]
		}
		words = append(words, w)
	}
	var b strings.Builder
	b.WriteString(name)
	b.WriteString(":")
	lineLen := b.Len()
	for i, w := range words {
		if i > 0 && lineLen+1+len(w) > preferredLineLen {
			b.WriteString("\r\n")
			lineLen = 0
		}
		b.WriteString(" ")
		b.WriteString(w)
		lineLen += 1 + len(w)
	}
	b.WriteString("\r\n")
	return b.String()
}

// runeCut returns an index at most n that does not split a UTF-8 sequence.
func runeCut(s string, n int) int {
	if n >= len(s) {
		return len(s)
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	if n == 0 {
		return 1
	}
	return n
}

// oneLine collapses line breaks and runs of whitespace so a caller's text can
// never inject a header field or break a field group.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// asciiLine is oneLine restricted to printable US-ASCII, as the
// message/delivery-status fields must be (RFC 3464 §2.1.1); anything else
// becomes '?'.
func asciiLine(s string) string {
	s = oneLine(s)
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			b.WriteByte('?')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isASCII reports whether s holds only 7-bit bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func has8bit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// encodeText makes unstructured header text (Subject) 7-bit with RFC 2047
// encoded words when it has to.
func encodeText(s string) string {
	s = oneLine(s)
	if isASCII(s) {
		return s
	}
	return mime.QEncoding.Encode("utf-8", s)
}

// typed splits an RFC 3464 "type; value" field into its parts. Without a
// semicolon the type is empty.
func typed(v string) (typ, val string) {
	i := strings.IndexByte(v, ';')
	if i < 0 {
		return "", strings.TrimSpace(v)
	}
	return strings.TrimSpace(v[:i]), strings.TrimSpace(v[i+1:])
}

// withType gives v the type def unless it already names one.
func withType(def, v string) string {
	v = asciiLine(v)
	if v == "" {
		return ""
	}
	if typ, _ := typed(v); typ != "" && !strings.ContainsAny(typ, " @<>") {
		return v
	}
	return def + ";" + v
}

// addressField formats an address as "rfc822;addr", or, for an
// internationalized address, "utf-8;" with RFC 6533 §3 \x{HEX} escapes so
// the field stays 7-bit.
func addressField(addr string) string {
	addr = oneLine(addr)
	if isASCII(addr) {
		return "rfc822;" + asciiLine(addr)
	}
	var b strings.Builder
	b.WriteString("utf-8;")
	for _, r := range addr {
		// QCHAR of RFC 6533 excludes '+', '=' and '\'.
		if r < 0x21 || r > 0x7e || r == '+' || r == '=' || r == '\\' {
			fmt.Fprintf(&b, `\x{%X}`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// parseAddressField is the inverse of addressField for any address type:
// it returns the bare address, decoding \x{HEX} escapes of "utf-8" types.
func parseAddressField(v string) string {
	typ, val := typed(v)
	if !strings.EqualFold(typ, "utf-8") {
		return val
	}
	var b strings.Builder
	for i := 0; i < len(val); {
		if strings.HasPrefix(val[i:], `\x{`) {
			end := strings.IndexByte(val[i:], '}')
			var r rune
			if end > 3 && end <= 11 {
				if _, err := fmt.Sscanf(val[i+3:i+end], "%X", &r); err == nil && utf8.ValidRune(r) {
					b.WriteRune(r)
					i += end + 1
					continue
				}
			}
		}
		b.WriteByte(val[i])
		i++
	}
	return b.String()
}

// stripComment drops a trailing "(comment)" from a structured field value.
func stripComment(v string) string {
	if i := strings.IndexByte(v, '('); i >= 0 {
		return v[:i]
	}
	return v
}
