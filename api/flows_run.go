package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/ivrflows/flowtest"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Test runs play a scripted caller (keys with timing, caller number, time of
// day, stubbed HTTP/SQL/queue answers) against the draft or a version with
// ivrflows/flowtest: nothing is dialled, nothing leaves the process.

func (s *Server) flowRunRoutes(one string, w tenancy.Permission) []route {
	return []route{
		{method: http.MethodPost, path: one + "/test", name: "testFlowDraft", summary: "Test-run the draft with a scripted caller; returns the full trace",
			scope: scopeTenant, perm: w, body: flowtest.Case{}, resp: flowtest.CaseReport{}, status: http.StatusOK, h: s.testFlowDraft},
		{method: http.MethodPost, path: one + "/versions/:version/test", name: "testFlowVersion", summary: "Test-run a published version with a scripted caller; returns the full trace",
			scope: scopeTenant, perm: w, body: flowtest.Case{}, resp: flowtest.CaseReport{}, status: http.StatusOK, h: s.testFlowVersion},
	}
}

func (s *Server) testFlowDraft(c *echo.Context) error {
	f, err := s.flowOf(c)
	if err != nil {
		return err
	}
	return s.runCase(c, f, f.Draft)
}

func (s *Server) testFlowVersion(c *echo.Context) error {
	f, v, err := s.flowVersionOf(c)
	if err != nil {
		return err
	}
	return s.runCase(c, f, v.Doc)
}

// runCase compiles doc against the tenant's catalog as it is now and plays
// the request's case against it.
func (s *Server) runCase(c *echo.Context, f store.Flow, doc []byte) error {
	tc, err := readCase(c, doc)
	if err != nil {
		return err
	}
	flow, err := ivrflows.Parse(doc)
	if err != nil {
		return errFlowInvalid("the flow cannot run", []ivrflows.ValidationError{{Message: err.Error()}})
	}
	problems, prog, err := s.validateFlow(c.Request().Context(), f.TenantID, flow)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return errFlowInvalid("the flow cannot run", problems)
	}
	rep := flowtest.Run(prog, tc)
	for i := range rep.HTTPCalls { // endpoint headers carry the tenant's credentials
		for k := range rep.HTTPCalls[i].Headers {
			rep.HTTPCalls[i].Headers[k] = "(redacted)"
		}
	}
	return c.JSON(http.StatusOK, rep)
}

// readCase decodes the case strictly, then lets flowtest check it as part
// of a test file (keys, times, inputs), so the rules are flowtest's.
func readCase(c *echo.Context, doc []byte) (flowtest.Case, error) {
	var tc flowtest.Case
	if err := decodeJSON(c, &tc); err != nil {
		return tc, err
	}
	if tc.Name == "" {
		tc.Name = "test run"
	}
	file, err := json.Marshal(flowtest.File{Flow: doc, Cases: []flowtest.Case{tc}})
	if err != nil {
		return tc, errBadField("body", err.Error())
	}
	parsed, err := flowtest.ParseFile(file)
	if errors.Is(err, flowtest.ErrBadTestFile) {
		return tc, errBadField("body", err.Error())
	}
	if err != nil {
		return tc, err
	}
	return parsed.Cases[0], nil
}
