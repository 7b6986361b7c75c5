// Package conf reads the nginx.conf subset that RestyLab runs: it lexes and
// parses the file (with includes and raw Lua in *_by_lua_block bodies),
// validates it with nginx's own error messages, resolves defaults and
// inheritance, compiles regexes, templates and Lua snippets, and answers
// nginx's lookups: which server handles a Host (HTTP.FindServer) and which
// location handles a URI (Server.FindLocation, Server.NamedLocation).
//
// # Concurrency
//
// Load and LoadSource may be called from any goroutine. The *Config they
// return is immutable by contract: after Load returns, every method
// (FindServer, ListenAddrs, FindLocation, NamedLocation, Template.Expand)
// only reads it and is safe from any number of goroutines.
//
// # Errors
//
// A configuration error is an *Error whose text is what real nginx 1.22 with
// ngx_lua 0.10.23 prints after "[emerg] ", e.g.
// `unknown directive "foo" in /abs/nginx.conf:12`. Directives are handled in
// file order as they are read, as nginx does, so the first error reported is
// the one nginx reports. A Lua syntax error in a request-phase handler or a
// missing request-phase *_by_lua_file is not an error but a Diagnostic (and
// LuaCode.Err): ngx_lua only fails such requests, with 500. A Lua syntax
// error in init_by_lua* stops the load, as it stops nginx.
//
// # Supported directives
//
// main: load_module, pid, daemon, user, worker_rlimit_nofile (all ignored),
// error_log FILE|stderr [LEVEL], worker_processes N|auto (1..8), include,
// env NAME[=VALUE] (Config.Env: what a worker's os.getenv sees),
// events { worker_connections N; multi_accept; use, accept_mutex (ignored) }.
//
// http: include (glob allowed, relative to the main file's directory like
// nginx's conf prefix; sorted), types { TYPE EXT...; include } (inherited,
// ResponseSettings.Types), map SRC $VAR { } (HTTP.Maps), log_format NAME
// [escape=] STRING..., access_log off|PATH [FORMAT [buffer=] [flush=] [if=]]
// (also at server and location level; HTTP.LogFormats, AccessLogs of each
// level after inheritance), lua_package_path, lua_package_cpath (ignored),
// lua_code_cache on|off, lua_shared_dict NAME SIZE, init_by_lua_block /
// init_by_lua / init_by_lua_file, init_worker_by_lua_block / _by_lua / _file,
// default_type, keepalive_timeout, client_max_body_size,
// client_header_timeout, add_header, sendfile, tcp_nopush, tcp_nodelay, server_tokens (ignored), error_log
// (ignored below main), server_rewrite_by_lua_block / _file (http and server
// only; no inline form in ngx_lua 0.10.23), rewrite_by_lua*, access_by_lua*,
// header_filter_by_lua*, body_filter_by_lua*, log_by_lua*, server { }.
// At http, server and location level (ResponseSettings of each, inherited):
// etag, if_modified_since, max_ranges, charset, source_charset, gzip,
// gzip_types, gzip_min_length, gzip_comp_level, gzip_http_version,
// gzip_vary, gzip_proxied (ResponseSettings.Gzip; gzip.go),
// charset_types, override_charset, postpone_output, client_body_timeout,
// send_timeout, lingering_close, lingering_time, lingering_timeout,
// keepalive_timeout's header value; the *_temp_path directives are checked
// and ignored.
//
// server: listen ADDR[:PORT]|PORT [default_server] [reuseport] [bind]
// [backlog=N] [deferred] [fastopen=N] [rcvbuf=] [sndbuf=] [ipv6only=]
// [so_keepalive=] (socket options checked, not applied), server_name (exact, *.wild, wild.*, .both, ~regex), location,
// return, rewrite, set, set_by_lua_block / set_by_lua / set_by_lua_file,
// the phase *_by_lua* directives above (not content_by_lua*, as in nginx),
// default_type, add_header, client_max_body_size, keepalive_timeout,
// client_header_timeout.
//
// location [=|~|~*|^~] PATTERN and location @name: the server directives
// except listen, server_name and client_header_timeout, plus content_by_lua* and nested locations.
// lua_code_cache is allowed at http, server and location level and inherited
// (LuaCodeCache of each); each "off" is also an Alert Diagnostic.
// lua_need_request_body, lua_http10_buffering, lua_socket_log_errors and
// lua_transform_underscores_in_response_headers are too (LuaFlags of each).
// http only: lua_regex_cache_max_entries, lua_regex_match_limit,
// lua_max_pending_timers, lua_max_running_timers, lua_malloc_trim,
// rewrite_by_lua_no_postpone, access_by_lua_no_postpone.
//
// Proxy cache (proxycache.go, proxyopts.go): proxy_cache_path (http only;
// HTTP.CachePaths), proxy_cache ZONE|off, proxy_cache_key, proxy_cache_valid,
// proxy_cache_methods, proxy_cache_min_uses, proxy_cache_bypass,
// proxy_no_cache, proxy_cache_lock, proxy_cache_lock_timeout,
// proxy_cache_lock_age, proxy_cache_use_stale, proxy_cache_revalidate,
// proxy_cache_background_update, proxy_cache_convert_head (ProxySettings.Cache,
// nil where the location does not cache), proxy_hide_header,
// proxy_pass_header, proxy_ignore_headers, proxy_intercept_errors, resolver
// (IP addresses only), resolver_timeout.
//
// The path of a request-phase *_by_lua_file or set_by_lua_file may hold
// variables (LuaCode.PathTpl): it is not read at load; the engine finds the
// file per request with LuaCode.FileFor, as ngx_lua evaluates its complex
// value.
//
// Tuning directives real configurations carry are accepted with nginx's checks and
// change nothing, directives of modules the lab lacks are refused with why and
// what to use instead (labscope.go); anything else is `unknown directive`.
//
// # Differences from nginx
//
// Regular expressions are compiled by Go's regexp (RE2), not PCRE:
// backreferences, lookaround, atomic groups and possessive quantifiers fail
// to load; (?<name>) and (?i) work. Lua is checked by the lab's gopher-lua
// (Lua 5.1), whose syntax errors are LuaJIT's texts on LuaJIT's lines. Listen hosts must be IP
// literals or localhost (no DNS). A server without listen gets 0.0.0.0:80
// (nginx's default as root).
// Unknown variables are not checked here: Template.Vars lets the engine
// reject them with nginx's `unknown "foo" variable`.
package conf
