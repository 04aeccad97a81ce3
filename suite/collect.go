// Package suite runs scenarios as a regression suite: it finds them (files,
// directories, globs, built-in names), runs them in parallel, compares
// golden traces, and reports as text, JSON or JUnit XML.
package suite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/mailflow/mailflow/scenarios"
)

// Case is one scenario to run.
type Case struct {
	Name     string
	File     string // empty for a built-in
	Scenario *scenarios.Scenario
}

// Collect resolves arguments to cases: a directory means every *.yaml and
// *.yml below it (names starting with "_" are left out: shared topology
// files for extends), a file itself, a glob the files it matches, anything
// else a built-in name or a glob over built-in names. No argument means
// every built-in. Every scenario that fails to load is reported, all at
// once.
func Collect(args []string) ([]Case, error) {
	var files, builtins []string
	var errs []error
	if len(args) == 0 {
		for _, b := range scenarios.Builtins() {
			builtins = append(builtins, b.Name)
		}
	}
	for _, arg := range args {
		f, b, err := resolve(arg)
		if err != nil {
			errs = append(errs, err)
		}
		files = append(files, f...)
		builtins = append(builtins, b...)
	}
	var cases []Case
	seen := map[string]bool{}
	add := func(c Case, key string) {
		if !seen[key] {
			seen[key] = true
			cases = append(cases, c)
		}
	}
	for _, f := range files {
		s, err := scenarios.Load(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		add(Case{Name: s.Name, File: f, Scenario: s}, "file:"+filepath.Clean(f))
	}
	for _, b := range builtins {
		s, err := scenarios.Load(b)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		add(Case{Name: s.Name, Scenario: s}, "builtin:"+b)
	}
	sort.SliceStable(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
	return cases, errors.Join(errs...)
}

func isGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

func isScenarioFile(name string) bool {
	base := filepath.Base(name)
	return !strings.HasPrefix(base, "_") && (strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml"))
}

func resolve(arg string) (files, builtins []string, err error) {
	if fi, statErr := os.Stat(arg); statErr == nil {
		if !fi.IsDir() {
			return []string{arg}, nil, nil
		}
		err := filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && isScenarioFile(p) {
				files = append(files, p)
			}
			return nil
		})
		if err == nil && len(files) == 0 {
			err = fmt.Errorf("%s: no scenario files (*.yaml) in this directory", arg)
		}
		return files, nil, err
	}
	if isGlob(arg) {
		matches, _ := filepath.Glob(arg)
		for _, m := range matches {
			if isScenarioFile(m) {
				files = append(files, m)
			}
		}
		if !strings.ContainsRune(arg, '/') {
			for _, b := range scenarios.Builtins() {
				if ok, _ := path.Match(arg, b.Name); ok {
					builtins = append(builtins, b.Name)
				}
			}
		}
		if len(files)+len(builtins) == 0 {
			return nil, nil, fmt.Errorf("%s matches no scenario file and no built-in", arg)
		}
		return files, builtins, nil
	}
	return nil, []string{arg}, nil // Load says whether the built-in exists
}

// Select keeps the cases whose name matches re (when not nil) and that
// belong to shard i of n (1 ≤ i ≤ n), dealt round-robin by name so that
// every shard of a CI matrix gets a fair share.
func Select(cases []Case, re *regexp.Regexp, shard, shards int) []Case {
	var out []Case
	k := 0
	for _, c := range cases {
		if re != nil && !re.MatchString(c.Name) {
			continue
		}
		if shards > 1 && k%shards != shard-1 {
			k++
			continue
		}
		k++
		out = append(out, c)
	}
	return out
}

// ParseShard reads "I/N".
func ParseShard(s string) (int, int, error) {
	var i, n int
	if _, err := fmt.Sscanf(s, "%d/%d", &i, &n); err != nil || n < 1 || i < 1 || i > n {
		return 0, 0, fmt.Errorf("--shard wants I/N with 1 ≤ I ≤ N, e.g. 2/4; got %q", s)
	}
	return i, n, nil
}
