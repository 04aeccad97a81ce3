package scenarios

import (
	"strings"
	"testing"
)

func TestStarter(t *testing.T) {
	src, err := Starter("lesson-1")
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	if !strings.HasPrefix(text, "# yaml-language-server: $schema="+SchemaID+"\n") {
		t.Error("the starter lacks the schema modeline")
	}
	for _, want := range []string{"\nname: lesson-1\n", "docs/scenario-format.md", "mailflow run lesson-1.yaml", "mailflow validate lesson-1.yaml ", "extends:"} {
		if !strings.Contains(text, want) {
			t.Errorf("the starter lacks %q", want)
		}
	}
	s, err := Parse("lesson-1.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Domains) != 2 || len(s.Sends()) != 1 || len(s.Actions) != 2 || s.Actions[1].Wait == nil || len(s.Expect) != 2 {
		t.Errorf("starter shape: %d domains, %d actions, %d expectations", len(s.Domains), len(s.Actions), len(s.Expect))
	}
	sch := compileSchema(t)
	if err := sch.Validate(yamlInstance(t, src)); err != nil {
		t.Errorf("the schema rejects the starter: %v", err)
	}
}

func TestRename(t *testing.T) {
	for _, b := range Builtins() {
		src, _ := BuiltinSource(b.Name)
		out, err := Rename(src, "mine")
		if err != nil {
			t.Errorf("%s: %v", b.Name, err)
			continue
		}
		if strings.Contains(string(out), "mailflow run "+b.Name) || !strings.Contains(string(out), "\nname: mine\n") {
			t.Errorf("%s renamed:\n%s", b.Name, out)
		}
		if strings.Count(string(out), "\n") != strings.Count(string(src), "\n") {
			t.Errorf("%s: lines added or lost", b.Name)
		}
	}
	for name, want := range map[string]string{
		"123":     `name: "123"`,
		"true":    `name: "true"`,
		"a: b":    `name: "a: b"`,
		"x # y":   `name: "x # y"`,
		"lesson":  `name: lesson`,
		"bài-học": `name: bài-học`,
	} {
		out, err := Rename([]byte("# c\ndomains: [{name: example.test}]\n"), name)
		if err != nil {
			t.Errorf("%q: %v", name, err)
			continue
		}
		// a file without a name gets one after its leading comments
		if !strings.HasPrefix(string(out), "# c\n"+want+"\n") {
			t.Errorf("%q: got\n%s", name, out)
		}
	}
	for _, name := range []string{"", "a/b", "two\nlines"} {
		if _, err := Rename(starterSource, name); err == nil {
			t.Errorf("Rename to %q succeeded", name)
		}
	}
	if _, err := Rename([]byte("name:\n  - x\ndomains: [{name: example.test}]\n"), "y"); err == nil {
		t.Error("Rename of a non-scalar name succeeded")
	}
}
