package engine

import (
	"fmt"
	"os"
	"path/filepath"

	lua "github.com/yuin/gopher-lua"
)

// A request body rebuilt by Lua: ngx.req.init_body, append_body,
// finish_body and set_body_file, as ngx_lua 0.10.23 answers them (difftest
// body/init_append_finish, body/set_body_file). The new body replaces what
// read_body read, for get_body_data/get_body_file and for proxy_pass: a
// body past init_body's buffer (client_body_buffer_size when not given; 0:
// always) goes to a temp file as nginx's does. Content-Length follows it
// when finish_body runs.

// reqInitBody is ngx.req.init_body(buffer_size?).
func (w *worker) reqInitBody(L *lua.LState) int {
	r := w.need(L, "ngx.req.init_body")
	n := L.GetTop()
	if n > 1 {
		raise(L, "expecting 0 or 1 argument, but seen %d", n)
	}
	size := r.bodySettings().ClientBodyBufferSize
	if n == 1 {
		v := int64(L.CheckNumber(1))
		if v < 0 {
			raise(L, "bad size argument: %d", v)
		}
		size = v
	}
	if r.bodyState != bodyRead {
		raise(L, "request body not read yet")
	}
	r.removeBodyFile()
	r.body, r.bodyFile, r.bodyFileUser = nil, "", false
	r.newBody, r.newBodyBuf, r.newBodySize = true, size, 0
	return 0
}

// reqAppendBody is ngx.req.append_body(data).
func (w *worker) reqAppendBody(L *lua.LState) int {
	r := w.need(L, "ngx.req.append_body")
	if n := L.GetTop(); n != 1 {
		raise(L, "expecting 1 arguments but seen %d", n)
	}
	data := L.CheckString(1)
	if !r.newBody {
		raise(L, "request_body not initialized")
	}
	if m := w.e.opts.MaxBodyBytes; m > 0 && r.newBodySize+int64(len(data)) > m {
		raise(L, "the request body would pass the lab's limit of %d bytes", m)
	}
	r.newBodySize += int64(len(data))
	if r.bodyFile == "" && int64(len(r.body)+len(data)) <= r.newBodyBuf {
		r.body = append(r.body, data...)
		return 0
	}
	if r.bodyFile == "" {
		path, err := r.newTempBodyFile(r.body)
		if err != nil {
			raise(L, "%s", err.Error())
		}
		r.bodyFile, r.body = path, nil
	}
	f, err := os.OpenFile(r.bodyFile, os.O_WRONLY|os.O_APPEND, 0)
	if err == nil {
		_, err = f.WriteString(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		raise(L, "failed to write the request body: %s", errText(err))
	}
	return 0
}

// reqFinishBody is ngx.req.finish_body(): the body is complete, and
// Content-Length says its length.
func (w *worker) reqFinishBody(L *lua.LState) int {
	r := w.need(L, "ngx.req.finish_body")
	if n := L.GetTop(); n != 0 {
		raise(L, "expecting 0 arguments but seen %d", n)
	}
	if !r.newBody {
		raise(L, "request_body not initialized")
	}
	r.setHeaderIn("Content-Length", []string{fmt.Sprint(r.newBodySize)})
	return 0
}

// newTempBodyFile writes data to a new file in the prefix's
// client_body_temp, as nginx keeps a request body there (a read body past
// client_body_buffer_size, spoolBody; one append_body builds).
func (r *request) newTempBodyFile(data []byte) (string, error) {
	f, path, err := r.createTempBodyFile()
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("write() \"%s\" failed (%v)", path, err)
	}
	return path, nil
}

// createTempBodyFile opens a new, empty file in the prefix's
// client_body_temp, named by the engine's sequence as nginx's are.
func (r *request) createTempBodyFile() (*os.File, string, error) {
	dir := filepath.Join(r.w.e.cfg.Prefix, "client_body_temp")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", fmt.Errorf("mkdir() \"%s\" failed (%v)", dir, err)
	}
	path := filepath.Join(dir, fmt.Sprintf("%010d", r.w.e.tempSeq.Add(1)))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, "", fmt.Errorf("open() \"%s\" failed (%v)", path, err)
	}
	return f, path, nil
}

// reqSetBodyFile is ngx.req.set_body_file(path, auto_clean?): the file is
// the request body from now on (auto_clean: it is deleted at the end of the
// request). A sandboxed instance may name only files of its workspace.
func (w *worker) reqSetBodyFile(L *lua.LState) int {
	r := w.need(L, "ngx.req.set_body_file")
	if n := L.GetTop(); n != 1 && n != 2 {
		raise(L, "expecting 1 or 2 arguments but seen %d", n)
	}
	path := L.CheckString(1)
	clean := lua.LVAsBool(L.Get(2))
	if r.bodyState != bodyRead {
		raise(L, "request body not read yet")
	}
	if w.e.opts.Sandbox && !w.inPrefix(path) {
		raise(L, "ngx.req.set_body_file is limited to the workspace's files in the lab's sandbox: %s is outside it", path)
	}
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		raise(L, "stat() \"%s\" failed", path)
	}
	r.removeBodyFile()
	r.body, r.bodyFile, r.newBody = nil, path, false
	r.bodyFileUser, r.bodyFileClean = true, clean
	r.setHeaderIn("Content-Length", []string{fmt.Sprint(st.Size())})
	return 0
}

// inPrefix reports whether path (symbolic links resolved) lies inside the
// prefix.
func (w *worker) inPrefix(path string) bool {
	prefix, err := filepath.EvalSymlinks(w.e.cfg.Prefix)
	if err != nil {
		return false
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(w.e.cfg.Prefix, path)
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		real = filepath.Clean(path) // a missing file: its name must still be inside
	}
	rel, err := filepath.Rel(prefix, real)
	return err == nil && filepath.IsLocal(rel)
}

// bodyBytes is the request body to send upstream or to a subrequest: in
// memory, or read back from the temp file it went to.
func (r *request) bodyBytes() []byte {
	if r.body == nil && r.bodyFile != "" {
		if b, err := os.ReadFile(r.bodyFile); err == nil {
			return b
		}
	}
	return r.body
}
