package scenarios

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestExtends loads a scenario built on a chain of two shared files and
// checks the merge: domains by name, lists appended, scalars inherited,
// actions and expect only from the scenario, positions in their own files.
func TestExtends(t *testing.T) {
	const (
		child    = "testdata/valid/extends.yaml"
		topology = "testdata/valid/shared/topology.yaml"
		world    = "testdata/valid/shared/world.yaml"
	)
	s, err := Load(child)
	if err != nil {
		t.Fatal(err)
	}
	var domains []string
	for _, d := range s.Domains {
		domains = append(domains, d.Name)
	}
	if !slices.Equal(domains, []string{"example.test", "school.test", "uni.test"}) {
		t.Fatalf("domains = %v", domains)
	}
	var users []string
	for _, u := range s.Users() {
		users = append(users, u.Address)
	}
	if want := []string{"alice@example.test", "bob@school.test", "carol@school.test", "dave@uni.test"}; !slices.Equal(users, want) {
		t.Errorf("users = %v, want %v", users, want)
	}
	school := s.Domains[1]
	if len(school.Hosts) != 1 || school.Hosts[0].Name != "mx.school.test" || !*school.Hosts[0].Mailboxes || len(school.DNS) != 1 {
		t.Errorf("school.test = %+v", school)
	}
	if s.Name != "extends" || s.Seed != 7 || !strings.HasPrefix(s.Description, "a shared topology") || s.Extends != "shared/topology.yaml" {
		t.Errorf("name %q seed %d description %q extends %q", s.Name, s.Seed, s.Description, s.Extends)
	}
	if len(s.Actions) != 2 || len(s.Expect) != 3 || s.File != child {
		t.Errorf("actions %d expect %d file %s", len(s.Actions), len(s.Expect), s.File)
	}
	for path, want := range map[string]Position{
		"domains[0].name":          {Line: 7, Column: 11, File: world},
		"domains[0].users[0].name": {Line: 9, Column: 15, File: world},
		"domains[1].users[0].name": {Line: 8, Column: 15, File: topology},
		"domains[1].hosts[0].name": {Line: 11, Column: 15, File: topology},
		"domains[1].users[1].name": {Line: 9, Column: 15, File: child},
		"domains[2].users[0].name": {Line: 12, Column: 15, File: child},
		"seed":                     {Line: 5, Column: 7, File: world},
		"actions[0].send.from":     {Line: 15, Column: 13, File: child},
		"extends":                  {Line: 5, Column: 10, File: child},
	} {
		if got := s.PosOf(path); got != want {
			t.Errorf("PosOf(%q) = %+v, want %+v", path, got, want)
		}
	}
}

// TestExtendsOverrides checks that the scenario's own description, seed and
// start win, and that a domain listed twice is not merged twice.
func TestExtendsOverrides(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "base.yaml", `
description: base
seed: 3
start: 2026-02-01T00:00:00Z
domains: [{name: example.test, users: [{name: alice}]}]
actions:
  - send: {from: alice@example.test, to: [x@y.test]}
`)
	s, err := Load(write(t, dir, "child.yaml", `
extends: base.yaml
description: child
seed: 9
start: 2026-03-01T00:00:00Z
`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Description != "child" || s.Seed != 9 || s.Start != "2026-03-01T00:00:00Z" || len(s.Actions) != 0 {
		t.Errorf("got %q %d %q, %d actions", s.Description, s.Seed, s.Start, len(s.Actions))
	}

	_, err = Load(write(t, dir, "twice.yaml", `
extends: base.yaml
domains:
  - name: EXAMPLE.test
    users: [{name: bob}]
  - name: example.test
`))
	if err == nil || !strings.Contains(err.Error(), "twice.yaml:6:11: duplicate domain example.test (first at line 5 of "+filepath.Join(dir, "base.yaml")+")") {
		t.Errorf("got %v", err)
	}
}

// TestExtendsDepth checks the bound on chains of extends.
func TestExtendsDepth(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "f0.yaml", minimal)
	for i := 1; i <= MaxExtendsDepth+1; i++ {
		write(t, dir, fmt.Sprintf("f%d.yaml", i), fmt.Sprintf("extends: f%d.yaml\n", i-1))
	}
	if _, err := Load(filepath.Join(dir, fmt.Sprintf("f%d.yaml", MaxExtendsDepth))); err != nil {
		t.Errorf("a chain of %d files: %v", MaxExtendsDepth+1, err)
	}
	_, err := Load(filepath.Join(dir, fmt.Sprintf("f%d.yaml", MaxExtendsDepth+1)))
	if err == nil || !strings.Contains(err.Error(), "f1.yaml:1:10: extends nests more than 8 files deep") {
		t.Errorf("got %v", err)
	}
}

// TestExtendsErrorsKeepTheirFile checks that a broken base file's errors
// carry its name and source line, so Format shows the right text.
func TestExtendsErrorsKeepTheirFile(t *testing.T) {
	dir := t.TempDir()
	base := write(t, dir, "base.yaml", "domains:\n  - name: example.test\n    usres: []\n")
	_, err := Load(write(t, dir, "child.yaml", "# child\nextends: base.yaml\n"))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("got %v", err)
	}
	if e := list[0]; e.File != base || e.Line != 3 || e.SourceLine != "    usres: []" {
		t.Errorf("base error = %+v", e)
	}
	if e := list[1]; !strings.HasSuffix(e.File, "child.yaml") || e.Line != 2 || e.SourceLine != "extends: base.yaml" {
		t.Errorf("child error = %+v", e)
	}
	checkList(t, list)
}

func TestBuiltinCannotExtend(t *testing.T) {
	_, err := newLoader(noExtends).parse("builtin/x.yaml", []byte("extends: topology.yaml\n"))
	if err == nil || err.Error() != "builtin/x.yaml:1:10: built-in scenarios cannot use extends (write the domains out in the file)" {
		t.Errorf("got %v", err)
	}
	// a built-in's name is not a file: say how to start from one
	dir := t.TempDir()
	_, err = Load(write(t, dir, "child.yaml", "extends: cross-domain\n"))
	if err == nil || !strings.Contains(err.Error(), "mailflow new NAME --from cross-domain") {
		t.Errorf("got %v", err)
	}
}

func TestMovePath(t *testing.T) {
	targets := []mergeTarget{{index: 1, users: 2, hosts: 1, dns: 3}, {index: 4}}
	for in, want := range map[string]string{
		"domains[0]":                 "domains[1]",
		"domains[0].name":            "domains[1].name",
		"domains[0].users":           "domains[1].users",
		"domains[0].users[0].name":   "domains[1].users[2].name",
		"domains[0].hosts[1]":        "domains[1].hosts[2]",
		"domains[0].dns[0].value":    "domains[1].dns[3].value",
		"domains[1].users[0]":        "domains[4].users[0]",
		"domains[7].name":            "domains[7].name", // out of range: left alone
		"domains[x].name":            "domains[x].name",
		"actions[0].send.to[1]":      "actions[0].send.to[1]",
		"domains":                    "domains",
		"domains[0].users[-1].name":  "domains[1].users[-1].name",
		"domains[0].users[0]x.y[2]z": "domains[1].users[2]x.y[2]z",
	} {
		if got := movePath(in, targets); got != want {
			t.Errorf("movePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func write(t *testing.T, dir, name, src string) string {
	t.Helper()
	f := filepath.Join(dir, name)
	if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestReadLimited checks that a file with no size, such as a device,
// cannot make a load read without end.
func TestReadLimited(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := Load("/dev/zero")
	if err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("Load(/dev/zero) = %v", err)
	}
}
