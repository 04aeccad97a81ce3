// Package scenarios reads mailflow's scenario files: YAML describing a small
// internet of mail domains, what its people do, and what must hold after.
// Loading reports every problem at once with its line and column, applies
// the documented defaults, and keeps the position of every field so later
// stages can point at the line that caused an event. The package also holds
// the built-in scenario library and the format's JSON Schema.
package scenarios

//go:generate go run ./internal/gendoc

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// ErrNotFound is returned by Load when its argument names neither a file nor
// a built-in scenario.
var ErrNotFound = errors.New("scenario not found")

// Builtin is one scenario of the built-in library.
type Builtin struct {
	Name        string
	Description string
}

// Builtins lists the built-in scenarios, sorted by name.
func Builtins() []Builtin {
	entries, _ := fs.ReadDir(builtinFS, "builtin")
	var out []Builtin
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".yaml")
		if !ok {
			continue
		}
		b := Builtin{Name: name}
		if s, err := loadBuiltin(name); err == nil {
			b.Description = s.Description
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func builtinNames() []string {
	var names []string
	for _, b := range Builtins() {
		names = append(names, b.Name)
	}
	return names
}

// BuiltinSource returns the YAML of a built-in scenario.
func BuiltinSource(name string) ([]byte, error) {
	if !fs.ValidPath(name) || strings.Contains(name, "/") {
		return nil, fmt.Errorf("%w: %q is not a built-in scenario name", ErrNotFound, name)
	}
	src, err := builtinFS.ReadFile(path.Join("builtin", name+".yaml"))
	if err != nil {
		return nil, fmt.Errorf("%w: no built-in scenario %q (built-ins: %s)", ErrNotFound, name, strings.Join(builtinNames(), ", "))
	}
	return src, nil
}

func loadBuiltin(name string) (*Scenario, error) {
	src, err := BuiltinSource(name)
	if err != nil {
		return nil, err
	}
	return newLoader(noExtends).parse("builtin/"+name+".yaml", src)
}

// Load reads a scenario from the file arg or, when no such file exists and
// arg looks like a name (no path separator, no .yaml or .yml suffix), from
// the built-in library. The scenario comes back validated with its defaults
// applied; a problem in the file is an ErrorList.
func Load(arg string) (*Scenario, error) {
	info, statErr := os.Stat(arg)
	if statErr == nil && !info.IsDir() {
		src, err := readLimited(arg)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", arg, err)
		}
		return Parse(arg, src)
	}
	if looksLikeName(arg) {
		if _, err := BuiltinSource(arg); err != nil {
			return nil, fmt.Errorf("%w: %q is neither a file nor a built-in scenario (built-ins: %s)", ErrNotFound, arg, strings.Join(builtinNames(), ", "))
		}
		return loadBuiltin(arg)
	}
	if statErr == nil {
		return nil, fmt.Errorf("scenario: %s is a directory", arg)
	}
	hint := ""
	if base := strings.TrimSuffix(strings.TrimSuffix(path.Base(arg), ".yaml"), ".yml"); base != arg {
		if _, err := BuiltinSource(base); err == nil {
			hint = fmt.Sprintf(" (to run the built-in, write just %s)", base)
		}
	}
	return nil, fmt.Errorf("%w: %w%s", ErrNotFound, statErr, hint)
}

func looksLikeName(arg string) bool {
	return arg != "" && !strings.ContainsAny(arg, `/\`) && !strings.HasSuffix(arg, ".yaml") && !strings.HasSuffix(arg, ".yml")
}
