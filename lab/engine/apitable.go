package engine

import (
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The ngx API as one table: every function (and computed field) the engine
// exposes under ngx, the socket object's methods, a shared dict's methods
// and require "ngx.balancer", with the phases where it may run and whether
// it yields. need() reads an API's phases from here, the registration
// (w.apiFunc) wraps the yielding ones from here, docs/api.md is generated
// from it (TestAPIDoc) and TestAPITableMatchesNgx checks that it and a
// running engine's ngx table name the same functions.

// apiGroup is a section of docs/api.md.
type apiGroup uint8

const (
	groupOutput apiGroup = iota
	groupRequest
	groupRespHeaders
	groupVariables
	groupTimers
	groupThreads
	groupCosockets
	groupSharedDicts
	groupRegex
	groupSubrequests
	groupBalancer
	groupMisc
	numGroups
)

// apiGroupTitles are the section titles of docs/api.md.
var apiGroupTitles = [numGroups]string{
	groupOutput:      "Output and request flow",
	groupRequest:     "Request",
	groupRespHeaders: "Response status and headers",
	groupVariables:   "Variables, ctx and filter arguments",
	groupTimers:      "Time, sleep and timers",
	groupThreads:     "Light threads",
	groupCosockets:   "Cosockets",
	groupSharedDicts: "Shared dicts",
	groupRegex:       "Regular expressions",
	groupSubrequests: "Subrequests",
	groupBalancer:    "Balancer (require \"ngx.balancer\")",
	groupMisc:        "Miscellaneous",
}

// apiKind says how an API is reached, for the exposure test.
type apiKind uint8

const (
	kindFunc     apiKind = iota // a function in the ngx table (or a subtable)
	kindField                   // a field ngx's __index/__newindex computes: "ngx.status (read)"
	kindSock                    // a method of the cosocket object: "tcpsock:connect"
	kindReader                  // the iterator tcpsock:receiveuntil returns
	kindDict                    // a method of a shared dict: "ngx.shared.DICT:get"
	kindBalancer                // a function of require "ngx.balancer"
)

// apiEntry is one ngx API.
type apiEntry struct {
	// name is the API's full name, as need() and docs/api.md name it:
	// "ngx.say", "ngx.status (write)", "tcpsock:send".
	name  string
	group apiGroup
	kind  apiKind
	// phases is the set of phases (the in* masks) where the API may run.
	// For an API that calls need() it is what need() enforces, ngx_lua's
	// "Context:" line as the engine follows it; inAll marks an API the
	// engine does not check (it runs in any context).
	phases int
	// yields: the call may suspend the calling coroutine until an event
	// (I/O, a timer, another thread) resumes it; it is registered through
	// coro.WrapYielding.
	yields bool
	// ffi: lua-resty-core implements it over FFI, so its context error in
	// a timer reads "API disabled in the current context".
	ffi  bool
	note string // how the lab differs from ngx_lua 0.10.23, if it does
}

// phases sets used by several APIs (ngx_lua's "Context:" lines).
const (
	// inRAC: rewrite, access and content, and server_rewrite_by_lua, which
	// ngx_lua 0.10.23 allows everything rewrite_by_lua may call except
	// subrequests (difftest srvrewrite/apis)
	inRAC       = inServerRewrite | inRewrite | inAccess | inContent
	inSubreq    = inRewrite | inAccess | inContent
	inCosocket  = inRAC | inTimer | inSSL
	inThreads   = inRAC | inTimer | inSSL
	inReqRead   = inSet | inRAC | inHeaderFilter | inBodyFilter | inLog
	inReqWrite  = inSet | inRAC | inHeaderFilter | inBodyFilter
	inNotBal    = inSet | inRAC | inHeaderFilter | inBodyFilter | inLog
	inBalancerP = 1 << phaseBalancer
)

// apiTable is the ngx API of the engine, in docs/api.md's order.
var apiTable = []apiEntry{
	// output and request flow
	{name: "ngx.say", group: groupOutput, phases: inRAC},
	{name: "ngx.print", group: groupOutput, phases: inRAC},
	{name: "ngx.flush", group: groupOutput, phases: inRAC, yields: true, note: "yields only as ngx.flush(true), while the socket has not taken the output"},
	{name: "ngx.eof", group: groupOutput, phases: inRAC},
	{name: "ngx.send_headers", group: groupOutput, phases: inRAC},
	{name: "ngx.exit", group: groupOutput, phases: inRAC | inHeaderFilter | inTimer | inInitWorker | inSSL},
	{name: "ngx.redirect", group: groupOutput, phases: inRAC},
	{name: "ngx.exec", group: groupOutput, phases: inRAC},

	// request
	{name: "ngx.is_subrequest", group: groupRequest, kind: kindField, phases: inRequest},
	{name: "ngx.req.get_method", group: groupRequest, phases: inReqRead, ffi: true},
	{name: "ngx.req.set_method", group: groupRequest, phases: inReqWrite, ffi: true},
	{name: "ngx.req.get_uri_args", group: groupRequest, phases: inReqRead, ffi: true},
	{name: "ngx.req.set_uri_args", group: groupRequest, phases: inReqWrite},
	{name: "ngx.req.get_post_args", group: groupRequest, phases: inRAC | inHeaderFilter | inBodyFilter | inLog},
	{name: "ngx.req.get_headers", group: groupRequest, phases: inReqRead, ffi: true},
	{name: "ngx.req.set_header", group: groupRequest, phases: inReqWrite, ffi: true},
	{name: "ngx.req.clear_header", group: groupRequest, phases: inReqWrite, ffi: true},
	{name: "ngx.req.raw_header", group: groupRequest, phases: inReqRead},
	{name: "ngx.req.http_version", group: groupRequest, phases: inReqRead},
	{name: "ngx.req.start_time", group: groupRequest, phases: inReqRead, ffi: true},
	{name: "ngx.req.is_internal", group: groupRequest, phases: inReqRead, ffi: true},
	{name: "ngx.req.set_uri", group: groupRequest, phases: inReqWrite},
	{name: "ngx.req.read_body", group: groupRequest, phases: inRAC, yields: true},
	{name: "ngx.req.discard_body", group: groupRequest, phases: inRAC},
	{name: "ngx.req.get_body_data", group: groupRequest, phases: inRAC | inLog},
	{name: "ngx.req.get_body_file", group: groupRequest, phases: inRAC},
	{name: "ngx.req.set_body_data", group: groupRequest, phases: inRAC},
	{name: "ngx.req.set_body_file", group: groupRequest, phases: inRAC},
	{name: "ngx.req.init_body", group: groupRequest, phases: inRAC},
	{name: "ngx.req.append_body", group: groupRequest, phases: inRAC},
	{name: "ngx.req.finish_body", group: groupRequest, phases: inRAC},
	{name: "ngx.req.socket", group: groupRequest, phases: inRAC,
		note: "a request socket has the tcpsock methods receive, receiveany, receiveuntil, settimeout(s), and send when raw"},

	// response status and headers
	{name: "ngx.status (read)", group: groupRespHeaders, kind: kindField, phases: inRequest},
	{name: "ngx.status (write)", group: groupRespHeaders, kind: kindField, phases: inNotBal},
	{name: "ngx.header (read)", group: groupRespHeaders, kind: kindField, phases: inRequest},
	{name: "ngx.header (write)", group: groupRespHeaders, kind: kindField, phases: inRAC | inHeaderFilter | inBodyFilter | inLog},
	{name: "ngx.headers_sent", group: groupRespHeaders, kind: kindField, phases: inRequest},
	{name: "ngx.resp.get_headers", group: groupRespHeaders, phases: inRequest, ffi: true},

	// variables, ctx and filter arguments
	{name: "ngx.var (read)", group: groupVariables, kind: kindField, phases: inRequest},
	{name: "ngx.var (write)", group: groupVariables, kind: kindField, phases: inNotBal},
	{name: "ngx.ctx (read)", group: groupVariables, kind: kindField, phases: inRequest | inTimer | inInit | inInitWorker},
	{name: "ngx.ctx (write)", group: groupVariables, kind: kindField, phases: inRequest | inTimer},
	{name: "ngx.arg (read)", group: groupVariables, kind: kindField, phases: inSet | inBodyFilter},
	{name: "ngx.arg (write)", group: groupVariables, kind: kindField, phases: inBodyFilter},

	// time, sleep and timers
	{name: "ngx.sleep", group: groupTimers, phases: inRAC | inTimer | inSSL, yields: true},
	{name: "ngx.now", group: groupTimers, phases: inAll},
	{name: "ngx.time", group: groupTimers, phases: inAll},
	{name: "ngx.today", group: groupTimers, phases: inAll},
	{name: "ngx.localtime", group: groupTimers, phases: inAll},
	{name: "ngx.utctime", group: groupTimers, phases: inAll},
	{name: "ngx.update_time", group: groupTimers, phases: inAll},
	{name: "ngx.http_time", group: groupTimers, phases: inAll},
	{name: "ngx.cookie_time", group: groupTimers, phases: inAll},
	{name: "ngx.parse_http_time", group: groupTimers, phases: inAll},
	{name: "ngx.timer.at", group: groupTimers, phases: inRequest | inTimer | inInitWorker | inSSL},
	{name: "ngx.timer.every", group: groupTimers, phases: inRequest | inTimer | inInitWorker | inSSL},
	{name: "ngx.timer.running_count", group: groupTimers, phases: inAll},
	{name: "ngx.timer.pending_count", group: groupTimers, phases: inAll},

	// light threads
	{name: "ngx.thread.spawn", group: groupThreads, phases: inThreads},
	{name: "ngx.thread.wait", group: groupThreads, phases: inThreads, yields: true},
	{name: "ngx.thread.kill", group: groupThreads, phases: inThreads},
	{name: "ngx.run_worker_thread", group: groupThreads, phases: inRAC | inTimer, yields: true,
		note: "the pool's threads are goroutines; a task runs at most the lab's CPU budget"},
	{name: "ngx.on_abort", group: groupThreads, phases: inRAC, note: "needs lua_check_client_abort on; the callback runs as a light thread when the client closes its connection"},

	// cosockets
	{name: "ngx.socket.tcp", group: groupCosockets, phases: inCosocket},
	{name: "ngx.socket.stream", group: groupCosockets, phases: inCosocket, note: "an alias of ngx.socket.tcp, as in ngx_lua"},
	{name: "ngx.socket.connect", group: groupCosockets, phases: inCosocket, yields: true},
	{name: "tcpsock:connect", group: groupCosockets, kind: kindSock, phases: inCosocket, yields: true},
	{name: "tcpsock:sslhandshake", group: groupCosockets, kind: kindSock, phases: inAll,
		note: "not supported: returns nil and \"not supported: the lab's cosockets have no TLS\""},
	{name: "tcpsock:send", group: groupCosockets, kind: kindSock, phases: inCosocket, yields: true},
	{name: "tcpsock:receive", group: groupCosockets, kind: kindSock, phases: inCosocket, yields: true},
	{name: "tcpsock:receiveany", group: groupCosockets, kind: kindSock, phases: inCosocket, yields: true},
	{name: "tcpsock:receiveuntil", group: groupCosockets, kind: kindSock, phases: inCosocket},
	{name: "tcpsock:receiveuntil reader", group: groupCosockets, kind: kindReader, phases: inCosocket, yields: true},
	{name: "tcpsock:close", group: groupCosockets, kind: kindSock, phases: inCosocket},
	{name: "tcpsock:settimeout", group: groupCosockets, kind: kindSock, phases: inAll,
		note: "no context check of its own (a socket exists only where ngx.socket.tcp may run)"},
	{name: "tcpsock:settimeouts", group: groupCosockets, kind: kindSock, phases: inAll,
		note: "no context check of its own (a socket exists only where ngx.socket.tcp may run)"},
	{name: "tcpsock:setoption", group: groupCosockets, kind: kindSock, phases: inAll,
		note: "keepalive, reuseaddr, tcp-nodelay, sndbuf, rcvbuf, set on the socket"},
	{name: "tcpsock:getoption", group: groupCosockets, kind: kindSock, phases: inAll,
		note: "tcp-nodelay reads 1 on a fresh connection: the lab sets TCP_NODELAY on its cosockets, nginx does not"},
	{name: "tcpsock:bind", group: groupCosockets, kind: kindSock, phases: inAll},
	{name: "tcpsock:setclientcert", group: groupCosockets, kind: kindSock, phases: inAll,
		note: "no TLS: only clearing (no arguments) succeeds; a certificate is never the cdata it expects"},
	{name: "tcpsock:setkeepalive", group: groupCosockets, kind: kindSock, phases: inCosocket},
	{name: "tcpsock:getreusedtimes", group: groupCosockets, kind: kindSock, phases: inCosocket},
	{name: "ngx.socket.udp", group: groupCosockets, phases: inCosocket},
	{name: "udpsock:setpeername", group: groupCosockets, kind: kindSock, phases: inCosocket,
		note: "host names through the lab's host map; the destination passes the dial policy of a TCP connect"},
	{name: "udpsock:send", group: groupCosockets, kind: kindSock, phases: inCosocket},
	{name: "udpsock:receive", group: groupCosockets, kind: kindSock, phases: inCosocket, yields: true},
	{name: "udpsock:settimeout", group: groupCosockets, kind: kindSock, phases: inAll,
		note: "no context check of its own (a socket exists only where ngx.socket.udp may run)"},
	{name: "udpsock:close", group: groupCosockets, kind: kindSock, phases: inCosocket},

	// shared dicts
	{name: "ngx.shared.DICT:get", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:get_stale", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:set", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:safe_set", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:add", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:safe_add", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:replace", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:delete", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:incr", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:lpush", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:rpush", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:lpop", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:rpop", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:llen", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:ttl", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:expire", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:flush_all", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:flush_expired", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:get_keys", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:capacity", group: groupSharedDicts, kind: kindDict, phases: inAll},
	{name: "ngx.shared.DICT:free_space", group: groupSharedDicts, kind: kindDict, phases: inAll},

	// regular expressions
	{name: "ngx.re.match", group: groupRegex, phases: inAll, note: "a PCRE pattern translated for regexp2: no recursion, \\K, branch reset or backtracking verbs; the match limit is a time limit"},
	{name: "ngx.re.find", group: groupRegex, phases: inAll},
	{name: "ngx.re.gmatch", group: groupRegex, phases: inAll},
	{name: "ngx.re.sub", group: groupRegex, phases: inAll, note: "a replacement function may yield, as in lua-resty-core"},
	{name: "ngx.re.gsub", group: groupRegex, phases: inAll, note: "a replacement function may yield, as in lua-resty-core"},

	// subrequests
	{name: "ngx.location.capture", group: groupSubrequests, phases: inSubreq, yields: true},
	{name: "ngx.location.capture_multi", group: groupSubrequests, phases: inSubreq, yields: true},

	// balancer
	{name: "ngx.balancer.set_current_peer", group: groupBalancer, kind: kindBalancer, phases: inBalancerP},
	{name: "ngx.balancer.set_more_tries", group: groupBalancer, kind: kindBalancer, phases: inBalancerP},
	{name: "ngx.balancer.get_last_failure", group: groupBalancer, kind: kindBalancer, phases: inBalancerP},
	{name: "ngx.balancer.set_timeouts", group: groupBalancer, kind: kindBalancer, phases: inBalancerP},

	// miscellaneous
	{name: "ngx.log", group: groupMisc, phases: inAll},
	{name: "ngx.get_phase", group: groupMisc, phases: inAll},
	{name: "ngx.md5", group: groupMisc, phases: inAll},
	{name: "ngx.md5_bin", group: groupMisc, phases: inAll},
	{name: "ngx.sha1_bin", group: groupMisc, phases: inAll},
	{name: "ngx.hmac_sha1", group: groupMisc, phases: inAll},
	{name: "ngx.crc32_short", group: groupMisc, phases: inAll},
	{name: "ngx.crc32_long", group: groupMisc, phases: inAll},
	{name: "ngx.encode_base64", group: groupMisc, phases: inAll},
	{name: "ngx.decode_base64", group: groupMisc, phases: inAll},
	{name: "ngx.escape_uri", group: groupMisc, phases: inAll},
	{name: "ngx.unescape_uri", group: groupMisc, phases: inAll},
	{name: "ngx.encode_args", group: groupMisc, phases: inAll},
	{name: "ngx.decode_args", group: groupMisc, phases: inAll},
	{name: "ngx.quote_sql_str", group: groupMisc, phases: inAll},
	{name: "ngx.worker.id", group: groupMisc, phases: inAll},
	{name: "ngx.worker.count", group: groupMisc, phases: inAll},
	{name: "ngx.worker.pid", group: groupMisc, phases: inAll, note: "the worker's OS thread id: workers are threads of one process"},
	{name: "ngx.worker.pids", group: groupMisc, phases: inAll, note: "the workers' OS thread ids"},
	{name: "ngx.worker.exiting", group: groupMisc, phases: inAll},
	{name: "ngx.config.prefix", group: groupMisc, phases: inAll},
	{name: "ngx.config.nginx_configure", group: groupMisc, phases: inAll, note: "returns \"\""},
}

// apiByName indexes apiTable.
var apiByName = func() map[string]*apiEntry {
	m := make(map[string]*apiEntry, len(apiTable))
	for i := range apiTable {
		e := &apiTable[i]
		if m[e.name] != nil {
			panic("engine: API " + e.name + " twice in apiTable") // caught by any test
		}
		m[e.name] = e
	}
	return m
}()

// apiFunc makes the Lua function of the API name from f: wrapped by
// coro.WrapYielding when the table says the API yields. The name must be
// in apiTable (a missing one is an engine bug that every VM start hits).
func (w *worker) apiFunc(name string, f lua.LGFunction) *lua.LFunction {
	e := apiByName[name]
	if e == nil {
		panic(fmt.Sprintf("engine: API %s is not in apiTable", name))
	}
	if e.yields {
		return w.sched.WrapYielding(f)
	}
	return w.L.NewFunction(f)
}

// setAPI sets t[key] to the API name's function (w.apiFunc), key being
// the last part of name: "ngx.req.get_method" sets t.get_method.
func (w *worker) setAPI(t *lua.LTable, name string, f lua.LGFunction) {
	key := name[strings.LastIndexAny(name, ".:")+1:]
	t.RawSetString(key, w.apiFunc(name, f))
}

// apiMissing are the functions ngx_lua 0.10.23 (with its lua-resty-core)
// exposes and the lab does not, as TestNgxLuaAPIs finds them by walking the
// ngx table of the installed nginx.
var apiMissing = []struct{ name, note string }{
	{"ngx.balancer.recreate_request", ""},
	{"ngx.get_raw_phase", "internal to lua-resty-core"},
	{"ngx._phase_ctx", "internal to lua-resty-core"},
}
