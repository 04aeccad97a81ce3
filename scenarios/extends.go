package scenarios

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// MaxExtendsDepth bounds a chain of files extending one another: a suite
// needs one or two levels, and a bound keeps a mistake cheap.
const MaxExtendsDepth = 8

// errNoExtends is what a loader without a file system answers: built-in
// scenarios are self-contained.
var errNoExtends = errors.New("built-in scenarios cannot use extends")

// loader reads one scenario and the files it extends.
type loader struct {
	// read returns a base file's source; errNoExtends forbids extends.
	read    func(path string) ([]byte, error)
	sources map[string][]byte // every file read, for the errors' source lines
	files   []string          // in the order read: the scenario, then its bases
}

func newLoader(read func(string) ([]byte, error)) *loader {
	return &loader{read: read, sources: map[string][]byte{}}
}

// order lists the files for sorting errors: the deepest base first, since
// its problems explain those of the files built on it.
func (l *loader) order() []string {
	out := slices.Clone(l.files)
	slices.Reverse(out)
	return out
}

func noExtends(string) ([]byte, error) { return nil, errNoExtends }

// base loads the file s extends. Its problems come back with its own name;
// the scenario gets one more, at its extends line, saying why it stops.
func (l *loader) base(s *Scenario, chain []string) (*Scenario, ErrorList) {
	p := s.PosOf("extends")
	errAt := func(hint, format string, args ...any) ErrorList {
		return ErrorList{{File: s.File, Line: p.Line, Column: p.Column, Msg: fmt.Sprintf(format, args...), Hint: hint}}
	}
	path := filepath.FromSlash(s.Extends)
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(s.File), path)
	}
	chain = append(chain, identity(s.File))
	if i := slices.Index(chain, identity(path)); i >= 0 {
		names := append(slices.Clone(l.files[i:]), path)
		return nil, errAt("a file cannot extend itself, directly or through others", "extends makes a cycle: %s", strings.Join(names, " → "))
	}
	if len(chain) > MaxExtendsDepth {
		return nil, errAt("extend a file that holds the whole topology", "extends nests more than %d files deep", MaxExtendsDepth)
	}
	src, err := l.read(path)
	switch {
	case errors.Is(err, errNoExtends):
		return nil, errAt("write the domains out in the file", "%v", err)
	case errors.Is(err, errNotYAMLName):
		hint := "extend another scenario file"
		if _, berr := BuiltinSource(s.Extends); berr == nil {
			hint = fmt.Sprintf("extends takes a file; to start from the built-in, copy it: mailflow new NAME --from %s", s.Extends)
		}
		return nil, errAt(hint, "the base file %s is refused: %v", path, err)
	case err != nil:
		return nil, errAt(missingHint(s.Extends, path, err), "cannot read the base file %s: %v", path, unwrapPath(err))
	}
	if why, hint := notScenario(src); why != "" {
		return nil, errAt(hint, "the base file %s is not a mailflow scenario: %s", path, why)
	}
	base, errs := l.load(path, src, chain)
	if len(errs) > 0 {
		return nil, append(errs, errAt("its problems are listed above, with its name", "the base file %s is not valid", path)...)
	}
	return base, nil
}

// identity names a file for cycle detection, as an absolute clean path.
func identity(file string) string {
	if abs, err := filepath.Abs(file); err == nil {
		return abs
	}
	return filepath.Clean(file)
}

// unwrapPath drops the path from an *fs.PathError, already in the message.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// missingHint suggests a YAML file of the same directory whose name is
// close to the missing one, written as extends would write it.
func missingHint(extends, path string, err error) string {
	if !errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	if _, berr := BuiltinSource(extends); berr == nil {
		return fmt.Sprintf("extends takes a file; to start from the built-in, copy it: mailflow new NAME --from %s", extends)
	}
	entries, rerr := os.ReadDir(filepath.Dir(path))
	if rerr != nil {
		return "extends is relative to the directory of the file that says it"
	}
	var names []string
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			names = append(names, e.Name())
		}
	}
	if s := suggest(filepath.Base(path), names); s != "" {
		dir, _ := filepath.Split(filepath.FromSlash(extends))
		return fmt.Sprintf("did you mean %s?", filepath.ToSlash(filepath.Join(dir, s)))
	}
	return "extends is relative to the directory of the file that says it"
}

// mergeTarget says where a domain of the extending file went in the
// merged list, and how far its users, hosts and dns were shifted.
type mergeTarget struct {
	index             int
	users, hosts, dns int
}

// merge builds s's domains from its base's, adding s's own: a domain of the
// same name (ignoring case) gets s's users, hosts and dns appended; other
// domains are added after the base's. Description, seed and start come from
// the base unless s sets them. Positions and failed paths of s move with
// their values; the base's keep pointing into the base file.
func merge(s, base *Scenario, failed map[string]bool) {
	pos := map[string]Position{}
	for k, p := range base.Pos {
		if k == "domains" || strings.HasPrefix(k, "domains[") {
			pos[k] = p
		}
	}
	inherit := func(key string, unset bool) {
		if p, ok := base.Pos[key]; ok && unset {
			pos[key] = p
		}
	}
	inherit("description", s.Description == "")
	inherit("seed", s.Seed == 0)
	inherit("start", s.Start == "")
	if s.Description == "" {
		s.Description = base.Description
	}
	if s.Seed == 0 {
		s.Seed = base.Seed
	}
	if s.Start == "" {
		s.Start = base.Start
	}

	domains := base.Domains
	byName := map[string]int{}
	for i, d := range domains {
		byName[strings.ToLower(d.Name)] = i
	}
	used := map[int]bool{}
	targets := make([]mergeTarget, len(s.Domains))
	for i, d := range s.Domains {
		k, ok := byName[strings.ToLower(d.Name)]
		// a second entry of one name is added, to be reported as a duplicate
		if ok && d.Name != "" && !used[k] {
			used[k] = true
			b := &domains[k]
			targets[i] = mergeTarget{index: k, users: len(b.Users), hosts: len(b.Hosts), dns: len(b.DNS)}
			b.Users = append(b.Users, d.Users...)
			b.Hosts = append(b.Hosts, d.Hosts...)
			b.DNS = append(b.DNS, d.DNS...)
			continue
		}
		targets[i] = mergeTarget{index: len(domains)}
		domains = append(domains, d)
	}
	s.Domains = domains

	for k, p := range s.Pos {
		k = movePath(k, targets)
		if _, ok := pos[k]; !ok {
			pos[k] = p
		}
	}
	s.Pos = pos
	moved := map[string]bool{}
	for k := range failed {
		moved[movePath(k, targets)] = true
	}
	clear(failed)
	for k := range moved {
		failed[k] = true
	}
}

// movePath rewrites a path of the extending file, "domains[1].users[0].name",
// to the merged scenario's, "domains[0].users[2].name".
func movePath(path string, targets []mergeTarget) string {
	rest, ok := strings.CutPrefix(path, "domains[")
	if !ok {
		return path
	}
	i, rest, ok := cutIndex(rest)
	if !ok || i >= len(targets) {
		return path
	}
	t := targets[i]
	out := fmt.Sprintf("domains[%d]", t.index)
	for _, list := range []struct {
		key   string
		shift int
	}{{".users[", t.users}, {".hosts[", t.hosts}, {".dns[", t.dns}} {
		if r, ok := strings.CutPrefix(rest, list.key); ok {
			if j, r, ok := cutIndex(r); ok {
				return fmt.Sprintf("%s%s%d]%s", out, list.key, j+list.shift, r)
			}
		}
	}
	return out + rest
}

// cutIndex reads "12]rest" as 12 and "rest".
func cutIndex(s string) (int, string, bool) {
	num, rest, ok := strings.Cut(s, "]")
	if !ok {
		return 0, s, false
	}
	n, err := strconv.Atoi(num)
	return n, rest, err == nil && n >= 0
}
