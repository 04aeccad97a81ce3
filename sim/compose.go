package sim

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/mailflow/mailflow/scenarios"
)

// compose builds the message a mail client would write for a send action:
// headers, a text part and the attachments as MIME parts.
func compose(s *scenarios.Send, fromName, messageID string, date time.Time, rng *rand.Rand) ([]byte, error) {
	var h mail.Header
	h.SetDate(date)
	h.SetAddressList("From", []*mail.Address{{Name: fromName, Address: s.From}})
	if len(s.To) > 0 {
		h.SetAddressList("To", addressList(s.To))
	}
	if len(s.Cc) > 0 {
		h.SetAddressList("Cc", addressList(s.Cc))
	}
	h.SetSubject(s.Subject)
	h.Set("Message-ID", messageID)
	h.Set("User-Agent", "mailflow simulated client")

	var buf bytes.Buffer
	if len(s.Attachments) == 0 {
		h.Header.Set("Content-Type", "text/plain; charset=utf-8")
		w, err := mail.CreateSingleInlineWriter(&buf, h)
		if err != nil {
			return nil, err
		}
		io.WriteString(w, s.Body)
		if err := w.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	mw, err := mail.CreateWriter(&buf, h)
	if err != nil {
		return nil, err
	}
	var th mail.InlineHeader
	th.Set("Content-Type", "text/plain; charset=utf-8")
	tw, err := mw.CreateSingleInline(th)
	if err != nil {
		return nil, err
	}
	io.WriteString(tw, s.Body)
	tw.Close()
	for _, a := range s.Attachments {
		var ah mail.AttachmentHeader
		ctype := a.ContentType
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		ah.Set("Content-Type", mime.FormatMediaType(ctype, map[string]string{"name": a.Name}))
		ah.SetFilename(a.Name)
		aw, err := mw.CreateAttachment(ah)
		if err != nil {
			return nil, err
		}
		if a.Content != "" {
			io.WriteString(aw, a.Content)
		} else {
			aw.Write(generated(a.Size, rng))
		}
		if err := aw.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	return buf.Bytes(), nil
}

func addressList(addrs []string) []*mail.Address {
	out := make([]*mail.Address, len(addrs))
	for i, a := range addrs {
		out[i] = &mail.Address{Address: a}
	}
	return out
}

// generated returns n bytes of seeded pseudo-random content: an attachment
// of the size a lesson asks for, the same in every run.
func generated(n int, rng *rand.Rand) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return b
}
