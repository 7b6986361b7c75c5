package engine

import "os"

// getenv is what os.getenv finds, as an nginx worker answers it. nginx
// clears a worker's environment but for TZ and the variables its env
// directives name ("env NAME" keeps nginx's own value, "env NAME=VALUE"
// sets one), while init_by_lua runs in the master, which still has the
// whole environment (observed on nginx 1.22 + ngx_lua 0.10.23: PATH is
// seen in init_by_lua and nil in a handler; difftest config/env). The
// engine's workers run init_by_lua themselves, so the worker's own VM
// answers with the whole environment while it runs it. A sandboxed
// instance shows none of the lab's environment: only the values its own
// "env NAME=VALUE" directives set.
func (w *worker) getenv(name string) (string, bool) {
	sandbox := w.e.opts.Sandbox
	if r := w.cur; r != nil && r.phase == phaseInit && w.luaVM == w.mainVM && !sandbox {
		return os.LookupEnv(name)
	}
	return w.e.workerEnv(name)
}

// workerEnv is an nginx worker process's environment (getenv outside
// init_by_lua). It reads only the configuration and options, so a worker
// thread's VM may call it from its own goroutine.
func (e *Engine) workerEnv(name string) (string, bool) {
	sandbox := e.opts.Sandbox
	for _, v := range e.cfg.Env {
		switch {
		case v.Name != name:
		case v.Set:
			return v.Value, true
		case sandbox:
			return "", false
		default:
			return os.LookupEnv(name)
		}
	}
	if name == "TZ" && !sandbox {
		return os.LookupEnv(name)
	}
	return "", false
}
