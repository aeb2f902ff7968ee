package api

import (
	"encoding/json"
	"net/http"
	"path"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/store"
)

// The OpenAPI document is generated from the route table and the Go types the
// handlers read and write, so it cannot drift from the code; a test also
// checks it against the routes echo actually registered.

type oaDoc struct {
	OpenAPI    string                             `json:"openapi"`
	Info       map[string]string                  `json:"info"`
	Servers    []map[string]string                `json:"servers"`
	Paths      map[string]map[string]*oaOperation `json:"paths"`
	Components oaComponents                       `json:"components"`
}

type oaComponents struct {
	Schemas         map[string]any `json:"schemas"`
	Responses       map[string]any `json:"responses"`
	SecuritySchemes map[string]any `json:"securitySchemes"`
}

type oaOperation struct {
	OperationID string                `json:"operationId"`
	Summary     string                `json:"summary"`
	Description string                `json:"description,omitempty"`
	Tags        []string              `json:"tags,omitempty"`
	Permission  string                `json:"x-permission,omitempty"`
	Security    []map[string][]string `json:"security"`
	Parameters  []oaParam             `json:"parameters,omitempty"`
	RequestBody *oaBody               `json:"requestBody,omitempty"`
	Responses   map[string]any        `json:"responses"`
}

type oaParam struct {
	Name        string         `json:"name"`
	In          string         `json:"in"`
	Description string         `json:"description,omitempty"`
	Required    bool           `json:"required"`
	Schema      map[string]any `json:"schema"`
}

type oaBody struct {
	Required bool           `json:"required"`
	Content  map[string]any `json:"content"`
}

// oaPath turns echo's /tenants/:tenant_id into OpenAPI's /tenants/{tenant_id}.
func oaPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

func pathParams(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if strings.HasPrefix(s, ":") {
			out = append(out, s[1:])
		}
	}
	return out
}

// buildOpenAPI renders the document for routes (paths relative to /api/v1).
func buildOpenAPI(routes []route) *oaDoc {
	g := &schemaGen{schemas: map[string]any{}, types: map[string]reflect.Type{}}
	g.schemas["Error"] = errorSchema()
	doc := &oaDoc{
		OpenAPI: "3.0.3",
		Info:    map[string]string{"title": "Switchboard API", "version": "v1"},
		Servers: []map[string]string{{"url": apiPrefix}},
		Paths:   map[string]map[string]*oaOperation{},
		Components: oaComponents{Schemas: g.schemas, Responses: errorResponses(), SecuritySchemes: map[string]any{
			"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT or sbk_ API key"},
			"apiKey": map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key"},
		}},
	}
	for _, r := range routes {
		p := oaPath(r.path)
		if doc.Paths[p] == nil {
			doc.Paths[p] = map[string]*oaOperation{}
		}
		doc.Paths[p][strings.ToLower(r.method)] = g.operation(r)
	}
	return doc
}

func (g *schemaGen) operation(r route) *oaOperation {
	op := &oaOperation{OperationID: r.name, Summary: r.summary, Description: description(r), Tags: []string{r.tag()},
		Permission: string(r.perm), Security: []map[string][]string{{"bearer": {}}, {"apiKey": {}}},
		Responses: map[string]any{"default": map[string]any{"description": "error",
			"content": jsonContent(map[string]any{"$ref": "#/components/schemas/Error"})}}}
	if r.public() {
		op.Security = []map[string][]string{}
	}
	for _, name := range pathParams(r.path) {
		op.Parameters = append(op.Parameters, oaParam{Name: name, In: "path", Required: true, Schema: map[string]any{"type": "string"}})
	}
	if r.list {
		op.Parameters = append(op.Parameters,
			oaParam{Name: "limit", In: "query", Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": store.MaxLimit}},
			oaParam{Name: "cursor", In: "query", Schema: map[string]any{"type": "string"}})
	}
	op.Parameters = append(op.Parameters, r.query...)
	if r.idempotent {
		op.Parameters = append(op.Parameters, oaParam{Name: "Idempotency-Key", In: "header", Schema: map[string]any{"type": "string", "maxLength": 255}})
	}
	switch {
	case r.body != nil:
		op.RequestBody = &oaBody{Required: !r.bodyOptional, Content: jsonContent(g.schema(reflect.TypeOf(r.body)))}
	case len(r.bodyMedia) > 0:
		content := map[string]any{}
		for _, m := range r.bodyMedia {
			content[m] = map[string]any{"schema": mediaSchema(m)}
		}
		op.RequestBody = &oaBody{Required: true, Content: content}
	}
	for _, st := range errorStatuses(r) {
		op.Responses[statusKey(st)] = map[string]any{"$ref": "#/components/responses/" + statusKey(st)}
	}
	op.Responses[statusKey(r.status)] = g.response(r)
	return op
}

// errorStatuses are the error answers a route can give, from its shape.
func errorStatuses(r route) []int {
	var out []int
	// 401: no valid credential, or (public writes: login, refresh) the
	// password or refresh token in the body was refused.
	if !r.public() || r.write() && r.body != nil {
		out = append(out, http.StatusUnauthorized)
	}
	// 403: the role lacks the permission; on an authenticated write, the
	// credential's kind cannot do it (an API key has no password); on a
	// public write (login, refresh), the account is disabled or its tenant
	// archived.
	if r.scope == scopePlatform || r.scope == scopeTenant || r.write() && r.scope != scopeTenant {
		out = append(out, http.StatusForbidden)
	}
	// 404: an object in the path, or (authenticated writes with a body) the
	// session the body names, does not exist.
	if r.scope == scopeTenant || len(pathParams(r.path)) > 0 || r.scope == scopeAuthed && r.write() && r.body != nil {
		out = append(out, http.StatusNotFound)
	}
	if r.body != nil || len(r.bodyMedia) > 0 || r.list {
		out = append(out, http.StatusBadRequest, http.StatusUnprocessableEntity)
	}
	if r.write() && !r.public() {
		out = append(out, http.StatusConflict)
	}
	return out
}

// errorResponses are the shared error answers operations refer to.
func errorResponses() map[string]any {
	out := map[string]any{}
	for _, st := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
		http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity} {
		out[statusKey(st)] = map[string]any{"description": http.StatusText(st),
			"content": jsonContent(map[string]any{"$ref": "#/components/schemas/Error"})}
	}
	return out
}

func (g *schemaGen) response(r route) map[string]any {
	resp := map[string]any{"description": http.StatusText(r.status)}
	if r.status == http.StatusCreated {
		resp["headers"] = map[string]any{"Location": map[string]any{"required": true, "schema": map[string]any{"type": "string"},
			"description": "the path of what was created, under /api/v1"}}
	}
	if r.media != "" && r.media != "text/event-stream" {
		resp["content"] = map[string]any{r.media: map[string]any{"schema": mediaSchema(r.media)}}
		return resp
	}
	if r.resp == nil {
		return resp
	}
	s := g.schema(reflect.TypeOf(r.resp))
	if r.media != "" { // each event's data
		resp["content"] = map[string]any{r.media: map[string]any{"schema": s}}
		return resp
	}
	if r.list {
		s = map[string]any{"type": "object", "required": []string{"items", "next_cursor"}, "properties": map[string]any{
			"items":       map[string]any{"type": "array", "items": s},
			"next_cursor": map[string]any{"type": "string", "nullable": true},
		}}
	}
	resp["content"] = jsonContent(s)
	return resp
}

// mediaSchema is the schema of a body that is not JSON.
func mediaSchema(media string) map[string]any {
	switch media {
	case "multipart/form-data":
		return map[string]any{"type": "object", "properties": map[string]any{
			"name":     map[string]any{"type": "string"},
			"language": map[string]any{"type": "string"},
			"file":     map[string]any{"type": "string", "format": "binary"},
		}}
	case "text/csv":
		return map[string]any{"type": "string"}
	case "application/schema+json":
		return map[string]any{"type": "object"}
	}
	return map[string]any{"type": "string", "format": "binary"}
}

func statusKey(s int) string { return strconv.Itoa(s) }

func jsonContent(schema any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

func errorSchema() map[string]any {
	return map[string]any{"type": "object", "required": []string{"error"}, "properties": map[string]any{
		"error": map[string]any{"type": "object", "required": []string{"code", "message", "request_id"},
			"properties": map[string]any{
				"code":       map[string]any{"type": "string"},
				"message":    map[string]any{"type": "string"},
				"details":    map[string]any{},
				"request_id": map[string]any{"type": "string"},
			}},
	}}
}

// schemaGen turns Go types into JSON Schema, registering named structs once
// under components/schemas.
type schemaGen struct {
	schemas map[string]any
	types   map[string]reflect.Type // the Go type registered under each name
}

var (
	timeType = reflect.TypeOf(time.Time{})
	rawType  = reflect.TypeOf(json.RawMessage{})
)

// openAPISchemer lets a type whose JSON is not its Go shape (a raw document
// with its own JSON Schema) describe itself.
type openAPISchemer interface{ openAPISchema() map[string]any }

var schemerType = reflect.TypeOf((*openAPISchemer)(nil)).Elem()

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	if t.Implements(schemerType) {
		return reflect.Zero(t).Interface().(openAPISchemer).openAPISchema()
	}
	if t.Kind() == reflect.Pointer {
		s := g.schema(t.Elem())
		if _, isRef := s["$ref"]; isRef {
			return map[string]any{"allOf": []any{s}, "nullable": true}
		}
		s["nullable"] = true
		return s
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{}
	case t.Kind() == reflect.Struct && t.Name() == "": // an anonymous struct: inline
		return g.object(t)
	case t.Kind() == reflect.Struct:
		return g.structRef(t)
	}
	if values, ok := typeEnums[t]; ok {
		return map[string]any{"type": "string", "enum": slices.Clone(values)}
	}
	return g.scalar(t)
}

func (g *schemaGen) scalar(t reflect.Type) map[string]any {
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	}
	return map[string]any{}
}

func (g *schemaGen) structRef(t reflect.Type) map[string]any {
	name := t.Name()
	if prev, ok := g.types[name]; ok && prev != t {
		name = path.Base(t.PkgPath()) + name // store.Queue and ivrflows.Queue both appear
	}
	g.types[name] = t
	ref := map[string]any{"$ref": "#/components/schemas/" + name}
	if _, done := g.schemas[name]; done {
		return ref
	}
	g.schemas[name] = map[string]any{} // placeholder stops recursion
	g.schemas[name] = g.object(t)
	return ref
}

// object is the schema of struct t's fields.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, props, &required)
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		sort.Strings(required)
		s["required"] = required
	}
	return s
}

// fields adds t's JSON fields (flattening embedded structs) to props.
//
// A field is required when the JSON always carries it (responses) and the
// server refuses a request without it. The default reads the Go shape (no
// omitempty/omitzero, not a pointer); a `required:"true"` or
// `required:"false"` tag says otherwise where the server's rule differs (a
// pointer it insists on, a value whose zero it accepts). A `doc` tag is the
// field's description; fieldEnums, mapKeys and fieldTypes
// (openapi_values.go) give closed sets of values and of map keys, and the
// real shape of raw JSON fields.
func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			g.fields(f.Type, props, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.field(t, f, name)
		req := !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") && f.Type.Kind() != reflect.Pointer
		switch f.Tag.Get("required") {
		case "true":
			req = true
		case "false":
			req = false
		}
		if req {
			*required = append(*required, name)
		}
	}
}

// field is the schema of one field of owner.
func (g *schemaGen) field(owner reflect.Type, f reflect.StructField, name string) map[string]any {
	ft := f.Type
	if as, ok := fieldTypes[fieldKey{owner, name}]; ok {
		ft = as
	}
	s := g.schema(ft)
	if enum := f.Tag.Get("enum"); enum != "" { // a closed set of string values
		s = withEnum(s, strings.Split(enum, ","))
	}
	if values, ok := fieldEnums[fieldKey{owner, name}]; ok {
		s = withEnum(s, values)
	}
	if m, ok := mapKeys[fieldKey{owner, name}]; ok {
		s = withKeys(s, m.keys, m.doc)
	}
	if doc := f.Tag.Get("doc"); doc != "" {
		s = withDescription(s, doc)
	}
	return s
}

// withEnum limits a string schema (or an array's string items) to values.
func withEnum(s map[string]any, values []string) map[string]any {
	if s["type"] == "array" {
		s["items"] = withEnum(s["items"].(map[string]any), values)
		return s
	}
	out := map[string]any{"type": "string", "enum": slices.Clone(values)}
	if s["nullable"] == true {
		out["nullable"] = true
	}
	return out
}

// withKeys turns a map's schema into an object whose properties are
// exactly keys, none required, each with the map's value schema.
func withKeys(s map[string]any, keys []string, doc string) map[string]any {
	props := map[string]any{}
	for _, k := range keys {
		props[k] = s["additionalProperties"]
	}
	return map[string]any{"type": "object", "properties": props, "additionalProperties": false, "description": doc}
}

// withDescription describes s; a bare $ref cannot carry siblings in
// OpenAPI 3.0, so it is wrapped.
func withDescription(s map[string]any, doc string) map[string]any {
	if _, isRef := s["$ref"]; isRef {
		s = map[string]any{"allOf": []any{s}}
	}
	s["description"] = doc
	return s
}
