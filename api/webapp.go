package api

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v5"
)

// The browser app (web/, built by Vite and embedded by cmd/switchboard) is
// served at / on the API's port. Its routes live in the browser, so any
// path that is neither an API route nor a file gets index.html (the app
// shows the page); /api/... never does: an unknown API path stays a JSON 404.

// CSPNoncePlaceholder is written in the app's index.html where the server
// puts each answer's style nonce (a meta tag the app reads for the style
// elements its component library inserts).
const CSPNoncePlaceholder = "__SWITCHBOARD_CSP_NONCE__"

// appCSP is the app page's policy: scripts, styles, images, fonts and
// connections from this origin only, no inline script at all; inline style
// elements only with this answer's nonce; nothing may frame the page.
const appCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-%s' 'report-sample'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// webApp is the built app.
type webApp struct {
	files fs.FS
	index []byte // index.html, with CSPNoncePlaceholder
}

func newWebApp(files fs.FS) (*webApp, error) {
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		return nil, fmt.Errorf("api: Config.App has no index.html: %w", err)
	}
	if !bytes.Contains(index, []byte(CSPNoncePlaceholder)) {
		return nil, errors.New("api: Config.App's index.html has no " + CSPNoncePlaceholder + " (build it from web/)")
	}
	return &webApp{files: files, index: index}, nil
}

func (s *Server) registerApp() {
	if s.app == nil {
		return
	}
	for _, p := range []string{"/", "/*"} {
		s.e.GET(p, s.serveApp)
		s.e.HEAD(p, s.serveApp)
	}
}

// serveApp answers a file of the app, or index.html for the app's own
// routes (paths without an extension).
func (s *Server) serveApp(c *echo.Context) error {
	p := c.Request().URL.Path
	if p == "/api" || strings.HasPrefix(p, "/api/") {
		return echo.ErrNotFound
	}
	name := strings.TrimPrefix(path.Clean("/"+p), "/")
	if name == "" || name == "index.html" {
		return s.serveIndex(c)
	}
	if st, err := fs.Stat(s.app.files, name); err == nil && !st.IsDir() {
		h := c.Response().Header()
		if strings.HasPrefix(name, "assets/") { // content-hashed names: never change
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		http.ServeFileFS(c.Response(), c.Request(), s.app.files, name)
		return nil
	}
	if path.Ext(name) != "" || strings.HasPrefix(name, "assets/") { // a missing file, not a page of the app
		return echo.ErrNotFound
	}
	return s.serveIndex(c)
}

// serveIndex sends index.html with a fresh style nonce in the page and in
// its content security policy.
func (s *Server) serveIndex(c *echo.Context) error {
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	nonce := base64.StdEncoding.EncodeToString(b[:])
	h := c.Response().Header()
	h.Set("Content-Security-Policy", fmt.Sprintf(appCSP, nonce))
	h.Set("Cache-Control", "no-store")
	body := bytes.ReplaceAll(s.app.index, []byte(CSPNoncePlaceholder), []byte(nonce))
	return c.Blob(http.StatusOK, "text/html; charset=utf-8", body)
}
