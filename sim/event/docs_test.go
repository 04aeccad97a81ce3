package event

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestEventsDocNamesEveryKindAndField keeps docs/events.md, the contract of
// the JSON stream, true to the type: every kind and every JSON field of an
// event (and of its reply, local status and auth verdicts) is named there.
func TestEventsDocNamesEveryKindAndField(t *testing.T) {
	raw, err := os.ReadFile("../../docs/events.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for _, k := range Kinds {
		if !strings.Contains(doc, "`"+string(k)+"`") {
			t.Errorf("docs/events.md does not list the kind %q", k)
		}
	}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[Event](), reflect.TypeFor[Reply](), reflect.TypeFor[Local](),
		reflect.TypeFor[AuthResults](), reflect.TypeFor[AuthCheck](), reflect.TypeFor[Notice](),
		reflect.TypeFor[NoticeRecipient](),
	} {
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			if !strings.Contains(doc, "`"+name+"`") && !strings.Contains(doc, `"`+name+`"`) {
				t.Errorf("docs/events.md does not name the field %q of %s", name, typ.Name())
			}
		}
	}
}
