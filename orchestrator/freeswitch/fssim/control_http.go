package fssim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// The HTTP control API lets tests drive an fssim that runs as its own
// process (`switchboard sim node -control ...`): the same verbs as the Go
// control API, as JSON. It is off unless Config.ControlListen is set.
//
//	POST   /v1/phones                  PhoneRequest              204
//	DELETE /v1/phones/{user}/{domain}  (unregister)              204
//	POST   /v1/calls                   CallRequest               201 {"uuid": ...}
//	GET    /v1/calls                                             200 [CallInfo]
//	GET    /v1/calls/{uuid}                                      200 CallInfo
//	POST   /v1/calls/{uuid}/hangup     {"cause": "..."}          204
//	POST   /v1/calls/{uuid}/dtmf       {"digits": "12#"}         204
//	POST   /v1/node/drop, /v1/node/restore                       204
//
// Errors are {"error": "..."} with 400 (bad request), 404 (no such call),
// 409 (node dropped) or 502 (the controller's socket did not answer).

// PhoneRequest registers a simulated phone.
type PhoneRequest struct {
	User          string `json:"user"`
	Domain        string `json:"domain"`
	AnswerAfterMS int64  `json:"answer_after_ms"`
	NoAnswer      bool   `json:"no_answer"`
	Busy          bool   `json:"busy"`
	HangupAfterMS int64  `json:"hangup_after_ms"`
	TalkForMS     int64  `json:"talk_for_ms"`
}

// CallRequest places a simulated caller.
type CallRequest struct {
	Socket        string            `json:"socket"` // the controller's outbound-socket address
	From          string            `json:"from"`
	To            string            `json:"to"`
	Vars          map[string]string `json:"vars"`
	DTMF          string            `json:"dtmf"`
	DTMFGapMS     int64             `json:"dtmf_gap_ms"`
	HangupAfterMS int64             `json:"hangup_after_ms"`
	Fallback      []DialplanApp     `json:"fallback"`
}

func (n *Node) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/phones", n.httpRegister)
	mux.HandleFunc("DELETE /v1/phones/{user}/{domain}", n.httpUnregister)
	mux.HandleFunc("POST /v1/calls", n.httpPlace)
	mux.HandleFunc("GET /v1/calls", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, n.Calls()) })
	mux.HandleFunc("GET /v1/calls/{uuid}", n.httpCall)
	mux.HandleFunc("POST /v1/calls/{uuid}/hangup", n.httpHangup)
	mux.HandleFunc("POST /v1/calls/{uuid}/dtmf", n.httpDTMF)
	mux.HandleFunc("POST /v1/node/drop", func(w http.ResponseWriter, _ *http.Request) { n.Drop(); w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("POST /v1/node/restore", func(w http.ResponseWriter, _ *http.Request) {
		if err := n.Restore(); err != nil {
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// startControl serves the control API until the node closes.
func (n *Node) startControl(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("fssim: control listen %s: %w", addr, err)
	}
	n.controlAddr = ln.Addr().String()
	srv := &http.Server{Handler: n.controlHandler(), ReadHeaderTimeout: 5 * time.Second}
	n.wg.Add(2)
	go func() { defer n.wg.Done(); srv.Serve(ln) }()
	go func() {
		defer n.wg.Done()
		<-n.ctx.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	return nil
}

// ControlAddr is the HTTP control API's address, "" when it is off.
func (n *Node) ControlAddr() string { return n.controlAddr }

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("fssim: request body: %w", err))
		return false
	}
	return true
}

func (n *Node) httpRegister(w http.ResponseWriter, r *http.Request) {
	var p PhoneRequest
	if !decode(w, r, &p) {
		return
	}
	err := n.RegisterPhone(p.User, p.Domain, PhoneScript{AnswerAfter: ms(p.AnswerAfterMS),
		NoAnswer: p.NoAnswer, Busy: p.Busy, HangupAfter: ms(p.HangupAfterMS), TalkFor: ms(p.TalkForMS)})
	respond(w, err)
}

func (n *Node) httpUnregister(w http.ResponseWriter, r *http.Request) {
	respond(w, n.UnregisterPhone(r.PathValue("user"), r.PathValue("domain")))
}

func (n *Node) httpPlace(w http.ResponseWriter, r *http.Request) {
	var c CallRequest
	if !decode(w, r, &c) {
		return
	}
	if c.Socket == "" {
		writeError(w, http.StatusBadRequest, errorf("place call: socket (the controller's address) is required"))
		return
	}
	call, err := n.PlaceCall(r.Context(), c.Socket, IncomingCall{From: c.From, To: c.To, Vars: c.Vars,
		DTMF: Presses(c.DTMF, ms(max(c.DTMFGapMS, 1))), HangupAfter: ms(c.HangupAfterMS), Fallback: c.Fallback})
	switch {
	case err == nil:
		writeJSON(w, http.StatusCreated, map[string]string{"uuid": call.UUID()})
	case call != nil: // the socket failed: the call exists and fell back
		writeJSON(w, http.StatusBadGateway, map[string]string{"uuid": call.UUID(), "error": err.Error()})
	default:
		respond(w, err)
	}
}

func (n *Node) httpCall(w http.ResponseWriter, r *http.Request) {
	ci, ok := n.CallByUUID(r.PathValue("uuid"))
	if !ok {
		writeError(w, http.StatusNotFound, errorf("no call %s", r.PathValue("uuid")))
		return
	}
	writeJSON(w, http.StatusOK, ci)
}

func (n *Node) httpHangup(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Cause string `json:"cause"`
	}
	if r.ContentLength != 0 && !decode(w, r, &b) {
		return
	}
	if err := n.Kill(r.PathValue("uuid"), b.Cause); err != nil {
		writeError(w, http.StatusNotFound, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (n *Node) httpDTMF(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Digits string `json:"digits"`
	}
	if !decode(w, r, &b) {
		return
	}
	if err := n.Press(r.PathValue("uuid"), b.Digits); err != nil {
		writeError(w, http.StatusNotFound, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Press makes the caller of a live channel press digits now.
func (n *Node) Press(uuid, digits string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	ch := n.channels[uuid]
	if ch == nil || !ch.live() {
		return errorf("press: no live channel %s", uuid)
	}
	for i := 0; i < len(digits); i++ {
		n.pressLocked(ch, digits[i])
	}
	return nil
}

func ms(v int64) time.Duration { return time.Duration(v) * time.Millisecond }

func respond(w http.ResponseWriter, err error) {
	switch {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, ErrDropped):
		writeError(w, http.StatusConflict, err)
	default:
		writeError(w, http.StatusBadRequest, err)
	}
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
