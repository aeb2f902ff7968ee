package freeswitch

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// dialString renders an endpoint as a FreeSWITCH dial string.
func dialString(to orchestrator.Endpoint) (string, error) {
	const bad = " \t{}[],|@/"
	switch to.Kind {
	case orchestrator.EndpointUser:
		if err := checkArg("user", to.User, bad); err != nil {
			return "", err
		}
		if err := checkArg("domain", to.Domain, strings.ReplaceAll(bad, "/", "")); err != nil {
			return "", err
		}
		return "user/" + to.User + "@" + to.Domain, nil
	case orchestrator.EndpointGateway:
		if err := checkArg("gateway", to.Gateway, bad); err != nil {
			return "", err
		}
		if err := checkArg("number", to.Number, bad); err != nil {
			return "", err
		}
		return "sofia/gateway/" + to.Gateway + "/" + to.Number, nil
	case orchestrator.EndpointCall:
		return "", errorf(orchestrator.ErrUnsupported, "dialling an existing call (use BridgeCalls)")
	}
	return "", errorf(ErrBadArgument, "endpoint kind %d", to.Kind)
}

// channelVarBlock renders {k=v,...} for a dial string. Commas in values are
// escaped as FreeSWITCH expects; names and values that could end the block
// are refused. Keys are sorted so the text is deterministic.
func channelVarBlock(vars map[string]string) (string, error) {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		if err := checkArg("variable name", k, " \t{}[],=|'\""); err != nil {
			return "", err
		}
		v := vars[k]
		if strings.ContainsAny(v, "{}[]\r\n") {
			return "", errorf(ErrBadArgument, "variable %s value %q contains braces or a newline", k, v)
		}
		if strings.ContainsAny(v, " '") {
			v = "'" + strings.ReplaceAll(v, "'", "") + "'"
		}
		parts = append(parts, k+"="+strings.ReplaceAll(v, ",", `\,`))
	}
	if len(parts) == 0 {
		return "", nil
	}
	return "{" + strings.Join(parts, ",") + "}", nil
}

func seconds(d time.Duration) string {
	return fmt.Sprint(int(math.Ceil(d.Seconds())))
}
