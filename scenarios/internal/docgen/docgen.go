// Package docgen turns the doc comments of the scenario types into the
// format's reference (docs/scenario-format.md) and into a Go table of
// descriptions that the JSON Schema uses, so the binary needs no source.
// It reads the source with go/parser and imports nothing of the scenarios
// package, which lets that package's tests check the generated files.
package docgen

import (
	"bytes"
	_ "embed"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

//go:embed intro.md
var intro string

// Type is one struct type of the format.
type Type struct {
	Name   string
	Doc    string
	Fields []Field
}

// Field is one YAML field of a Type.
type Field struct {
	GoName   string
	YAML     string
	Type     ast.Expr
	Required bool
	Default  string // from a "Defaults to X." sentence, "" if none
	Doc      string // the comment as one paragraph, without the default sentence
}

// ParseTypes reads the struct types reachable from root in a Go source
// file, in declaration order, keeping only fields with a YAML name.
func ParseTypes(src []byte, root string) ([]Type, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "types.go", src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("docgen: %w", err)
	}
	all := map[string]Type{}
	var order []string
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			doc := ts.Doc
			if doc == nil {
				doc = gd.Doc
			}
			t := Type{Name: ts.Name.Name, Doc: paragraph(doc.Text())}
			for _, fl := range st.Fields.List {
				t.Fields = append(t.Fields, fields(fl)...)
			}
			all[t.Name] = t
			order = append(order, t.Name)
		}
	}
	reach := map[string]bool{}
	var walk func(string)
	walk = func(name string) {
		t, ok := all[name]
		if !ok || reach[name] {
			return
		}
		reach[name] = true
		for _, fl := range t.Fields {
			walk(baseName(fl.Type))
		}
	}
	walk(root)
	var out []Type
	for _, name := range order {
		if reach[name] {
			out = append(out, all[name])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("docgen: no type %s", root)
	}
	yamlNames(out)
	return out, nil
}

// yamlNames writes the YAML name of a field wherever a comment names a
// field by its Go name ("ReplyTo is added..." reads "`reply_to` is
// added..."). Only names of two words or more are replaced anywhere: a
// one-word name such as Host reads as an English word except at the start.
func yamlNames(types []Type) {
	byGo := map[string]string{}
	isType := map[string]bool{}
	for _, t := range types {
		isType[t.Name] = true
	}
	for _, t := range types {
		for _, f := range t.Fields {
			// A field named after its type (SenderAuth SenderAuth) is left
			// alone: the word may mean the type.
			if camelCase(f.GoName) && !isType[f.GoName] {
				byGo[f.GoName] = "`" + f.YAML + "`"
			}
		}
	}
	replace := func(doc string) string {
		words := strings.FieldsFunc(doc, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		})
		for _, w := range words {
			if y, ok := byGo[w]; ok {
				doc = replaceWord(doc, w, y)
			}
		}
		return doc
	}
	for i := range types {
		types[i].Doc = replace(types[i].Doc)
		for j := range types[i].Fields {
			types[i].Fields[j].Doc = replace(types[i].Fields[j].Doc)
		}
	}
}

// camelCase reports whether a Go name has a capital after its first letter.
func camelCase(name string) bool {
	return strings.ContainsAny(name[1:], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") && strings.ContainsAny(name, "abcdefghijklmnopqrstuvwxyz")
}

// replaceWord replaces the whole word w in s, not inside a longer word or
// an already quoted name.
func replaceWord(s, w, with string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, w)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(w)
		whole := (i == 0 || !isWordByte(s[i-1])) && (end == len(s) || !isWordByte(s[end]))
		b.WriteString(s[:i])
		if whole {
			b.WriteString(with)
		} else {
			b.WriteString(w)
		}
		s = s[end:]
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c == '`' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func fields(fl *ast.Field) []Field {
	if fl.Tag == nil {
		return nil
	}
	tag, _ := strconv.Unquote(fl.Tag.Value)
	name, opts, _ := strings.Cut(reflect.StructTag(tag).Get("yaml"), ",")
	if name == "" || name == "-" {
		return nil
	}
	var out []Field
	for _, id := range fl.Names {
		doc, def := splitDefault(paragraph(fl.Doc.Text()))
		// "FullName is shown..." reads "`full_name` is shown..." in the format.
		if rest, ok := strings.CutPrefix(doc, id.Name+" "); ok {
			doc = "`" + name + "` " + rest
		}
		out = append(out, Field{
			GoName:   id.Name,
			YAML:     name,
			Type:     fl.Type,
			Required: !strings.Contains(opts, "omitempty"),
			Default:  def,
			Doc:      doc,
		})
	}
	return out
}

// paragraph joins a comment's lines into one.
func paragraph(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// splitDefault takes the "Defaults to X." sentence out of a comment.
func splitDefault(doc string) (rest, def string) {
	var kept []string
	for _, s := range sentences(doc) {
		if d, ok := strings.CutPrefix(s, "Defaults to "); ok && def == "" {
			def = strings.TrimSuffix(d, ".")
			continue
		}
		kept = append(kept, s)
	}
	return strings.Join(kept, " "), def
}

// sentences splits text at a period followed by a space and a capital.
func sentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i+2 < len(text); i++ {
		if text[i] == '.' && text[i+1] == ' ' && text[i+2] >= 'A' && text[i+2] <= 'Z' {
			out = append(out, text[start:i+1])
			start = i + 2
		}
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

func baseName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.StarExpr:
		return baseName(t.X)
	case *ast.ArrayType:
		return baseName(t.Elt)
	}
	return ""
}

// typeText describes a field's type for a reader of the format.
func typeText(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return typeText(t.X)
	case *ast.ArrayType:
		switch inner := typeText(t.Elt); inner {
		case "string", "integer", "boolean":
			return "list of " + inner + "s"
		default:
			return "list of " + inner
		}
	case *ast.Ident:
		switch t.Name {
		case "string":
			return "string"
		case "int", "int64":
			return "integer"
		case "bool":
			return "boolean"
		case "float64":
			return "number"
		}
		return fmt.Sprintf("[%s](#%s)", t.Name, strings.ToLower(t.Name))
	case *ast.MapType:
		return "map of " + typeText(t.Key) + " to " + typeText(t.Value)
	}
	return "?"
}

// Markdown renders the reference: the intro, a section per type with a
// field table, and example as a full scenario.
func Markdown(types []Type, example []byte) []byte {
	var b bytes.Buffer
	b.WriteString("<!-- Code generated by go run ./scenarios/internal/gendoc; DO NOT EDIT. -->\n\n")
	b.WriteString(fillIntro(strings.TrimSpace(intro), types))
	b.WriteString("\n\n## Reference\n\nOne section per type, starting with the file's top level. A field is required when the table says so; any other field may be left out, and then takes the default shown.\n")
	for _, t := range types {
		fmt.Fprintf(&b, "\n### %s\n\n%s\n\n", t.Name, cell(t.Doc))
		b.WriteString("| Field | Type | Required / default | Description |\n|---|---|---|---|\n")
		for _, f := range t.Fields {
			req := "optional"
			switch {
			case f.Required:
				req = "**required**"
			case f.Default != "":
				req = "default: " + f.Default
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", f.YAML, typeText(f.Type), cell(req), cell(f.Doc))
		}
	}
	b.WriteString("\n## Full example\n\nThe built-in scenario `cross-domain`, as `mailflow run cross-domain` plays it:\n\n```yaml\n")
	b.Write(bytes.TrimSpace(example))
	b.WriteString("\n```\n")
	return b.Bytes()
}

// fillIntro replaces {{fields T}} in the intro with the YAML names of type
// T's fields ("`send`, `wait` and `fetch`") and {{count T}} with how many
// there are, so that the prose lists what the reference lists.
func fillIntro(text string, types []Type) string {
	for _, t := range types {
		var names []string
		for _, f := range t.Fields {
			names = append(names, "`"+f.YAML+"`")
		}
		list := strings.Join(names, ", ")
		if n := len(names); n > 1 {
			list = strings.Join(names[:n-1], ", ") + " and " + names[n-1]
		}
		text = strings.ReplaceAll(text, "{{fields "+t.Name+"}}", list)
		text = strings.ReplaceAll(text, "{{count "+t.Name+"}}", strconv.Itoa(len(names)))
	}
	return text
}

// cell escapes text for a Markdown table cell; "<domain>" would otherwise
// vanish as an HTML tag.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
}

// GoDocs renders a Go file for package pkg holding every type's and field's
// description, keyed "Type" and "Type.GoField".
func GoDocs(types []Type, pkg string) ([]byte, error) {
	docs := map[string]string{}
	for _, t := range types {
		docs[t.Name] = t.Doc
		for _, f := range t.Fields {
			d := f.Doc
			if f.Default != "" {
				d = strings.TrimSpace(d + " Defaults to " + f.Default + ".")
			}
			docs[t.Name+"."+f.GoName] = d
		}
	}
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by go run ./internal/gendoc; DO NOT EDIT.\n\npackage %s\n\n", pkg)
	b.WriteString("// fieldDocs holds the doc comments of the format's types and fields, keyed\n// \"Type\" and \"Type.Field\" by Go name, for the JSON Schema's descriptions.\n")
	b.WriteString("var fieldDocs = map[string]string{\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "\t%q: %q,\n", k, docs[k])
	}
	b.WriteString("}\n")
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("docgen: %w", err)
	}
	return out, nil
}

// Paths of the generated files, relative to the scenarios package directory.
const (
	GoFile   = "zz_docs.go"
	DocsFile = "../docs/scenario-format.md"
)

// Generate reads types.go and the cross-domain built-in from the scenarios
// package directory dir and returns the reference and the Go table.
func Generate(dir string) (markdown, goSrc []byte, err error) {
	// The format's types live in types.go and types_*.go; they are read as
	// one source, in that order.
	src, err := os.ReadFile(filepath.Join(dir, "types.go"))
	if err != nil {
		return nil, nil, fmt.Errorf("docgen: %w", err)
	}
	more, _ := filepath.Glob(filepath.Join(dir, "types_*.go"))
	sort.Strings(more)
	for _, f := range more {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, fmt.Errorf("docgen: %w", err)
		}
		src = append(append(src, '\n'), bytes.Replace(b, []byte("package scenarios\n"), nil, 1)...)
	}
	example, err := os.ReadFile(filepath.Join(dir, "builtin", "cross-domain.yaml"))
	if err != nil {
		return nil, nil, fmt.Errorf("docgen: %w", err)
	}
	types, err := ParseTypes(src, "Scenario")
	if err != nil {
		return nil, nil, err
	}
	goSrc, err = GoDocs(types, "scenarios")
	if err != nil {
		return nil, nil, err
	}
	return Markdown(types, example), goSrc, nil
}
