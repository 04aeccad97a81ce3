// Package mailauth is sender authentication as a receiving mail server does
// it: SPF (RFC 7208) checks the connecting address against the envelope
// sender's domain, DKIM (RFC 6376) checks the signature a sending domain put
// on the message, DMARC (RFC 7489) asks whether either of them vouches for
// the domain in From: and what that domain wants done when neither does.
// The verdicts are written as an Authentication-Results header (RFC 8601).
// It also signs: each simulated host has a DKIM key whose public half is
// published in the simulated DNS.
//
// The DNS lookups go to the simulated DNS server over the wire; the
// libraries doing the work are blitiri.com.ar/go/spf (SPF) and
// github.com/emersion/go-msgauth (DKIM verification, DMARC records,
// Authentication-Results).
package mailauth

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Key is a host's DKIM signing key for one domain and selector.
type Key struct {
	Domain   string // the d= tag: the domain that takes responsibility
	Selector string // the s= tag: which of the domain's keys
	priv     ed25519.PrivateKey
	// published is the public key in DNS; it differs from priv's when the
	// key is broken on purpose (a rotated key whose record was not updated).
	published ed25519.PublicKey
}

// NewKey derives a key from the run's seed, the host and the selector, so
// that a scenario signs the same way, and its traces read the same, on
// every run. A key in a simulation is no secret. With broken, the DNS
// record publishes another key, so every signature fails to verify.
func NewKey(seed int64, host, domain, selector string, broken bool) *Key {
	priv := ed25519.NewKeyFromSeed(keySeed(seed, host, selector, ""))
	k := &Key{Domain: strings.ToLower(domain), Selector: strings.ToLower(selector), priv: priv,
		published: priv.Public().(ed25519.PublicKey)}
	if broken {
		k.published = ed25519.NewKeyFromSeed(keySeed(seed, host, selector, "old")).Public().(ed25519.PublicKey)
	}
	return k
}

func keySeed(seed int64, host, selector, salt string) []byte {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seed))
	h.Write([]byte("mailflow dkim\x00"))
	h.Write(b[:])
	fmt.Fprintf(h, "\x00%s\x00%s\x00%s", strings.ToLower(host), strings.ToLower(selector), salt)
	return h.Sum(nil)
}

// RecordName is where the key's TXT record lives:
// <selector>._domainkey.<domain> (RFC 6376 §3.6.2.1).
func (k *Key) RecordName() string { return k.Selector + "._domainkey." + k.Domain }

// Record is the TXT record's value (RFC 6376 §3.6.1, RFC 8463 §4).
func (k *Key) Record() string {
	return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k.published)
}

// signedFields are the header fields a signature covers when present
// (RFC 6376 §5.4.1 recommends these); From is always signed.
var signedFields = []string{"From", "Sender", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID",
	"In-Reply-To", "References", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"}

// Sign returns msg with a DKIM-Signature header field on top: Ed25519
// over SHA-256 (RFC 8463), relaxed canonicalization of header and body,
// and now, the simulated time, as the signature's t= tag.
func (k *Key) Sign(msg []byte, now time.Time) ([]byte, error) {
	fields, body, err := splitMessage(msg)
	if err != nil {
		return nil, err
	}
	bh := sha256.Sum256(relaxedBody(body))
	var keys []string
	for _, name := range signedFields {
		for _, f := range fields {
			if strings.EqualFold(fieldName(f), name) {
				keys = append(keys, name)
			}
		}
	}
	if !containsFold(keys, "From") {
		return nil, errors.New("dkim: the message has no From: field to sign")
	}
	tags := fmt.Sprintf("v=1; a=ed25519-sha256; c=relaxed/relaxed; d=%s; s=%s;\r\n\tt=%d; h=%s;\r\n\tbh=%s;\r\n\tb=",
		k.Domain, k.Selector, now.Unix(), strings.Join(keys, ":"), base64.StdEncoding.EncodeToString(bh[:]))
	h := sha256.New()
	for _, f := range pickFields(fields, keys) {
		h.Write([]byte(relaxedHeader(f)))
	}
	h.Write([]byte(strings.TrimSuffix(relaxedHeader("DKIM-Signature: "+tags+"\r\n"), "\r\n")))
	sig := ed25519.Sign(k.priv, h.Sum(nil))
	field := "DKIM-Signature: " + tags + base64.StdEncoding.EncodeToString(sig) + "\r\n"
	return append([]byte(field), msg...), nil
}

// splitMessage returns the header fields (each with its folded lines and
// final CRLF) and the body.
func splitMessage(msg []byte) ([]string, []byte, error) {
	r := bufio.NewReader(bytes.NewReader(msg))
	var fields []string
	read := 0
	for {
		line, err := r.ReadString('\n')
		read += len(line)
		if line == "\r\n" || line == "\n" {
			return fields, msg[read:], nil
		}
		if err != nil {
			if line == "" {
				return fields, nil, nil // a header with no body
			}
			line += "\r\n"
		}
		if !strings.HasSuffix(line, "\r\n") {
			line = strings.TrimSuffix(line, "\n") + "\r\n"
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(fields) == 0 {
				return nil, nil, errors.New("dkim: the header starts with a continuation line")
			}
			fields[len(fields)-1] += line
		} else {
			if !strings.Contains(line, ":") {
				return nil, nil, fmt.Errorf("dkim: malformed header line %q", strings.TrimSpace(line))
			}
			fields = append(fields, line)
		}
		if err != nil {
			return fields, nil, nil
		}
	}
}

func fieldName(f string) string {
	name, _, _ := strings.Cut(f, ":")
	return strings.TrimRight(name, " \t")
}

// pickFields picks the fields named in keys as a verifier does (RFC 6376
// §5.4.2): for a name listed several times, the last instance first.
func pickFields(fields, keys []string) []string {
	used := map[string]int{}
	var out []string
	for _, k := range keys {
		lk := strings.ToLower(k)
		seen := 0
		for i := len(fields) - 1; i >= 0; i-- {
			if strings.ToLower(fieldName(fields[i])) != lk {
				continue
			}
			if seen == used[lk] {
				out = append(out, fields[i])
				used[lk]++
				break
			}
			seen++
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// relaxedHeader is RFC 6376 §3.4.2: lower-case name, unfolded value, runs
// of blanks made one space, no blanks around the colon or at the end.
func relaxedHeader(f string) string {
	name, value, _ := strings.Cut(f, ":")
	value = strings.Join(strings.FieldsFunc(value, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\r' || r == '\n'
	}), " ")
	return strings.ToLower(strings.TrimSpace(name)) + ":" + value + "\r\n"
}

// relaxedBody is RFC 6376 §3.4.4: no blanks at line ends, runs of blanks
// made one space, no empty lines at the end, and a final CRLF unless the
// body is empty. A lone LF counts as a line end, as it does for verifiers.
func relaxedBody(body []byte) []byte {
	var out, breaks []byte
	blank, prevCR := false, false
	for _, c := range body {
		if c == '\n' && !prevCR {
			breaks = append(breaks, '\r')
		}
		prevCR = c == '\r'
		switch c {
		case ' ', '\t':
			blank = true
		case '\r', '\n':
			blank = false
			breaks = append(breaks, c)
		default:
			out = append(out, breaks...)
			breaks = breaks[:0]
			if blank {
				out = append(out, ' ')
				blank = false
			}
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return append(out, '\r', '\n')
}
