package docgen

import (
	"strings"
	"testing"
)

func TestSplitDefault(t *testing.T) {
	for _, c := range []struct{ in, rest, def string }{
		{"Seed fixes it. Defaults to 1.", "Seed fixes it.", "1"},
		{"ID names it. Defaults to m1, m2, ... in the order of the sends.", "ID names it.", "m1, m2, ... in the order of the sends"},
		{"Code, e.g. 550. Nothing else.", "Code, e.g. 550. Nothing else.", ""},
		{"Defaults to INBOX.", "", "INBOX"},
	} {
		rest, def := splitDefault(c.in)
		if rest != c.rest || def != c.def {
			t.Errorf("splitDefault(%q) = %q, %q; want %q, %q", c.in, rest, def, c.rest, c.def)
		}
	}
}

func TestParseTypes(t *testing.T) {
	src := []byte(`package p

// Top is the root.
type Top struct {
	// Name is a name. Defaults to x.
	Name  string  ` + "`yaml:\"name,omitempty\"`" + `
	Items []Item  ` + "`yaml:\"items\"`" + `
	Skip  string  ` + "`yaml:\"-\"`" + `
}

// Item is reachable.
type Item struct {
	// Count counts.
	Count *int ` + "`yaml:\"count,omitempty\"`" + `
}

// Other is not reachable from Top.
type Other struct{ A string ` + "`yaml:\"a\"`" + ` }
`)
	types, err := ParseTypes(src, "Top")
	if err != nil {
		t.Fatal(err)
	}
	if len(types) != 2 || types[0].Name != "Top" || types[1].Name != "Item" {
		t.Fatalf("types = %+v", types)
	}
	top := types[0]
	if len(top.Fields) != 2 || top.Fields[0].Default != "x" || top.Fields[0].Doc != "`name` is a name." || !top.Fields[1].Required {
		t.Errorf("fields = %+v", top.Fields)
	}
	md := string(Markdown(types, []byte("name: y")))
	for _, want := range []string{"### Item", "| `items` | list of [Item](#item) | **required** |", "| `count` | integer | optional | `count` counts. |", "name: y\n```"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if _, err := GoDocs(types, "p"); err != nil {
		t.Error(err)
	}
}
