// Command gendoc regenerates docs/scenario-format.md and scenarios/zz_docs.go
// from the doc comments in scenarios/types.go. Run it with
// `go generate ./scenarios` (or `go run ./scenarios/internal/gendoc` from the
// repository root).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mailflow/mailflow/scenarios/internal/docgen"
)

func main() {
	dir := flag.String("dir", "", "the scenarios package directory (default: found from the working directory)")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	if dir == "" {
		dir = "."
		if _, err := os.Stat("types.go"); err != nil {
			dir = "scenarios"
		}
	}
	md, goSrc, err := docgen.Generate(dir)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, docgen.GoFile), goSrc, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, docgen.DocsFile), md, 0o644)
}
