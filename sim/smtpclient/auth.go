package smtpclient

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/mailflow/mailflow/sim/event"
)

// Auth logs in with a SASL mechanism the way RFC 4954 §4 has it: the client
// answers each 334 challenge, and cancels with "*" only in answer to a 334
// it cannot go on with. A final reply — 235, or a refusal such as 535 —
// ends the exchange with nothing more sent. (go-smtp's Client.Auth sends
// "*" after any refusal too, which the RFC allows only after a 334.)
//
// On success it returns the 235 reply as it came; a refusal is returned as
// the *smtp.SMTPError the server sent.
func Auth(c *smtp.Client, a sasl.Client, timeout time.Duration) (event.Reply, error) {
	text, conn, err := wire(c)
	if err != nil {
		return event.Reply{}, err
	}
	mech, resp, err := a.Start()
	if err != nil {
		return event.Reply{}, err
	}
	line := "AUTH " + mech
	if resp != nil {
		line += " " + encode(resp)
	}
	for {
		code, msg, err := exchange(text, conn, timeout, line)
		if err != nil {
			return event.Reply{}, err
		}
		switch {
		case code == 235:
			return SplitReply(code, msg, event.StageAuth), nil
		case code != 334:
			return event.Reply{}, replyError(code, msg)
		}
		challenge, err := base64.StdEncoding.DecodeString(msg)
		if err == nil {
			resp, err = a.Next(challenge)
		}
		if err != nil {
			// RFC 4954 §4: a client that cannot go on answers the
			// challenge with "*"; the server then refuses with 501.
			if code, msg, cerr := exchange(text, conn, timeout, "*"); cerr == nil {
				return event.Reply{}, errors.Join(err, replyError(code, msg))
			}
			return event.Reply{}, err
		}
		line = encode(resp)
	}
}

func encode(b []byte) string {
	if len(b) == 0 {
		return "="
	}
	return base64.StdEncoding.EncodeToString(b)
}

// exchange sends one line and reads the reply, within timeout.
func exchange(text *textproto.Conn, conn net.Conn, timeout time.Duration, line string) (int, string, error) {
	if timeout > 0 {
		conn.SetDeadline(time.Now().Add(timeout))
		defer conn.SetDeadline(time.Time{})
	}
	id, err := text.Cmd("%s", line)
	if err != nil {
		return 0, "", err
	}
	text.StartResponse(id)
	defer text.EndResponse(id)
	return text.ReadResponse(0)
}

// replyError is a refusal as go-smtp reports one.
func replyError(code int, msg string) *smtp.SMTPError {
	enh, words := splitEnhanced(msg)
	se := &smtp.SMTPError{Code: code, EnhancedCode: smtp.NoEnhancedCode, Message: words}
	if enh != "" {
		var c smtp.EnhancedCode
		for i, p := range strings.Split(enh, ".") {
			c[i], _ = strconv.Atoi(p)
		}
		se.EnhancedCode = c
	}
	return se
}

// splitEnhanced separates an RFC 3463 code from the text of a reply line:
// "2.0.0 Authentication succeeded".
func splitEnhanced(msg string) (enhanced, text string) {
	first, rest, _ := strings.Cut(msg, " ")
	parts := strings.Split(first, ".")
	if len(parts) != 3 || (parts[0] != "2" && parts[0] != "4" && parts[0] != "5") {
		return "", msg
	}
	for _, p := range parts[1:] {
		if _, err := strconv.Atoi(p); err != nil || len(p) > 3 {
			return "", msg
		}
	}
	return first, rest
}

// SplitReply is a positive reply's text as go-smtp returns it ("2.0.0 OK:
// queued") made into the reply it was.
func SplitReply(code int, msg, stage string) event.Reply {
	enh, words := splitEnhanced(msg)
	return event.Reply{Code: code, Enhanced: enh, Text: words, Stage: stage, Side: event.SideClient}
}

// wire reaches the text connection of a go-smtp client, which the package
// does not export, so that AUTH can be spoken as the RFC says. The layout
// is checked here and by this package's tests: a go-smtp that changes it
// makes Auth fail loudly rather than misbehave.
func wire(c *smtp.Client) (*textproto.Conn, net.Conn, error) {
	v := reflect.ValueOf(c).Elem()
	tf, cf := v.FieldByName("text"), v.FieldByName("conn")
	if !tf.IsValid() || !cf.IsValid() || tf.Type() != reflect.TypeOf((*textproto.Conn)(nil)) ||
		cf.Type() != reflect.TypeOf((*net.Conn)(nil)).Elem() {
		return nil, nil, fmt.Errorf("smtpclient: go-smtp's Client has changed; AUTH cannot be spoken")
	}
	text := *(**textproto.Conn)(unsafe.Pointer(tf.UnsafeAddr()))
	conn := *(*net.Conn)(unsafe.Pointer(cf.UnsafeAddr()))
	if text == nil || conn == nil {
		return nil, nil, errors.New("smtpclient: client not connected")
	}
	return text, conn, nil
}
