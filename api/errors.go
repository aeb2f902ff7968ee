package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"
)

// Error is the one error type every handler returns. Message and Details are
// safe to show to the caller; Cause is logged, never sent.
type Error struct {
	Status  int
	Code    string
	Message string
	Details any
	Cause   error
	// RetryAfter, when set, is sent as a Retry-After header (throttling, lockout).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return e.Code + ": " + e.Message
}

// Unwrap exposes the cause to errors.Is/As.
func (e *Error) Unwrap() error { return e.Cause }

// StatusCode lets echo's helpers read the status.
func (e *Error) StatusCode() int { return e.Status }

// FieldError names one field that failed validation and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

// errorBody is the wire shape: {"error":{"code","message","details","request_id"}}.
type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Details   any    `json:"details,omitempty"`
	RequestID string `json:"request_id"`
}

func newError(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

func errNotFound(what string) *Error {
	return newError(http.StatusNotFound, "not_found", what+" not found")
}

func errForbidden(msg string) *Error { return newError(http.StatusForbidden, "forbidden", msg) }

func errUnauthorized(msg string) *Error {
	return newError(http.StatusUnauthorized, "unauthorized", msg)
}

func errConflict(code, msg string) *Error { return newError(http.StatusConflict, code, msg) }

// errInvalid is a 422 naming every field that failed validation.
func errInvalid(fields ...FieldError) *Error {
	e := newError(http.StatusUnprocessableEntity, "validation_failed", "invalid "+fields[0].Field+": "+fields[0].Problem)
	e.Details = fields
	return e
}

// errBadField is a 400 for input that could not even be read (wrong type,
// malformed query parameter); it still names the field.
func errBadField(field, problem string) *Error {
	e := newError(http.StatusBadRequest, "bad_request", "invalid "+field+": "+problem)
	e.Details = []FieldError{{Field: field, Problem: problem}}
	return e
}

// toError maps any error a handler or middleware returns onto the API error.
func toError(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	if se := storeError(err); se != nil {
		return se
	}
	switch echo.StatusCode(err) {
	case http.StatusNotFound:
		return newError(http.StatusNotFound, "not_found", "no such route")
	case http.StatusMethodNotAllowed:
		return newError(http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed on this route")
	case http.StatusRequestEntityTooLarge:
		return newError(http.StatusRequestEntityTooLarge, "body_too_large", "request body too large")
	case 0:
	default:
		s := echo.StatusCode(err)
		return &Error{Status: s, Code: "http_" + fmt.Sprint(s), Message: http.StatusText(s), Cause: err}
	}
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error", Cause: err}
}

// handleError is echo's HTTPErrorHandler: every error, including router
// 404/405 and recovered panics, leaves as one errorBody.
func (s *Server) handleError(c *echo.Context, err error) {
	if r, _ := echo.UnwrapResponse(c.Response()); r != nil && r.Committed {
		return
	}
	ae := toError(err)
	rid := requestID(c)
	lvl := slog.LevelInfo
	if ae.Status >= 500 {
		lvl = slog.LevelError
	}
	s.log.Log(c.Request().Context(), lvl, "request failed",
		"request_id", rid, "status", ae.Status, "code", ae.Code, "err", err.Error())
	if ae.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", secondsHeader(ae.RetryAfter))
	}
	body := errorBody{Error: errorPayload{Code: ae.Code, Message: ae.Message, Details: ae.Details, RequestID: rid}}
	if werr := c.JSON(ae.Status, body); werr != nil {
		s.log.Warn("writing error response", "request_id", rid, "err", werr)
	}
}
