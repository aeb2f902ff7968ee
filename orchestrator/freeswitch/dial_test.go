package freeswitch

import (
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// TestOriginateShowsAnyDisplayName: a caller-ID name typed by a user (any
// script, braces, quotes, ${...}) never fails the originate: what would end
// the variable block or expand is dropped, the rest is quoted.
func TestOriginateShowsAnyDisplayName(t *testing.T) {
	for name, want := range map[string]string{
		"Dialing 王小明 1002":        "origination_caller_id_name='Dialing 王小明 1002'",
		"Dialing {Bob} ${uuid} 7": "origination_caller_id_name='Dialing Bob uuid 7'",
		"O'Brien":                 "origination_caller_id_name=OBrien",
	} {
		spec := orchestrator.OriginateSpec{ID: "u1", To: orchestrator.Endpoint{Kind: orchestrator.EndpointUser, User: "1000", Domain: "acme.test"}}
		spec.CallerID.Name, spec.CallerID.Number = name, "1002"
		cmd, err := originateCommand(spec)
		if err != nil || !strings.Contains(cmd, want) {
			t.Errorf("%q: %s, %v; want it to contain %s", name, cmd, err, want)
		}
	}
}
