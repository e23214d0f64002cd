// Package frontend holds the server-rendered pages' templates and static assets, embedded
// into the binary; nothing is loaded from a CDN.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed templates static
var files embed.FS

// Templates is the tree of layouts, partials and pages.
func Templates() fs.FS {
	sub, _ := fs.Sub(files, "templates")
	return sub
}

// Static is the tree of CSS, scripts and vendored assets served under /static.
func Static() fs.FS {
	sub, _ := fs.Sub(files, "static")
	return sub
}
