package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/syncbuf"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// syncClock is a manual clock shared by the store, the server and the test.
type syncClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *syncClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *syncClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is one real server over HTTP on a fresh SQLite store.
type env struct {
	t     testing.TB
	api   *Server
	http  *httptest.Server
	store *store.Store
	clock *syncClock
	logs  *syncbuf.Buffer
	admin string // platform admin access token
}

const testPassword = "correct horse battery staple"

// newEnv serves a fresh SQLite store; opts change the server's Config.
func newEnv(t testing.TB, opts ...func(*Config)) *env {
	t.Helper()
	return newEnvURL(t, "sqlite:"+filepath.Join(t.TempDir(), "db.sqlite"), opts...)
}

func newEnvURL(t testing.TB, url string, opts ...func(*Config)) *env {
	t.Helper()
	clk := &syncClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	st, err := store.Open(context.Background(), url, store.Options{Now: clk.now, SecretKey: bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	logs := &syncbuf.Buffer{}
	cfg := Config{Store: st, Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		JWTSecret: bytes.Repeat([]byte("s"), 32), Clock: clk.now, Password: testPW}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	e := &env{t: t, api: srv, http: hs, store: st, clock: clk, logs: logs}
	e.createPlatformUser("root@platform.test", tenancy.RolePlatformAdmin)
	e.admin = e.login("root@platform.test")
	return e
}

// createPlatformUser seeds an operator directly in the store (the bootstrap
// path cmd/switchboard uses).
func (e *env) createPlatformUser(email string, role tenancy.Role) store.User {
	e.t.Helper()
	h, err := hashPassword(testPW, testPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := e.store.CreatePlatformUser(context.Background(), store.SystemActor,
		store.UserInput{Email: email, DisplayName: "Operator", Role: role, PasswordHash: h})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errCode returns the error body's code ("" when the body is not an error).
func (r resp) errCode() string {
	var b errorBody
	_ = json.Unmarshal(r.body, &b)
	return b.Error.Code
}

func (r resp) String() string {
	b := string(r.body)
	if len(b) > 400 {
		b = b[:400] + "..."
	}
	return fmt.Sprintf("%d %s", r.status, b)
}

// do sends one request; body may be a string (sent verbatim) or a value (JSON).
func (e *env) do(method, path, token string, body any, headers ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.http.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// must fails the test unless r has status want, and decodes into v if given.
func (e *env) must(r resp, want int, v any) {
	e.t.Helper()
	if r.status != want {
		e.t.Fatalf("want %d, got %s", want, r)
	}
	if v != nil {
		r.decode(e.t, v)
	}
}

func (e *env) login(email string) string {
	e.t.Helper()
	var tr TokenResponse
	e.must(e.do("POST", "/api/v1/auth/login", "", LoginRequest{Login: email, Password: testPassword}), 200, &tr)
	return tr.AccessToken
}

// tenantFix is a tenant with an admin signed in.
type tenantFix struct {
	id    string
	admin string // tenant_admin token
	base  string // /api/v1/tenants/{id}
}

func (e *env) newTenant(slug string, maxAgents int) tenantFix {
	e.t.Helper()
	var t tenancy.Tenant
	e.must(e.do("POST", "/api/v1/tenants", e.admin, store.TenantInput{Name: "Tenant " + slug, SIPDomain: slug + ".example.com",
		Language: "en", TimeZone: "Asia/Shanghai", Quotas: tenancy.Quotas{MaxAgents: maxAgents}}), 201, &t)
	f := tenantFix{id: string(t.ID), base: "/api/v1/tenants/" + string(t.ID)}
	f.admin = e.newUser(f, "admin@"+slug+".test", tenancy.RoleTenantAdmin)
	return f
}

// newUser creates a user of f (as the platform admin) and signs it in.
func (e *env) newUser(f tenantFix, email string, role tenancy.Role) string {
	e.t.Helper()
	e.must(e.do("POST", f.base+"/users", e.admin, CreateUserRequest{Email: email, DisplayName: "User",
		Role: role, Password: testPassword}), 201, nil)
	return e.login(email)
}
