package scenarios

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected errors of testdata/broken")

// TestBroken parses every file of testdata/broken and compares the errors
// with the .err file beside it. Run with -update to rewrite them, then read
// the diff: the messages are what users see.
func TestBroken(t *testing.T) {
	// from the directory itself, so extends finds base/ and the messages
	// name files as a user in that directory would see them
	t.Chdir("testdata/broken")
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("found %d broken scenarios, want at least 30", len(files))
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Parse(name, src)
			if err == nil {
				t.Fatalf("Parse succeeded, want errors; scenario %+v", s)
			}
			if s != nil {
				t.Errorf("Parse returned a scenario with an error")
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want ErrorList: %v", err, err)
			}
			checkList(t, list)
			got := list.Error() + "\n"
			errFile := strings.TrimSuffix(f, ".yaml") + ".err"
			if *update {
				if err := os.WriteFile(errFile, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(errFile)
			if err != nil {
				t.Fatalf("%v (run go test -run TestBroken -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("errors differ (go test -run TestBroken -update rewrites them)\n--- got\n%s--- want\n%s", got, want)
			}
		})
	}
}

// checkList asserts what every ErrorList promises: positions from 1, sorted,
// and a source line when the line exists.
func checkList(t *testing.T, list ErrorList) {
	t.Helper()
	if len(list) == 0 {
		t.Fatal("empty ErrorList")
	}
	for i, e := range list {
		if e.Line < 1 || e.Column < 1 {
			t.Errorf("error %q has position %d:%d", e.Msg, e.Line, e.Column)
		}
		if e.File == "" {
			t.Errorf("error %q has no file", e.Msg)
		}
		if i > 0 {
			p := list[i-1]
			if p.File == e.File && (p.Line > e.Line || p.Line == e.Line && p.Column > e.Column) {
				t.Errorf("errors not sorted: %v before %v", p, e)
			}
		}
	}
	var b bytes.Buffer
	list.Format(&b)
	if !strings.Contains(b.String(), list[0].Error()) {
		t.Errorf("Format output lacks the first error:\n%s", b.String())
	}
}
