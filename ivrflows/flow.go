package ivrflows

import "encoding/json"

// Flow is the JSON document a tenant edits: typed nodes joined by named exits,
// plus the variables the flow may read and set. It is only data; Compile turns
// it into a Program the interpreter runs.
type Flow struct {
	ID          string              `json:"id"`
	Name        string              `json:"name,omitempty"`
	Description string              `json:"description,omitempty"`
	Start       string              `json:"start"`
	Language    string              `json:"language,omitempty"` // initial language; default: the catalog's
	Variables   map[string]Variable `json:"variables,omitempty"`
	Nodes       []Node              `json:"nodes"`
}

// Variable declares a flow variable. Only declared variables (and the system
// variables, see SystemVariables) may be read or set, so a typo is caught when
// the flow is validated rather than on a live call.
type Variable struct {
	Type    VarType `json:"type"`
	Default any     `json:"default,omitempty"`
	// Secret keeps the value out of traces (a PIN, a card number): the trace
	// says the variable was set, not to what. Queue data reading it shows
	// SecretMask too; the flow itself (HTTP, SQL, conditions) sees the value.
	Secret bool `json:"secret,omitempty"`
}

// VarType is the type of a flow variable.
type VarType string

// Variable types. Numbers are float64 at run time.
const (
	TypeString VarType = "string"
	TypeNumber VarType = "number"
	TypeBool   VarType = "bool"
)

// Node is one step of a flow. Params hold the type's settings (see the
// XxxParams types); Exits map exit names to the IDs of the next nodes.
type Node struct {
	ID     string            `json:"id"`
	Type   NodeType          `json:"type"`
	Name   string            `json:"name,omitempty"`
	Params json.RawMessage   `json:"params,omitempty"`
	Exits  map[string]string `json:"exits,omitempty"`
}

// NodeType names what a node does.
type NodeType string

// Node types. ASR and conference nodes are planned: they will be new types
// with their own params, commands and inputs, nothing else changes.
const (
	NodePlay      NodeType = "play"
	NodeCollect   NodeType = "collect"
	NodeMenu      NodeType = "menu"
	NodeSet       NodeType = "set"
	NodeCondition NodeType = "condition"
	NodeSwitch    NodeType = "switch"
	NodeHours     NodeType = "hours"
	NodeLanguage  NodeType = "language"
	NodeHTTP      NodeType = "http"
	NodeSQL       NodeType = "sql"
	NodeQueue     NodeType = "queue"
	NodeTransfer  NodeType = "transfer"
	NodeVoicemail NodeType = "voicemail"
	NodeSurvey    NodeType = "survey"
	NodeLookup    NodeType = "lookup"
	NodeRecord    NodeType = "record"
	NodeHangup    NodeType = "hangup"
)

// System variables every flow can read. The interpreter sets them; a flow
// cannot assign them.
const (
	VarCaller   = "caller"   // caller number (ANI)
	VarCalled   = "called"   // dialled number (DNIS)
	VarCallID   = "call_id"  // the controller's call ID
	VarTenant   = "tenant"   // tenant ID
	VarLanguage = "language" // current language, set by language nodes
	VarAgent    = "agent_id" // the agent of the last queue hand-off, "" before
)

// SystemVariables lists the system variables and their types.
var SystemVariables = map[string]VarType{
	VarCaller: TypeString, VarCalled: TypeString, VarCallID: TypeString,
	VarTenant: TypeString, VarLanguage: TypeString, VarAgent: TypeString,
}
