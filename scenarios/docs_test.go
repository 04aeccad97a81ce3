package scenarios

import (
	"os"
	"path/filepath"
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
