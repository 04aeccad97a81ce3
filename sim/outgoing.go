package sim

import (
	"bufio"
	"bytes"
	"mime"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"

	"github.com/mailflow/mailflow/sim/envelope"
	"github.com/mailflow/mailflow/topology"
)

// outgoing wraps a host's queue: what a user submitted is signed with the
// host's DKIM key as it enters the queue, and a copy the host forwards gets
// the host's footer first (which breaks any signature made before).
func outgoing(h *topology.Host, take func(...envelope.Message) (func(), error), now func() time.Time) func(...envelope.Message) (func(), error) {
	return func(ms ...envelope.Message) (func(), error) {
		for i := range ms {
			m := &ms[i]
			if m.Forwarded && m.From != "" && h.Auth.Footer != "" {
				m.Data = addFooter(m.Data, h.Auth.Footer)
			}
			if m.Originated && h.Auth.DKIM != nil {
				if signed, err := h.Auth.DKIM.Sign(m.Data, now()); err == nil {
					m.Data = signed
				}
			}
		}
		return take(ms...)
	}
}

// addFooter appends text to a message's body as a mailing list does: at
// the end of a single text part, or as a text part of its own before the
// closing boundary of a multipart message.
func addFooter(msg []byte, footer string) []byte {
	footer = strings.ReplaceAll(strings.ReplaceAll(footer, "\r\n", "\n"), "\n", "\r\n")
	if !strings.HasSuffix(footer, "\r\n") {
		footer += "\r\n"
	}
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(msg)))
	if err == nil {
		if mt, params, err := mime.ParseMediaType(h.Get("Content-Type")); err == nil &&
			strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
			closing := []byte("\r\n--" + params["boundary"] + "--")
			if i := bytes.LastIndex(msg, closing); i >= 0 {
				part := "\r\n--" + params["boundary"] + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
					strings.TrimSuffix(footer, "\r\n")
				return append(append(append([]byte(nil), msg[:i]...), part...), msg[i:]...)
			}
		}
	}
	out := append([]byte(nil), msg...)
	if !bytes.HasSuffix(out, []byte("\r\n")) {
		out = append(out, "\r\n"...)
	}
	return append(out, footer...)
}
