package scenarios

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// nodeBudget bounds the nodes one decode visits, so aliases that expand a
// small file into a huge tree cost an error, not the machine.
const nodeBudget = 200_000

// decoder walks a yaml.Node tree against the Go types, filling the values by
// reflection and recording every problem with its position instead of
// stopping at the first.
type decoder struct {
	file      string // the file positions and errors belong to
	errs      ErrorList
	pos       map[string]Position
	failed    map[string]bool // paths whose value could not be decoded
	budget    int
	exhausted bool
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, pos: map[string]Position{}, failed: map[string]bool{}, budget: nodeBudget}
}

func (d *decoder) errAt(n *yaml.Node, hint, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (d *decoder) at(n *yaml.Node) Position {
	return Position{Line: n.Line, Column: n.Column, File: d.file}
}

// fieldInfo describes one YAML-visible struct field.
type fieldInfo struct {
	name     string // the yaml key
	index    int
	required bool // the yaml tag lacks omitempty
}

var fieldCache sync.Map // reflect.Type -> []fieldInfo

// fieldsOf lists a struct type's YAML fields in declaration order.
func fieldsOf(t reflect.Type) []fieldInfo {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]fieldInfo)
	}
	var out []fieldInfo
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !t.Field(i).IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(t.Field(i).Name)
		}
		out = append(out, fieldInfo{name: name, index: i, required: !strings.Contains(opts, "omitempty")})
	}
	fieldCache.Store(t, out)
	return out
}

func fieldNames(fields []fieldInfo) []string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return names
}

// typeNoun names a list element in messages: "unknown field x in domain".
var typeNoun = map[reflect.Type]string{
	reflect.TypeFor[Scenario]():    "the scenario",
	reflect.TypeFor[Domain]():      "domain",
	reflect.TypeFor[User]():        "user",
	reflect.TypeFor[Host]():        "host",
	reflect.TypeFor[Record]():      "dns record",
	reflect.TypeFor[Action]():      "action",
	reflect.TypeFor[Attachment]():  "attachment",
	reflect.TypeFor[Expectation](): "expectation",
}

// oneOf names the types of which exactly one field must be set.
var oneOf = map[reflect.Type]string{
	reflect.TypeFor[Action]():      "an action",
	reflect.TypeFor[Expectation](): "an expectation",
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// describe names a node's kind for "expected X, found Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		return strconv.Quote(n.Value)
	}
	return "something else"
}

// spend takes one node from the budget; false once it is used up.
func (d *decoder) spend(n *yaml.Node) bool {
	d.budget--
	if d.budget >= 0 {
		return true
	}
	if !d.exhausted {
		d.exhausted = true
		d.errAt(n, "aliases may be expanding the document; write it out", "the document is too large (more than %d values)", nodeBudget)
	}
	return false
}

// decode fills v from node orig. label is how messages name the value
// ("port", "to[1]"); noun is how they name a mapping ("send", "domain").
func (d *decoder) decode(orig *yaml.Node, v reflect.Value, path, label, noun string) {
	if !d.spend(orig) {
		return
	}
	n := resolve(orig)
	if n == nil {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) && v.Type().Elem().Kind() != reflect.Struct {
			return // an optional scalar left unset
		}
		// Set the pointer only when its value decoded, so a bad "auth: maybe"
		// leaves auth unset rather than false.
		nv := reflect.New(v.Type().Elem())
		before := len(d.errs)
		d.decode(orig, nv.Elem(), path, label, noun)
		if len(d.errs) == before || v.Type().Elem().Kind() == reflect.Struct {
			v.Set(nv)
		}
	case reflect.Struct:
		if !isNull(n) && n.Kind != yaml.MappingNode {
			d.failed[path] = true
			d.errAt(orig, "", "%s: expected a mapping (key: value lines), found %s", label, describe(n))
			return
		}
		d.mapping(n, orig, v, path, noun)
	case reflect.Slice:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.SequenceNode {
			hint := ""
			if n.Kind == yaml.ScalarNode {
				hint = fmt.Sprintf("write a list: %s: [%s]", label, n.Value)
			}
			d.failed[path] = true
			d.errAt(orig, hint, "%s: expected a list, found %s", label, describe(n))
			return
		}
		et := v.Type().Elem()
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			ip := fmt.Sprintf("%s[%d]", path, i)
			d.pos[ip] = d.at(item)
			en := typeNoun[et]
			if en == "" {
				en = label
			}
			d.decode(item, s.Index(i), ip, fmt.Sprintf("%s[%d]", label, i), en)
		}
		v.Set(s)
	case reflect.Map:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.MappingNode {
			d.failed[path] = true
			d.errAt(orig, "", "%s: expected a mapping (name: value lines), found %s", label, describe(n))
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			kp := path + "." + key.Value
			d.pos[kp] = d.at(key)
			if key.Kind != yaml.ScalarNode {
				d.errAt(key, "", "%s: a key must be a name, found %s", label, describe(key))
				continue
			}
			ev := reflect.New(v.Type().Elem()).Elem()
			d.decode(val, ev, kp, label+"."+key.Value, label)
			m.SetMapIndex(reflect.ValueOf(key.Value), ev)
		}
		v.Set(m)
	default:
		if !d.scalar(n, orig, v, label) {
			d.failed[path] = true
		}
	}
}

// scalar fills a string, number or boolean; false when it reported an error.
func (d *decoder) scalar(n, orig *yaml.Node, v reflect.Value, label string) bool {
	if n.Kind != yaml.ScalarNode {
		d.errAt(orig, "", "%s: expected %s, found %s", label, kindWord(v.Kind()), describe(n))
		return false
	}
	if isNull(n) {
		return true
	}
	tag := n.ShortTag()
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.Value)
	case reflect.Int, reflect.Int64:
		var i int64
		if tag != "!!int" || n.Decode(&i) != nil {
			hint := ""
			if _, err := strconv.ParseInt(n.Value, 10, 64); err == nil && tag == "!!str" {
				hint = "remove the quotes"
			}
			d.errAt(orig, hint, "%s: %s is not a whole number", label, strconv.Quote(n.Value))
			return false
		}
		v.SetInt(i)
	case reflect.Float64:
		var f float64
		if (tag != "!!int" && tag != "!!float") || n.Decode(&f) != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			d.errAt(orig, "write a number such as 0.3", "%s: %s is not a number", label, strconv.Quote(n.Value))
			return false
		}
		v.SetFloat(f)
	case reflect.Bool:
		var b bool
		if tag != "!!bool" || n.Decode(&b) != nil {
			d.errAt(orig, "write true or false", "%s: %s is not a boolean", label, strconv.Quote(n.Value))
			return false
		}
		v.SetBool(b)
	}
	return true
}

func kindWord(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	}
	return "a text value"
}

// pair is one key and value of a mapping; merged pairs come from a "<<"
// merge key and yield to the mapping's own keys.
type pair struct {
	key, val *yaml.Node
	merged   bool
}

func (d *decoder) pairs(n *yaml.Node, merged bool, depth int, out []pair) []pair {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!merge" {
			out = append(out, pair{k, val, merged})
			continue
		}
		src := resolve(val)
		var maps []*yaml.Node
		switch {
		case src != nil && src.Kind == yaml.MappingNode:
			maps = []*yaml.Node{src}
		case src != nil && src.Kind == yaml.SequenceNode:
			for _, m := range src.Content {
				maps = append(maps, resolve(m))
			}
		}
		for _, m := range maps {
			if m == nil || m.Kind != yaml.MappingNode || depth > 10 {
				d.errAt(val, "", "<<: a merge needs an alias of a mapping or a list of them")
				break
			}
			if !d.spend(m) {
				return out
			}
			out = d.pairs(m, true, depth+1, out)
		}
		if len(maps) == 0 {
			d.errAt(val, "", "<<: a merge needs an alias of a mapping or a list of them")
		}
	}
	return out
}

// mapping fills struct v from mapping n (nil or null: an empty mapping).
func (d *decoder) mapping(n, orig *yaml.Node, v reflect.Value, path, noun string) {
	fields := fieldsOf(v.Type())
	byName := make(map[string]fieldInfo, len(fields))
	for _, f := range fields {
		byName[f.name] = f
	}
	where := "in " + noun
	if path == "" {
		where = "at the top level"
	}
	var ps []pair
	if n.Kind == yaml.MappingNode {
		ps = d.pairs(n, false, 0, nil)
	}
	explicit := map[string]bool{}
	for _, p := range ps {
		if !p.merged && p.key.Kind == yaml.ScalarNode {
			explicit[p.key.Value] = true
		}
	}
	seen := map[string]*yaml.Node{}
	suggested := map[string]bool{}
	var set []*yaml.Node // keys of recognised fields, in order
	for _, p := range ps {
		if p.key.Kind != yaml.ScalarNode {
			d.errAt(p.key, "", "a key must be a plain name, found %s", describe(p.key))
			continue
		}
		key := p.key.Value
		if p.merged && explicit[key] {
			continue
		}
		if first, dup := seen[key]; dup {
			if !p.merged {
				d.errAt(p.key, "", "duplicate key %q %s (first at line %d)", key, where, first.Line)
			}
			continue
		}
		seen[key] = p.key
		f, ok := byName[key]
		if !ok {
			hint := ""
			if s := suggest(key, fieldNames(fields)); s != "" {
				suggested[s] = true
				// the typo was meant to set s: later checks of s stay quiet
				d.failed[joinPath(path, s)] = true
				hint = fmt.Sprintf("did you mean %q?", s)
			} else {
				hint = "valid fields: " + strings.Join(fieldNames(fields), ", ")
			}
			d.errAt(p.key, hint, "unknown field %q %s", key, where)
			continue
		}
		set = append(set, p.key)
		fp := joinPath(path, key)
		val := resolve(p.val)
		if val != nil && (val.Kind == yaml.MappingNode || val.Kind == yaml.SequenceNode) {
			d.pos[fp] = d.at(p.key)
		} else {
			d.pos[fp] = d.at(p.val)
		}
		fv := v.Field(f.index)
		d.decode(p.val, fv, fp, key, key)
		empty := isNull(val) ||
			(val.Kind == yaml.ScalarNode && fv.Kind() == reflect.String && fv.Len() == 0) ||
			(val.Kind == yaml.SequenceNode && fv.Kind() == reflect.Slice && fv.Len() == 0)
		if f.required && empty {
			d.errAt(p.val, "", "%q %s must not be empty", key, where)
		}
	}
	for _, f := range fields {
		if f.required && seen[f.name] == nil && !suggested[f.name] {
			d.errAt(orig, "", "missing required field %q %s", f.name, where)
		}
	}
	if what, ok := oneOf[v.Type()]; ok {
		names := strings.Join(fieldNames(fields), ", ")
		switch {
		case len(set) == 0 && len(suggested) == 0:
			d.errAt(orig, "", "%s needs exactly one of: %s", what, names)
		case len(set) > 1:
			d.errAt(set[1], fmt.Sprintf("found %s and %s; put each in its own list item", set[0].Value, set[1].Value),
				"%s needs exactly one of: %s", what, names)
		}
	}
}
