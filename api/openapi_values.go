package api

import (
	"fmt"
	"maps"
	"reflect"
	"slices"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/callconfig"
	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/ivrflows/flowtest"
	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// What the Go types do not say about the JSON the API reads and writes:
// which string fields take a closed set of values, and the real shape of
// fields kept as raw JSON. Every list comes from the code that accepts or
// produces the values (never typed out again here), so the document follows
// the code; TestOpenAPIEnums checks a few against the server.

// fieldKey names one JSON field of one Go struct type.
type fieldKey struct {
	t    reflect.Type
	name string
}

func key[T any](name string) fieldKey { return fieldKey{reflect.TypeFor[T](), name} }

// strs turns a list of string-kinded values into strings.
func strs[S ~string](vs ...S) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// names turns a list of values into their String() names.
func names[S fmt.Stringer](vs []S) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.String()
	}
	return out
}

// typeEnums: every field of one of these named string types, wherever it
// appears, takes one of these values.
var typeEnums = map[reflect.Type][]string{
	reflect.TypeFor[tenancy.Role]():       strs(tenancy.Roles...),
	reflect.TypeFor[tenancy.Language]():   strs(tenancy.Languages...),
	reflect.TypeFor[tenancy.Status]():     strs(tenancy.Statuses...),
	reflect.TypeFor[tenancy.Permission](): strs(tenancy.AllPermissions...),
	reflect.TypeFor[store.NodeKind]():     strs(store.NodeKinds...),
	reflect.TypeFor[store.EntryKind]():    strs(store.EntryKinds...),
	reflect.TypeFor[store.ActorKind]():    strs(store.ActorKinds...),
	reflect.TypeFor[calls.CallState]():    strs(calls.CallStates()...),
	reflect.TypeFor[calls.Direction]():    strs(calls.Inbound, calls.Outbound, calls.Internal),
	reflect.TypeFor[calls.Disposition]():  strs(calls.Dispositions...),
	reflect.TypeFor[ivrflows.Outcome]():   strs(ivrflows.Outcomes...),
	reflect.TypeFor[ivrflows.NodeType]():  strs(ivrflows.NodeTypes()...),
}

// fieldEnums: plain string fields that take a closed set of values.
var fieldEnums = map[fieldKey][]string{
	key[CreateNodeRequest]("kind"):                            drivenKinds(),
	key[UpdateNodeRequest]("kind"):                            drivenKinds(),
	key[store.QueueInput]("strategy"):                         store.QueueStrategies,
	key[store.Queue]("strategy"):                              store.QueueStrategies,
	key[callconfig.QueueSettings]("service_level_definition"): acd.SLDefinitionNames(),
	key[ACDWindow]("service_level_definition"):                acd.SLDefinitionNames(),
	key[callconfig.Overflow]("kind"):                          overflowKinds(),
	key[AgentStateRequest]("state"):                           selfStates,
	key[SupervisorStateRequest]("state"):                      supervisorStates,
	key[ACDAgentState]("state"):                               names(acd.States()),
	key[ACDWaiting]("medium"):                                 names(acd.Media()),
	key[ACDStreamEvent]("kind"):                               acdStreamKinds(),
	key[ACDStreamEvent]("medium"):                             names(acd.Media()),
	key[ACDStreamEvent]("from"):                               names(acd.States()),
	key[ACDStreamEvent]("to"):                                 names(acd.States()),
	key[ACDStreamEvent]("event"):                              names(acd.Events()),
	key[TransferRequest]("kind"):                              transferKinds,
	key[ConsultRequest]("kind"):                               consultKinds,
	key[MonitorRequest]("mode"):                               slices.Sorted(maps.Keys(eavesdropModes)),
	key[PhoneModeRequest]("answer_mode"):                      answerModeNames(),
	key[CreateAPIKeyRequest]("role"):                          tenantRoles(),
	key[store.APIKey]("role"):                                 tenantRoles(),
	key[Me]("role"):                                           strs(tenancy.Roles...),
	key[DataSourceRequest]("driver"):                          store.DataSourceDrivers,
	key[store.DataSource]("driver"):                           store.DataSourceDrivers,
	key[calls.Notice]("disposition"):                          strs(calls.Dispositions...),
	key[LiveCallEvent]("kind"):                                liveStreamKinds(),
	key[store.AuditEntry]("action"):                           store.AuditActions,
	key[store.AuditEntry]("resource_type"):                    store.AuditResourceTypes,
	key[store.TraceStep]("node_type"):                         strs(ivrflows.NodeTypes()...),
	key[flowtest.Expect]("outcome"):                           strs(ivrflows.Outcomes...),
	key[calls.Notice]("kind"):                                 calls.NoticeKinds,
	// The call path writes these literally: legs in orchestrator/calls
	// (ring.go, consult.go, session.go, dial.go, phone.go), problem sources
	// in cmd/switchboard/configproblems.go.
	key[store.CDR]("leg"):        {"caller", "agent", "consult", "outbound", "internal"},
	key[ConfigProblem]("source"): {"callconfig", "xmlcurl"},
}

// mapKeys: maps whose keys are a closed set; the document shows them as
// objects with exactly these optional properties. Only keys with a count
// appear: an absent key is 0.
var mapKeys = map[fieldKey]struct {
	keys []string
	doc  string
}{
	key[ACDQueueStats]("agents"): {names(acd.States()), "the queue's logged-in agents by state; states with none are left out"},
	key[ACDAgentState]("work"):   {names(acd.Media()), "the agent's interactions in progress by medium; media with none are left out"},
}

// fieldTypes: fields kept as raw JSON whose content the server parses with
// a Go type; the document shows that type.
var fieldTypes = map[fieldKey]reflect.Type{
	key[store.QueueInput]("settings"): reflect.TypeFor[callconfig.QueueSettings](),
	key[store.Queue]("settings"):      reflect.TypeFor[callconfig.QueueSettings](),
}

// overflowKinds are the overflow destinations callconfig.Overflow.ACD accepts.
func overflowKinds() []string {
	var out []string
	for k := acd.OverflowNone; k <= acd.OverflowVoicemail; k++ {
		out = append(out, k.String())
	}
	return out
}

// acdStreamKinds are the SSE event names of the ACD stream (streamEvent):
// the ACD's decisions but its timers, queue figures, and the stream's end.
func acdStreamKinds() []string {
	var out []string
	for k := acd.DecOffer; k <= acd.DecFinished; k++ {
		if k != acd.DecTimer {
			out = append(out, k.String())
		}
	}
	return append(out, "queue_stats", "end")
}

// answerModeNames are the answer modes PhoneModeRequest accepts (absent is ring).
func answerModeNames() []string {
	var out []string
	for k := range answerModes {
		if k != "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// drivenKinds are the node kinds the API accepts (drivenKind); a stored
// node (store.Node) may still show an older kind.
func drivenKinds() []string {
	var out []string
	for _, k := range store.NodeKinds {
		if drivenKind(k) == nil {
			out = append(out, string(k))
		}
	}
	return out
}

// tenantRoles are the roles an API key may have (store.checkRole).
func tenantRoles() []string {
	var out []string
	for _, r := range tenancy.Roles {
		if !r.Platform() {
			out = append(out, string(r))
		}
	}
	return out
}
