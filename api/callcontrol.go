package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/orchestrator"
	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Live call control (AG-3, OPS-13): an agent works its own call (hold, mute,
// hang up, blind transfer); supervisors see the tenant's live calls, force
// release them and listen, whisper or barge. Every action is audited.

func init() { routeGroups = append(routeGroups, (*Server).callControlRoutes) }

// CallControl is the live call path (orchestrator/calls.Service).
type CallControl interface {
	LiveCalls(tenant tenancy.TenantID) []calls.CallView
	// SubscribeLive returns the live calls now and every later change.
	SubscribeLive(tenant tenancy.TenantID, n int) ([]calls.CallView, *calls.Subscription[calls.LiveChange])
	AgentOf(tenant tenancy.TenantID, callID string) (string, error)
	Hold(ctx context.Context, tenant tenancy.TenantID, callID string, on bool) error
	Mute(ctx context.Context, tenant tenancy.TenantID, callID string, on bool) error
	Release(ctx context.Context, tenant tenancy.TenantID, callID string) error
	Transfer(ctx context.Context, tenant tenancy.TenantID, callID string, to calls.TransferTo) error
	Monitor(ctx context.Context, tenant tenancy.TenantID, callID, supervisorAgent string, mode orchestrator.EavesdropMode) (orchestrator.Key, error)
	Dial(ctx context.Context, tenant tenancy.TenantID, agent string, to calls.DialTarget) (string, error)
	Consult(ctx context.Context, tenant tenancy.TenantID, callID string, to calls.TransferTo) error
	CompleteConsult(ctx context.Context, tenant tenancy.TenantID, callID string) error
	CancelConsult(ctx context.Context, tenant tenancy.TenantID, callID string) error
	AnswerOffer(tenant tenancy.TenantID, agent string) error
}

// DialRequest starts a call from the signed-in agent's phone: to an external
// number (through the gateway, with the tenant's caller ID) or to another
// agent of the tenant (internal call). Exactly one is given.
type DialRequest struct {
	Number  string `json:"number,omitempty"`
	AgentID string `json:"agent_id,omitempty"`
}

// liveCalls is what UseCalls connects.
type liveCalls struct {
	cc  CallControl
	hub *calls.Hub
}

var callsByServer sync.Map // *Server -> liveCalls

// PhoneModes switches agents between their SIP phone and an external number
// ("pc+phone" mode, AG-1).
type PhoneModes interface {
	SetExternalPhone(tenant tenancy.TenantID, agent, number string)
	SetAnswerMode(tenant tenancy.TenantID, agent, mode string)
}

var phonesByServer sync.Map // *Server -> PhoneModes

// UsePhones connects the server to the agents' phone modes.
func (s *Server) UsePhones(p PhoneModes) { phonesByServer.Store(s, p) }

// PhoneModeRequest sets where the signed-in agent's offers ring: an external
// number (through the gateway), or "" for the agent's SIP phone; and how
// they are answered: "ring" (pick up the phone), "auto" (auto-answer) or
// "desktop" (answer on the desktop, then the phone connects by itself).
type PhoneModeRequest struct {
	Number     string `json:"number" required:"false" doc:"digits, +, * and # (at most 32): offers ring this number through the gateway; empty or absent: the agent's SIP phone"`
	AnswerMode string `json:"answer_mode,omitempty" doc:"absent: ring"`
}

// UseCalls connects the server to the live call path and its screen-pop hub;
// until then the call control routes answer 404 (no live call).
func (s *Server) UseCalls(cc CallControl, hub *calls.Hub) { callsByServer.Store(s, liveCalls{cc, hub}) }

func (s *Server) callControl() (CallControl, error) {
	v, _ := callsByServer.Load(s)
	if lc, ok := v.(liveCalls); ok && lc.cc != nil {
		return lc.cc, nil
	}
	return nil, errNotFound("live call")
}

// OnOffRequest switches hold or mute.
type OnOffRequest struct {
	On bool `json:"on" required:"false" doc:"true: hold (mute); false or absent: release it"`
}

// TransferRequest is a blind transfer: kind "number" (an external number
// through the gateway), "dialplan" (an extension of the switch's dialplan,
// e.g. an IVR entry), "queue" (back into the ACD) or "agent" (this queue with
// that agent preferred).
type TransferRequest struct {
	Kind   string `json:"kind"`
	Target string `json:"target" doc:"the number, extension, queue (name or ID) or agent ID; 1 to 64 characters, digits, +, * and # only for number and dialplan"`
}

// transferKinds and consultKinds are the kinds a blind transfer and a
// consultation accept.
var (
	transferKinds = []string{"number", "dialplan", "queue", "agent"}
	consultKinds  = []string{"agent", "number"}
)

// ConsultRequest starts an attended transfer: kind "agent" (an agent of the
// tenant, by ID) or "number" (an external number through the gateway).
type ConsultRequest struct {
	Kind   string `json:"kind"`
	Target string `json:"target" doc:"the agent ID or the number; 1 to 64 characters, digits, +, * and # only for a number"`
}

// MonitorRequest rings the supervisor's own phone and joins it to the call.
type MonitorRequest struct {
	Mode string `json:"mode"` // a key of eavesdropModes
}

// CallActionResult acknowledges a call-control action.
type CallActionResult struct {
	CallID string `json:"call_id"`
	Action string `json:"action"`
	Leg    string `json:"leg,omitempty"` // the supervisor's leg for monitor
}

func (s *Server) callControlRoutes() []route {
	p := "/tenants/:tenant_id/live-calls"
	own := func(action, summary string, body any, h echo.HandlerFunc) route {
		return route{method: http.MethodPost, path: p + "/:call_id/" + action, name: action + "Call", summary: summary,
			scope: scopeTenant, perm: tenancy.PermSelfState, body: body, resp: CallActionResult{}, status: http.StatusOK, h: h}
	}
	return []route{
		{method: http.MethodPut, path: "/tenants/:tenant_id/agent-phone", name: "setAgentPhone",
			summary: "The signed-in agent works on an external number (offers ring it through the gateway) or, with an empty number, on its SIP phone",
			scope:   scopeTenant, perm: tenancy.PermSelfState, body: PhoneModeRequest{}, resp: PhoneModeRequest{}, status: http.StatusOK, h: s.setAgentPhone},
		{method: http.MethodPost, path: "/tenants/:tenant_id/agent-answer", name: "answerOffer",
			summary: "Desktop answer mode: answer the offer ringing on the agent's desktop; the phone then connects by itself (409 without an offer)",
			scope:   scopeTenant, perm: tenancy.PermSelfState, resp: CallActionResult{}, status: http.StatusOK, h: s.answerOffer},
		{method: http.MethodPost, path: "/tenants/:tenant_id/agent-calls", name: "dialCall",
			summary: "The signed-in agent calls a number (gateway, tenant caller ID, PSTN quota) or another agent; the agent's phone rings first",
			scope:   scopeTenant, perm: tenancy.PermSelfState, body: DialRequest{}, resp: CallActionResult{}, status: http.StatusOK, h: s.dialCall},
		{method: http.MethodGet, path: p + "/events", name: "streamCallNotices",
			summary: "Server-sent events: screen pops (offer with caller, number, queue and attached data), connected, ended; agents see their own, monitors all",
			scope:   scopeTenant, perm: tenancy.PermQueuesRead, resp: CallNotice{}, media: "text/event-stream", status: http.StatusOK, h: s.streamCallNotices},
		{method: http.MethodGet, path: p, name: "listLiveCalls",
			summary: "Every call of the tenant that is up now, oldest first: inbound calls from admission to hang-up, and calls placed by agents; " +
				"state is ivr (in an IVR flow: flow_id, flow_node), voicemail (leaving a message), queued (waiting in queue_id), " +
				"ringing (an offered agent's phone rings; an agent-placed call not yet answered), talking (with agent_id), " +
				"or external (the caller bridged to an outside number: external_number); " +
				"direction is inbound, outbound (to a number through the gateway) or internal (to another agent); remote_number is the other party. " +
				"Hang-up works in every state; hold, mute, transfer, consult and monitor answer 409 not_connected until an agent talks",
			scope: scopeTenant, perm: tenancy.PermMonitor, resp: liveCallList{}, status: http.StatusOK, h: s.listLiveCalls},
		own("hold", "Hold or unhold the other party: the caller, or the far end of an agent-placed call (the call's agent, or a supervisor)", OnOffRequest{}, s.holdCall),
		own("mute", "Mute or unmute the agent (the call's agent, or a supervisor)", OnOffRequest{}, s.muteCall),
		own("hangup", "Hang up the call: the agent's hang-up, or a supervisor's force release", nil, s.hangupCall),
		own("consult", "Attended transfer of an inbound call: hold the caller and ring another agent or a number; the agent talks to them once they answer", ConsultRequest{}, s.consultCall),
		{method: http.MethodPost, path: p + "/:call_id/consult/complete", name: "completeConsult",
			summary: "Attended transfer: join the caller with the consulted party; the agent is released",
			scope:   scopeTenant, perm: tenancy.PermSelfState, resp: CallActionResult{}, status: http.StatusOK, h: s.completeConsult},
		{method: http.MethodPost, path: p + "/:call_id/consult/cancel", name: "cancelConsult",
			summary: "Attended transfer: drop the consulted party and return to the caller",
			scope:   scopeTenant, perm: tenancy.PermSelfState, resp: CallActionResult{}, status: http.StatusOK, h: s.cancelConsult},
		own("transfer", "Blind transfer of an inbound call to an external number or a dialplan extension; the agent is released", TransferRequest{}, s.transferCall),
		{method: http.MethodPost, path: p + "/:call_id/monitor", name: "monitorCall",
			summary: "Supervisor: ring the supervisor's phone and listen, whisper or barge",
			scope:   scopeTenant, perm: tenancy.PermMonitorControl, body: MonitorRequest{}, resp: CallActionResult{}, status: http.StatusOK, h: s.monitorCall},
	}
}

// liveCallList is the live-call list as the document describes it: the
// CallView schema with the states and the fields each one sets.
type liveCallList []calls.CallView

// liveCallStates describes each state of calls.CallStates.
var liveCallStates = map[calls.CallState]string{
	calls.StateIVR:       "an inbound call in an IVR flow (flow_id, flow_node), before any queue or after its agent left",
	calls.StateVoicemail: "an inbound caller leaving a message (flow_id, flow_node)",
	calls.StateQueued:    "an inbound call waiting for an agent of queue_id (from the queue's greeting on)",
	calls.StateRinging:   "an offered agent's phone rings for an inbound call (no agent_id yet), or an agent-placed call is not answered yet",
	calls.StateTalking:   "connected: an inbound call with agent_id, or an answered agent-placed call",
	calls.StateExternal:  "an inbound caller bridged, or being bridged, to an outside number (external_number): a transfer or an overflow to a number",
}

func (liveCallList) openAPISchema() map[string]any {
	g := &schemaGen{schemas: map[string]any{}, types: map[string]reflect.Type{}}
	g.schema(reflect.TypeOf(calls.CallView{}))
	item := g.schemas["CallView"].(map[string]any)
	props := item["properties"].(map[string]any)
	var enum []any
	var desc []string
	for _, st := range calls.CallStates() {
		enum = append(enum, string(st))
		desc = append(desc, string(st)+": "+liveCallStates[st])
	}
	props["state"] = map[string]any{"type": "string", "enum": enum, "description": strings.Join(desc, "; ")}
	for name, d := range map[string]string{
		"queue_id":        "the queue an inbound call waits or was answered in; empty before any queue and for agent-placed calls",
		"flow_id":         "states ivr and voicemail: the flow the call is in",
		"flow_node":       "states ivr and voicemail: the node of the flow the call is in",
		"external_number": "state external: the outside number the caller is bridged to",
		"agent_id":        "the agent talking on an inbound call, or the agent who placed the call",
	} {
		props[name].(map[string]any)["description"] = d
	}
	return map[string]any{"type": "array", "items": item}
}

func (s *Server) listLiveCalls(c *echo.Context) error {
	cc, err := s.callControl()
	if err != nil {
		return c.JSON(http.StatusOK, []calls.CallView{})
	}
	list := cc.LiveCalls(tenantOf(c).ID)
	if list == nil {
		list = []calls.CallView{}
	}
	return c.JSON(http.StatusOK, list)
}

// ownCall checks that the caller may act on the call: supervisors on any of
// the tenant's calls, an agent only on the call it is talking on.
func (s *Server) ownCall(c *echo.Context) (CallControl, string, error) {
	cc, err := s.callControl()
	if err != nil {
		return nil, "", err
	}
	tenant, callID := tenantOf(c).ID, c.Param("call_id")
	agent, err := cc.AgentOf(tenant, callID)
	if err != nil {
		return nil, "", callError(err)
	}
	p := principalOf(c)
	if tenancy.Allowed(p.Role, tenancy.PermMonitorControl) {
		return cc, callID, nil
	}
	me, ok, err := s.agentOfPrincipal(c)
	if err != nil {
		return nil, "", err
	}
	if !ok || me != agent {
		return nil, "", errForbidden("only the call's agent or a supervisor may do this")
	}
	return cc, callID, nil
}

func (s *Server) agentOfPrincipal(c *echo.Context) (string, bool, error) {
	p := principalOf(c)
	reg := s.acdOwners()
	if p == nil || p.UserID == "" || reg == nil {
		return "", false, nil
	}
	return reg.AgentOfUser(c.Request().Context(), string(tenantOf(c).ID), p.UserID)
}

func (s *Server) holdCall(c *echo.Context) error {
	return s.onOff(c, "hold", func(cc CallControl, ctx context.Context, t tenancy.TenantID, id string, on bool) error {
		return cc.Hold(ctx, t, id, on)
	})
}

func (s *Server) muteCall(c *echo.Context) error {
	return s.onOff(c, "mute", func(cc CallControl, ctx context.Context, t tenancy.TenantID, id string, on bool) error {
		return cc.Mute(ctx, t, id, on)
	})
}

func (s *Server) onOff(c *echo.Context, action string, do func(CallControl, context.Context, tenancy.TenantID, string, bool) error) error {
	var in OnOffRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cc, id, err := s.ownCall(c)
	if err != nil {
		return err
	}
	if !in.On {
		action = "un" + action
	}
	if err := do(cc, c.Request().Context(), tenantOf(c).ID, id, in.On); err != nil {
		return callError(err)
	}
	return s.callDone(c, id, action, "", nil)
}

func (s *Server) hangupCall(c *echo.Context) error {
	return s.callAction(c, "hangup", CallControl.Release)
}

func (s *Server) transferCall(c *echo.Context) error {
	var in TransferRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cc, id, err := s.ownCall(c) // first, so another tenant's call is a 404 whatever the body
	if err != nil {
		return err
	}
	if err := checkTarget(in, transferKinds...); err != nil {
		return err
	}
	if err := cc.Transfer(c.Request().Context(), tenantOf(c).ID, id, calls.TransferTo{Kind: in.Kind, Target: in.Target}); err != nil {
		return callError(err)
	}
	return s.callDone(c, id, "transfer", "", in)
}

func (s *Server) setAgentPhone(c *echo.Context) error {
	var in PhoneModeRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Number != "" && (len(in.Number) > 32 || !dialable(in.Number)) {
		return errInvalid(FieldError{Field: "number", Problem: "digits, +, * and # only, at most 32; empty for the SIP phone"})
	}
	mode, ok := answerModes[in.AnswerMode]
	if !ok {
		return errInvalid(FieldError{Field: "answer_mode", Problem: fmt.Sprintf("%q is not one of ring, auto, desktop", in.AnswerMode)})
	}
	v, _ := phonesByServer.Load(s)
	pm, ok := v.(PhoneModes)
	if !ok {
		return errNotFound("phone modes")
	}
	me, ok, err := s.agentOfPrincipal(c)
	if err != nil {
		return err
	}
	if !ok {
		return errNotFound("agent of this credential")
	}
	pm.SetExternalPhone(tenantOf(c).ID, me, in.Number)
	pm.SetAnswerMode(tenantOf(c).ID, me, mode)
	if err := s.store.AppendAudit(c.Request().Context(), actor(c), tenantOf(c).ID, "agent.phone_mode", "agent", me,
		map[string]bool{"external": in.Number != ""}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, in)
}

var answerModes = map[string]string{"": calls.AnswerRing, "ring": calls.AnswerRing, "auto": calls.AnswerAuto, "desktop": calls.AnswerDesktop}

// answerOffer is the agent's "answer" click in desktop answer mode.
func (s *Server) answerOffer(c *echo.Context) error {
	cc, err := s.callControl()
	if err != nil {
		return err
	}
	me, ok, err := s.agentOfPrincipal(c)
	if err != nil {
		return err
	}
	if !ok {
		return errNotFound("agent of this credential")
	}
	if err := cc.AnswerOffer(tenantOf(c).ID, me); err != nil {
		if errors.Is(err, calls.ErrNoOffer) {
			return errConflict("no_offer", err.Error())
		}
		return err
	}
	return c.JSON(http.StatusOK, CallActionResult{Action: "answer"})
}

func (s *Server) consultCall(c *echo.Context) error {
	var body ConsultRequest
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	in := TransferRequest(body)
	cc, id, err := s.ownCall(c)
	if err != nil {
		return err
	}
	if err := checkTarget(in, consultKinds...); err != nil {
		return err
	}
	if err := cc.Consult(c.Request().Context(), tenantOf(c).ID, id, calls.TransferTo{Kind: in.Kind, Target: in.Target}); err != nil {
		return callError(err)
	}
	return s.callDone(c, id, "consult", "", in)
}

func (s *Server) completeConsult(c *echo.Context) error {
	return s.callAction(c, "consult_complete", CallControl.CompleteConsult)
}

func (s *Server) cancelConsult(c *echo.Context) error {
	return s.callAction(c, "consult_cancel", CallControl.CancelConsult)
}

// callAction runs a body-less action on a call the caller may act on, and
// audits it.
func (s *Server) callAction(c *echo.Context, action string, do func(CallControl, context.Context, tenancy.TenantID, string) error) error {
	cc, id, err := s.ownCall(c)
	if err != nil {
		return err
	}
	if err := do(cc, c.Request().Context(), tenantOf(c).ID, id); err != nil {
		return callError(err)
	}
	return s.callDone(c, id, action, "", nil)
}

// checkTarget validates a transfer or consult target against the kinds allowed.
func checkTarget(in TransferRequest, kinds ...string) error {
	if !slices.Contains(kinds, in.Kind) {
		return errInvalid(FieldError{Field: "kind", Problem: fmt.Sprintf("%q is not one of %s", in.Kind, strings.Join(kinds, ", "))})
	}
	if in.Target == "" || len(in.Target) > 64 {
		return errInvalid(FieldError{Field: "target", Problem: "required, at most 64 characters"})
	}
	if (in.Kind == "number" || in.Kind == "dialplan") && !dialable(in.Target) {
		return errInvalid(FieldError{Field: "target", Problem: "a number or extension: digits, +, * and # only"})
	}
	return nil
}

func dialable(s string) bool {
	for _, r := range s {
		if (r < '0' || r > '9') && r != '+' && r != '*' && r != '#' {
			return false
		}
	}
	return true
}

var eavesdropModes = map[string]orchestrator.EavesdropMode{"listen": orchestrator.Listen, "whisper": orchestrator.Whisper, "barge": orchestrator.Barge}

func (s *Server) monitorCall(c *echo.Context) error {
	var in MonitorRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cc, err := s.callControl()
	if err != nil {
		return err
	}
	if _, err := cc.AgentOf(tenantOf(c).ID, c.Param("call_id")); err != nil {
		return callError(err) // another tenant's call is a 404 whatever the body
	}
	mode, ok := eavesdropModes[in.Mode]
	if !ok {
		return errInvalid(FieldError{Field: "mode", Problem: fmt.Sprintf("%q is not one of listen, whisper, barge", in.Mode)})
	}
	sup, ok, err := s.agentOfPrincipal(c)
	if err != nil {
		return err
	}
	if !ok {
		return errConflict("no_phone", "the supervisor needs an agent record with a phone to listen from")
	}
	id := c.Param("call_id")
	leg, err := cc.Monitor(c.Request().Context(), tenantOf(c).ID, id, sup, mode)
	if err != nil {
		return callError(err)
	}
	return s.callDone(c, id, "monitor_"+in.Mode, leg.ID, nil)
}

func (s *Server) callDone(c *echo.Context, callID, action, leg string, details any) error {
	if err := s.store.AppendAudit(c.Request().Context(), actor(c), tenantOf(c).ID, "call."+action, "call", callID, details); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, CallActionResult{CallID: callID, Action: action, Leg: leg})
}

func (s *Server) dialCall(c *echo.Context) error {
	var in DialRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if (in.Number == "") == (in.AgentID == "") {
		return errInvalid(FieldError{Field: "number", Problem: "give a number or an agent_id, not both"})
	}
	if in.Number != "" && (len(in.Number) > 32 || !dialable(in.Number)) {
		return errInvalid(FieldError{Field: "number", Problem: "digits, +, * and # only, at most 32"})
	}
	if len(in.AgentID) > 64 {
		return errInvalid(FieldError{Field: "agent_id", Problem: "at most 64 characters"})
	}
	cc, err := s.callControl()
	if err != nil {
		return err
	}
	me, ok, err := s.agentOfPrincipal(c)
	if err != nil {
		return err
	}
	if !ok {
		return errConflict("no_phone", "only an agent with a phone can place calls")
	}
	id, err := cc.Dial(c.Request().Context(), tenantOf(c).ID, me, calls.DialTarget{Number: in.Number, Agent: in.AgentID})
	if err != nil {
		return callError(err)
	}
	return s.callDone(c, id, "dial", "", in)
}

// callError maps the call path's errors to the API's.
func callError(err error) error {
	switch {
	case errors.Is(err, calls.ErrNoCall):
		return errNotFound("live call")
	case errors.Is(err, calls.ErrBadTarget):
		return errInvalid(FieldError{Field: "agent_id", Problem: err.Error()})
	case errors.Is(err, calls.ErrAgentNoPhone):
		return errConflict("phone_not_registered", err.Error())
	case errors.Is(err, calls.ErrGatewayMissing):
		return errConflict("gateway_missing", err.Error())
	case errors.Is(err, calls.ErrTenantBlocked):
		return errForbidden(err.Error())
	case errors.Is(err, tenancy.ErrOverQuota):
		return errConflict("quota_exceeded", err.Error())
	case errors.Is(err, acd.ErrInvalidConfig):
		return errConflict("acd_refused", err.Error())
	case errors.Is(err, calls.ErrNoConsult):
		return errConflict("no_consultation", err.Error())
	case errors.Is(err, calls.ErrNotInbound):
		return errConflict("not_inbound", err.Error())
	case errors.Is(err, calls.ErrConsulting):
		return errConflict("consulting", err.Error())
	case errors.Is(err, calls.ErrNotConnected):
		return errConflict("not_connected", "the call is not connected to an agent")
	case errors.Is(err, orchestrator.ErrNotRegistered):
		return errConflict("phone_not_registered", err.Error())
	case errors.Is(err, orchestrator.ErrUnsupported):
		return newError(http.StatusNotImplemented, "unsupported", err.Error())
	case errors.Is(err, orchestrator.ErrCallEnded), errors.Is(err, orchestrator.ErrNoSuchCall):
		return errNotFound("live call")
	}
	return acdError(err) // the ACD's refusals (illegal state: 409 with the state), else as is
}

// streamCallNotices relays the tenant's call notices as server-sent events.
func (s *Server) streamCallNotices(c *echo.Context) error {
	v, _ := callsByServer.Load(s)
	lc, ok := v.(liveCalls)
	if !ok || lc.hub == nil {
		return errNotFound("live call events")
	}
	self := ""
	if p := principalOf(c); p == nil || !tenancy.Allowed(p.Role, tenancy.PermMonitor) {
		me, ok, err := s.agentOfPrincipal(c)
		if err != nil {
			return err
		}
		if !ok {
			return errNotFound("agent of this credential")
		}
		self = me
	}
	sub := lc.hub.Subscribe(tenantOf(c).ID, streamBuffer)
	defer sub.Close()
	stream := startSSE(c)
	ctx := c.Request().Context()
	crm := &crmLinks{s: s, tenant: tenantOf(c).ID}
	for {
		select {
		case <-ctx.Done():
			return nil
		case n, ok := <-sub.C:
			if !ok {
				_ = stream.send("event: end\ndata: {\"reason\":%q}\n\n", sub.Err())
				return nil
			}
			if self != "" && n.Agent != self {
				continue
			}
			b, err := json.Marshal(CallNotice{Notice: n, CRMURL: crm.link(ctx, n)})
			if err != nil {
				return err
			}
			if err := stream.event(n.Kind, b); err != nil {
				return nil
			}
		}
	}
}
