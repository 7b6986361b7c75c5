package engine

import (
	"net/http"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/http1"
)

// luaFlags are the ngx_lua on|off settings where the request is
// (lua_need_request_body, lua_http10_buffering, lua_socket_log_errors,
// lua_transform_underscores_in_response_headers).
func (r *request) luaFlags() conf.LuaFlags {
	switch {
	case r.loc != nil:
		return r.loc.Lua
	case r.srv != nil:
		return r.srv.Lua
	}
	return r.w.e.cfg.HTTP.Lua
}

// logSockErr logs a cosocket failure (connect() failed, timeouts, use of a
// closed socket) unless lua_socket_log_errors is off where the request
// runs; the Lua caller gets its nil, err either way.
func (r *request) logSockErr(msg string) {
	if r.luaFlags().SocketLogErrors {
		r.logErr(LevelErr, msg)
	}
}

// waitBodyFirst applies lua_need_request_body before the Lua handler of
// step s runs: as ngx_lua's rewrite, access and content handlers do, the
// whole body is read first, as if the handler began with
// ngx.req.read_body(). It reports true when the request now waits for the
// body; the phase engine then comes back to step s once it is read. A
// subrequest shares its parent's body and never waits.
func (r *request) waitBodyFirst(s step) bool {
	if !r.luaFlags().NeedRequestBody || r.sub != nil || r.bodyState == bodyRead || r.head == nil {
		return false
	}
	if !r.beginBody() {
		return false
	}
	done, err := r.feedBody()
	if err != nil {
		r.bodyReadFailed(err)
		return true
	}
	if done {
		return false
	}
	r.step = s
	r.bodyThen = r.run
	return true
}

// bodyReadFailed ends a request whose body could not be read while nothing
// Lua waited for it (lua_need_request_body), as nginx's body reader does.
func (r *request) bodyReadFailed(err error) {
	r.keepAlive = false
	if err == nil {
		r.logErr(LevelInfo, "client prematurely closed connection")
		r.finalize(http.StatusBadRequest)
		return
	}
	status := http.StatusBadRequest
	if he, ok := err.(*http1.Error); ok {
		status = he.Status
		if status == http.StatusRequestEntityTooLarge || he.Reason != "" {
			r.logErr(LevelErr, r.tooLargeReason(he.Reason))
		}
	}
	r.finalize(status)
}
