package engine

import (
	"encoding/base64"
	"os"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/lualib"
)

// lua-resty-core's modules that real OpenResty code requires, as ngx_lua
// 0.10.23 with lua-resty-core 0.1.25 answers them (difftest
// misc/resty_core_modules): resty.core (ngx_lua loads it itself, so
// requiring it only returns its version), ngx.resp and ngx.req (add_header),
// ngx.base64 (URL-safe base64) and ngx.process (type, get_master_pid). The
// lab's engine has the ngx API natively, so these are thin tables over it.

// restyCoreVersion is lua-resty-core's version as its modules report it.
const restyCoreVersion = "0.1.25"

// preloadRestyCore registers the modules in package.preload.
func (w *worker) preloadRestyCore(pre *lua.LTable) {
	L := w.L
	module := func(name string, fns map[string]lua.LGFunction) {
		pre.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			t := L.NewTable()
			t.RawSetString("version", lua.LString(restyCoreVersion))
			for k, f := range fns {
				t.RawSetString(k, L.NewFunction(f))
			}
			L.Push(t)
			return 1
		}))
	}
	module("resty.core", nil)
	w.preloadSemaphore(pre)
	w.preloadErrlog(pre)
	w.preloadSSL(pre)
	w.preloadClientHello(pre)
	module("ngx.resp", map[string]lua.LGFunction{"add_header": w.respAddHeader})
	module("ngx.req", map[string]lua.LGFunction{"add_header": w.reqAddHeader})
	module("ngx.base64", map[string]lua.LGFunction{"encode_base64url": base64URLEncode, "decode_base64url": base64URLDecode})
	module("ngx.process", map[string]lua.LGFunction{
		"type": func(L *lua.LState) int {
			// init_by_lua runs in nginx's master (the engine runs it in each
			// worker's VM, but answers as nginx does)
			if w.cur == nil || w.cur.phase == phaseInit {
				L.Push(lua.LString("master"))
				return 1
			}
			L.Push(lua.LString("worker"))
			return 1
		},
		// the engine has no master process: its own process stands for it
		"get_master_pid": func(L *lua.LState) int { L.Push(lua.LNumber(os.Getpid())); return 1 },
	})
}

// headerValues reads a header value argument as lua-resty-core does: a
// string, a number or a table of them; nil or nothing is an error.
func headerValues(L *lua.LState, n int) []string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return []string{string(v)}
	case lua.LNumber:
		return []string{lualib.FormatNumber(float64(v))}
	case *lua.LTable:
		var vals []string
		for i := 1; i <= v.Len(); i++ {
			vals = append(vals, lua.LVAsString(v.RawGetInt(i)))
		}
		return vals
	}
	raise(L, "invalid header value")
	return nil
}

// respAddHeader is ngx.resp.add_header(name, value): one more value of a
// response header (ngx.header replaces).
func (w *worker) respAddHeader(L *lua.LState) int {
	r := w.need(L, "ngx.header (write)")
	name := r.normalizeHeaderName(L.CheckString(1))
	vals := headerValues(L, 2)
	if r.headerSent {
		r.logErr(LevelErr, "attempt to set ngx.header.HEADER after sending out response headers")
		return 0
	}
	name = canonicalHeader(escapeHeaderName(name))
	old := []string(nil)
	if i := r.findHeader(name); i >= 0 {
		old = r.headers[i].values
	}
	r.setHeader(name, append(append([]string(nil), old...), escapeHeaderValues(vals)...))
	return 0
}

// reqAddHeader is ngx.req.add_header(name, value): one more value of a
// request header (ngx.req.set_header replaces).
func (w *worker) reqAddHeader(L *lua.LState) int {
	r := w.need(L, "ngx.req.set_header")
	name := escapeHeaderName(L.CheckString(1))
	vals := escapeHeaderValues(headerValues(L, 2))
	var old []string
	for _, h := range r.headersIn {
		if strings.EqualFold(h.Name, name) {
			old = append(old, h.Value)
		}
	}
	r.setHeaderIn(name, append(old, vals...))
	return 0
}

// base64URLEncode is ngx.base64.encode_base64url(s): URL-safe, unpadded.
func base64URLEncode(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if !ok {
		return nilErr(L, "must provide a string")
	}
	L.Push(lua.LString(base64.RawURLEncoding.EncodeToString([]byte(s))))
	return 1
}

// base64URLDecode is ngx.base64.decode_base64url(s).
func base64URLDecode(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if !ok {
		return nilErr(L, "must provide a string")
	}
	b, err := base64.RawURLEncoding.DecodeString(string(s))
	if err != nil {
		return nilErr(L, "invalid input")
	}
	L.Push(lua.LString(b))
	return 1
}
