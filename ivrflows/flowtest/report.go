package flowtest

import (
	"fmt"
	"io"

	"github.com/switchboard-cc/switchboard/ivrflows"
)

type (
	ivrQueue  = ivrflows.Queue
	ivrSurvey = ivrflows.SaveSurvey
)

// WriteText writes the report for people: one line per case, the failures
// under a failed case with the path it took, then a summary line.
func (r Report) WriteText(w io.Writer) error {
	for _, c := range r.Cases {
		status := "PASS"
		if !c.Passed {
			status = "FAIL"
		}
		if _, err := fmt.Fprintf(w, "%s  %s  (%s, %v)\n", status, c.Name, c.Outcome, c.Duration); err != nil {
			return err
		}
		if c.Passed {
			continue
		}
		for _, f := range c.Failures {
			fmt.Fprintf(w, "      - %s\n", f)
		}
		fmt.Fprintf(w, "      path: %s\n", path(c.Visited))
	}
	_, err := fmt.Fprintf(w, "flow %s: %d passed, %d failed\n", r.Flow, r.Passed, r.Failed)
	return err
}
