package api

import (
	"net/http"
	"sync"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Configuration problems: rows of call configuration that the builders left
// out at the last reload (written before a rule existed, or by hand in the
// database). Each one costs its own tenant that row only; the platform's
// operators list them here to fix them.

func init() { routeGroups = append(routeGroups, (*Server).configProblemRoutes) }

// ConfigProblem is one row the call configuration left out, and why.
type ConfigProblem struct {
	// Source is the builder that left it out: "callconfig" (the call path's
	// snapshot and number plan) or "xmlcurl" (what FreeSWITCH is served).
	Source   string           `json:"source"`
	TenantID tenancy.TenantID `json:"tenant_id,omitempty"` // empty for platform objects (nodes, sites)
	Object   string           `json:"object"`              // e.g. access number <id> ("+8620...")
	Reason   string           `json:"reason"`
}

// ConfigProblemList is every problem of the configuration now served.
type ConfigProblemList struct {
	Items []ConfigProblem `json:"items"`
}

// ConfigProblems reports the configuration problems now (cmd/switchboard
// keeps them from each reload).
type ConfigProblems interface {
	ConfigProblems() []ConfigProblem
}

var configProblemsByServer sync.Map // *Server -> ConfigProblems

// UseConfigProblems connects the server to the builders' problems; until
// then the list is empty.
func (s *Server) UseConfigProblems(p ConfigProblems) { configProblemsByServer.Store(s, p) }

func (s *Server) configProblemRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/config-problems", name: "listConfigProblems",
			summary: "Rows of call configuration left out at the last reload (any tenant), and why",
			scope:   scopePlatform, perm: tenancy.PermPlatformRead, resp: ConfigProblemList{}, status: http.StatusOK, h: s.listConfigProblems},
	}
}

func (s *Server) listConfigProblems(c *echo.Context) error {
	out := ConfigProblemList{Items: []ConfigProblem{}}
	if v, ok := configProblemsByServer.Load(s); ok {
		out.Items = append(out.Items, v.(ConfigProblems).ConfigProblems()...)
	}
	return c.JSON(http.StatusOK, out)
}
