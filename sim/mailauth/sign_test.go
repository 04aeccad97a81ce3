package mailauth

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
)

var signTime = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

const plainMessage = "From: Alice Nguyen <alice@example.test>\r\n" +
	"To: bob@school.test\r\n" +
	"Subject: Homework   week 3\r\n" +
	"Date: Mon, 05 Jan 2026 09:00:00 +0000\r\n" +
	"Message-ID: <1@example.test>\r\n" +
	"\r\n" +
	"Hi Bob,\r\n\r\nhere is my homework.  \r\n\r\n\r\n"

// keyLookup serves one key's record to the library's verifier, as the
// DNS would.
func keyLookup(k *Key) func(string) ([]string, error) {
	return func(name string) ([]string, error) {
		if strings.EqualFold(name, k.RecordName()) {
			return []string{k.Record()}, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
}

// libraryVerify checks a signature with go-msgauth's verifier, an
// implementation independent of ours.
func libraryVerify(t testing.TB, k *Key, msg []byte) error {
	t.Helper()
	v, err := dkim.VerifyWithOptions(bytes.NewReader(msg), &dkim.VerifyOptions{LookupTXT: keyLookup(k)})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if len(v) != 1 {
		t.Fatalf("got %d verifications, want 1", len(v))
	}
	return v[0].Err
}

func TestSignVerifiesWithLibrary(t *testing.T) {
	k := NewKey(1, "mail.example.test", "example.test", "mail", false)
	signed, err := k.Sign([]byte(plainMessage), signTime)
	if err != nil {
		t.Fatal(err)
	}
	if err := libraryVerify(t, k, signed); err != nil {
		t.Fatalf("our signature does not verify: %v\n%s", err, signed)
	}
	for _, want := range []string{"a=ed25519-sha256", "c=relaxed/relaxed", "d=example.test", "s=mail",
		"t=1767603600", "h=From:Subject:Date:To:Message-ID"} {
		if !bytes.Contains(signed, []byte(want)) {
			t.Errorf("signature lacks %q:\n%s", want, signed)
		}
	}
	if got := k.RecordName(); got != "mail._domainkey.example.test" {
		t.Errorf("record name %q", got)
	}
}

func TestSignatureBreaksWhenChanged(t *testing.T) {
	k := NewKey(1, "mail.example.test", "example.test", "mail", false)
	signed, err := k.Sign([]byte(plainMessage), signTime)
	if err != nil {
		t.Fatal(err)
	}
	footer := append(bytes.Clone(signed), "-- \r\nSent through the school list\r\n"...)
	if err := libraryVerify(t, k, footer); err == nil || !strings.Contains(err.Error(), "body hash") {
		t.Errorf("a footer: got %v, want a body hash failure", err)
	}
	subject := bytes.Replace(signed, []byte("Homework"), []byte("Homewerk"), 1)
	if err := libraryVerify(t, k, subject); err == nil || !strings.Contains(err.Error(), "signature did not verify") {
		t.Errorf("a changed subject: got %v, want a signature failure", err)
	}
	// Relaxed canonicalization forgives what relays do to blanks and
	// folding, and a new trace field on top.
	relaxed := bytes.Replace(signed, []byte("Subject: Homework   week 3"), []byte("Subject:  Homework week\r\n 3"), 1)
	relaxed = append([]byte("Received: from somewhere\r\n"), relaxed...)
	if err := libraryVerify(t, k, relaxed); err != nil {
		t.Errorf("refolded header: %v", err)
	}
}

func TestKeysAreDeterministicAndBrokenKeyFails(t *testing.T) {
	a := NewKey(7, "mail.example.test", "example.test", "mail", false)
	b := NewKey(7, "mail.example.test", "example.test", "mail", false)
	c := NewKey(8, "mail.example.test", "example.test", "mail", false)
	if a.Record() != b.Record() {
		t.Error("the same seed gave two keys")
	}
	if a.Record() == c.Record() {
		t.Error("two seeds gave one key")
	}
	sa, _ := a.Sign([]byte(plainMessage), signTime)
	sb, _ := b.Sign([]byte(plainMessage), signTime)
	if !bytes.Equal(sa, sb) {
		t.Error("signing is not repeatable")
	}
	broken := NewKey(7, "mail.example.test", "example.test", "mail", true)
	if broken.Record() == a.Record() {
		t.Error("a broken key publishes the signing key")
	}
	sig, _ := broken.Sign([]byte(plainMessage), signTime)
	if err := libraryVerify(t, broken, sig); err == nil {
		t.Error("a broken key's signature verified")
	}
}

func TestSignNeedsFrom(t *testing.T) {
	k := NewKey(1, "h.example.test", "example.test", "s", false)
	if _, err := k.Sign([]byte("Subject: x\r\n\r\nbody\r\n"), signTime); err == nil {
		t.Error("signed a message without From:")
	}
}

// FuzzSign checks our canonicalization against the library's: whatever the
// header values and body, our signature verifies.
func FuzzSign(f *testing.F) {
	f.Add("Homework", "Hi Bob,\r\n\r\nhere  it is.\r\n")
	f.Add("a\tb  c ", "")
	f.Add("x", "line\nbare lf\r\n\r\n \t\r\n")
	f.Add("tabs\t", "a \rb\r\n")
	k := NewKey(1, "mail.example.test", "example.test", "mail", false)
	f.Fuzz(func(t *testing.T, subject, body string) {
		if strings.ContainsAny(subject, "\r\n") {
			return // not a header value
		}
		msg := "From: alice@example.test\r\nSubject: " + subject + "\r\n\r\n" + body
		signed, err := k.Sign([]byte(msg), signTime)
		if err != nil {
			t.Fatal(err)
		}
		if err := libraryVerify(t, k, signed); err != nil {
			t.Fatalf("does not verify: %v\n%q", err, signed)
		}
	})
}
