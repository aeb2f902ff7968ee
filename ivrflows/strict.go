package ivrflows

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

var rawMessageType = reflect.TypeOf(json.RawMessage(nil))

// DecodeStrict decodes one JSON value into v, rejecting unknown fields,
// fields spelt with other capitals (encoding/json matches names without
// regard to case; a flow's settings are case-sensitive, as in the JSON
// Schema) and trailing data. Errors are worded for the person who wrote the
// document.
func DecodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errors.New(jsonMessage(err))
	}
	if len(bytes.TrimSpace(data[dec.InputOffset():])) > 0 {
		return errors.New("extra data after the document")
	}
	var generic any
	if err := json.Unmarshal(data, &generic); err != nil {
		return errors.New(jsonMessage(err))
	}
	return exactKeys(generic, reflect.TypeOf(v), "")
}

// exactKeys checks that every object key in v is a field name of t exactly.
func exactKeys(v any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		fields := jsonFieldTypes(t)
		for _, k := range sortedKeys(m) {
			ft, ok := fields[k]
			if !ok {
				return fmt.Errorf("unknown setting %q%s", joinPath(path, k), caseHint(fields, k))
			}
			if err := exactKeys(m[k], ft, joinPath(path, k)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if m, ok := v.(map[string]any); ok {
			for _, k := range sortedKeys(m) {
				if err := exactKeys(m[k], t.Elem(), joinPath(path, k)); err != nil {
					return err
				}
			}
		}
	case reflect.Slice:
		if a, ok := v.([]any); ok && t != rawMessageType {
			for i, x := range a {
				if err := exactKeys(x, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func jsonFieldTypes(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func caseHint(fields map[string]reflect.Type, k string) string {
	for name := range fields {
		if strings.EqualFold(name, k) {
			return fmt.Sprintf(" (settings are case-sensitive: did you mean %q?)", name)
		}
	}
	return ""
}

func joinPath(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}
