package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/restylab/restylab/lab/conf"
)

// try_files and alias as nginx's core module runs them.
//
// try_files runs after the access phase (ngx_http_core_try_files_phase):
// each name is expanded and looked for under the root (or the alias); the
// first that exists, and is a directory exactly when the name ended in
// "/", becomes the URI and the location's own content handler serves it
// (no new location lookup). A missing name is not logged (nginx logs only
// errors other than ENOENT, ENOTDIR and ENAMETOOLONG, at crit). When none
// exists the last argument decides: =N ends the request with N, @name goes
// to the named location, a URI is an internal redirect (its own "?args",
// or none: the request's arguments are dropped).

// docRoot is the effective root as an absolute path.
func (r *request) docRoot() string {
	root := "html"
	switch {
	case r.loc != nil:
		root = r.loc.Root
	case r.srv != nil && r.srv.Root != "":
		root = r.srv.Root
	}
	if !filepath.IsAbs(root) {
		root = filepath.Join(r.w.e.cfg.Prefix, root)
	}
	return root
}

// docPath maps a URI to a file path as ngx_http_map_uri_to_path: root+uri,
// or with an alias the alias in place of the location's prefix (the whole
// path in a regex location). It reports false (after nginx's error_log
// line) when an alias cannot be used because the URI was rewritten.
func (r *request) docPath(root, uri string) (string, bool) {
	f := r.flow()
	if f == nil || f.Alias == nil || r.loc == nil {
		return root + uri, true
	}
	a := f.Alias
	if r.uriRewritten {
		r.logErr(LevelErr, fmt.Sprintf("\"alias\" cannot be used in location \"%s\" where URI was rewritten", a.Location))
		return "", false
	}
	p := r.expandTpl(a.Path)
	if !strings.HasPrefix(p, "/") {
		p = strings.TrimSuffix(r.w.e.cfg.Prefix, "/") + "/" + p
	}
	if a.Strip < 0 {
		return p, true
	}
	if len(uri) >= a.Strip {
		return p + uri[a.Strip:], true
	}
	return p, true
}

// tryFiles is the try_files step; it reports false when the request was
// finalized.
func (r *request) tryFiles() bool {
	r.step = stContent
	var tf *conf.TryFiles
	if f := r.flow(); f != nil {
		tf = f.TryFiles
	}
	if tf == nil {
		return true
	}
	root := r.docRoot()
	for _, f := range tf.Files {
		name := r.expandTpl(f.Name)
		path, ok := r.docPath(root, name)
		if !ok {
			r.finalize(500)
			return false
		}
		fi, err := os.Stat(path)
		if err != nil {
			code, text := errnoOf(err)
			switch syscall.Errno(code) {
			case syscall.ENOENT, syscall.ENOTDIR, syscall.ENAMETOOLONG:
			default:
				r.logErr(LevelCrit, fmt.Sprintf("stat() \"%s\" failed (%d: %s)", path, code, text))
			}
			continue
		}
		if fi.IsDir() != f.Dir {
			continue
		}
		r.uri = name
		return true
	}
	if tf.Code != 0 {
		r.finalize(tf.Code)
		return false
	}
	target := r.expandTpl(tf.Fallback)
	if strings.HasPrefix(target, "@") {
		r.execName = target[1:]
		return r.internalRedirect()
	}
	r.execURI, r.execArgs, _ = strings.Cut(target, "?")
	if !r.internalRedirect() {
		return false
	}
	r.argsEmpty = true // ngx_http_split_args leaves an empty, not a missing, query
	return true
}

// documentRoot is $document_root: the root, or the alias (expanded) where
// one applies, as ngx_http_variable_document_root.
func (r *request) documentRoot() (string, bool) {
	if f := r.flow(); f != nil && f.Alias != nil && r.loc != nil {
		p := r.expandTpl(f.Alias.Path)
		if !strings.HasPrefix(p, "/") {
			p = strings.TrimSuffix(r.w.e.cfg.Prefix, "/") + "/" + p
		}
		return p, true
	}
	return r.docRoot(), true
}

// requestFilename is $request_filename: the URI mapped to a file path.
func (r *request) requestFilename() (string, bool) {
	if f := r.flow(); f != nil && f.Alias != nil && r.loc != nil && r.uriRewritten {
		return "", false
	}
	return r.docPath(r.docRoot(), r.uri)
}
