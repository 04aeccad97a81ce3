package scenarios

import (
	_ "embed"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// starterSource is the scenario `mailflow new` writes: commented for a
// newcomer, valid and passing as it is. Its name, "starter", is replaced.
//
//go:embed starter.yaml
var starterSource []byte

// Starter returns a commented starter scenario called name: two domains, a
// send, a wait and two expectations, which runs and passes as it is.
func Starter(name string) ([]byte, error) {
	return Rename(starterSource, name)
}

// Rename returns the scenario src with its top-level name set to name,
// keeping its comments; commands in comments that name the old scenario
// ("mailflow run cross-domain") are pointed at name.yaml. The result is
// checked: it must load, without extends, as src did.
func Rename(src []byte, name string) ([]byte, error) {
	if strings.ContainsAny(name, "/\\\r\n") || name == "" {
		return nil, fmt.Errorf("scenario name %q must be one line without slashes", name)
	}
	root, errs := parseYAML(src)
	if len(errs) > 0 {
		return nil, errs
	}
	lines := strings.SplitAfter(string(src), "\n")
	old, line := "", "name: "+yamlString(name)+"\n"
	if k, v := topLevel(root, "name"); k != nil && k.Column == 1 && v.Line == k.Line && v.Kind == yaml.ScalarNode {
		old = v.Value
		lines[k.Line-1] = line
	} else if k != nil {
		return nil, fmt.Errorf("the scenario's name at line %d is not a one-line value", k.Line)
	} else {
		// after the leading comments, so the modeline stays first
		i := 0
		for i < len(lines) && (strings.HasPrefix(lines[i], "#") || strings.TrimSpace(lines[i]) == "") {
			i++
		}
		lines = append(lines[:i], append([]string{line}, lines[i:]...)...)
	}
	if old != "" {
		re := regexp.MustCompile(`(mailflow [a-z]+ +)` + regexp.QuoteMeta(old) + `(\.yaml)?(\s|$)`)
		for i, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), "#") {
				lines[i] = re.ReplaceAllString(l, "${1}"+strings.ReplaceAll(name, "$", "$$")+".yaml${3}")
			}
		}
	}
	out := []byte(strings.Join(lines, ""))
	s, err := newLoader(noExtends).parse(name+".yaml", out)
	if err != nil {
		return nil, err
	}
	if s.Name != name {
		return nil, fmt.Errorf("the renamed scenario is called %q, not %q", s.Name, name)
	}
	return out, nil
}

// topLevel finds a key of the root mapping and its value.
func topLevel(root *yaml.Node, key string) (k, v *yaml.Node) {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == key {
			return root.Content[i], root.Content[i+1]
		}
	}
	return nil, nil
}

// yamlString writes s as a plain YAML scalar when it reads back as the
// same string, else double-quoted (Go's escapes are YAML's too).
func yamlString(s string) string {
	var m map[string]any
	if yaml.Unmarshal([]byte("v: "+s), &m) == nil {
		if b, ok := m["v"].(string); ok && b == s && !strings.ContainsAny(s, "#:\"'") {
			return s
		}
	}
	return strconv.Quote(s)
}
