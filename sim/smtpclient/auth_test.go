package smtpclient

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// scripted plays a server on the other end of a pipe: it greets, answers
// EHLO, then answers each further line with the next reply of script, and
// records every line the client sent until it hangs up.
func scripted(t *testing.T, script ...string) (*smtp.Client, <-chan []string) {
	t.Helper()
	client, server := net.Pipe()
	got := make(chan []string, 1)
	go func() {
		defer server.Close()
		var lines []string
		defer func() { got <- lines }()
		r := bufio.NewReader(server)
		server.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := server.Write([]byte("220 mx.test ESMTP\r\n")); err != nil {
			return
		}
		for i := 0; ; i++ {
			l, err := r.ReadString('\n')
			if err != nil {
				return
			}
			l = strings.TrimRight(l, "\r\n")
			lines = append(lines, l)
			reply := "250-mx.test\r\n250 AUTH PLAIN LOGIN\r\n"
			if i > 0 {
				if len(script) == 0 {
					reply = "500 5.5.1 unexpected\r\n"
				} else {
					reply, script = script[0]+"\r\n", script[1:]
				}
			}
			if _, err := server.Write([]byte(reply)); err != nil {
				return
			}
		}
	}()
	c := smtp.NewClient(client)
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	return c, got
}

// A refused login ends the exchange: RFC 4954 §4 allows "*" only in
// answer to a 334 challenge, never after a final 535.
func TestAuthSendsNothingAfterARefusal(t *testing.T) {
	c, got := scripted(t, "535 5.7.8 Authentication credentials invalid")
	_, err := Auth(c, sasl.NewPlainClient("", "alice", "secret"), 5*time.Second)
	var se *smtp.SMTPError
	if !asSMTP(err, &se) || se.Code != 535 || se.EnhancedCode != (smtp.EnhancedCode{5, 7, 8}) ||
		se.Message != "Authentication credentials invalid" {
		t.Fatalf("Auth error %v, want the server's 535 5.7.8 as sent", err)
	}
	c.Close()
	lines := <-got
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "AUTH PLAIN ") {
		t.Fatalf("client sent %q, want EHLO and one AUTH line, no \"*\"", lines)
	}
}

// A successful login returns the 235 reply as it came, enhanced code and
// text included; LOGIN answers the 334 challenge for the password.
func TestAuthReturnsTheReplyAsSent(t *testing.T) {
	c, got := scripted(t, "334 UGFzc3dvcmQ6", "235 2.7.0 Authentication successful")
	r, err := Auth(c, sasl.NewLoginClient("alice", "secret"), 5*time.Second)
	if err != nil || r.Code != 235 || r.Enhanced != "2.7.0" || r.Text != "Authentication successful" ||
		r.Stage != "auth" || r.Side != "client" {
		t.Fatalf("Auth = %+v, %v", r, err)
	}
	c.Close()
	if lines := <-got; len(lines) != 3 || !strings.HasPrefix(lines[1], "AUTH LOGIN ") {
		t.Fatalf("client sent %q", lines)
	}
}

// A client that cannot answer a challenge cancels with "*", and only then.
func TestAuthCancelsABadChallengeWithStar(t *testing.T) {
	c, got := scripted(t, "334 not-base64!", "501 5.0.0 Negotiation cancelled")
	if _, err := Auth(c, sasl.NewLoginClient("alice", "secret"), 5*time.Second); err == nil {
		t.Fatal("Auth succeeded on a challenge it cannot read")
	}
	c.Close()
	if lines := <-got; len(lines) != 3 || lines[2] != "*" {
		t.Fatalf("client sent %q, want AUTH then \"*\"", lines)
	}
}

func asSMTP(err error, se **smtp.SMTPError) bool {
	e, ok := err.(*smtp.SMTPError)
	*se = e
	return ok
}
