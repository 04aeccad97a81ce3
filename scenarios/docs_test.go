package scenarios

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/mailflow/mailflow/scenarios/internal/docgen"
)

// TestGeneratedUpToDate fails when types.go's comments or the cross-domain
// built-in changed without regenerating the reference and zz_docs.go.
func TestGeneratedUpToDate(t *testing.T) {
	md, goSrc, err := docgen.Generate(".")
	if err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string][]byte{docgen.DocsFile: md, docgen.GoFile: goSrc} {
		got, err := os.ReadFile(filepath.FromSlash(file))
		if err != nil {
			t.Fatalf("%v; run: go generate ./scenarios", err)
		}
		if string(got) != string(want) {
			t.Errorf("%s is out of date; run: go generate ./scenarios", file)
		}
	}
}

// The reference describes every field in the format's own words: no empty
// description, no Go field name (ReplyTo) where the YAML name (reply_to) is
// meant, no placeholder of the intro left unfilled.
func TestGeneratedReadsAsTheFormat(t *testing.T) {
	md, _, err := docgen.Generate(".")
	if err != nil {
		t.Fatal(err)
	}
	text := string(md)
	if strings.Contains(text, "{{") {
		t.Error("an intro placeholder {{...}} was left unfilled")
	}
	goNames := map[string]string{} // two-word Go names, e.g. ReplyTo → reply_to
	seen := map[reflect.Type]bool{}
	typeNames := map[string]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] {
			return
		}
		seen[typ] = true
		typeNames[typ.Name()] = true
		for f := range typ.Fields() {
			if y, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); y != "" && y != "-" && strings.ContainsAny(f.Name[1:], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") && strings.ContainsAny(f.Name, "abcdefghijklmnopqrstuvwxyz") {
				goNames[f.Name] = y
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeFor[Scenario]())
	for name := range typeNames {
		delete(goNames, name) // a field named after its type: the word may mean the type
	}
	if goNames["ReplyTo"] == "" || goNames["RelayPassword"] == "" {
		t.Fatalf("the walk missed fields: %v", goNames)
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "| `") && strings.HasSuffix(line, "|  |") {
			t.Errorf("a field has no description: %s", line)
		}
		for goName, yamlName := range goNames {
			if regexp.MustCompile(`\b` + goName + `\b`).MatchString(line) {
				t.Errorf("the Go name %s shows where %s is meant: %s", goName, yamlName, line)
			}
		}
	}
}
