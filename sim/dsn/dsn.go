// Package dsn builds and reads delivery status notifications ("bounces"):
// the multipart/report of RFC 6522 with a message/delivery-status part
// (RFC 3464), status codes of RFC 3463, and the NOTIFY/RET/ENVID semantics
// of the SMTP DSN extension (RFC 3461). It only makes and reads messages;
// the queue decides when one is due and whom to send it to.
//
// Output is byte-for-byte repeatable: every time and identifier comes from
// the caller, and the MIME boundary is derived from the Message-ID.
//
// A DSN goes out with a null reverse-path (MAIL FROM:<>) so that it can never
// bounce back (RFC 5321 §4.5.5); Build refuses a report addressed to <>.
package dsn

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime/quotedprintable"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// Action is what happened to one recipient (RFC 3464 §2.3.3).
type Action string

// The actions of RFC 3464 §2.3.3.
const (
	Failed    Action = "failed"
	Delayed   Action = "delayed"
	Delivered Action = "delivered"
	Relayed   Action = "relayed"
	Expanded  Action = "expanded"
)

// Valid reports whether a is one of the five RFC 3464 actions.
func (a Action) Valid() bool {
	switch a {
	case Failed, Delayed, Delivered, Relayed, Expanded:
		return true
	}
	return false
}

// Recipient is one per-recipient field group of the report.
type Recipient struct {
	Original       string    // ORCPT address if known, else the recipient; omitted from the report when empty
	Final          string    // Final-Recipient address, written rfc822;addr
	Action         Action    // what happened
	Status         string    // RFC 3463 code, e.g. "5.1.1", "4.4.7"
	RemoteMTA      string    // e.g. "dns;mx.school.test"; empty when none was reached
	Diagnostic     string    // e.g. "smtp; 550 5.1.1 No such user here"
	LastAttempt    time.Time // zero: omitted
	WillRetryUntil time.Time // written only for Action delayed
}

// Return is the RET parameter of RFC 3461 §4.3: how much of the original
// message comes back.
type Return string

// The RET values of RFC 3461 §4.3.
const (
	ReturnFull    Return = "FULL" // the whole message (also when RET was not given)
	ReturnHeaders Return = "HDRS" // only the header
)

// Report is everything a DSN says. Times and MessageID come from the caller
// so that runs are repeatable.
type Report struct {
	ReportingMTA string      // e.g. "dns;mail.example.test" ("dns;" is added when no type is given)
	ArrivalDate  time.Time   // when the reporting MTA received the message; zero: omitted
	EnvelopeID   string      // ENVID, written as Original-Envelope-Id; omitted when empty
	From         string      // the DSN's From:; default "Mail Delivery System <MAILER-DAEMON@reporting host>"
	To           string      // the original envelope sender, who gets the DSN; must not be empty (null sender)
	Recipients   []Recipient // only the recipients this DSN reports on
	Return       Return      // FULL or "" → message/rfc822, HDRS → text/rfc822-headers
	Original     []byte      // the original message (header and body); line ends made CRLF, nothing else changed; empty: no third part
	MessageID    string      // the DSN's own Message-ID, with or without angle brackets
	Date         time.Time   // the DSN's Date (simulated time)
	Subject      string      // default chosen by the actions reported
}

// Default subjects, by the gravest action reported.
const (
	SubjectFailed    = "Undelivered Mail Returned to Sender"
	SubjectDelayed   = "Delayed Mail (still being retried)"
	SubjectDelivered = "Successful Mail Delivery Report"
)

// ErrNoSender is returned by Build for a message with a null reverse-path:
// such a message never gets a DSN (RFC 5321 §4.5.5, RFC 3461 §6.2).
var ErrNoSender = errors.New("dsn: no one to notify: the envelope sender is empty (null reverse-path)")

// dateLayout is the RFC 5322 §3.3 date-time form.
const dateLayout = "Mon, 02 Jan 2006 15:04:05 -0700"

// Build renders r as a complete DSN message with CRLF line endings.
func Build(r Report) ([]byte, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	host := reportingHost(r.ReportingMTA)
	fromText := r.From
	if strings.TrimSpace(fromText) == "" {
		if host == "" {
			return nil, errors.New("dsn: From is empty and Reporting-MTA names no dns host to derive it from")
		}
		fromText = "Mail Delivery System <MAILER-DAEMON@" + host + ">"
	}
	from, err := formatAddress(fromText)
	if err != nil {
		return nil, fmt.Errorf("dsn: From %q: %w", fromText, err)
	}
	to, err := formatAddress(r.To)
	if err != nil {
		return nil, fmt.Errorf("dsn: To %q: %w", r.To, err)
	}
	subject := r.Subject
	if strings.TrimSpace(subject) == "" {
		subject = defaultSubject(r.Recipients)
	}

	human := []byte(humanText(r, host))
	humanFields := []field{{"Content-Description", "Notification"}}
	if isASCII(string(human)) {
		human = crlf(human)
		humanFields = append(humanFields,
			field{"Content-Type", "text/plain; charset=us-ascii"},
			field{"Content-Transfer-Encoding", "7bit"})
	} else {
		var qp bytes.Buffer
		w := quotedprintable.NewWriter(&qp)
		if _, err := w.Write(human); err != nil {
			return nil, fmt.Errorf("dsn: encode text part: %w", err)
		}
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("dsn: encode text part: %w", err)
		}
		human = qp.Bytes()
		humanFields = append(humanFields,
			field{"Content-Type", "text/plain; charset=utf-8"},
			field{"Content-Transfer-Encoding", "quoted-printable"})
	}

	status := statusBody(r)
	orig, origFields := originalPart(r)
	eightBit := has8bit(orig)
	boundary := pickBoundary(r.MessageID, human, status, orig)

	top := []field{
		{"From", from},
		{"To", to},
		{"Subject", encodeText(subject)},
		{"Date", r.Date.Format(dateLayout)},
		{"Message-ID", "<" + bareID(r.MessageID) + ">"},
		{"Auto-Submitted", "auto-replied"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "multipart/report; report-type=delivery-status; boundary=\"" + boundary + "\""},
	}
	if eightBit {
		// RFC 2045 §6.4: a multipart holding 8-bit data says so.
		top = append(top, field{"Content-Transfer-Encoding", "8bit"})
	}

	var buf bytes.Buffer
	if err := textproto.WriteHeader(&buf, header(top)); err != nil {
		return nil, fmt.Errorf("dsn: write header: %w", err)
	}
	buf.WriteString("This is a MIME-encapsulated message.\r\n\r\n")
	mw := textproto.NewMultipartWriter(&buf)
	if err := mw.SetBoundary(boundary); err != nil {
		return nil, fmt.Errorf("dsn: boundary: %w", err)
	}
	parts := []struct {
		fields []field
		body   []byte
	}{
		{humanFields, human},
		{[]field{
			{"Content-Description", "Delivery report"},
			{"Content-Type", "message/delivery-status"},
		}, status},
	}
	if origFields != nil {
		parts = append(parts, struct {
			fields []field
			body   []byte
		}{origFields, orig})
	}
	for _, p := range parts {
		w, err := mw.CreatePart(header(p.fields))
		if err != nil {
			return nil, fmt.Errorf("dsn: create part: %w", err)
		}
		if _, err := w.Write(p.body); err != nil {
			return nil, fmt.Errorf("dsn: write part: %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("dsn: close multipart: %w", err)
	}
	return buf.Bytes(), nil
}

// check rejects a report that would make a malformed DSN.
func (r Report) check() error {
	if strings.TrimSpace(r.To) == "" || strings.TrimSpace(r.To) == "<>" {
		return ErrNoSender
	}
	if strings.TrimSpace(r.ReportingMTA) == "" {
		return errors.New("dsn: Reporting-MTA is required (RFC 3464 §2.2.2)")
	}
	id := bareID(r.MessageID)
	if id == "" || strings.ContainsAny(id, "<> \t\r\n") || !isASCII(id) {
		return fmt.Errorf("dsn: Message-ID %q is empty or not a msg-id", r.MessageID)
	}
	if r.Date.IsZero() {
		return errors.New("dsn: Date is required (the simulated time of the report)")
	}
	switch Return(strings.ToUpper(string(r.Return))) {
	case "", ReturnFull, ReturnHeaders:
	default:
		return fmt.Errorf("dsn: Return %q is neither FULL nor HDRS (RFC 3461 §4.3)", r.Return)
	}
	if len(r.Recipients) == 0 {
		return errors.New("dsn: no recipients to report on")
	}
	for i, rc := range r.Recipients {
		if strings.TrimSpace(rc.Final) == "" {
			return fmt.Errorf("dsn: recipient %d: Final is empty", i+1)
		}
		if !rc.Action.Valid() {
			return fmt.Errorf("dsn: recipient %d (%s): action %q is not one of failed, delayed, delivered, relayed, expanded", i+1, rc.Final, rc.Action)
		}
		if !ValidStatus(rc.Status) {
			return fmt.Errorf("dsn: recipient %d (%s): status %q is not an RFC 3463 code", i+1, rc.Final, rc.Status)
		}
	}
	return nil
}

// statusBody renders the message/delivery-status content (RFC 3464 §2.1):
// the per-message fields, then one group per recipient, blank-line separated.
func statusBody(r Report) []byte {
	var b bytes.Buffer
	var msg []field
	if env := asciiLine(r.EnvelopeID); env != "" {
		msg = append(msg, field{"Original-Envelope-Id", env})
	}
	msg = append(msg, field{"Reporting-MTA", withType("dns", r.ReportingMTA)})
	if !r.ArrivalDate.IsZero() {
		msg = append(msg, field{"Arrival-Date", r.ArrivalDate.Format(dateLayout)})
	}
	writeFields(&b, msg)
	for _, rc := range r.Recipients {
		b.WriteString("\r\n")
		var fs []field
		if strings.TrimSpace(rc.Original) != "" {
			fs = append(fs, field{"Original-Recipient", addressField(rc.Original)})
		}
		fs = append(fs,
			field{"Final-Recipient", addressField(rc.Final)},
			field{"Action", string(rc.Action)},
			field{"Status", rc.Status})
		if mta := withType("dns", rc.RemoteMTA); mta != "" {
			fs = append(fs, field{"Remote-MTA", mta})
		}
		if d := withType("smtp", rc.Diagnostic); d != "" {
			fs = append(fs, field{"Diagnostic-Code", d})
		}
		if !rc.LastAttempt.IsZero() {
			fs = append(fs, field{"Last-Attempt-Date", rc.LastAttempt.Format(dateLayout)})
		}
		if rc.Action == Delayed && !rc.WillRetryUntil.IsZero() {
			fs = append(fs, field{"Will-Retry-Until", rc.WillRetryUntil.Format(dateLayout)})
		}
		writeFields(&b, fs)
	}
	return b.Bytes()
}

func writeFields(b *bytes.Buffer, fs []field) {
	for _, f := range fs {
		b.WriteString(fold(f.name, f.value))
	}
}

// originalPart returns the third part's body and header: the whole message
// for RET=FULL (or no RET), only its header for RET=HDRS, nothing when there
// is no original.
func originalPart(r Report) ([]byte, []field) {
	if len(r.Original) == 0 {
		return nil, nil
	}
	msg := crlf(r.Original)
	if Return(strings.ToUpper(string(r.Return))) == ReturnHeaders {
		hdr := headerBlock(msg)
		fs := []field{{"Content-Description", "Undelivered Message Headers"}}
		if has8bit(hdr) {
			fs = append(fs,
				field{"Content-Type", "text/rfc822-headers; charset=utf-8"},
				field{"Content-Transfer-Encoding", "8bit"})
		} else {
			fs = append(fs, field{"Content-Type", "text/rfc822-headers"})
		}
		return hdr, fs
	}
	fs := []field{
		{"Content-Description", "Undelivered Message"},
		{"Content-Type", "message/rfc822"},
	}
	if has8bit(msg) {
		// message/rfc822 allows only 7bit, 8bit or binary (RFC 2046 §5.2.1).
		fs = append(fs, field{"Content-Transfer-Encoding", "8bit"})
	}
	return msg, fs
}

// headerBlock returns the header of a CRLF message, without the blank line
// that ends it.
func headerBlock(msg []byte) []byte {
	if bytes.HasPrefix(msg, []byte("\r\n")) {
		return nil
	}
	if i := bytes.Index(msg, []byte("\r\n\r\n")); i >= 0 {
		return msg[:i+2]
	}
	return msg
}

// crlf normalises line endings to CRLF: bare LF and bare CR both become CRLF.
func crlf(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/32)
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '\r':
			out = append(out, '\r', '\n')
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
		case '\n':
			out = append(out, '\r', '\n')
		default:
			out = append(out, c)
		}
	}
	return out
}

// pickBoundary derives the boundary from the Message-ID, trying further
// hashes in the (adversarial) case that a part already contains it.
func pickBoundary(id string, parts ...[]byte) string {
	for n := 0; ; n++ {
		sum := sha256.Sum256([]byte(bareID(id) + "\x00" + strconv.Itoa(n)))
		b := "=_dsn_" + hex.EncodeToString(sum[:12])
		clash := false
		for _, p := range parts {
			if bytes.Contains(p, []byte("--"+b)) {
				clash = true
				break
			}
		}
		if !clash {
			return b
		}
	}
}

func bareID(id string) string {
	id = strings.TrimSpace(id)
	id = strings.TrimPrefix(id, "<")
	return strings.TrimSuffix(id, ">")
}

// reportingHost is the host name of a "dns;host" Reporting-MTA.
func reportingHost(mta string) string {
	typ, val := typed(asciiLine(mta))
	if typ != "" && !strings.EqualFold(typ, "dns") {
		return ""
	}
	return val
}

func defaultSubject(rcpts []Recipient) string {
	subject := SubjectDelivered
	for _, rc := range rcpts {
		switch rc.Action {
		case Failed:
			return SubjectFailed
		case Delayed:
			subject = SubjectDelayed
		}
	}
	return subject
}

// formatAddress parses one RFC 5322 address and writes it back: the bare
// addr-spec when there is no display name, otherwise "Name <addr>" with the
// name quoted or RFC 2047 encoded only when it must be.
func formatAddress(s string) (string, error) {
	a, err := mail.ParseAddress(oneLine(s))
	if err != nil {
		return "", fmt.Errorf("parse address: %w", err)
	}
	if a.Name == "" {
		return a.Address, nil
	}
	return phrase(a.Name) + " <" + a.Address + ">", nil
}

// phrase writes a display name as atoms when it can (RFC 5322 §3.2.5).
func phrase(name string) string {
	name = oneLine(name)
	if !isASCII(name) {
		return encodeText(name)
	}
	plain := true
	for _, r := range name {
		if r != ' ' && !isAtext(r) {
			plain = false
			break
		}
	}
	if plain {
		return name
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
}

// isAtext is RFC 5322 §3.2.3 atext.
func isAtext(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return true
	}
	return strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r)
}
