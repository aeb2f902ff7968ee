package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"

	"github.com/labstack/echo/v5"
)

const (
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotent-Replayed"
)

// withIdempotency makes a creating POST safe to retry: the first request
// with an Idempotency-Key claims it, and its answer is stored and replayed
// for every retry (same principal, key and body), so no second object is
// made. The answer stored is a 2xx, or any answer of a request marked
// committed (see markCommitted). The same key with another body is refused
// (422); while the first request runs, a retry gets 409. Any other failed
// request releases the key, so the corrected request can use it.
func (s *Server) withIdempotency(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		key := c.Request().Header.Get(headerIdempotencyKey)
		if key == "" {
			return next(c)
		}
		if len(key) > 255 {
			return errBadField(headerIdempotencyKey, "must be at most 255 characters")
		}
		hash, err := requestHash(c)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		scope := idempotencyScope(principalOf(c))
		rec, err := s.store.BeginIdempotent(ctx, principalOf(c).Tenant, scope, key, hash)
		if err != nil {
			return err
		}
		if rec.Done {
			return replay(c, rec.StatusCode, rec.Body)
		}
		return s.runIdempotent(c, next, scope, key)
	}
}

// markCommitted records that the handler's side effect is done, whatever it
// answers next. A handler that saves something and still answers an error
// (a flow draft saved with problems is a 422) calls it, so that answer is
// stored and replayed like a 2xx: releasing the key would let a retry run
// the handler again and make or change the object a second time.
func markCommitted(c *echo.Context) { c.Set(ctxCommitted, true) }

const ctxCommitted = "idempotency.committed"

func committed(c *echo.Context) bool {
	done, _ := c.Get(ctxCommitted).(bool)
	return done
}

// runIdempotent runs the handler with its response teed, then stores a 2xx
// or committed answer or releases the key, even if the handler panicked or
// the client went away (the bookkeeping outlives the request's context).
func (s *Server) runIdempotent(c *echo.Context, next echo.HandlerFunc, scope, key string) (err error) {
	orig := c.Response()
	tee := &teeWriter{ResponseWriter: orig}
	c.SetResponse(tee)
	ctx := context.WithoutCancel(c.Request().Context())
	stored := false
	defer func() {
		c.SetResponse(orig)
		if stored {
			return
		}
		if aerr := s.store.AbortIdempotent(ctx, scope, key); aerr != nil {
			s.log.Error("releasing idempotency key", "request_id", requestID(c), "err", aerr)
		}
	}()
	err = next(c)
	if err != nil && committed(c) {
		s.handleError(c, err) // render it into the tee now; observe sees it written
	}
	if !committed(c) && (err != nil || tee.status < 200 || tee.status > 299) {
		return err
	}
	answer := encodeAnswer(tee.Header().Get("Location"), tee.body.Bytes())
	if cerr := s.store.CompleteIdempotent(ctx, scope, key, tee.status, answer); cerr != nil {
		s.log.Error("storing idempotent response", "request_id", requestID(c), "err", cerr)
		return err // the client has its answer; only replay is lost
	}
	stored = true
	return err
}

// storedAnswer is what the store keeps as a key's body: the answer's body
// and the headers a retry needs (Location names a flow saved with a 422).
// The marker tells it from the bare bodies stored before headers were kept.
type storedAnswer struct {
	Marker   int    `json:"idempotent_answer"`
	Location string `json:"location,omitempty"`
	Body     []byte `json:"body"`
}

func encodeAnswer(location string, body []byte) []byte {
	b, _ := json.Marshal(storedAnswer{Marker: 1, Location: location, Body: body}) // cannot fail
	return b
}

// replay answers a retry with the stored answer.
func replay(c *echo.Context, status int, stored []byte) error {
	var a storedAnswer
	if json.Unmarshal(stored, &a) != nil || a.Marker != 1 {
		a = storedAnswer{Body: stored} // a bare body
	}
	h := c.Response().Header()
	h.Set(headerReplayed, "true")
	if a.Location != "" {
		h.Set("Location", a.Location)
	}
	return c.JSONBlob(status, a.Body)
}

func idempotencyScope(p *principal) string {
	if p.APIKeyID != "" {
		return "api_key:" + p.APIKeyID
	}
	return "user:" + p.UserID
}

// requestHash binds a key to the exact method, path and body; it restores
// the body for the handler.
func requestHash(c *echo.Context) (string, error) {
	r := c.Request()
	b, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, maxBodyBytes))
	if err != nil {
		return "", decodeError(err)
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.Path+"\n")
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// teeWriter records the status and body the handler writes.
type teeWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (t *teeWriter) WriteHeader(code int) {
	t.status = code
	t.ResponseWriter.WriteHeader(code)
}

func (t *teeWriter) Write(b []byte) (int, error) {
	if t.status == 0 {
		t.status = http.StatusOK
	}
	t.body.Write(b)
	return t.ResponseWriter.Write(b)
}

// Unwrap lets echo find its *echo.Response underneath.
func (t *teeWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }
