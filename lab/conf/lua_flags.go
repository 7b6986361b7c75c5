package conf

// LuaFlags are ngx_lua's per-location on|off settings, after inheritance.
type LuaFlags struct {
	// NeedRequestBody is lua_need_request_body (off): the request body is
	// read before a rewrite, access or content Lua handler runs, as if it
	// had called ngx.req.read_body().
	NeedRequestBody bool
	// HTTP10Buffering is lua_http10_buffering (on): an HTTP/1.0 response is
	// held back whole to carry a Content-Length.
	HTTP10Buffering bool
	// SocketLogErrors is lua_socket_log_errors (on): cosocket failures are
	// also written to error_log.
	SocketLogErrors bool
	// TransformUnderscores is lua_transform_underscores_in_response_headers
	// (on): ngx.header.x_y names the header "x-y".
	TransformUnderscores bool
}

// defaultLuaFlags are ngx_lua 0.10.23's defaults.
var defaultLuaFlags = LuaFlags{HTTP10Buffering: true, SocketLogErrors: true, TransformUnderscores: true}

// luaFlag handles the on|off directives of LuaFlags (http, server and
// location level, inherited).
func (b *builder) luaFlag(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	on, err := parseFlag(d)
	if err != nil {
		return err
	}
	if s.lvl.luaFlags == nil {
		s.lvl.luaFlags = map[string]bool{}
	}
	s.lvl.luaFlags[d.name] = on
	return nil
}

// mergeLuaFlags applies a level's own flags over its parent's.
func mergeLuaFlags(f LuaFlags, own map[string]bool) LuaFlags {
	for name, on := range own {
		switch name {
		case "lua_need_request_body":
			f.NeedRequestBody = on
		case "lua_http10_buffering":
			f.HTTP10Buffering = on
		case "lua_socket_log_errors":
			f.SocketLogErrors = on
		case "lua_transform_underscores_in_response_headers":
			f.TransformUnderscores = on
		}
	}
	return f
}

// luaHTTPFlag handles rewrite_by_lua_no_postpone and
// access_by_lua_no_postpone (http level). They make ngx_lua's handler run
// before the other modules' handlers of its phase instead of after them;
// in the lab no other module has a rewrite or access handler that could
// run after (rewrite directives run in their own step before
// rewrite_by_lua, allow/deny do not exist), so the value is kept and
// changes nothing.
func (b *builder) luaHTTPFlag(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	on, err := parseFlag(d)
	if err != nil {
		return err
	}
	if d.name == "rewrite_by_lua_no_postpone" {
		b.cfg.HTTP.RewriteNoPostpone = on
	} else {
		b.cfg.HTTP.AccessNoPostpone = on
	}
	return nil
}

// luaNum handles ngx_lua's numeric http-level directives read with
// ngx_conf_set_num_slot: lua_regex_cache_max_entries, lua_regex_match_limit,
// lua_max_pending_timers and lua_max_running_timers.
func (b *builder) luaNum(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	n, ok := parseDigits(d.arg(0))
	if !ok || n > 1<<31-1 {
		return errf(d.pos, "\"%s\" directive invalid number", d.name)
	}
	h := b.cfg.HTTP
	switch d.name {
	case "lua_regex_cache_max_entries":
		h.RegexCacheMaxEntries = int(n)
	case "lua_regex_match_limit":
		h.RegexMatchLimit = int(n)
	case "lua_max_pending_timers":
		h.MaxPendingTimers = int(n)
	case "lua_max_running_timers":
		h.MaxRunningTimers = int(n)
	}
	return nil
}

// luaMallocTrim handles lua_malloc_trim N (http level, repeatable as in
// ngx_lua): how many requests between malloc_trim(3) calls. The lab's
// memory belongs to Go's garbage collector; the value is kept and does
// nothing.
func (b *builder) luaMallocTrim(_ *scope, d *directive) error {
	n, ok := parseDigits(d.arg(0))
	if !ok || n > 1<<31-1 {
		return errf(d.pos, "\"%s\" directive invalid number in the 1st argument", d.name)
	}
	b.cfg.HTTP.MallocTrim = int(n)
	return nil
}
