// Package static embeds the lab's browser assets: the front end esbuild
// builds into dist/ (app.js, app.css; not committed: `make web` makes them),
// the hand-written site.css of the server-rendered pages and the icon,
// favicon.svg (one worker lane over three coroutine lanes).
package static

import (
	"embed"
	"io/fs"
)

//go:embed all:dist site.css favicon.svg
var files embed.FS

// FS is the assets by name: "app.js", "app.css", "site.css", "favicon.svg".
func FS() fs.FS {
	return mergedFS{}
}

// Bundle reports whether the front end was built into this binary.
func Bundle() bool {
	_, err := fs.Stat(files, "dist/app.js")
	return err == nil
}

// mergedFS serves dist/* and site.css from one root.
type mergedFS struct{}

func (mergedFS) Open(name string) (fs.File, error) {
	if name == "site.css" || name == "favicon.svg" {
		return files.Open(name)
	}
	if name == "." || name == ".gitkeep" {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return files.Open("dist/" + name)
}

// Favicon is the lab's icon (SVG), also served as /favicon.ico.
func Favicon() []byte {
	b, _ := files.ReadFile("favicon.svg")
	return b
}
