package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"

	"github.com/labstack/echo/v5"
)

const (
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotent-Replayed"
)

// withIdempotency makes a creating POST safe to retry: the first request
// with an Idempotency-Key claims it, and its 2xx response is stored and
// replayed for every retry (same principal, key and body), so no second
// object is made. The same key with another body is refused (422); while the
// first request runs, a retry gets 409. A failed request releases the key.
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
			c.Response().Header().Set(headerReplayed, "true")
			return c.JSONBlob(rec.StatusCode, rec.Body)
		}
		return s.runIdempotent(c, next, scope, key)
	}
}

// runIdempotent runs the handler with its response teed, then stores a 2xx
// response or releases the key, even if the handler panicked or the client
// went away (the bookkeeping outlives the request's context).
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
	if err = next(c); err != nil || tee.status < 200 || tee.status > 299 {
		return err
	}
	if cerr := s.store.CompleteIdempotent(ctx, scope, key, tee.status, tee.body.Bytes()); cerr != nil {
		s.log.Error("storing idempotent response", "request_id", requestID(c), "err", cerr)
		return nil // the object exists and the client has its answer; only replay is lost
	}
	stored = true
	return nil
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
