package asterisk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/switchboard-cc/switchboard/orchestrator"
)

// APIError is a non-2xx ARI answer with its message.
type APIError struct {
	Method, Path string
	Status       int
	Message      string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("ARI %s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

// call sends one ARI request and decodes a JSON answer into out (if not
// nil). Parameters go in the query string (ARI takes them there or in a
// JSON body, capture 06); body, if set, is sent as JSON (variables).
func (a *Adapter) call(ctx context.Context, method, path string, q url.Values, body, out any) error {
	u := a.opts.URL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.SetBasicAuth(a.opts.User, a.opts.Password)
	resp, err := a.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %s: %v", orchestrator.ErrNodeDown, a.opts.Node, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if resp.StatusCode/100 != 2 {
		var m struct{ Message, Error string }
		json.Unmarshal(b, &m)
		msg := m.Message
		if msg == "" {
			msg = m.Error
		}
		if resp.StatusCode == http.StatusServiceUnavailable {
			return fmt.Errorf("%w: %s: %d", orchestrator.ErrNodeDown, a.opts.Node, resp.StatusCode)
		}
		return &APIError{Method: method, Path: path, Status: resp.StatusCode, Message: msg}
	}
	if out != nil && len(b) > 0 {
		return json.Unmarshal(b, out)
	}
	return nil
}

// chanCall is call on /channels/{id}...: a 404 is ErrNoSuchCall.
func (a *Adapter) chanCall(ctx context.Context, method string, id, sub string, q url.Values) error {
	err := a.call(ctx, method, "/channels/"+url.PathEscape(id)+sub, q, nil, nil)
	return noSuchCall(err, id)
}

func noSuchCall(err error, id string) error {
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound && strings.Contains(ae.Message, "Channel not found") {
		return fmt.Errorf("%w: %s (%v)", orchestrator.ErrNoSuchCall, id, err)
	}
	return err
}

// allocationFailed: Asterisk's answer to an originate to an unknown or
// unregistered endpoint (captures 01, 05, 08): 500, not 4xx.
func allocationFailed(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusInternalServerError && ae.Message == "Allocation failed"
}
