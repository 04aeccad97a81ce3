package transcript

import (
	"fmt"
	"slices"
	"testing"
)

// Replies are matched to the commands they answer: multi-line replies
// count once, SASL responses and message text belong to their command, and
// pipelined commands get their replies in order.
func TestSMTPRepliesStages(t *testing.T) {
	lines := []string{
		"S: 220 mx.test ESMTP",
		"C: EHLO client.test",
		"S: 250-mx.test",
		"S: 250-PIPELINING",
		"S: 250 AUTH LOGIN",
		"C: AUTH LOGIN",
		"S: 334 VXNlcm5hbWU6",
		"C: ********",
		"S: 334 UGFzc3dvcmQ6",
		"C: ********",
		"S: 535 5.7.8 Authentication failed",
		"   (a note)",
		"C: MAIL FROM:<a@client.test>",
		"C: RCPT TO:<b@mx.test>",
		"C: RCPT TO:<c@mx.test>",
		"C: DATA",
		"S: 250 2.1.0 Ok",
		"S: 550 5.1.1 No such user",
		"S: 250 2.1.5 Ok",
		"S: 354 Go ahead",
		"C: Subject: x",
		"C: RCPT TO:<looks-like-a-command@body>",
		"C: .",
		"S: 451 4.3.0 Try later",
		"C: RSET",
		"S: 250 2.0.0 Ok",
		"C: QUIT",
		"S: 221 2.0.0 Bye",
	}
	var got []string
	for _, r := range SMTPReplies(lines) {
		got = append(got, fmt.Sprintf("%d %s %s", r.Code, r.Enhanced, r.Stage))
	}
	want := []string{"220  connect", "250  ehlo", "334  auth", "334  auth", "535 5.7.8 auth", "250 2.1.0 mail",
		"550 5.1.1 rcpt", "250 2.1.5 rcpt", "354  data", "451 4.3.0 data", "250 2.0.0 rset", "221 2.0.0 quit"}
	if !slices.Equal(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	r := SMTPReplies(lines)[1]
	if r.Text != "mx.test PIPELINING AUTH LOGIN" || r.Line != "250 AUTH LOGIN" || r.Index != 4 {
		t.Errorf("multi-line reply read as %+v", r)
	}
	stages := SMTPStages(lines)
	if stages[11] != "" || stages[21] != "data" || stages[7] != "auth" {
		t.Errorf("line stages %q", stages)
	}
}

// An enhanced code is recognised only when it is one and matches the
// reply's class; a line that is not a reply is skipped.
func TestSMTPRepliesEnhanced(t *testing.T) {
	got := SMTPReplies([]string{"S: 250 2.0.0 Ok", "S: 550 4.1.1 mismatched", "S: 250 1.2.3 not one", "S: hello", "S: 22"})
	if len(got) != 3 || got[0].Enhanced != "2.0.0" || got[1].Enhanced != "" || got[2].Enhanced != "" ||
		got[1].Text != "4.1.1 mismatched" {
		t.Fatalf("%+v", got)
	}
}
