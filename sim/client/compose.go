package client

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"github.com/mailflow/mailflow/scenarios"
)

// Compose builds the message a mail client would write for a send action:
// headers, a text part and the attachments as MIME parts.
func Compose(s *scenarios.Send, fromName, messageID string, date time.Time, rng *rand.Rand) ([]byte, error) {
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
	// A boundary from the run's seeded source: the same scenario and seed
	// give the same message, byte for byte.
	h.Set("Content-Type", mime.FormatMediaType("multipart/mixed",
		map[string]string{"boundary": fmt.Sprintf("=_mailflow_%016x", rng.Uint64())}))
	mw, err := message.CreateWriter(&buf, h.Header)
	if err != nil {
		return nil, err
	}
	var th message.Header
	th.Set("Content-Type", "text/plain; charset=utf-8")
	tw, err := mw.CreatePart(th)
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
		ah.Set("Content-Transfer-Encoding", "base64")
		aw, err := mw.CreatePart(ah.Header)
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
