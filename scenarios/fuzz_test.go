package scenarios

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds Parse arbitrary bytes: it must not panic, must return
// either a scenario or an ErrorList with positions from 1, and a scenario
// it accepts must come back with its defaults applied.
func FuzzParse(f *testing.F) {
	for _, b := range Builtins() {
		src, _ := BuiltinSource(b.Name)
		f.Add(src)
	}
	for _, pattern := range []string{"testdata/broken/*.yaml", "testdata/valid/*.yaml", "testdata/valid/shared/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err == nil {
				f.Add(src)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		// extends reads one fixed base: the merge is fuzzed, not the disk
		s, err := newLoader(func(string) ([]byte, error) { return []byte(minimal), nil }).parse("fuzz.yaml", src)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %T %v is not a non-empty ErrorList", err, err)
			}
			for _, e := range list {
				if e.Line < 1 || e.Column < 1 {
					t.Fatalf("bad position in %v", e)
				}
			}
			list.Format(&bytes.Buffer{})
			return
		}
		if s == nil || s.Seed == 0 || s.Start == "" || len(s.Domains) == 0 {
			t.Fatalf("accepted scenario lacks defaults: %+v", s)
		}
		for _, a := range s.Sends() {
			if a.ID == "" || a.Port == 0 || a.Auth == nil || a.TLS == "" {
				t.Fatalf("send lacks defaults: %+v", a)
			}
		}
	})
}
