package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/restylab/restylab/lab/http1"
)

// maxStaticFile bounds the files the static handler reads into memory.
const maxStaticFile = 64 << 20

// staticContent is nginx's static and index handlers, for a location
// without a content handler (or a request that matched no location): it
// serves files under root, tries the index files for a URI ending in "/",
// and answers 404, 403 or 301 where nginx does, with the same error_log
// lines.
func (r *request) staticContent() {
	root, index := "html", []string{"index.html"}
	switch {
	case r.loc != nil:
		root, index = r.loc.Root, r.loc.Index
	case r.srv != nil && r.srv.Root != "":
		root, index = r.srv.Root, r.srv.Index
	}
	if !filepath.IsAbs(root) {
		root = filepath.Join(r.w.e.cfg.Prefix, root)
	}
	if r.method != "GET" && r.method != "HEAD" && r.method != "POST" {
		r.finalize(405)
		return
	}
	path, ok := r.docPath(root, r.uri)
	if !ok {
		r.finalize(500)
		return
	}

	if strings.HasSuffix(r.uri, "/") {
		// the index module: an internal redirect to the first index file found
		for _, name := range index {
			if fi, err := os.Stat(path + name); err == nil && !fi.IsDir() {
				r.execURI, r.execArgs = r.uri+name, r.args
				if r.internalRedirect() {
					r.run()
				}
				return
			}
		}
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			r.logErr(LevelErr, fmt.Sprintf("directory index of \"%s\" is forbidden", path))
			r.finalize(403)
			return
		}
		r.logErr(LevelErr, fmt.Sprintf("\"%s%s\" is not found (2: No such file or directory)", path, index[0]))
		r.finalize(404)
		return
	}
	if r.method == "POST" {
		r.finalize(405)
		return
	}

	fi, err := os.Stat(path)
	if err != nil {
		code, text := errnoOf(err)
		r.logErr(LevelErr, fmt.Sprintf("open() \"%s\" failed (%d: %s)", path, code, text))
		if code == int(syscall.EACCES) {
			r.finalize(403)
		} else {
			r.finalize(404)
		}
		return
	}
	if fi.IsDir() {
		loc := r.uri + "/"
		if r.args != "" {
			loc += "?" + r.args
		}
		r.setHeader("Location", []string{r.absoluteLocation(loc)})
		r.finalize(301)
		return
	}
	if fi.Size() > maxStaticFile {
		r.logErr(LevelErr, fmt.Sprintf("\"%s\" is larger than the lab serves (%d bytes)", path, maxStaticFile))
		r.finalize(500)
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		code, text := errnoOf(err)
		r.logErr(LevelCrit, fmt.Sprintf("open() \"%s\" failed (%d: %s)", path, code, text))
		r.finalize(500)
		return
	}
	mtime := fi.ModTime()
	r.status = 200
	r.setHeader("Content-Length", []string{strconv.Itoa(len(data))})
	r.setHeader("Last-Modified", []string{string(http1.AppendHTTPDate(nil, mtime))})
	if r.respSettings().Etag {
		// ngx_http_set_etag: "MTIME-SIZE", both in hex
		r.setHeader("ETag", []string{fmt.Sprintf("\"%x-%x\"", mtime.Unix(), fi.Size())})
	}
	r.allowRanges = true // Accept-Ranges and ranges come from the range filter (ranges.go)
	r.sendHeader()
	r.output(r.rangeBody(data), true)
	r.finalize(0)
}

// errnoOf splits a file error into nginx's "(2: No such file or directory)".
func errnoOf(err error) (int, string) {
	var en syscall.Errno
	if errors.As(err, &en) {
		return int(en), errnoText(en)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return 2, "No such file or directory"
	}
	return 0, err.Error()
}
