package api

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"mime"
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
	// gzipped are the text files compressed once at start (agents at remote
	// sites may sit behind slow links: the libraries are ~1.2 MB, ~0.4 MB
	// gzipped), sent to clients that accept gzip.
	gzipped map[string][]byte
}

// gzipExts are the files worth compressing.
var gzipExts = map[string]bool{".js": true, ".css": true, ".svg": true, ".json": true, ".txt": true}

func newWebApp(files fs.FS) (*webApp, error) {
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		return nil, fmt.Errorf("api: Config.App has no index.html: %w", err)
	}
	if !bytes.Contains(index, []byte(CSPNoncePlaceholder)) {
		return nil, errors.New("api: Config.App's index.html has no " + CSPNoncePlaceholder + " (build it from web/)")
	}
	app := &webApp{files: files, index: index, gzipped: map[string][]byte{}}
	err = fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !gzipExts[path.Ext(name)] {
			return err
		}
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		if _, err := w.Write(b); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		if z.Len() < len(b) {
			app.gzipped[name] = z.Bytes()
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("api: Config.App: %w", err)
	}
	return app, nil
}

// acceptsGzip reports whether the request's Accept-Encoding lists gzip
// (without q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(strings.Join(r.Header.Values("Accept-Encoding"), ","), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
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
		if z, ok := s.app.gzipped[name]; ok {
			h.Add("Vary", "Accept-Encoding")
			if acceptsGzip(c.Request()) {
				ctype := mime.TypeByExtension(path.Ext(name))
				if ctype == "" {
					ctype = "application/octet-stream"
				}
				h.Set("Content-Encoding", "gzip")
				return c.Blob(http.StatusOK, ctype, z)
			}
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
