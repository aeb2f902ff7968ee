// Package web holds the browser app's build for cmd/switchboard to serve at
// / (api.Config.App). The app's source is this folder's TypeScript; `npm run
// build` here writes dist/, which is committed so that `go build` needs no
// Node.js, and CI rebuilds it and fails when it differs. Nothing but
// cmd/switchboard imports this package.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist is the built app: index.html at its root, content-hashed files under
// assets/.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid path: cannot happen
	}
	return sub
}
