package client

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/mailflow/mailflow/scenarios"
)

// A composed message reads back as written: its fields, its text and its
// attachments, generated ones at the size asked; the same seed gives the
// same bytes.
func TestComposeReadsBack(t *testing.T) {
	s := &scenarios.Send{From: "alice@example.test", To: []string{"bob@school.test"}, Subject: "Homework",
		Body: "Hi Bob\n", Attachments: []scenarios.Attachment{{Name: "notes.txt", Content: "notes"},
			{Name: "scan.bin", Size: 3000}}}
	date := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	compose := func() []byte {
		raw, err := Compose(s, "Alice", "<m1.1@example.test>", date, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	raw := compose()
	if !bytes.Equal(raw, compose()) {
		t.Error("the same seed composed two different messages")
	}
	if got := messageID(raw); got != "<m1.1@example.test>" {
		t.Errorf("Message-ID %q", got)
	}
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if subj, _ := mr.Header.Subject(); subj != "Homework" {
		t.Errorf("Subject %q", subj)
	}
	sizes := map[string]int{}
	text := ""
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p.Body)
		switch h := p.Header.(type) {
		case *mail.AttachmentHeader:
			name, _ := h.Filename()
			sizes[name] = len(b)
		case *mail.InlineHeader:
			text += string(b)
		}
	}
	if text != "Hi Bob\n" || sizes["notes.txt"] != 5 || sizes["scan.bin"] != 3000 {
		t.Errorf("text %q, attachments %v", text, sizes)
	}
}

// The name a user's computer gives in EHLO is a host name made of the
// login's local part.
func TestHeloName(t *testing.T) {
	for in, want := range map[string]string{"alice@example.test": "alice-laptop.local",
		"Bob.Smith+x@school.test": "bob-smith-x-laptop.local"} {
		if got := heloName(in); got != want {
			t.Errorf("heloName(%q) = %q, want %q", in, got, want)
		}
	}
}
