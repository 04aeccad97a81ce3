package scenarios

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestBuiltins(t *testing.T) {
	list := Builtins()
	var names []string
	for _, b := range list {
		names = append(names, b.Name)
	}
	if !slices.Contains(names, "cross-domain") || !slices.Contains(names, "same-domain") || !slices.IsSorted(names) {
		t.Fatalf("Builtins() = %v", names)
	}
	for _, b := range list {
		s, err := Load(b.Name)
		if err != nil {
			t.Errorf("%s: %v", b.Name, err)
			continue
		}
		if b.Description == "" || b.Description != s.Description || s.Name != b.Name {
			t.Errorf("%s: description %q, scenario %q %q", b.Name, b.Description, s.Name, s.Description)
		}
		src, _ := BuiltinSource(b.Name)
		if !strings.HasPrefix(string(src), "# yaml-language-server: $schema="+SchemaID+"\n") {
			t.Errorf("%s lacks the schema modeline", b.Name)
		}
	}
	if _, err := BuiltinSource("../types"); !errors.Is(err, ErrNotFound) {
		t.Errorf("BuiltinSource(../types) = %v", err)
	}
}

func TestCrossDomain(t *testing.T) {
	s, err := Load("cross-domain")
	if err != nil {
		t.Fatal(err)
	}
	send := s.Actions[0].Send
	if send.ID != "m1" || send.From != "alice@example.test" || send.To[0] != "bob@school.test" || send.Subject != "Homework week 3" {
		t.Errorf("send = %+v", send)
	}
	if a := send.Attachments[0]; a.Name != "homework.pdf" || a.Size != 2048 || a.ContentType != "application/pdf" {
		t.Errorf("attachment = %+v", a)
	}
	if s.Actions[1].Wait == nil {
		t.Error("no wait")
	}
	d, st := s.Expect[0].Delivered, s.Expect[1].Steps
	if d.Mailbox != "bob@school.test" || d.Subject != send.Subject || d.Attachments[0] != "homework.pdf" {
		t.Errorf("delivered = %+v", d)
	}
	if st.Message != "m1" || !slices.Equal(st.Sequence, []int{1, 2, 3, 4, 5, 6}) {
		t.Errorf("steps = %+v", st)
	}
}

func TestSameDomain(t *testing.T) {
	s, err := Load("same-domain")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Domains) != 1 || len(s.Users()) != 2 {
		t.Errorf("domains %+v", s.Domains)
	}
	if st := s.Expect[1].Steps; !slices.Equal(st.Sequence, []int{1, 2, 3, 6}) {
		t.Errorf("steps = %+v", st)
	}
}
