package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// apiPrefix is where every REST route lives.
const apiPrefix = "/api/v1"

// scope says who may call a route before its permission is checked.
type scope int

const (
	// scopePublic needs no credentials (login, refresh, the OpenAPI document).
	scopePublic scope = iota
	// scopeAuthed needs any valid credential and no permission (logout, me).
	scopeAuthed
	// scopePlatform is for platform roles only; tenant roles get 403.
	scopePlatform
	// scopeTenant lives under /tenants/:tenant_id; platform roles may act on
	// any tenant, tenant roles only on their own (others look absent: 404).
	scopeTenant
)

func (s scope) String() string {
	return [...]string{"public", "authenticated", "platform", "tenant"}[s]
}

// route is one REST endpoint with everything needed to authorise it, document
// it and test it: every route declares its permission when registered.
type route struct {
	method  string
	path    string // relative to apiPrefix, echo syntax (/tenants/:tenant_id)
	name    string // OpenAPI operationId; its description is operationDocs[name]
	summary string
	scope   scope
	perm    tenancy.Permission // "" only for public and authed routes
	body    any                // request body type, for the document
	// bodyOptional: the body may be left out (an empty body is accepted).
	bodyOptional bool
	// bodyMedia lists the media types of a body that is not JSON (files).
	bodyMedia []string
	resp      any  // response type (items type when list)
	list      bool // paginated {"items","next_cursor"}
	// query documents the query parameters the handler reads (besides a
	// list's limit and cursor).
	query []oaParam
	// media is the response's media type when it is not JSON: a file, CSV,
	// or text/event-stream (resp is then each event's data).
	media      string
	idempotent bool // honours Idempotency-Key
	status     int  // success status
	h          echo.HandlerFunc
}

func (r route) public() bool { return r.scope == scopePublic }

// allows reports whether a credential of role may call the route (its
// tenant's routes only, for a tenant role).
func (r route) allows(role tenancy.Role) bool {
	switch r.scope {
	case scopePublic, scopeAuthed:
		return true
	case scopePlatform:
		return role.Platform() && tenancy.Allowed(role, r.perm)
	}
	return tenancy.Allowed(role, r.perm)
}

// write reports whether the route changes state (suspended tenants refuse these).
func (r route) write() bool { return r.method != http.MethodGet }

// tag groups operations in the document (and docs/api.md's route tables)
// by the resource after the tenant. Platform routes under a tenant act on
// the tenant itself (suspend, resume, archive): tenants.
func (r route) tag() string {
	parts := strings.Split(strings.TrimPrefix(r.path, "/"), "/")
	if len(parts) >= 3 && parts[0] == "tenants" && parts[1] == ":tenant_id" && r.scope != scopePlatform {
		return parts[2]
	}
	return parts[0]
}

// routeGroups is the route table, one function per resource file. Files
// owned by other teams (api/acd*.go) add theirs from an init function:
//
//	func init() { routeGroups = append(routeGroups, (*Server).acdRoutes) }
//
// and are then documented, guarded and walked by the tests like the rest.
var routeGroups = []func(*Server) []route{
	(*Server).metaRoutes, (*Server).authRoutes, (*Server).tenantRoutes, (*Server).userRoutes,
	(*Server).apiKeyRoutes, (*Server).siteRoutes, (*Server).nodeRoutes, (*Server).numberRoutes,
	(*Server).skillRoutes, (*Server).queueRoutes, (*Server).agentRoutes, (*Server).auditRoutes,
}

// allRoutes builds the route table.
func (s *Server) allRoutes() []route {
	var rs []route
	for _, group := range routeGroups {
		rs = append(rs, group(s)...)
	}
	return rs
}
