package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/labstack/echo/v5"
)

// maxBodyBytes bounds every JSON request body; nothing we accept is larger.
const maxBodyBytes = 1 << 20

// decodeJSON reads exactly one JSON object into dst, rejecting unknown fields,
// wrong types and trailing data with a 400 that names the field.
func decodeJSON(c *echo.Context, dst any) error {
	r := c.Request()
	body := http.MaxBytesReader(c.Response(), r.Body, maxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errBadField("body", "unexpected data after the JSON object")
	}
	if f := nulField(reflect.ValueOf(dst), ""); f != "" {
		return errBadField(f, "must not contain NUL characters")
	}
	return nil
}

// decodeError turns encoding/json's errors into field-naming API errors.
func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return errBadField("body", "a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errBadField("body", "malformed JSON: unexpected end of input")
	case errors.As(err, &syn):
		return errBadField("body", "malformed JSON: "+syn.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return errBadField("body", "expected a JSON object, got "+typ.Value)
		}
		return errBadField(field, "wrong type: expected "+jsonTypeName(typ.Type.Kind().String())+", got "+typ.Value)
	case errors.As(err, &tooBig):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Message: "request body exceeds 1 MiB"}
	}
	// encoding/json has no typed error for unknown fields; its message format
	// `json: unknown field "x"` is stable since Go 1.10 and is the only way
	// to name the field.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return errBadField(strings.Trim(name, `"`), "unknown field")
	}
	return errBadField("body", "invalid JSON: "+err.Error())
}

func jsonTypeName(kind string) string {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "number"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	case "bool":
		return "boolean"
	}
	return kind
}
