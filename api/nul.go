package api

import (
	"reflect"
	"strings"

	"github.com/labstack/echo/v5"
)

// PostgreSQL refuses NUL characters in text, so a NUL that reached the store
// would be a 500 on PostgreSQL and stored on SQLite. Every way in is checked
// here: JSON bodies (nulField), path and query parameters (rejectNUL).

// nulField returns the JSON path of the first string in v holding a NUL, or "".
func nulField(v reflect.Value, path string) string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ""
		}
		return nulField(v.Elem(), path)
	case reflect.String:
		if strings.IndexByte(v.String(), 0) >= 0 {
			return orBody(path)
		}
	case reflect.Struct:
		return nulStruct(v, path)
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "" // raw JSON: escapes stay text
		}
		for i := 0; i < v.Len(); i++ {
			if f := nulField(v.Index(i), path); f != "" {
				return f
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if strings.IndexByte(it.Key().String(), 0) >= 0 {
				return orBody(path)
			}
			if f := nulField(it.Value(), join(path, it.Key().String())); f != "" {
				return f
			}
		}
	}
	return ""
}

func nulStruct(v reflect.Value, path string) string {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		p := join(path, name)
		if sf.Anonymous {
			p = path
		}
		if f := nulField(v.Field(i), p); f != "" {
			return f
		}
	}
	return ""
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func orBody(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

// rejectNUL refuses path and query parameters holding a NUL.
func rejectNUL(c *echo.Context) error {
	for _, pv := range c.PathValues() {
		if strings.IndexByte(pv.Value, 0) >= 0 {
			return errBadField(pv.Name, "must not contain NUL characters")
		}
	}
	for name, vals := range c.QueryParams() {
		for _, v := range vals {
			if strings.IndexByte(v, 0) >= 0 || strings.IndexByte(name, 0) >= 0 {
				return errBadField(strings.ReplaceAll(name, "\x00", ""), "must not contain NUL characters")
			}
		}
	}
	return nil
}
