package dsn

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	netmail "net/mail"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decode human parts in any common charset
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// Parsed is what a reader (a test, an expectation) gets back from a DSN.
type Parsed struct {
	ReportType   string      // "delivery-status" (or "global-delivery-status", RFC 6533)
	Human        string      // text of the first part, decoded
	ReportingMTA string      // as written, e.g. "dns;mail.example.test"
	EnvelopeID   string      // Original-Envelope-Id
	ArrivalDate  string      // as written
	Recipients   []Recipient // Final and Original are bare addresses; dates parsed when possible
	OriginalType string      // "message/rfc822", "text/rfc822-headers", or "" when absent
	Original     []byte      // the returned message or header, transfer encoding undone

	Subject, From, To, AutoSubmitted string // top-level header fields, RFC 2047 decoded
	MessageID                        string // without angle brackets
}

// Errors Parse wraps, so a caller can tell "not a bounce" from "bad bounce".
var (
	ErrNotReport = errors.New("not a multipart/report")
	ErrNotDSN    = errors.New("not a delivery status notification")
)

// Limits on hostile input.
const (
	maxParts  = 32
	maxHeader = 1 << 20
)

// Parse reads a DSN. Messages that are not a multipart/report with
// report-type delivery-status fail with an error wrapping ErrNotReport or
// ErrNotDSN; a DSN without a readable delivery-status part fails too.
func Parse(raw []byte) (*Parsed, error) {
	e, err := message.ReadWithOptions(bytes.NewReader(raw), &message.ReadOptions{MaxHeaderBytes: maxHeader})
	if err != nil && !tolerable(err) {
		return nil, fmt.Errorf("dsn: read message: %w", err)
	}
	mt, params, err := e.Header.ContentType()
	if err != nil || mt != "multipart/report" {
		return nil, fmt.Errorf("dsn: content type %q: %w", mt, ErrNotReport)
	}
	p := &Parsed{ReportType: strings.ToLower(params["report-type"])}
	if !dsnReportType(p.ReportType) {
		return nil, fmt.Errorf("dsn: report-type %q: %w", p.ReportType, ErrNotDSN)
	}
	p.Subject, _ = e.Header.Text("Subject")
	p.From, _ = e.Header.Text("From")
	p.To, _ = e.Header.Text("To")
	p.AutoSubmitted = e.Header.Get("Auto-Submitted")
	mh := mail.Header{Header: e.Header}
	p.MessageID, _ = mh.MessageID()

	limit := int64(4*len(raw) + 4096) // decoding never grows text more than this
	mr := e.MultipartReader()
	if mr == nil {
		return nil, fmt.Errorf("dsn: multipart/report without a boundary: %w", ErrNotReport)
	}
	sawStatus := false
	for i := 0; ; i++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !tolerable(err) {
			return nil, fmt.Errorf("dsn: part %d: %w", i+1, err)
		}
		if i >= maxParts {
			return nil, fmt.Errorf("dsn: more than %d parts", maxParts)
		}
		pt, _, _ := part.Header.ContentType()
		switch {
		case pt == "message/delivery-status" || pt == "message/global-delivery-status":
			if sawStatus {
				return nil, errors.New("dsn: more than one delivery-status part")
			}
			sawStatus = true
			body, err := readAll(part.Body, limit)
			if err != nil {
				return nil, fmt.Errorf("dsn: read delivery-status: %w", err)
			}
			if err := p.parseStatus(body); err != nil {
				return nil, err
			}
		case isOriginalType(pt):
			body, err := readAll(part.Body, limit)
			if err != nil {
				return nil, fmt.Errorf("dsn: read returned message: %w", err)
			}
			p.OriginalType, p.Original = pt, body
		case i == 0:
			human, err := humanPart(part, limit)
			if err != nil {
				return nil, err
			}
			p.Human = human
		}
	}
	if !sawStatus {
		return nil, errors.New("dsn: no message/delivery-status part")
	}
	return p, nil
}

// IsDSN reports, from the header alone, whether raw is a DSN:
// Content-Type multipart/report with report-type delivery-status.
func IsDSN(raw []byte) bool {
	br := bufio.NewReader(io.LimitReader(bytes.NewReader(raw), maxHeader))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		return false
	}
	mh := message.Header{Header: h}
	mt, params, err := mh.ContentType()
	return err == nil && mt == "multipart/report" && dsnReportType(strings.ToLower(params["report-type"]))
}

func dsnReportType(t string) bool {
	return t == "delivery-status" || t == "global-delivery-status"
}

func isOriginalType(t string) bool {
	switch t {
	case "message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers":
		return true
	}
	return false
}

// tolerable errors leave an entity that can still be read.
func tolerable(err error) bool {
	return message.IsUnknownCharset(err) || message.IsUnknownEncoding(err)
}

func readAll(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("part larger than %d bytes", limit)
	}
	return b, nil
}

// humanPart returns the text of the first part, choosing text/plain inside a
// multipart/alternative.
func humanPart(e *message.Entity, limit int64) (string, error) {
	if mr := e.MultipartReader(); mr != nil {
		first := ""
		for i := 0; i < maxParts; i++ {
			sub, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil && !tolerable(err) {
				return "", fmt.Errorf("dsn: read human-readable part: %w", err)
			}
			t, _, _ := sub.Header.ContentType()
			if !strings.HasPrefix(t, "text/") {
				continue
			}
			b, err := readAll(sub.Body, limit)
			if err != nil {
				return "", fmt.Errorf("dsn: read human-readable part: %w", err)
			}
			if t == "text/plain" {
				return string(b), nil
			}
			if first == "" {
				first = string(b)
			}
		}
		return first, nil
	}
	b, err := readAll(e.Body, limit)
	if err != nil {
		return "", fmt.Errorf("dsn: read human-readable part: %w", err)
	}
	return string(b), nil
}

// parseStatus reads the field groups of a message/delivery-status body
// (RFC 3464 §2.1): the per-message group, then one group per recipient.
func (p *Parsed) parseStatus(body []byte) error {
	groups, err := fieldGroups(body)
	if err != nil {
		return err
	}
	if len(groups) == 0 {
		return errors.New("dsn: empty delivery-status part")
	}
	msg := groups[0]
	p.ReportingMTA = msg.Get("Reporting-MTA")
	p.EnvelopeID = msg.Get("Original-Envelope-Id")
	p.ArrivalDate = msg.Get("Arrival-Date")
	if len(groups) == 1 {
		return errors.New("dsn: delivery-status has no per-recipient fields")
	}
	for i, g := range groups[1:] {
		rc, err := parseRecipient(g)
		if err != nil {
			return fmt.Errorf("dsn: recipient group %d: %w", i+1, err)
		}
		p.Recipients = append(p.Recipients, rc)
	}
	return nil
}

func parseRecipient(g textproto.Header) (Recipient, error) {
	var rc Recipient
	final := g.Get("Final-Recipient")
	if final == "" {
		return rc, errors.New("no Final-Recipient")
	}
	rc.Final = parseAddressField(final)
	rc.Original = rc.Final
	if o := g.Get("Original-Recipient"); o != "" {
		rc.Original = parseAddressField(o)
	}
	rc.Action = Action(strings.ToLower(strings.TrimSpace(stripComment(g.Get("Action")))))
	if rc.Action == "" {
		return rc, errors.New("no Action")
	}
	if f := strings.Fields(stripComment(g.Get("Status"))); len(f) > 0 {
		rc.Status = f[0]
	} else {
		return rc, errors.New("no Status")
	}
	rc.RemoteMTA = g.Get("Remote-MTA")
	rc.Diagnostic = g.Get("Diagnostic-Code")
	if t, err := netmail.ParseDate(g.Get("Last-Attempt-Date")); err == nil {
		rc.LastAttempt = t
	}
	if t, err := netmail.ParseDate(g.Get("Will-Retry-Until")); err == nil {
		rc.WillRetryUntil = t
	}
	return rc, nil
}

// fieldGroups splits text into blank-line separated groups of header fields.
// Lines holding only whitespace count as blank, as real DSNs have them.
func fieldGroups(body []byte) ([]textproto.Header, error) {
	var groups []textproto.Header
	var cur bytes.Buffer
	flush := func() error {
		if cur.Len() == 0 {
			return nil
		}
		cur.WriteString("\r\n")
		h, err := textproto.ReadHeader(bufio.NewReader(&cur))
		if err != nil {
			return fmt.Errorf("dsn: delivery-status group %d: %w", len(groups)+1, err)
		}
		groups = append(groups, h)
		cur.Reset()
		return nil
	}
	for line := range bytes.Lines(body) {
		line = bytes.TrimRight(line, "\r\n")
		if len(bytes.TrimSpace(line)) == 0 {
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		cur.Write(line)
		cur.WriteString("\r\n")
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return groups, nil
}
