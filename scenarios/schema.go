package scenarios

import (
	"encoding/json"
	"maps"
	"reflect"
)

// SchemaID is the JSON Schema's $id, the address editors find in the
// modeline "# yaml-language-server: $schema=..." of a scenario.
const SchemaID = "https://mailflow.dev/schema/scenario.json"

// fieldRules adds constraints to a field's schema, keyed "Type.Field" by Go
// name. They mirror the checks of validate that a schema can express; the
// enumerations come from the same variables.
var fieldRules = map[string]map[string]any{
	"Scenario.Start":           {"format": "date-time"},
	"Scenario.Extends":         {"minLength": 1},
	"Scenario.Domains":         {"minItems": 1},
	"Host.Services":            {"items": map[string]any{"enum": Services}, "uniqueItems": true},
	"Host.MX":                  {"minimum": 0, "maximum": 65535},
	"Record.Type":              {"enum": RecordTypes},
	"Record.Preference":        {"minimum": 0, "maximum": 65535},
	"Record.TTL":               {"minimum": 0, "maximum": 1<<31 - 1},
	"Send.ID":                  {"pattern": `^[A-Za-z0-9][A-Za-z0-9._-]*$`},
	"Send.Port":                {"enum": Ports},
	"Send.TLS":                 {"enum": TLSModes},
	"Send.AuthMechanism":       {"enum": AuthMechanisms},
	"Attachment.Size":          {"minimum": 0, "maximum": MaxAttachmentSize},
	"LoadAction.ID":            {"pattern": `^[A-Za-z0-9][A-Za-z0-9._-]*$`},
	"LoadAction.Count":         {"minimum": 1, "maximum": MaxLoadCount},
	"LoadAction.From":          {"minItems": 1},
	"LoadAction.To":            {"minItems": 1},
	"LoadAction.Concurrency":   {"minimum": 1, "maximum": MaxLoadConcurrency},
	"LoadAction.Size":          {"minimum": 0, "maximum": MaxLoadSize},
	"LoadAction.Rate":          {"pattern": `^[0-9]+(\.[0-9]+)?/(s|m|h)$`},
	"Delivery.Concurrency":     {"minimum": 1, "maximum": MaxDestinationConcurrency},
	"Delivery.Rate":            {"pattern": `^[0-9]+(\.[0-9]+)?/(s|m|h)$`},
	"Delivery.ConnectionReuse": {"minimum": 1},
	"Wait.Timeout":             {"pattern": `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`},
	"Delivered.Count":          {"minimum": 0},
	"Fault.Probability":        {"exclusiveMinimum": 0, "maximum": 1},
	"StepsExpectation.Sequence": {
		"items": map[string]any{"minimum": 1, "maximum": 6}, "uniqueItems": true,
	},
	"ReplyExpectation.Code":       {"minimum": 200, "maximum": 599},
	"ReplyExpectation.Enhanced":   {"pattern": `^[245]\.[0-9]{1,3}\.[0-9]{1,3}$`},
	"ReplyExpectation.Stage":      {"enum": ReplyStages},
	"TranscriptExpectation.Stage": {"enum": ReplyStages},
	"TranscriptExpectation.Count": {"minimum": 0},
	"Fault.From":                  {"pattern": windowPattern},
	"Domain.SPF":                  {"pattern": `^([vV]=[sS][pP][fF]1( .*)?|none)$`},
	"Domain.DMARC":                {"pattern": `^(v=DMARC1;.*|none)$`},
	"SenderAuth.SPFFail":          {"enum": SPFFailActions},
	"SenderAuth.DMARC":            {"enum": DMARCModes},
	"AuthExpectation.SPF":         {"enum": AuthResults},
	"AuthExpectation.DKIM":        {"enum": AuthResults},
	"AuthExpectation.DMARC":       {"enum": AuthResults},
	"Fault.Until":                 {"pattern": windowPattern},
}

// windowPattern is the shape of a fault window's end: a time of day, an
// RFC 3339 time or a span after the start.
const windowPattern = `^([0-9]{1,2}:[0-9]{2}(:[0-9]{2})?|[0-9]{4}-[0-9]{2}-[0-9]{2}T.+|\+.+)$`

// typeRules adds constraints to a type's schema.
var typeRules = map[string]map[string]any{
	// domains may come from the file a scenario extends
	"Scenario": {"anyOf": []any{
		map[string]any{"required": []string{"domains"}},
		map[string]any{"required": []string{"extends"}},
	}},
	// exactly one field: with additionalProperties false, a count suffices
	"Action":      {"minProperties": 1, "maxProperties": 1},
	"Expectation": {"minProperties": 1, "maxProperties": 1},
	"Record": {"allOf": []any{map[string]any{
		"if":   map[string]any{"properties": map[string]any{"type": map[string]any{"const": "MX"}}, "required": []string{"type"}},
		"then": map[string]any{"required": []string{"preference"}},
	}}},
}

// Schema returns the scenario format as a JSON Schema (draft 2020-12), built
// from the Go types: every mapping closed to unknown fields, required fields
// listed, enumerated fields enumerated, and each field described by its doc
// comment. Editors use it to complete and check scenario files as they are
// typed. It is advice, and Parse remains the judge: the schema is a little
// stricter, rejecting an empty value ("wait:") that Parse reads as unset.
func Schema() []byte {
	defs := map[string]any{}
	root := structSchema(reflect.TypeFor[Scenario](), defs)
	delete(defs, "Scenario")
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = SchemaID
	root["title"] = "mailflow scenario"
	root["$defs"] = defs
	out, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		panic(err) // the schema is built from fixed values; this is a bug
	}
	return append(out, '\n')
}

func structSchema(t reflect.Type, defs map[string]any) map[string]any {
	props := map[string]any{}
	var required []string
	for _, f := range fieldsOf(t) {
		sf := t.Field(f.index)
		p := typeSchema(sf.Type, defs)
		if d := fieldDocs[t.Name()+"."+sf.Name]; d != "" {
			p["description"] = d
		}
		if f.required {
			required = append(required, f.name)
			switch p["type"] {
			case "string":
				p["minLength"] = 1
			case "array":
				p["minItems"] = 1
			}
		}
		for k, v := range fieldRules[t.Name()+"."+sf.Name] {
			if m, ok := v.(map[string]any); ok && k == "items" {
				items := maps.Clone(p["items"].(map[string]any))
				maps.Copy(items, m)
				p["items"] = items
				continue
			}
			p[k] = v
		}
		props[f.name] = p
	}
	s := map[string]any{
		"type":                 "object",
		"properties":           props,
		"additionalProperties": false,
	}
	if d := fieldDocs[t.Name()]; d != "" {
		s["description"] = d
	}
	if len(required) > 0 {
		s["required"] = required
	}
	maps.Copy(s, typeRules[t.Name()])
	defs[t.Name()] = s
	return s
}

func typeSchema(t reflect.Type, defs map[string]any) map[string]any {
	switch t.Kind() {
	case reflect.Pointer:
		return typeSchema(t.Elem(), defs)
	case reflect.Struct:
		if _, done := defs[t.Name()]; !done {
			defs[t.Name()] = nil // reserve, in case of recursion
			structSchema(t, defs)
		}
		return map[string]any{"$ref": "#/$defs/" + t.Name()}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": typeSchema(t.Elem(), defs)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": typeSchema(t.Elem(), defs)}
	case reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Int, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	}
	return map[string]any{"type": "string"}
}
