package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mailflow/mailflow/scenarios"
)

// Commands that help to write scenarios: validate, schema, new.

func newValidateCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "validate FILE|DIR...",
		Short: "Check scenario files without running them",
		Long: `Validate loads each scenario file, and every *.yaml (or *.yml) file under
each directory, as run would, and lists every problem of every file: its
file:line:column, the offending line with a caret under the column, and a
suggestion where a close name exists. A file that extends another is checked
with its base file, whose problems carry the base file's name; a problem met
through several files is listed once.

Exit status: 0 when every file is valid, 2 when one is invalid or cannot be
read.`,
		Example: `  mailflow validate lesson.yaml
  mailflow validate lessons/ shared/topology.yaml
  mailflow validate lessons/ --format json | jq -r '.errors[] | "\(.file):\(.line): \(.message)"'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return badInput(fmt.Errorf("--format must be text or json, not %q", format))
			}
			r := validateFiles(args)
			if format == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(r); err != nil {
					return err
				}
			} else {
				r.print(cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			if !r.Valid {
				return &exitError{code: exitBadInput, err: errors.New("invalid scenarios"), silent: true}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, or json (an object with valid, files and errors)")
	return cmd
}

// validateReport is the result of validate, and its JSON form.
type validateReport struct {
	Valid  bool           `json:"valid"`
	Files  []fileReport   `json:"files"`
	Errors []problemEntry `json:"errors"`

	lists []scenarios.ErrorList // per file, what text output prints
}

type fileReport struct {
	File   string `json:"file"`
	Valid  bool   `json:"valid"`
	Errors int    `json:"errors"` // problems found loading this file
}

// problemEntry is one problem; line and column are 0 when the file could
// not be read at all.
type problemEntry struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}

// validateFiles loads every file named by args, a directory standing for
// the scenario files under it.
func validateFiles(args []string) *validateReport {
	r := &validateReport{Valid: true, Files: []fileReport{}, Errors: []problemEntry{}}
	seen := map[string]bool{}
	add := func(file string, list scenarios.ErrorList) {
		r.Valid = false
		r.Files = append(r.Files, fileReport{File: file, Errors: len(list)})
		var fresh scenarios.ErrorList
		for _, e := range list {
			if k := e.Error(); !seen[k] {
				seen[k] = true
				fresh = append(fresh, e)
				r.Errors = append(r.Errors, problemEntry{File: e.File, Line: e.Line, Column: e.Column, Message: e.Msg, Hint: e.Hint})
			}
		}
		r.lists = append(r.lists, fresh)
	}
	unreadable := func(file string, err error) {
		add(file, scenarios.ErrorList{{File: file, Msg: err.Error()}})
	}
	for _, arg := range args {
		files, err := scenarioFiles(arg)
		if err != nil {
			unreadable(arg, err)
			continue
		}
		for _, f := range files {
			_, err := scenarios.Load(f)
			var list scenarios.ErrorList
			switch {
			case err == nil:
				r.Files = append(r.Files, fileReport{File: f, Valid: true})
			case errors.As(err, &list):
				add(f, list)
			default:
				unreadable(f, err)
			}
		}
	}
	return r
}

// scenarioFiles lists arg itself, or the *.yaml and *.yml files under the
// directory arg, skipping hidden directories such as .git.
func scenarioFiles(arg string) ([]string, error) {
	info, err := os.Stat(arg)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot read %s: %w", arg, err)
	}
	if !info.IsDir() {
		return []string{arg}, nil
	}
	var files []string
	err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != arg && strings.HasPrefix(d.Name(), "."):
			return filepath.SkipDir
		case !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")):
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading directory %s: %w", arg, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *.yaml files under %s", arg)
	}
	return files, nil
}

// print writes the problems, then a summary: to stdout when every file is
// valid, else everything to stderr.
func (r *validateReport) print(stdout, stderr io.Writer) {
	ok, bad := 0, 0
	for _, f := range r.Files {
		if f.Valid {
			ok++
		} else {
			bad++
		}
	}
	if r.Valid {
		fmt.Fprintf(stdout, "%s OK\n", plural(ok, "file"))
		return
	}
	for _, list := range r.lists {
		for _, e := range list {
			if e.Line == 0 { // unreadable: no position to show
				fmt.Fprintf(stderr, "%s\n", e.Msg)
				continue
			}
			scenarios.ErrorList{e}.Format(stderr)
		}
	}
	fmt.Fprintf(stderr, "%s OK, %d invalid (%s)\n", plural(ok, "file"), bad, plural(len(r.Errors), "problem"))
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func newSchemaCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of scenario files, for editors",
		Long: `Schema prints the JSON Schema (draft 2020-12) of the scenario format, or
writes it to a file with --out. Editors that use the YAML language server
(VS Code's YAML extension, Neovim, Helix, JetBrains IDEs...) then complete
field names, show each field's description and underline mistakes as you
type. mailflow validate remains the judge; the schema is advice.

Tell the editor which files are scenarios in one of two ways:

  1. A modeline as the file's first line, as every built-in scenario and
     every file made by 'mailflow new' has:

       # yaml-language-server: $schema=https://mailflow.dev/schema/scenario.json

     or, to work offline, the path of a local copy, relative to the file:

       # yaml-language-server: $schema=../mailflow.schema.json

  2. A setting that maps file names or a folder to a local copy; in VS Code,
     in .vscode/settings.json:

       "yaml.schemas": {
         "./mailflow.schema.json": ["*.mailflow.yaml", "scenarios/**/*.yaml"]
       }`,
		Example: `  mailflow schema --out mailflow.schema.json
  mailflow schema | jq '.["$defs"].Send.properties | keys'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			schema := scenarios.Schema()
			if out == "" {
				_, err := cmd.OutOrStdout().Write(schema)
				return err
			}
			if err := os.WriteFile(out, schema, 0o644); err != nil {
				return badInput(fmt.Errorf("schema: %w", err))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", out)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write the schema to this file instead of printing it")
	return cmd
}

// scenarioNameRe is what a new scenario's name may hold: it becomes a file
// name, and a name to type on the command line.
var scenarioNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

type newOptions struct {
	from  string
	dir   string
	force bool
}

func newNewCommand() *cobra.Command {
	var o newOptions
	cmd := &cobra.Command{
		Use:   "new NAME",
		Short: "Start a scenario file: a commented starter, or a copy of a built-in",
		Long: `New writes NAME.yaml (in --dir, by default the current directory): a
generously commented starter with two domains, a send, a wait and two
expectations, or with --from the source of a built-in scenario renamed NAME.
Either runs and passes as it is: change it from there. The format is
described in docs/scenario-format.md, and 'mailflow schema' helps editors
check it as you type.

New never overwrites your work: an existing NAME.yaml is replaced only when
it is exactly what 'mailflow new' wrote (so 'mailflow new lesson --from
greylisting' may follow 'mailflow new lesson'), or when --force is given.`,
		Example: `  mailflow new lesson && mailflow run lesson.yaml
  mailflow new bounce --from cross-domain --dir lessons`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return newScenario(cmd.OutOrStdout(), args[0], o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "", "copy this built-in scenario (see 'mailflow list') instead of the starter")
	f.StringVar(&o.dir, "dir", ".", "write the file in this directory, made if missing")
	f.BoolVar(&o.force, "force", false, "overwrite NAME.yaml if it exists")
	return cmd
}

func newScenario(stdout io.Writer, name string, o newOptions) error {
	name = strings.TrimSuffix(strings.TrimSuffix(name, ".yaml"), ".yml")
	if !scenarioNameRe.MatchString(name) {
		return badInput(fmt.Errorf("%q is not a usable scenario name: use letters, digits, '.', '_' and '-', starting with a letter or digit", name))
	}
	var src []byte
	var err error
	if o.from != "" {
		src, err = scenarios.BuiltinSource(o.from)
		if err != nil {
			var names []string
			for _, b := range scenarios.Builtins() {
				names = append(names, "  "+b.Name+"  "+b.Description)
			}
			return badInput(fmt.Errorf("no built-in scenario %q; the built-ins are:\n%s", o.from, strings.Join(names, "\n")))
		}
		src, err = scenarios.Rename(src, name)
	} else {
		src, err = scenarios.Starter(name)
	}
	if err != nil {
		return fmt.Errorf("new: %w", err)
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return badInput(fmt.Errorf("new: %w", err))
	}
	path := filepath.Join(o.dir, name+".yaml")
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	replaced := false
	if o.force || untouched(path, name) {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		_, err := os.Stat(path)
		replaced = err == nil
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return badInput(fmt.Errorf("%s already exists and has been changed since 'mailflow new' wrote it; choose another name, or add --force to overwrite it", path))
	}
	if err != nil {
		return badInput(fmt.Errorf("new: %w", err))
	}
	if _, err := f.Write(src); err != nil {
		f.Close()
		return fmt.Errorf("new: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("new: %w", err)
	}
	what := "a starter scenario"
	if o.from != "" {
		what = "a copy of " + o.from
	}
	verb := "wrote"
	if replaced {
		verb = "replaced"
	}
	fmt.Fprintf(stdout, "%s %s, %s\nnext: mailflow validate %s && mailflow run %s\n", verb, path, what, path, path)
	return nil
}

// untouched reports whether the file at path holds exactly what 'mailflow
// new name' wrote, the starter or a copy of a built-in: replacing it loses
// nothing of the user's.
func untouched(path, name string) bool {
	have, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	if src, err := scenarios.Starter(name); err == nil && bytes.Equal(have, src) {
		return true
	}
	for _, b := range scenarios.Builtins() {
		src, err := scenarios.BuiltinSource(b.Name)
		if err != nil {
			continue
		}
		if src, err = scenarios.Rename(src, name); err == nil && bytes.Equal(have, src) {
			return true
		}
	}
	return false
}
