package scenarios

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatalf("Schema() is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(SchemaID) // also checks it against the 2020-12 meta-schema
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return sch
}

// yamlInstance converts a scenario's YAML to the JSON value a schema checks.
func yamlInstance(t *testing.T, src []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(src, &v); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

func TestSchemaAcceptsValid(t *testing.T) {
	sch := compileSchema(t)
	for _, b := range Builtins() {
		src, err := BuiltinSource(b.Name)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(yamlInstance(t, src)); err != nil {
			t.Errorf("built-in %s: %v", b.Name, err)
		}
	}
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(yamlInstance(t, src)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestSchemaRejectsBroken checks that the schema catches the mistakes it
// can express, so editors flag them before Parse does.
func TestSchemaRejectsBroken(t *testing.T) {
	sch := compileSchema(t)
	for _, name := range []string{
		"unknown-field", "unknown-top-field", "unknown-field-no-suggestion",
		"wrong-type-mapping", "wrong-type-int", "wrong-type-bool", "wrong-type-string", "string-for-list",
		"action-two-kinds", "empty-action", "expectation-two-kinds", "missing-required", "empty-required",
		"bad-port", "bad-tls", "bad-duration", "bad-record-type", "mx-no-preference", "bad-service",
		"step-out-of-range", "bad-reply", "bad-start", "duplicate-id", "not-delivered-count", "attachment-problems",
	} {
		src, err := os.ReadFile(filepath.Join("testdata/broken", name+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(yamlInstance(t, src)); err == nil {
			t.Errorf("%s: the schema accepts it", name)
		}
	}
}

func TestSchemaShape(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(Schema(), &root); err != nil {
		t.Fatal(err)
	}
	if root["$schema"] != "https://json-schema.org/draft/2020-12/schema" || root["$id"] != SchemaID {
		t.Errorf("header: %v %v", root["$schema"], root["$id"])
	}
	defs := root["$defs"].(map[string]any)
	defs["Scenario"] = root
	for _, name := range []string{"Scenario", "Domain", "User", "Host", "Record", "Action", "Send", "Attachment", "Wait", "Expectation", "Delivered", "StepsExpectation", "ReplyExpectation"} {
		d, ok := defs[name].(map[string]any)
		if !ok {
			t.Errorf("no definition of %s", name)
			continue
		}
		if d["additionalProperties"] != false {
			t.Errorf("%s is open to unknown fields", name)
		}
		if d["description"] == nil {
			t.Errorf("%s has no description", name)
		}
		for field, p := range d["properties"].(map[string]any) {
			if p.(map[string]any)["description"] == nil {
				t.Errorf("%s.%s has no description", name, field)
			}
		}
	}
	send := defs["Send"].(map[string]any)
	if req := send["required"].([]any); len(req) != 2 || req[0] != "from" || req[1] != "to" {
		t.Errorf("Send required = %v", req)
	}
	tls := send["properties"].(map[string]any)["tls"].(map[string]any)
	if len(tls["enum"].([]any)) != 3 {
		t.Errorf("tls enum = %v", tls["enum"])
	}
}
