package engine

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/conf"
)

// loadHandler returns the code a handler runs for this request and its
// function in the current VM. For a *_by_lua_file whose path holds
// variables (`content_by_lua_file lua/$1.lua`) the path is evaluated now,
// as ngx_lua evaluates its complex value per request, and the file is read
// and compiled the first time this VM runs it (the VM's code cache keeps it
// by path; with lua_code_cache off each request's VM reads it again). On
// failure the error is logged as ngx_lua logs it and fn is nil; status is
// what a rewrite, access or content handler answers: 404 when the file
// cannot be opened (ngx_lua's LUA_ERRFILE), 500 otherwise.
func (r *request) loadHandler(code *conf.LuaCode) (*conf.LuaCode, *lua.LFunction, int) {
	w := r.w
	if code.PathTpl != nil {
		c := code.FileFor(r.expandTpl(*code.PathTpl))
		if cached, ok := w.files[c.Path]; ok {
			code = cached
		} else {
			code = c
			if w.e.opts.Sandbox && !w.inPrefix(code.Path) {
				// a request variable must not open a file of the lab's
				// machine (`lua/$arg_f.lua` with f=../../etc/passwd)
				r.logErr(LevelErr, fmt.Sprintf("failed to load external Lua file \"%s\": the path is outside the workspace "+
					"(the lab's sandbox runs *_by_lua_file only from the workspace's own files)", code.Path))
				return code, nil, 500
			}
		}
	}
	fn, err := w.function(code)
	if err != nil {
		r.logLoadError(code, err)
		if code.Missing || conf.OpenFailed(err) {
			return code, nil, 404
		}
		return code, nil, 500
	}
	if code.Lazy {
		w.files[code.Path] = code
	}
	return code, fn, 0
}
