package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// MaxSourceSize bounds a scenario file; scenarios are small by nature and a
// bound keeps hostile input cheap.
const MaxSourceSize = 1 << 20

// Parse decodes a scenario from src, applies the defaults and validates it.
// file names the source in error messages and gives the default Name; a
// file that extends another finds it relative to file's directory, on the
// operating system's file system. The error, when not nil, is an ErrorList
// holding every problem found.
func Parse(file string, src []byte) (*Scenario, error) {
	return newLoader(readBase).parse(file, src)
}

// parse is Parse for one top-level file, with this loader's way of reading
// base files.
func (l *loader) parse(file string, src []byte) (*Scenario, error) {
	s, errs := l.load(file, src, nil)
	if len(errs) > 0 {
		fillSource(errs, file, l.sources)
		return nil, sortErrors(errs, l.order())
	}
	return s, nil
}

// load decodes one file, merges in the file it extends, applies the
// defaults and validates the result. chain holds the files that extend
// this one, to catch cycles. A scenario comes back only with no errors.
func (l *loader) load(file string, src []byte, chain []string) (*Scenario, ErrorList) {
	l.sources[file] = src
	l.files = append(l.files, file)
	errs := checkSource(src)
	var root *yaml.Node
	if len(errs) == 0 {
		root, errs = parseYAML(src)
	}
	if len(errs) > 0 {
		for _, e := range errs {
			e.File = file
		}
		return nil, errs
	}

	s := &Scenario{File: file, Source: src}
	d := newDecoder(file)
	d.decode(root, reflect.ValueOf(s).Elem(), "", "the top level", "the scenario")
	s.Pos = d.pos
	errs = d.errs
	if d.exhausted { // a cut-off tree is half empty: its checks would only add noise
		return nil, errs
	}
	if s.Extends != "" {
		base, berrs := l.base(s, chain)
		if len(berrs) > 0 {
			// without its base the scenario's users and hosts are unknown:
			// checking it would only add noise
			return nil, append(errs, berrs...)
		}
		merge(s, base, d.failed)
	}
	if s.Name == "" && file != "" {
		b := filepath.Base(file)
		s.Name = strings.TrimSuffix(b, filepath.Ext(b))
	}
	applyDefaults(s)
	errs = append(errs, validate(s, d.failed)...)
	if len(errs) > 0 {
		return nil, errs
	}
	return s, nil
}

// checkSource rejects what is not worth handing to the YAML parser.
func checkSource(src []byte) ErrorList {
	if len(src) > MaxSourceSize {
		return ErrorList{{Line: 1, Column: 1, Msg: fmt.Sprintf("the file is too large (%d bytes; a scenario may have at most %d)", len(src), MaxSourceSize)}}
	}
	if !utf8.Valid(src) {
		line, col := 1, 1
		for i := 0; i < len(src); {
			r, size := utf8.DecodeRune(src[i:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			if r == '\n' {
				line, col = line+1, 0
			}
			col++
			i += size
		}
		return ErrorList{{Line: line, Column: col, Msg: "the file is not UTF-8 text", Hint: "save it as UTF-8"}}
	}
	return nil
}

// parseYAML parses exactly one YAML document and returns its root node, a
// mapping.
func parseYAML(src []byte) (root *yaml.Node, errs ErrorList) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	err := safeDecode(dec, &doc)
	if errors.Is(err, io.EOF) {
		return nil, ErrorList{{Line: 1, Column: 1, Msg: "the file is empty", Hint: "a scenario needs at least a domains list"}}
	}
	if err != nil {
		return nil, syntaxErrors(err, src)
	}
	var extra yaml.Node
	switch err := safeDecode(dec, &extra); {
	case err == nil:
		return nil, ErrorList{{Line: extra.Line, Column: extra.Column, Msg: "a second YAML document starts here; a scenario file holds one document",
			Hint: "remove the --- line or move the rest to its own file"}}
	case !errors.Is(err, io.EOF):
		return nil, syntaxErrors(err, src)
	}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return nil, ErrorList{{Line: 1, Column: 1, Msg: "the file is empty", Hint: "a scenario needs at least a domains list"}}
	}
	root = resolve(doc.Content[0])
	if root == nil || root.Kind != yaml.MappingNode {
		n := doc.Content[0]
		return nil, ErrorList{{Line: n.Line, Column: n.Column,
			Msg: fmt.Sprintf("the top level must be a mapping of fields (name, domains, actions, expect...), found %s", describe(resolve(n)))}}
	}
	return root, nil
}

// safeDecode turns a panic of the YAML parser into an error, so hostile
// input cannot crash the caller.
func safeDecode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: the YAML parser failed: %v", r)
		}
	}()
	return dec.Decode(n)
}

var (
	yamlLineRe   = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)
	yamlAnchorRe = regexp.MustCompile(`unknown anchor '([^']*)' referenced`)
)

// syntaxHints explains yaml.v3's most common messages to a newcomer.
var syntaxHints = map[string]string{
	"mapping values are not allowed in this context": "check the indentation, or quote a value that contains \": \"",
	"did not find expected key":                      "check the indentation: the keys of one mapping start in the same column",
	"did not find expected '-' indicator":            "check the indentation of the list items",
	"found unexpected end of stream":                 "a quote or bracket is not closed",
	"could not find expected ':'":                    "a key needs a colon after it",
	"found character that cannot start any token":    "quote a value that starts with a special character",
}

// syntaxErrors turns a yaml.v3 parse error into positioned errors. Tabs in
// indentation, the commonest cause, are reported line by line instead.
func syntaxErrors(err error, src []byte) ErrorList {
	msg := err.Error()
	line := 1
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		msg = m[2]
		if m[1] != "" {
			line, _ = strconv.Atoi(m[1])
			// yaml.v3 counts lines from 0 in parser (not scanner) errors
			if strings.HasPrefix(msg, "did not find expected") {
				line++
			}
		}
	}
	lines := strings.Split(string(src), "\n")
	var tabs ErrorList
	for i, l := range lines {
		indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if c := strings.IndexByte(indent, '\t'); c >= 0 {
			tabs = append(tabs, &Error{Line: i + 1, Column: c + 1, Msg: "tab character in indentation", Hint: "YAML indents with spaces only"})
		}
	}
	// A tab at or just before the failure is the likely cause: report
	// every indenting tab, since each would fail in turn.
	if len(tabs) > 0 && tabs[0].Line <= line+1 {
		return tabs
	}
	col := 1
	if m := yamlAnchorRe.FindStringSubmatch(msg); m != nil {
		if i := bytes.Index(src, []byte("*"+m[1])); i >= 0 {
			line = bytes.Count(src[:i], []byte("\n")) + 1
			col = utf8.RuneCount(src[bytes.LastIndexByte(src[:i], '\n')+1:i]) + 1
		}
	} else if line <= len(lines) {
		l := lines[line-1]
		col = utf8.RuneCountInString(l[:len(l)-len(strings.TrimLeft(l, " "))]) + 1
	}
	return ErrorList{{Line: line, Column: col, Msg: "YAML syntax error: " + msg, Hint: syntaxHints[msg]}}
}
