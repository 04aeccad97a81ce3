package dsn

import (
	"strconv"
	"strings"
)

// Status codes used as fallbacks (RFC 3463 §3.1: "X.0.0" when nothing more
// is known; §3.6 X.5.0 for a protocol error).
const (
	StatusPermanent     = "5.0.0"
	StatusTransient     = "4.0.0"
	StatusSuccess       = "2.0.0"
	StatusProtocolError = "5.5.0"
)

// ValidStatus reports whether s is an RFC 3463 §2 status code:
// class "." subject "." detail, class 2, 4 or 5, subject and detail 1–3 digits.
func ValidStatus(s string) bool {
	_, _, _, ok := splitStatus(s)
	return ok
}

func splitStatus(s string) (class, subject, detail int, ok bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	var n [3]int
	for i, p := range parts {
		if len(p) < 1 || len(p) > 3 {
			return 0, 0, 0, false
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				return 0, 0, 0, false
			}
		}
		n[i], _ = strconv.Atoi(p)
	}
	if len(parts[0]) != 1 || (n[0] != 2 && n[0] != 4 && n[0] != 5) {
		return 0, 0, 0, false
	}
	return n[0], n[1], n[2], true
}

// StatusFromReply maps an SMTP reply to a DSN status. The enhanced code
// (RFC 2034) wins when it is well formed; its class must agree with the reply
// code's first digit, and when it does not the reply code's class is kept
// with the enhanced subject and detail. Without one the result is 2.0.0,
// 4.0.0 or 5.0.0 by the reply's class (RFC 3463 §3.1). A reply code outside
// 2xx/4xx/5xx is a protocol error: 5.5.0.
func StatusFromReply(code int, enhanced string) string {
	var class int
	switch code / 100 {
	case 2, 4, 5:
		class = code / 100
	default:
		return StatusProtocolError
	}
	if _, subject, detail, ok := splitStatus(strings.TrimSpace(enhanced)); ok {
		return strconv.Itoa(class) + "." + strconv.Itoa(subject) + "." + strconv.Itoa(detail)
	}
	switch class {
	case 2:
		return StatusSuccess
	case 4:
		return StatusTransient
	default:
		return StatusPermanent
	}
}

// IsPermanent reports whether a status says "do not try again" (class 5).
func IsPermanent(status string) bool {
	c, _, _, ok := splitStatus(status)
	return ok && c == 5
}

// details are the enumerated codes, by "subject.detail" (the same text for
// every class): RFC 3463 §3.3–3.9 and later registrations (RFC 3886, 4468,
// 4954, 5248, 6531, 6710, 7293, 7372, 7505).
var details = map[string]string{
	"1.0":  "other address status",
	"1.1":  "bad destination mailbox address (the user does not exist)",
	"1.2":  "bad destination system address (the domain does not exist or accepts no mail)",
	"1.3":  "bad destination mailbox address syntax",
	"1.4":  "destination mailbox address ambiguous",
	"1.5":  "destination address valid",
	"1.6":  "destination mailbox has moved, no forwarding address",
	"1.7":  "bad sender's mailbox address syntax",
	"1.8":  "bad sender's system address",
	"1.9":  "message relayed to a non-compliant mailer",
	"1.10": "recipient address has null MX (the domain accepts no mail)",
	"2.0":  "other or undefined mailbox status",
	"2.1":  "mailbox disabled, not accepting messages",
	"2.2":  "mailbox full",
	"2.3":  "message length exceeds administrative limit",
	"2.4":  "mailing list expansion problem",
	"3.0":  "other or undefined mail system status",
	"3.1":  "mail system full",
	"3.2":  "system not accepting network messages",
	"3.3":  "system not capable of selected features",
	"3.4":  "message too big for system",
	"3.5":  "system incorrectly configured",
	"3.6":  "requested priority was changed",
	"4.0":  "other or undefined network or routing status",
	"4.1":  "no answer from host",
	"4.2":  "bad connection",
	"4.3":  "directory server failure (DNS lookup failed)",
	"4.4":  "unable to route",
	"4.5":  "mail system congestion",
	"4.6":  "routing loop detected",
	"4.7":  "delivery time expired",
	"5.0":  "other or undefined protocol status",
	"5.1":  "invalid command",
	"5.2":  "syntax error",
	"5.3":  "too many recipients",
	"5.4":  "invalid command arguments",
	"5.5":  "wrong protocol version",
	"5.6":  "authentication exchange line is too long",
	"6.0":  "other or undefined media error",
	"6.1":  "media not supported",
	"6.2":  "conversion required and prohibited",
	"6.3":  "conversion required but not supported",
	"6.4":  "conversion with loss performed",
	"6.5":  "conversion failed",
	"6.6":  "message content not available",
	"6.7":  "non-ASCII addresses not permitted for that sender or recipient",
	"6.8":  "UTF-8 string reply is required, but not permitted by the client",
	"6.9":  "UTF-8 header message cannot be transferred to one or more recipients",
	"7.0":  "other or undefined security status",
	"7.1":  "delivery not authorized, message refused",
	"7.2":  "mailing list expansion prohibited",
	"7.3":  "security conversion required but not possible",
	"7.4":  "security features not supported",
	"7.5":  "cryptographic failure",
	"7.6":  "cryptographic algorithm not supported",
	"7.7":  "message integrity failure",
	"7.8":  "authentication credentials invalid",
	"7.9":  "authentication mechanism is too weak",
	"7.10": "encryption needed",
	"7.11": "encryption required for requested authentication mechanism",
	"7.12": "a password transition is needed",
	"7.13": "user account disabled",
	"7.14": "trust relationship required",
	"7.15": "priority level is too low",
	"7.16": "message is too big for the specified priority",
	"7.17": "mailbox owner has changed",
	"7.18": "domain owner has changed",
	"7.19": "RRVS test cannot be completed",
	"7.20": "no passing DKIM signature found",
	"7.21": "no acceptable DKIM signature found",
	"7.22": "no valid author-matched DKIM signature found",
	"7.23": "SPF validation failed",
	"7.24": "SPF validation error",
	"7.25": "reverse DNS validation failed",
	"7.26": "multiple authentication checks failed",
	"7.27": "sender address has null MX",
}

// classes and subjects are RFC 3463 §3.1 and §3.2, for codes the table
// does not list.
var (
	classes = map[int]string{
		2: "success",
		4: "persistent transient failure",
		5: "permanent failure",
	}
	subjects = map[int]string{
		0: "other or undefined status",
		1: "addressing status",
		2: "mailbox status",
		3: "mail system status",
		4: "network and routing status",
		5: "mail delivery protocol status",
		6: "message content or media status",
		7: "security or policy status",
	}
)

// Describe gives a short English explanation of a status code, e.g. "5.1.1"
// → "bad destination mailbox address (the user does not exist)". Codes the
// table does not list are explained by class and subject, e.g. "5.1.99" →
// "permanent failure, addressing status".
func Describe(status string) string {
	status = strings.TrimSpace(status)
	class, subject, detail, ok := splitStatus(status)
	if !ok {
		return "not a valid status code"
	}
	if class == 2 && subject == 0 && detail == 0 {
		return "success"
	}
	if subject != 0 || detail != 0 {
		if d, ok := details[strconv.Itoa(subject)+"."+strconv.Itoa(detail)]; ok {
			return d
		}
	}
	if subject == 0 {
		return classes[class]
	}
	if s, ok := subjects[subject]; ok {
		return classes[class] + ", " + s
	}
	return classes[class]
}
