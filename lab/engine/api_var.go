package engine

import (
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/lualib"
)

// builtinVar reports whether name is a built-in variable ngx.var cannot
// change: one of the prefixed families or a read-only entry of builtinVars.
func builtinVar(name string) bool {
	if prefixedVar(name) {
		return true
	}
	d, ok := builtinVars[name]
	return ok && !d.writable
}

// prefixedVar reports whether name is of a prefixed family ($arg_x,
// $http_x, $cookie_x, $sent_http_x).
func prefixedVar(name string) bool {
	for _, p := range []string{"arg_", "http_", "cookie_", "sent_http_"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// newVarTable builds ngx.var.
func (w *worker) newVarTable() *lua.LTable {
	L := w.L
	t := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		r := w.need(L, "ngx.var (read)")
		var name string
		switch k := L.Get(2).(type) {
		case lua.LNumber:
			n := int(k)
			if n >= 0 && n < len(r.captures) {
				L.Push(lua.LString(r.captures[n]))
			} else {
				L.Push(lua.LNil)
			}
			return 1
		case lua.LString:
			name = strings.ToLower(string(k))
		default:
			L.ArgError(2, "bad variable name")
		}
		if name == "proxy_host" || name == "proxy_port" {
			L.Push(lua.LNil) // nginx declares them NOHASH: config only
			return 1
		}
		if v, ok := r.variable(name); ok {
			L.Push(lua.LString(v))
		} else {
			L.Push(lua.LNil)
		}
		return 1
	}))
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		r := w.need(L, "ngx.var (write)")
		name := strings.ToLower(L.CheckString(2))
		val := ""
		switch v := L.Get(3).(type) {
		case *lua.LNilType:
		case lua.LString, lua.LNumber:
			val = v.String()
		default:
			raise(L, "bad variable value type: %s", v.Type().String())
		}
		switch {
		case name == "args" || name == "query_string":
			r.args = val
		case name == "limit_rate":
			r.setLimitRate(val) // writable in nginx: a size ("10k"), the rate from now on
		case w.e.cfg.HTTP.Maps[name] != nil && !w.e.indexedVars[name]:
			// ngx_lua sets a changeable variable only through its index
			raise(L, "variable \"%s\" cannot be assigned a value", name)
		case w.e.declaredVar(name) && L.Get(3) == lua.LNil:
			r.unsetVar(name)
		case w.e.declaredVar(name):
			r.setVar(name, val)
		case builtinVar(name):
			raise(L, "variable \"%s\" not changeable", name)
		default:
			raise(L, "variable \"%s\" not found for writing; maybe it is a built-in variable that is not changeable or you forgot to use \"set $%s '';\" in the config file to define it first", name, name)
		}
		return 0
	}))
	L.SetMetatable(t, mt)
	return t
}

// normalizeHeaderName turns ngx.header.content_type into Content-Type,
// unless lua_transform_underscores_in_response_headers is off where the
// request runs (then X_Foo stays X_Foo, and ngx.header["x-foo"] does not
// find it, as on ngx_lua).
func (r *request) normalizeHeaderName(k string) string {
	if !r.luaFlags().TransformUnderscores {
		return k
	}
	return strings.ReplaceAll(k, "_", "-")
}

// newHeaderTable builds ngx.header (response headers).
func (w *worker) newHeaderTable() *lua.LTable {
	L := w.L
	t := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		r := w.need(L, "ngx.header (read)")
		name := r.normalizeHeaderName(L.CheckString(2))
		i := r.findHeader(name)
		if i < 0 {
			L.Push(lua.LNil)
			return 1
		}
		vals := r.headers[i].values
		if len(vals) == 1 {
			L.Push(lua.LString(vals[0]))
			return 1
		}
		arr := L.CreateTable(len(vals), 0)
		for _, v := range vals {
			arr.Append(lua.LString(v))
		}
		L.Push(arr)
		return 1
	}))
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		// in body_filter and log the headers are out: ngx_lua logs the
		// attempt and goes on (difftest syncphase/header_after_sent)
		r := w.need(L, "ngx.header (write)")
		name := r.normalizeHeaderName(L.CheckString(2))
		if r.headerSent {
			r.logErr(LevelErr, "attempt to set ngx.header.HEADER after sending out response headers")
			return 0
		}
		var vals []string
		switch v := L.Get(3).(type) {
		case *lua.LNilType:
		case *lua.LTable:
			n := v.Len()
			for i := 1; i <= n; i++ {
				vals = append(vals, lua.LVAsString(v.RawGetInt(i)))
			}
		case lua.LString:
			vals = []string{string(v)}
		case lua.LNumber:
			vals = []string{lualib.FormatNumber(float64(v))}
		case lua.LBool:
			vals = []string{v.String()}
		default:
			raise(L, "bad header value type: %s", v.Type().String())
		}
		if len(vals) == 0 {
			vals = nil
		}
		if len(vals) > 1 && singleValueHeader(name) {
			vals = vals[len(vals)-1:] // each element overwrote nginx's field: the last one stays
		}
		if strings.EqualFold(name, "Content-Length") && vals != nil {
			if _, err := strconv.ParseInt(vals[0], 10, 64); err != nil {
				raise(L, "invalid content length")
			}
		}
		if strings.EqualFold(name, "Content-Type") {
			r.ctCleared = vals == nil
		}
		if strings.EqualFold(name, "Server") {
			r.serverCleared = vals == nil
		}
		if strings.EqualFold(name, "Date") {
			r.dateCleared = vals == nil
		}
		// CR/LF and other control bytes never reach the wire (see headersafe.go)
		r.setHeader(canonicalHeader(escapeHeaderName(name)), escapeHeaderValues(vals))
		if i := r.findHeader(name); i >= 0 {
			r.headers[i].lua = true
		}
		return 0
	}))
	L.SetMetatable(t, mt)
	return t
}

// singleValueHeader reports the response headers nginx keeps in a field of
// its own, which ngx_lua overwrites for each element of a table value
// (ngx_lua's builtin header handlers; difftest header/builtin_table).
// Location is one too in nginx, but ngx_lua sends every element of a table.
func singleValueHeader(name string) bool {
	switch strings.ToLower(name) {
	case "content-type", "content-encoding", "last-modified", "refresh", "content-range", "accept-ranges",
		"www-authenticate", "expires", "etag":
		return true
	}
	return false
}

// canonicalHeader keeps the name as written, except the few headers nginx
// itself spells (so Content-Type set as content_type prints as nginx does).
func canonicalHeader(name string) string {
	if strings.EqualFold(name, "content-type") {
		return "Content-Type"
	}
	return name
}

// newArgTable builds ngx.arg: the set_by_lua arguments, or the body
// filter's chunk (1) and eof flag (2).
func (w *worker) newArgTable() *lua.LTable {
	L := w.L
	t := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		r := w.need(L, "ngx.arg (read)")
		i := L.CheckInt(2)
		if r.phase == phaseSet {
			if i >= 1 && i <= len(r.args0) {
				L.Push(r.args0[i-1])
			} else {
				L.Push(lua.LNil)
			}
			return 1
		}
		switch i {
		case 1:
			L.Push(r.arg1)
		case 2:
			L.Push(r.arg2)
		default:
			L.Push(lua.LNil)
		}
		return 1
	}))
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		r := w.need(L, "ngx.arg (write)")
		switch L.CheckInt(2) {
		case 1:
			v := L.Get(3)
			switch v.Type() {
			case lua.LTNil:
				r.arg1 = lua.LString("")
			case lua.LTTable:
				r.arg1 = lua.LString(appendPrintable(L, nil, v, 3, "arg"))
			default:
				r.arg1 = lua.LString(lua.LVAsString(v))
			}
		case 2:
			r.arg2 = lua.LBool(lua.LVAsBool(L.Get(3)))
		default:
			raise(L, "bad index")
		}
		return 0
	}))
	L.SetMetatable(t, mt)
	return t
}
