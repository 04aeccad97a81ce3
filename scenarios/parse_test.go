package scenarios

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// minimal is a valid scenario that test cases extend.
const minimal = `
domains:
  - name: example.test
    users: [{name: alice}]
`

func mustParse(t *testing.T, src string) *Scenario {
	t.Helper()
	s, err := Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, src)
	}
	return s
}

func TestDefaults(t *testing.T) {
	s := mustParse(t, minimal+`
    hosts:
      - name: mx.example.test
        mx: 10
      - name: backup.example.test
    dns:
      - {name: www, type: A, value: 192.0.2.1}
actions:
  - send:
      from: alice@example.test
      to: [bob@school.test]
      attachments:
        - name: homework.pdf
        - name: notes.txt
          content: hi
        - name: photo.JPG
        - name: blob
  - wait: {}
  - send: {from: x@y.test, to: [alice@example.test], port: 25, server: mx.example.test}
  - send: {from: alice@example.test, to: [alice@example.test], port: 465}
expect:
  - delivered: {mailbox: alice@example.test}
  - not_delivered: {mailbox: alice@example.test, folder: Junk}
`)
	a0, a2, a3 := s.Actions[0].Send, s.Actions[2].Send, s.Actions[3].Send
	d := s.Domains[0]
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"name", s.Name, "test"},
		{"seed", s.Seed, int64(1)},
		{"start", s.Start, "2026-01-05T09:00:00Z"},
		{"password", d.Users[0].Password, "password"},
		{"services", strings.Join(d.Hosts[0].Services, ","), "smtp,submission,submissions,pop3,pop3s,imap,imaps"},
		{"first host mailboxes", *d.Hosts[0].Mailboxes, true},
		{"second host mailboxes", *d.Hosts[1].Mailboxes, false},
		{"ttl", d.DNS[0].TTL, 300},
		{"id 1", a0.ID, "m1"},
		{"id 2 (sends counted, not actions)", a2.ID, "m2"},
		{"id 3", a3.ID, "m3"},
		{"port", a0.Port, 587},
		{"tls on 587", a0.TLS, "starttls"},
		{"tls on 25", a2.TLS, "starttls"},
		{"tls on 465", a3.TLS, "implicit"},
		{"auth on 587", *a0.Auth, true},
		{"auth on 25", *a2.Auth, false},
		{"auth on 465", *a3.Auth, true},
		{"mechanism", a0.AuthMechanism, "PLAIN"},
		{"pdf type", a0.Attachments[0].ContentType, "application/pdf"},
		{"txt type", a0.Attachments[1].ContentType, "text/plain; charset=utf-8"},
		{"upper-case extension", a0.Attachments[2].ContentType, "image/jpeg"},
		{"no extension", a0.Attachments[3].ContentType, "application/octet-stream"},
		{"size without content", a0.Attachments[0].Size, 1024},
		{"size with content", a0.Attachments[1].Size, 0},
		{"timeout", s.Actions[1].Wait.Timeout, "10s"},
		{"folder", s.Expect[0].Delivered.Folder, "INBOX"},
		{"folder kept", s.Expect[1].NotDelivered.Folder, "Junk"},
		{"count stays unset", s.Expect[0].Delivered.Count == nil, true},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestExplicitValuesKept(t *testing.T) {
	s := mustParse(t, `
name: mine
seed: -7
start: 2026-03-01T08:30:00+07:00
domains:
  - name: example.test
    users: [{name: alice, password: pw}]
    hosts:
      - {name: a.example.test, mx: 10, mailboxes: false}
      - {name: b.example.test, mailboxes: true}
actions:
  - send: {from: alice@example.test, to: [alice@example.test], port: 25, auth: true, tls: none}
`)
	d, a := s.Domains[0], s.Actions[0].Send
	if s.Name != "mine" || s.Seed != -7 || d.Users[0].Password != "pw" || *d.Hosts[0].Mailboxes || !*d.Hosts[1].Mailboxes ||
		!*a.Auth || a.TLS != "none" || a.Port != 25 {
		t.Errorf("explicit values overridden: %+v %+v %+v", s, d, a)
	}
}

// TestValid checks scenarios that must load, each showing a rule's limit.
func TestValid(t *testing.T) {
	for name, src := range map[string]string{
		"unknown recipients are allowed": minimal + `
actions:
  - send: {from: alice@example.test, to: [nobody@example.test, someone@elsewhere.test]}`,
		"any sender without auth": minimal + `
actions:
  - send: {from: mallory@evil.test, to: [alice@example.test], auth: false, server: mail.example.test}`,
		"case-insensitive user lookup": minimal + `
actions:
  - send: {from: alice@EXAMPLE.test, to: [alice@example.test]}
expect:
  - delivered: {mailbox: alice@Example.Test}`,
		"wait with null value": minimal + `
actions:
  - wait:`,
		"quoted strings and numbers as text": `
name: "123"
domains:
  - name: example.test
    users: [{name: "007", password: 1234, full_name: true}]`,
		"yaml 1.1 integers": minimal + `
seed: 0x1F
actions:
  - send: {from: alice@example.test, to: [alice@example.test], port: 0x24B}`,
		"mx record in dns instead of a host mx": `
domains:
  - name: example.test
    hosts: [{name: mail.provider.test}]
    dns: [{name: "@", type: MX, value: mail.provider.test, preference: 0}]`,
		"record names": `
domains:
  - name: example.test
    dns:
      - {name: "*", type: A, value: 192.0.2.1}
      - {name: "*.dev", type: A, value: 192.0.2.1}
      - {name: _sip._tcp, type: TXT, value: x}
      - {name: www.example.test., type: CNAME, value: example.test}`,
		"mx targets with addresses": `
domains:
  - name: example.test
    dns:
      - {name: "@", type: MX, value: mail.example.test., preference: 10}
      - {name: "@", type: MX, value: backup.example.test, preference: 20}
      - {name: backup, type: A, value: 192.0.2.7}
      - {name: "@", type: MX, value: MX6.Example.Test, preference: 30}
      - {name: mx6.example.test., type: AAAA, value: "2001:db8::6"}
      - {name: "*.pool", type: A, value: 192.0.2.9}
      - {name: "@", type: MX, value: a.pool.example.test, preference: 40}
  - name: school.test
    dns:
      - {name: "@", type: MX, value: mail.example.test, preference: 5}`,
		"reply without message": minimal + `
expect:
  - reply: {code: 421, enhanced: 4.4.2}`,
	} {
		t.Run(name, func(t *testing.T) { mustParse(t, src) })
	}
}

func TestValidFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	if len(files) == 0 {
		t.Fatal("no valid scenarios")
	}
	for _, f := range files {
		if _, err := Load(f); err != nil {
			t.Errorf("%v", err)
		}
	}
}

func TestPositions(t *testing.T) {
	s := mustParse(t, `domains:
  - name: example.test
  - name: school.test
    users:
      - name: bob
actions:
  - send:
      from: bob@school.test
      to: [a@b.test, c@d.test]
`)
	for path, lc := range map[string][2]int{
		"domains":                    {1, 1},
		"domains[1]":                 {3, 5},
		"domains[1].name":            {3, 11},
		"domains[1].users":           {4, 5},
		"domains[1].users[0].name":   {5, 15},
		"actions[0].send":            {7, 5},
		"actions[0].send.to[1]":      {9, 22},
		"actions[0].send.port":       {7, 5}, // a default: the send's position
		"actions[0].send.to[1].nope": {9, 22},
	} {
		want := Position{Line: lc[0], Column: lc[1], File: "test.yaml"}
		if got := s.PosOf(path); got != want {
			t.Errorf("PosOf(%q) = %v, want %v", path, got, want)
		}
	}
	if got := s.PosOf("expect[3]"); got != (Position{}) {
		t.Errorf("PosOf of a missing path = %v, want zero", got)
	}
}

func TestUsers(t *testing.T) {
	s, err := Load("cross-domain")
	if err != nil {
		t.Fatal(err)
	}
	got := s.Users()
	want := []UserRef{
		{Address: "alice@example.test", Name: "alice", Domain: "example.test", Password: "password", FullName: "Alice Nguyen"},
		{Address: "bob@school.test", Name: "bob", Domain: "school.test", Password: "password", FullName: "Bob Tran"},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Users() = %+v, want %+v", got, want)
	}
	if n := len(s.Sends()); n != 1 {
		t.Errorf("Sends() has %d, want 1", n)
	}
}

func TestFormat(t *testing.T) {
	src := "domains:\n\t- name: x\n"
	_, err := Parse("t.yaml", []byte(src))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("got %v", err)
	}
	var b bytes.Buffer
	list.Format(&b)
	want := "t.yaml:2:1: tab character in indentation (YAML indents with spaces only)\n" +
		"    2 | \t- name: x\n" +
		"      | ^\n"
	if b.String() != want {
		t.Errorf("Format:\n%q\nwant\n%q", b.String(), want)
	}

	// the caret keeps tabs before the column so it lines up
	list = ErrorList{{File: "f", Line: 3, Column: 4, Msg: "m", SourceLine: "\tab"}}
	b.Reset()
	list.Format(&b)
	if want := "f:3:4: m\n    3 | \tab\n      | \t  ^\n"; b.String() != want {
		t.Errorf("Format:\n%q\nwant\n%q", b.String(), want)
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{File: "cross.yaml", Line: 12, Column: 7, Msg: `unknown field "subjet" in send`, Hint: `did you mean "subject"?`}
	if got, want := e.Error(), `cross.yaml:12:7: unknown field "subjet" in send (did you mean "subject"?)`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	l := ErrorList{e, {Line: 1, Column: 2, Msg: "x"}}
	if got, want := l.Error(), e.Error()+"\n1:2: x"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSuggest(t *testing.T) {
	for _, c := range []struct {
		word string
		want string
	}{
		{"subjet", "subject"},
		{"usres", "users"}, // a transposition costs one
		{"FROM", "from"},   // case is ignored
		{"colour", ""},     // too far from anything
		{"to", ""},         // exact: no suggestion
		{"t", "to"},        // short words allow one edit
		{"attachmnets", "attachments"},
	} {
		if got := suggest(c.word, []string{"from", "to", "subject", "users", "attachments"}); got != c.want {
			t.Errorf("suggest(%q) = %q, want %q", c.word, got, c.want)
		}
	}
}

func TestTooLarge(t *testing.T) {
	src := append([]byte("name: x\n#"), bytes.Repeat([]byte("a"), MaxSourceSize)...)
	_, err := Parse("big.yaml", src)
	if err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("got %v", err)
	}
}

// TestAliasBomb checks that aliases expanding into a huge tree are cut off.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [" + strings.Repeat("x@y.test, ", 100) + "x@y.test]\n")
	b.WriteString("domains: [{name: example.test}]\nactions:\n")
	for range 5000 {
		b.WriteString("  - send: {from: a@b.test, auth: false, to: *a0}\n")
	}
	_, err := Parse("bomb.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("got %.300v", err)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "lesson.yaml")
	if err := os.WriteFile(f, []byte(minimal), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "lesson" || s.File != f || string(s.Source) != minimal {
		t.Errorf("got name %q file %q", s.Name, s.File)
	}
	// a file shadows a built-in of the same name
	t.Chdir(dir)
	if err := os.WriteFile("cross-domain", []byte(minimal), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := Load("cross-domain"); err != nil || len(s.Domains) != 1 {
		t.Errorf("Load of a file named like a built-in: %v", err)
	}
}

func TestLoadNotFound(t *testing.T) {
	for _, arg := range []string{"nope", "missing.yaml", "dir/missing", ""} {
		_, err := Load(arg)
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("Load(%q) = %v, want ErrNotFound", arg, err)
		}
	}
	_, err := Load("nope")
	if !strings.Contains(err.Error(), "cross-domain, ") || !strings.Contains(err.Error(), "same-domain") {
		t.Errorf("message lacks the built-in names: %v", err)
	}
	_, err = Load("cross-domain.yaml")
	if !strings.Contains(err.Error(), "write just cross-domain") {
		t.Errorf("message lacks the hint: %v", err)
	}
	if _, err := Load(t.TempDir()); err == nil {
		t.Error("Load of a directory succeeded")
	}
}
