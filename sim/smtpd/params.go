package smtpd

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/emersion/go-smtp"
)

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", false
	}
	return s[len(prefix):], true
}

var errBadPath = errors.New("malformed path")

// parsePath reads a path (RFC 5321 §4.1.2) and returns the mailbox and
// what follows it, the parameters. A source route (<@a,@b:user@d>) is read
// and ignored (Appendix C). The null path <> is taken when null is true;
// <postmaster> without a domain is returned as it stands. A path without
// its angle brackets is tolerated, as many servers do.
func parsePath(s string, null bool) (string, string, error) {
	s = strings.TrimLeft(s, " ")
	if !strings.HasPrefix(s, "<") {
		addr, rest, _ := strings.Cut(s, " ")
		if err := checkMailbox(addr); err != nil {
			return "", "", err
		}
		return addr, rest, nil
	}
	end := closingBracket(s)
	if end < 0 {
		return "", "", errBadPath
	}
	inner, rest := s[1:end], s[end+1:]
	if rest != "" && rest[0] != ' ' {
		return "", "", errBadPath
	}
	if inner == "" {
		if !null {
			return "", "", errBadPath
		}
		return "", rest, nil
	}
	if inner[0] == '@' {
		i := strings.IndexByte(inner, ':')
		if i < 0 {
			return "", "", errBadPath
		}
		inner = inner[i+1:]
	}
	if strings.EqualFold(inner, "postmaster") && !null {
		return inner, rest, nil
	}
	if err := checkMailbox(inner); err != nil {
		return "", "", err
	}
	return inner, rest, nil
}

// closingBracket finds the '>' ending a path, skipping quoted strings.
func closingBracket(s string) int {
	quoted := false
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quoted:
			i++
		case s[i] == '"':
			quoted = !quoted
		case s[i] == '>' && !quoted:
			return i
		}
	}
	return -1
}

// checkMailbox accepts local-part@domain: a dot-string or quoted string,
// then a domain name or an address literal, nothing else.
func checkMailbox(addr string) error {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return errBadPath
	}
	localPart, domain := addr[:at], addr[at+1:]
	if strings.HasPrefix(localPart, `"`) {
		if len(localPart) < 2 || !strings.HasSuffix(localPart, `"`) {
			return errBadPath
		}
	} else if strings.ContainsAny(localPart, " \t<>()[]\\,;:\"@") {
		return errBadPath
	}
	if strings.ContainsAny(domain, " \t<>()\\,;:\"@") {
		return errBadPath
	}
	for _, r := range addr {
		if r < ' ' || r == 0x7f {
			return errBadPath
		}
	}
	return nil
}

// parseParams splits ESMTP parameters "KEY=value KEY" (RFC 5321 §4.1.2);
// keys are upper-cased, a key given twice is an error.
func parseParams(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range strings.Fields(s) {
		k, v, _ := strings.Cut(p, "=")
		k = strings.ToUpper(k)
		if k == "" {
			return nil, errSyntaxParams
		}
		if _, dup := out[k]; dup {
			return nil, errSyntaxParams
		}
		out[k] = v
	}
	return out, nil
}

var errSyntaxParams = &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 5, 4},
	Message: "Syntax error in parameters"}

func badParam(format string, args ...any) *smtp.SMTPError {
	return &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 5, 4}, Message: fmt.Sprintf(format, args...)}
}

// unknownParam is RFC 5321 §4.1.1.11's 555 for a parameter this server
// does not implement.
func unknownParam(cmd, key string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: 555, EnhancedCode: smtp.EnhancedCode{5, 5, 4},
		Message: fmt.Sprintf("%s parameter %s not supported", cmd, key)}
}

// mailOptions reads MAIL's parameters: SIZE (RFC 1870), BODY (RFC 6152),
// RET and ENVID (RFC 3461), AUTH (RFC 4954 §5).
func (c *conn) mailOptions(params string) (*smtp.MailOptions, error) {
	ps, err := parseParams(params)
	if err != nil {
		return nil, err
	}
	opts := &smtp.MailOptions{}
	for k, v := range ps {
		switch k {
		case "SIZE":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return nil, badParam("Bad SIZE value")
			}
			if n > c.srv.cfg.MaxMessageBytes {
				return nil, errTooBig
			}
			opts.Size = n
		case "BODY":
			switch b := smtp.BodyType(strings.ToUpper(v)); b {
			case smtp.Body7Bit, smtp.Body8BitMIME:
				opts.Body = b
			default:
				return nil, badParam("Unknown BODY value")
			}
		case "RET":
			switch r := smtp.DSNReturn(strings.ToUpper(v)); r {
			case smtp.DSNReturnFull, smtp.DSNReturnHeaders:
				opts.Return = r
			default:
				return nil, badParam("Unknown RET value")
			}
		case "ENVID":
			id, err := decodeXtext(v)
			if err != nil || id == "" || len(id) > 100 {
				return nil, badParam("Malformed ENVID value")
			}
			opts.EnvelopeID = id
		case "AUTH":
			who, err := decodeXtext(v)
			if err != nil || who == "" {
				return nil, badParam("Malformed AUTH value")
			}
			if who == "<>" {
				who = ""
			}
			opts.Auth = &who
		default:
			return nil, unknownParam("MAIL", k)
		}
	}
	return opts, nil
}

// rcptOptions reads RCPT's parameters: NOTIFY and ORCPT (RFC 3461 §4).
func rcptOptions(params string) (*smtp.RcptOptions, error) {
	ps, err := parseParams(params)
	if err != nil {
		return nil, err
	}
	opts := &smtp.RcptOptions{}
	for k, v := range ps {
		switch k {
		case "NOTIFY":
			seen := map[smtp.DSNNotify]bool{}
			for _, n := range strings.Split(strings.ToUpper(v), ",") {
				switch d := smtp.DSNNotify(n); d {
				case smtp.DSNNotifyNever, smtp.DSNNotifySuccess, smtp.DSNNotifyFailure, smtp.DSNNotifyDelayed:
					if seen[d] {
						return nil, badParam("Malformed NOTIFY value")
					}
					seen[d] = true
					opts.Notify = append(opts.Notify, d)
				default:
					return nil, badParam("Malformed NOTIFY value")
				}
			}
			if seen[smtp.DSNNotifyNever] && len(seen) > 1 {
				return nil, badParam("NOTIFY=NEVER stands alone")
			}
		case "ORCPT":
			typ, addr, ok := strings.Cut(v, ";")
			if !ok || addr == "" {
				return nil, badParam("Malformed ORCPT value")
			}
			switch t := smtp.DSNAddressType(strings.ToUpper(typ)); t {
			case smtp.DSNAddressTypeRFC822:
				a, err := decodeXtext(addr)
				if err != nil {
					return nil, badParam("Malformed ORCPT value")
				}
				opts.OriginalRecipientType, opts.OriginalRecipient = t, a
			case smtp.DSNAddressTypeUTF8:
				opts.OriginalRecipientType, opts.OriginalRecipient = t, addr
			default:
				return nil, badParam("Unknown ORCPT address type")
			}
		default:
			return nil, unknownParam("RCPT", k)
		}
	}
	return opts, nil
}

// decodeXtext undoes RFC 3461 §4's xtext: "+HH" stands for a byte, other
// printable ASCII but '+' and '=' stands for itself.
func decodeXtext(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '+':
			if i+2 >= len(s) {
				return "", errBadXtext
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil || strings.ToUpper(s[i+1:i+3]) != s[i+1:i+3] {
				return "", errBadXtext
			}
			b.WriteByte(byte(v))
			i += 2
		case ch < '!' || ch > '~' || ch == '=':
			return "", errBadXtext
		default:
			b.WriteByte(ch)
		}
	}
	return b.String(), nil
}

var errBadXtext = errors.New("malformed xtext")
