package flowrun

import (
	"strings"

	"github.com/switchboard-cc/switchboard/ivrflows"
)

// Secret variables (a PIN, a card number) work in clear inside the flow: the
// interpreter's State keeps them, and HTTP, SQL and conditions use them.
// Nothing the runner hands out carries them. The interpreter masks them in
// its trace and in queue data that reads them; Outcome.Vars shows
// ivrflows.SecretMask for each secret variable that has a value (masked
// rather than dropped, so whoever reads the outcome still sees that it was
// collected, and "" still means it was not). As a second wall for copies
// made through other variables (a set node, an HTTP response echoing the
// PIN), any other string value containing a secret's value is masked too,
// in the outcome, the queue data and the trace, and error messages quoting
// one are scrubbed: over-masking a value that merely contains the digits is
// the safe way to be wrong.

// publicVars is a copy of the flow's variables safe to hand out.
func (in *instance) publicVars() map[string]any {
	if in.state == nil {
		return nil
	}
	secrets := in.secretValues()
	out := make(map[string]any, len(in.state.Vars))
	for k, v := range in.state.Vars {
		if (in.prog.Secret(k) && v != "") || containsSecret(v, secrets) {
			v = ivrflows.SecretMask
		}
		out[k] = v
	}
	return out
}

// publicQueue masks queue data that contains a secret's value.
func (in *instance) publicQueue(q ivrflows.Queue) ivrflows.Queue {
	secrets := in.secretValues()
	if len(secrets) == 0 || len(q.Data) == 0 {
		return q
	}
	data := make(map[string]string, len(q.Data))
	for k, v := range q.Data {
		if containsSecret(v, secrets) {
			v = ivrflows.SecretMask
		}
		data[k] = v
	}
	q.Data = data
	return q
}

// publicTrace masks, in the interpreter's trace entries (which already mask
// the secret variables themselves), values set to a copy of a secret and
// secrets quoted in error messages.
func (in *instance) publicTrace(entries []ivrflows.TraceEntry) []ivrflows.TraceEntry {
	secrets := in.secretValues()
	if len(secrets) == 0 {
		return entries
	}
	for i := range entries {
		entries[i].Error = scrub(entries[i].Error, secrets)
		for j, c := range entries[i].Set {
			if containsSecret(c.Value, secrets) {
				entries[i].Set[j].Value = ivrflows.SecretMask
			}
		}
	}
	return entries
}

// secretValues are the non-empty string values of the secret variables (a
// number or true/false is too short a pattern to look for in other values;
// those are masked by name only).
func (in *instance) secretValues() []string {
	if in.state == nil {
		return nil
	}
	var out []string
	for k, v := range in.state.Vars {
		if s, ok := v.(string); ok && s != "" && s != ivrflows.SecretMask && in.prog.Secret(k) {
			out = append(out, s)
		}
	}
	return out
}

// scrub masks secret values inside an error message (an expression
// failing on int(pin) quotes the PIN).
func scrub(msg string, secrets []string) string {
	for _, sec := range secrets {
		msg = strings.ReplaceAll(msg, sec, ivrflows.SecretMask)
	}
	return msg
}

func containsSecret(v any, secrets []string) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	for _, sec := range secrets {
		if strings.Contains(s, sec) {
			return true
		}
	}
	return false
}
