package engine

import "fmt"

// Request VMs: lua_code_cache off.
//
// With lua_code_cache off, ngx_lua gives each request a Lua VM of its own,
// made when the request's first Lua handler runs, and runs init_by_lua in it
// before the handler. Observed on ngx_lua 0.10.23 (difftest codecache/*):
// globals set by init_by_lua are seen and those of init_worker_by_lua are
// not; module-level state and globals start afresh in every request; a
// *_by_lua_file is read from disk again; shared dicts are shared as ever.
// A subrequest runs in its main request's VM whatever its own location
// says, so the location where the main request's first Lua handler runs
// decides. A timer runs in the VM of the code that created it (it keeps
// that VM alive), and init_worker_by_lua in the worker's own.
//
// The worker's current VM (worker.luaVM) is switched to the request's
// whenever the engine is about to run a request's Lua: by useVM, called
// where handlers are compiled and where coroutines are started or resumed.

// vm is the Lua VM r's code runs in, chosen (and made) on first use.
func (r *request) vm() *luaVM {
	if r.main != nil {
		return r.main.vm()
	}
	if r.lvm != nil {
		return r.lvm
	}
	r.lvm = r.w.mainVM
	if r.c != nil && !r.codeCache() {
		v, err := r.w.requestVM()
		if err != nil {
			r.logErr(LevelAlert, "lua_code_cache off: cannot make the request's Lua VM: "+err.Error())
		} else {
			r.lvm = v
		}
	}
	return r.lvm
}

// codeCache is the lua_code_cache setting where r is now: its location's,
// else its server's, else the http block's.
func (r *request) codeCache() bool {
	switch {
	case r.loc != nil:
		return r.loc.LuaCodeCache
	case r.srv != nil:
		return r.srv.LuaCodeCache
	}
	return r.w.e.cfg.HTTP.LuaCodeCache
}

// useVM makes r's VM the worker's current one.
func (w *worker) useVM(r *request) {
	w.luaVM = r.vm()
}

// requestVM makes a fresh VM for one request and runs init_by_lua in it.
func (w *worker) requestVM() (*luaVM, error) {
	v, err := w.newVM()
	if err != nil {
		return nil, err
	}
	if code := w.e.cfg.HTTP.InitByLua; code != nil {
		prev := w.luaVM
		w.luaVM = v
		err = w.runContext(phaseInit, code)
		w.luaVM = prev
		if err != nil {
			return nil, fmt.Errorf("init_by_lua error: %w", err)
		}
	}
	return v, nil
}
