package web

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

type openapiDocument struct {
	OpenAPI string `json:"openapi"`
	Paths   map[string]map[string]struct {
		Parameters []struct {
			Name string `json:"name"`
			In   string `json:"in"`
		} `json:"parameters"`
		RequestBody *struct {
			Content map[string]any `json:"content"`
		} `json:"requestBody"`
		Responses map[string]any `json:"responses"`
	} `json:"paths"`
	Components struct {
		Schemas map[string]any `json:"schemas"`
	} `json:"components"`
}

// The document served at /api/openapi.json describes every route the
// server has, with its method and path parameters, and nothing else.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	n := played(t, "same-domain")
	srv, ts := serve(t, Config{Network: n})
	var doc openapiDocument
	call(t, ts, "GET", "/api/openapi.json", "", 200, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}

	served := map[string]bool{}
	for _, r := range srv.table() {
		key := strings.ToLower(r.method) + " " + r.pattern
		served[key] = true
		op, ok := doc.Paths[r.pattern][strings.ToLower(r.method)]
		if !ok {
			t.Errorf("%s %s is served but not described", r.method, r.pattern)
			continue
		}
		if len(op.Responses) == 0 {
			t.Errorf("%s %s: no responses described", r.method, r.pattern)
		}
		var want, got []string
		for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(r.pattern, -1) {
			want = append(want, m[1])
		}
		for _, p := range op.Parameters {
			if p.In == "path" {
				got = append(got, p.Name)
			}
		}
		sort.Strings(want)
		sort.Strings(got)
		if !slices.Equal(want, got) {
			t.Errorf("%s %s: path parameters %v described, %v in the route", r.method, r.pattern, got, want)
		}
		if r.method == "POST" && (op.RequestBody == nil || op.RequestBody.Content["application/json"] == nil) {
			t.Errorf("%s %s: no JSON request body described", r.method, r.pattern)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if !served[method+" "+path] {
				t.Errorf("%s %s is described but not served", strings.ToUpper(method), path)
			}
		}
	}

	// Every reference points at a schema that exists.
	resp, err := ts.Client().Get(ts.URL + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	resp.Body.Close()
	for _, m := range regexp.MustCompile(`"\$ref":\s*"#/components/schemas/(\w+)"`).FindAllStringSubmatch(body, -1) {
		if doc.Components.Schemas[m[1]] == nil {
			t.Errorf("reference to a missing schema %s", m[1])
		}
	}
}
