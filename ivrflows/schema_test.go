package ivrflows

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// A small JSON Schema checker covering the keywords schema.json uses, so
// the fixtures can be held to the published schema without a dependency.
type schemaChecker struct{ root map[string]any }

func (c schemaChecker) check(path string, s map[string]any, v any) []string {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		return c.check(path, c.root["$defs"].(map[string]any)[name].(map[string]any), v)
	}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, args...)) }
	if t, ok := s["type"]; ok && !typeMatches(t, v) {
		bad("want type %v, got %T", t, v)
		return errs
	}
	if e, ok := s["enum"].([]any); ok && !containsAny(e, v) {
		bad("%v not in %v", v, e)
	}
	if cv, ok := s["const"]; ok && !reflect.DeepEqual(cv, v) {
		bad("%v is not %v", v, cv)
	}
	errs = append(errs, c.checkString(path, s, v)...)
	errs = append(errs, c.checkObject(path, s, v)...)
	errs = append(errs, c.checkArray(path, s, v)...)
	for _, sub := range list(s["allOf"]) {
		errs = append(errs, c.check(path, sub, v)...)
	}
	if one := list(s["oneOf"]); len(one) > 0 {
		n := 0
		for _, sub := range one {
			if len(c.check(path, sub, v)) == 0 {
				n++
			}
		}
		if n != 1 {
			bad("matches %d of oneOf, want exactly 1", n)
		}
	}
	if cond, ok := s["if"].(map[string]any); ok && len(c.check(path, cond, v)) == 0 {
		if then, ok := s["then"].(map[string]any); ok {
			errs = append(errs, c.check(path, then, v)...)
		}
	}
	return errs
}

func (c schemaChecker) checkString(path string, s map[string]any, v any) []string {
	str, ok := v.(string)
	if !ok {
		return nil
	}
	var errs []string
	if m, ok := s["minLength"].(float64); ok && float64(len([]rune(str))) < m {
		errs = append(errs, path+": too short")
	}
	if m, ok := s["maxLength"].(float64); ok && float64(len([]rune(str))) > m {
		errs = append(errs, path+": too long")
	}
	if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
		errs = append(errs, path+": does not match "+p)
	}
	return errs
}

func (c schemaChecker) checkObject(path string, s map[string]any, v any) []string {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	var errs []string
	for _, r := range anyList(s["required"]) {
		if _, ok := obj[r.(string)]; !ok {
			errs = append(errs, fmt.Sprintf("%s: %q is required", path, r))
		}
	}
	props, _ := s["properties"].(map[string]any)
	for k, fv := range obj {
		if pn, ok := s["propertyNames"].(map[string]any); ok {
			errs = append(errs, c.check(path+"."+k+"(name)", pn, k)...)
		}
		if ps, ok := props[k].(map[string]any); ok {
			errs = append(errs, c.check(path+"."+k, ps, fv)...)
			continue
		}
		switch ap := s["additionalProperties"].(type) {
		case bool:
			if !ap {
				errs = append(errs, fmt.Sprintf("%s: unknown property %q", path, k))
			}
		case map[string]any:
			errs = append(errs, c.check(path+"."+k, ap, fv)...)
		}
	}
	return errs
}

func (c schemaChecker) checkArray(path string, s map[string]any, v any) []string {
	arr, ok := v.([]any)
	if !ok {
		return nil
	}
	var errs []string
	if m, ok := s["minItems"].(float64); ok && float64(len(arr)) < m {
		errs = append(errs, path+": too few items")
	}
	if m, ok := s["maxItems"].(float64); ok && float64(len(arr)) > m {
		errs = append(errs, path+": too many items")
	}
	if items, ok := s["items"].(map[string]any); ok {
		for i, it := range arr {
			errs = append(errs, c.check(fmt.Sprintf("%s[%d]", path, i), items, it)...)
		}
	}
	return errs
}

func anyList(v any) []any { l, _ := v.([]any); return l }

func list(v any) []map[string]any {
	var out []map[string]any
	for _, x := range anyList(v) {
		out = append(out, x.(map[string]any))
	}
	return out
}

func containsAny(l []any, v any) bool {
	for _, x := range l {
		if reflect.DeepEqual(x, v) {
			return true
		}
	}
	return false
}

func typeMatches(t, v any) bool {
	if ts, ok := t.([]any); ok {
		for _, x := range ts {
			if typeMatches(x, v) {
				return true
			}
		}
		return false
	}
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	case "number":
		_, ok := v.(float64)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	}
	return false
}

func loadSchema(t *testing.T) schemaChecker {
	var root map[string]any
	if err := json.Unmarshal(Schema, &root); err != nil {
		t.Fatalf("schema.json is not JSON: %v", err)
	}
	return schemaChecker{root}
}

func checkDoc(t *testing.T, c schemaChecker, name string) []string {
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return c.check("$", c.root, doc)
}

// The fixtures conform to the published schema; fixtures whose problem is
// one of shape (unknown fields, types, enums) do not.
func TestFixturesConformToSchema(t *testing.T) {
	c := loadSchema(t)
	shapeErrors := map[string]bool{"unknown_field": true, "unknown_setting": true, "unknown_type": true,
		"bad_collect": true, "structure": true, "wrong_case": true, "wrong_case_params": true, "http_settings": true}
	files, _ := filepath.Glob("testdata/*/*.json")
	for _, f := range files {
		if strings.HasSuffix(f, ".golden.json") || strings.HasSuffix(f, "catalog.json") {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		errs := checkDoc(t, c, f)
		switch {
		case shapeErrors[name] && len(errs) == 0:
			t.Errorf("%s: schema accepts a document of the wrong shape", f)
		case !shapeErrors[name] && len(errs) > 0:
			t.Errorf("%s does not conform:\n%s", f, strings.Join(errs, "\n"))
		}
	}
}

// The schema names exactly the settings the Go params types accept.
func TestSchemaMatchesParams(t *testing.T) {
	c := loadSchema(t)
	defs := c.root["$defs"].(map[string]any)
	for typ, kind := range nodeKinds {
		def, ok := defs["params_"+string(typ)].(map[string]any)
		if !ok {
			t.Errorf("schema has no params for %s", typ)
			continue
		}
		var inSchema []string
		for k := range def["properties"].(map[string]any) {
			inSchema = append(inSchema, k)
		}
		sort.Strings(inSchema)
		inGo := jsonFields(reflect.TypeOf(kind.newParams()).Elem())
		if !reflect.DeepEqual(inSchema, inGo) {
			t.Errorf("%s: schema has %v, Go has %v", typ, inSchema, inGo)
		}
	}
}

func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("json")
		if name := strings.Split(tag, ",")[0]; name != "" && name != "-" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
