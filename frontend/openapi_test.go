package frontend

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
)

// This file is a strict validator for the subset of OpenAPI 3.0 our
// document uses, and the test that checks live API answers against it. A
// schema is checked too (checkSchema): "nullable" only with a "type", as
// OpenAPI 3.0.3 says; unknown keywords are refused rather than ignored.

var schemaKeywords = map[string]bool{"type": true, "nullable": true, "required": true, "properties": true,
	"additionalProperties": true, "items": true, "enum": true, "format": true, "minimum": true, "maximum": true,
	"description": true, "example": true, "$ref": true, "allOf": true}

// checkSchema lists what a strict OpenAPI 3.0 validator refuses in a schema.
func checkSchema(doc map[string]any, at string, schema any, seen map[string]bool) []string {
	s, ok := schema.(map[string]any)
	if !ok {
		return []string{at + ": schema is not an object"}
	}
	var out []string
	if ref, ok := s["$ref"].(string); ok {
		if len(s) > 1 {
			out = append(out, at+": $ref with siblings (ignored by OpenAPI 3.0)")
		}
		if seen[ref] {
			return out
		}
		seen[ref] = true
		r := resolve(doc, ref)
		if r == nil {
			return append(out, at+": unresolved "+ref)
		}
		return append(out, checkSchema(doc, ref, r, seen)...)
	}
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !schemaKeywords[k] {
			out = append(out, fmt.Sprintf("%s: unsupported keyword %q", at, k))
		}
	}
	typ, _ := s["type"].(string)
	if s["nullable"] != nil && typ == "" {
		out = append(out, at+": nullable without type")
	}
	if typ == "" && s["allOf"] == nil {
		out = append(out, at+": no type")
	}
	switch typ {
	case "", "object", "array", "string", "number", "integer", "boolean":
	default:
		out = append(out, fmt.Sprintf("%s: unknown type %q", at, typ))
	}
	for _, sub := range asList(s["allOf"]) {
		out = append(out, checkSchema(doc, at+".allOf", sub, seen)...)
	}
	if props, ok := s["properties"].(map[string]any); ok {
		for k, p := range props {
			out = append(out, checkSchema(doc, at+"."+k, p, seen)...)
		}
	}
	if ap, ok := s["additionalProperties"].(map[string]any); ok {
		out = append(out, checkSchema(doc, at+".*", ap, seen)...)
	}
	if it, ok := s["items"]; ok {
		out = append(out, checkSchema(doc, at+"[]", it, seen)...)
	} else if typ == "array" {
		out = append(out, at+": array without items")
	}
	return out
}

var (
	dateTimeRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)
)

// validateSchema lists how v breaks schema: types (null only where
// nullable), required and undocumented properties, enums, formats, bounds.
// allOf applies every part.
func validateSchema(doc map[string]any, at string, schema any, v any) []string {
	s, _ := schema.(map[string]any)
	if ref, ok := s["$ref"].(string); ok {
		s = resolve(doc, ref)
	}
	if s == nil {
		return []string{at + ": no schema"}
	}
	var out []string
	if v == nil {
		if s["nullable"] == true && s["type"] != nil {
			return nil
		}
		return []string{at + ": null where the schema does not allow it"}
	}
	for _, sub := range asList(s["allOf"]) {
		out = append(out, validateSchema(doc, at, sub, v)...)
	}
	if enum := asList(s["enum"]); len(enum) > 0 {
		found := false
		for _, e := range enum {
			if e == v {
				found = true
			}
		}
		if !found {
			out = append(out, fmt.Sprintf("%s: %v is not one of %v", at, v, enum))
		}
	}
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return append(out, fmt.Sprintf("%s: %T is not an object", at, v))
		}
		for _, r := range asList(s["required"]) {
			if _, ok := m[r.(string)]; !ok {
				out = append(out, fmt.Sprintf("%s: required %q missing", at, r))
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, val := range m {
			switch p, ok := props[k]; {
			case ok:
				out = append(out, validateSchema(doc, at+"."+k, p, val)...)
			case s["additionalProperties"] != nil:
				out = append(out, validateSchema(doc, at+"."+k, s["additionalProperties"], val)...)
			default:
				out = append(out, fmt.Sprintf("%s: undocumented property %q", at, k))
			}
		}
	case "array":
		l, ok := v.([]any)
		if !ok {
			return append(out, fmt.Sprintf("%s: %T is not an array", at, v))
		}
		for i, x := range l {
			out = append(out, validateSchema(doc, at+"["+strconv.Itoa(i)+"]", s["items"], x)...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return append(out, fmt.Sprintf("%s: %T is not a string", at, v))
		}
		switch s["format"] {
		case "date-time":
			if _, err := time.Parse(time.RFC3339, str); err != nil || !dateTimeRe.MatchString(str) {
				out = append(out, fmt.Sprintf("%s: %q is not a date-time", at, str))
			}
		case "uri":
			if u, err := url.Parse(str); err != nil || u.Scheme == "" {
				out = append(out, fmt.Sprintf("%s: %q is not a URI", at, str))
			}
		}
	case "number", "integer":
		n, ok := v.(float64)
		if !ok {
			return append(out, fmt.Sprintf("%s: %T is not a number", at, v))
		}
		if s["type"] == "integer" && n != math.Trunc(n) {
			out = append(out, fmt.Sprintf("%s: %v is not an integer", at, n))
		}
		if lo, ok := s["minimum"].(float64); ok && n < lo {
			out = append(out, fmt.Sprintf("%s: %v below %v", at, n, lo))
		}
		if hi, ok := s["maximum"].(float64); ok && n > hi {
			out = append(out, fmt.Sprintf("%s: %v above %v", at, n, hi))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			out = append(out, fmt.Sprintf("%s: %T is not a boolean", at, v))
		}
	}
	return out
}

func TestStrictValidatorRefusesWhatItShould(t *testing.T) {
	doc := map[string]any{"components": map[string]any{"schemas": map[string]any{
		"P": map[string]any{"type": "object", "required": []any{"a"}, "properties": map[string]any{"a": map[string]any{"type": "string"}}},
	}}}
	old := map[string]any{"nullable": true, "allOf": []any{map[string]any{"$ref": "#/components/schemas/P"}}}
	if len(checkSchema(doc, "old", old, map[string]bool{})) == 0 {
		t.Error("nullable allOf without type accepted")
	}
	if len(validateSchema(doc, "old", old, nil)) == 0 {
		t.Error("null accepted by a schema whose allOf part is not nullable")
	}
	obj := map[string]any{"$ref": "#/components/schemas/P"}
	for _, bad := range []any{nil, map[string]any{}, map[string]any{"a": 1.0}, map[string]any{"a": "x", "b": 1.0}} {
		if len(validateSchema(doc, "bad", obj, bad)) == 0 {
			t.Errorf("%v accepted", bad)
		}
	}
	if p := validateSchema(doc, "good", obj, map[string]any{"a": "x"}); len(p) > 0 {
		t.Error(p)
	}
}

// TestLiveAPIAnswersMatchOpenAPI requests the API as clients do and
// validates every answer, errors included, against the document the
// directory serves, with the status's own schema.
func TestLiveAPIAnswersMatchOpenAPI(t *testing.T) {
	f := newFixture(t)
	var doc map[string]any
	if err := json.Unmarshal([]byte(f.page("/api/openapi.json", http.StatusOK)), &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for name, sc := range schemas {
		for _, p := range checkSchema(doc, name, sc, map[string]bool{}) {
			t.Error(p)
		}
	}
	paths := doc["paths"].(map[string]any)
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/api/v1/search?q=pad&near=44600", 200},
		{"/api/v1/search?q=pad", 200}, // "query": null
		{"/api/v1/search?category=video-call&near=44", 200},
		{"/api/v1/search?q=introuvable", 200},
		{"/api/v1/search?near=saint+nazair", 422},
		{"/api/v1/search?near=Saint-Denis", 422},
		{"/api/v1/search?radius_km=abc&near=44600", 400},
		{"/api/v1/search?category=nope", 400},
		{"/api/v1/search?page=0", 400},
		{"/api/v1/hosters", 200},
		{"/api/v1/hosters?limit=2&offset=1", 200},
		{"/api/v1/hosters?limit=0", 400},
	} {
		rec := f.get(tc.path)
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, rec.Code, tc.status)
			continue
		}
		route := strings.SplitN(tc.path, "?", 2)[0]
		resp, _ := paths[route].(map[string]any)["get"].(map[string]any)["responses"].(map[string]any)[strconv.Itoa(tc.status)].(map[string]any)
		if resp == nil {
			t.Errorf("%s: status %d not documented", tc.path, tc.status)
			continue
		}
		schema := resp["content"].(map[string]any)["application/json"].(map[string]any)["schema"]
		var body any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		for _, p := range validateSchema(doc, tc.path, schema, body) {
			t.Error(p)
		}
		// API errors speak English, one language for every client.
		if m, ok := body.(map[string]any); ok && tc.status >= 400 {
			msg, _ := m["error"].(string)
			if msg == "" || strings.ContainsFunc(msg, func(r rune) bool { return r > unicode.MaxASCII && r != '…' }) ||
				regexp.MustCompile(`(?i)\b(entier|attendu|doit|nombre|lieu|valeur|au-delà)\b`).MatchString(msg) {
				t.Errorf("%s: error %q is not plain English", tc.path, msg)
			}
		}
	}
}
