package ivrflows

// Params of each node type. They are decoded from a node's "params" with
// unknown fields rejected, completed with defaults by Compile, and kept in the
// Program (unexported fields hold compiled expressions), so the compiled form
// marshals back to readable JSON for golden tests and the API.

// Prompt is one thing to say. Exactly one of Prompt, Text or Say is set.
type Prompt struct {
	// Prompt names a recorded prompt of the tenant (one file per language).
	Prompt string `json:"prompt,omitempty"`
	// Text is spoken by TTS in the caller's language: language -> text.
	// "${var}" inserts a variable. Key "*" is used for any language.
	Text map[string]string `json:"text,omitempty"`
	// Say speaks the value of Expr as a number, digits, date, time or text,
	// in the caller's language.
	Say  string `json:"say,omitempty"`
	Expr string `json:"expr,omitempty"`
	// Language, when set, plays this item in that language whatever the
	// caller's (a language menu says each choice in its own language).
	Language string `json:"language,omitempty"`

	files map[string]string // language -> file, from the catalog
	text  map[string]*template
	expr  *Expr
}

// PlayParams: play prompts, then exit "next".
type PlayParams struct {
	Prompts []Prompt `json:"prompts"`
	// BargeIn stops the prompts at the first key; the key is kept for the
	// next collect or menu (type-ahead).
	BargeIn bool `json:"barge_in,omitempty"`
}

// Digit collection modes (IVR-4).
const (
	ModeSingle   = "single"   // one key, any key
	ModeFixed    = "fixed"    // exactly Length digits
	ModeVariable = "variable" // Min..Max digits, ended by terminator, timeout or Max
)

// CollectParams: collect digits into Variable, exits "ok" and "fail" (all
// tries used).
type CollectParams struct {
	Prompts             []Prompt `json:"prompts,omitempty"`
	Mode                string   `json:"mode"`
	Length              int      `json:"length,omitempty"`
	Min                 int      `json:"min,omitempty"`
	Max                 int      `json:"max,omitempty"`
	Terminator          *string  `json:"terminator,omitempty"` // default "#"; "" for none
	ResetKey            *string  `json:"reset_key,omitempty"`  // default "*"; "" for none
	FirstDigitTimeoutMS int      `json:"first_digit_timeout_ms,omitempty"`
	InterDigitTimeoutMS int      `json:"inter_digit_timeout_ms,omitempty"`
	Tries               int      `json:"tries,omitempty"`
	InvalidPrompts      []Prompt `json:"invalid_prompts,omitempty"`
	NoInputPrompts      []Prompt `json:"no_input_prompts,omitempty"`
	Pattern             string   `json:"pattern,omitempty"` // regular expression the entry must match
	Variable            string   `json:"variable"`

	spec collectSpec
}

// MenuParams: one key picks the exit of the same name ("1".."9", "0", "*",
// "#"); exit "fail" after all tries. Keys typed ahead carry into the next
// menu, so a caller can jump to any depth (IVR-6).
type MenuParams struct {
	Prompts        []Prompt `json:"prompts"`
	TimeoutMS      int      `json:"timeout_ms,omitempty"`
	Tries          int      `json:"tries,omitempty"`
	InvalidPrompts []Prompt `json:"invalid_prompts,omitempty"`
	NoInputPrompts []Prompt `json:"no_input_prompts,omitempty"`

	spec collectSpec
}

// Assignment sets Var to the value of Expr.
type Assignment struct {
	Var  string `json:"var"`
	Expr string `json:"expr"`

	expr *Expr
}

// SetParams: assign variables in order, exit "next".
type SetParams struct {
	Assign []Assignment `json:"assign"`
}

// ConditionParams: exit "true" or "false".
type ConditionParams struct {
	Expr string `json:"expr"`

	expr *Expr
}

// SwitchParams: the exit named like the value of Expr, else "default".
type SwitchParams struct {
	Expr string `json:"expr"`

	expr *Expr
}

// HoursParams: exit "open", "closed" or "holiday" (falls back to "closed")
// by the tenant calendar, in its time zone.
type HoursParams struct {
	Calendar string `json:"calendar"`

	cal *Calendar
}

// LanguageParams: set the caller's language (drives prompts and TTS), exit
// "next". Exactly one of Language or Expr.
type LanguageParams struct {
	Language string `json:"language,omitempty"`
	Expr     string `json:"expr,omitempty"`

	expr *Expr
}

// HTTPParams: call one of the tenant's HTTP endpoints (IVR-13..15). The body
// is a JSON object: field -> expression. Map sets variables from expressions
// over "status" and "body" (the parsed JSON response). Exits "ok" (2xx) and
// "error" (after Retries more attempts).
type HTTPParams struct {
	Endpoint  string            `json:"endpoint"`
	Method    string            `json:"method,omitempty"` // default GET
	Path      string            `json:"path,omitempty"`   // "${var}" inserts a URL-escaped variable
	Headers   map[string]string `json:"headers,omitempty"`
	Body      map[string]string `json:"body,omitempty"`
	TimeoutMS int               `json:"timeout_ms,omitempty"`
	Retries   int               `json:"retries,omitempty"`
	Map       map[string]string `json:"map,omitempty"`

	path    *template
	body    map[string]*Expr
	mapping map[string]*Expr
	baseURL string
}

// SQLParams: run a parameterised query on a tenant data source (IVR-12).
// Params are expressions bound to $1, $2...; Map sets variables from
// expressions over "rows" and "count". Exits "ok", "empty" (no rows; falls
// back to "ok") and "error".
type SQLParams struct {
	DataSource string            `json:"datasource"`
	Query      string            `json:"query"`
	Params     []string          `json:"params,omitempty"`
	TimeoutMS  int               `json:"timeout_ms,omitempty"`
	MaxRows    int               `json:"max_rows,omitempty"`
	Map        map[string]string `json:"map,omitempty"`

	readOnly bool
	params   []*Expr
	mapping  map[string]*Expr
}

// QueueParams: hand the call to the ACD (IVR-9). Data travels with the call to
// the agent. Exit "done" once the agent leg ended with the caller still on the
// line (e.g. for a survey), "failed" when no agent took it.
type QueueParams struct {
	Queue        string            `json:"queue"`
	Priority     int               `json:"priority,omitempty"`
	PriorityExpr string            `json:"priority_expr,omitempty"`
	Skills       []string          `json:"skills,omitempty"`
	Data         map[string]string `json:"data,omitempty"` // key -> expression
	TimeoutS     int               `json:"timeout_s,omitempty"`

	priority   *Expr
	data       map[string]*Expr
	secretData []string // keys of data that read a secret variable: masked
}

// Transfer targets.
const (
	TransferAgent  = "agent"
	TransferQueue  = "queue"
	TransferFlow   = "flow"
	TransferNumber = "number"
)

// TransferParams: send the call elsewhere; the flow ends. Exit "failed"
// (optional) if the transfer did not happen. Target is fixed, or TargetExpr
// computes it (e.g. the account manager an HTTP node looked up); a computed
// queue or flow must still be one the tenant has.
type TransferParams struct {
	To         string `json:"to"`
	Target     string `json:"target,omitempty"`
	TargetExpr string `json:"target_expr,omitempty"`

	target *Expr
}

// VoicemailParams: record a message into a tenant mailbox (IVR-10), exit
// "next" (optional; without it the flow hangs up).
type VoicemailParams struct {
	Mailbox    string   `json:"mailbox"`
	Greeting   []Prompt `json:"greeting,omitempty"`
	MaxSeconds int      `json:"max_seconds,omitempty"`
	Notify     bool     `json:"notify,omitempty"`
}

// SurveyParams: after the agent leg, ask for a score Min..Max (one key) and
// store it per call and agent (OPS-6). Exit "next".
type SurveyParams struct {
	Question       string   `json:"question"`
	Prompts        []Prompt `json:"prompts"`
	Min            int      `json:"min,omitempty"`
	Max            int      `json:"max,omitempty"`
	TimeoutMS      int      `json:"timeout_ms,omitempty"`
	Tries          int      `json:"tries,omitempty"`
	InvalidPrompts []Prompt `json:"invalid_prompts,omitempty"`

	spec collectSpec
}

// LookupParams: look Key (an expression, default the caller number) up in a
// tenant list such as a blacklist or VIP list (OPS-3, OPS-4). Exits "found"
// and "not_found".
type LookupParams struct {
	List string `json:"list"`
	Key  string `json:"key,omitempty"`

	key *Expr
}

// RecordParams: record the caller into a file whose path goes to Variable,
// exit "next".
type RecordParams struct {
	Prompts    []Prompt `json:"prompts,omitempty"`
	MaxSeconds int      `json:"max_seconds,omitempty"`
	Beep       bool     `json:"beep,omitempty"`
	Variable   string   `json:"variable,omitempty"`
}

// HangupParams: optionally play prompts, then hang up. No exits.
type HangupParams struct {
	Prompts []Prompt `json:"prompts,omitempty"`
	Cause   string   `json:"cause,omitempty"` // default NORMAL_CLEARING
}
