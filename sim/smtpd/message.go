package smtpd

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// messageInfo is what the events tell of a message: enough to narrate step 2
// without showing its content.
type messageInfo struct {
	messageID   string
	subject     string
	from        string // the From: address
	text        string // the text parts, for content rules
	hasDate     bool
	hasSender   bool
	hasReplyTo  bool
	attachments []string
}

// inspect reads a message's header and the names of its attachments. A
// malformed message is not an error here: it is delivered as it came.
func inspect(raw []byte) messageInfo {
	var info messageInfo
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return info
	}
	info.messageID = strings.TrimSpace(h.Get("Message-Id"))
	info.hasDate = h.Get("Date") != ""
	info.hasSender = h.Get("Sender") != ""
	info.hasReplyTo = h.Get("Reply-To") != ""
	mh := mail.Header{Header: message.Header{Header: h}}
	if from, err := mh.AddressList("From"); err == nil && len(from) > 0 {
		info.from = from[0].Address
	}
	if s, err := mh.Subject(); err == nil {
		info.subject = s
	} else {
		info.subject = h.Get("Subject")
	}
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		return info
	}
	defer mr.Close()
	var text strings.Builder
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		switch ph := p.Header.(type) {
		case *mail.AttachmentHeader:
			if name, err := ph.Filename(); err == nil && name != "" {
				info.attachments = append(info.attachments, name)
			}
		case *mail.InlineHeader:
			if ct, _, _ := ph.ContentType(); ct == "" || strings.HasPrefix(ct, "text/") {
				io.Copy(&text, io.LimitReader(p.Body, 1<<20))
			}
		}
		io.Copy(io.Discard, p.Body)
	}
	info.text = text.String()
	return info
}

// completeHeaders adds Message-ID and Date when a client left them out, as a
// submission server may (RFC 6409 §8.2, §8.3).
func completeHeaders(raw []byte, info messageInfo, host string, now time.Time) []byte {
	var add strings.Builder
	if info.messageID == "" {
		fmt.Fprintf(&add, "Message-ID: <%d.%x@%s>\r\n", now.UnixNano(), len(raw), host)
	}
	if !info.hasDate {
		fmt.Fprintf(&add, "Date: %s\r\n", now.Format(time.RFC1123Z))
	}
	if add.Len() == 0 {
		return raw
	}
	return append([]byte(add.String()), raw...)
}

// countReceived counts the Received: header fields of a message, the hops it
// has made (RFC 5321 §6.3 loop detection).
func countReceived(raw []byte) int {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return 0
	}
	return len(h.Values("Received"))
}
