package conf

import (
	"fmt"
	"sort"
	"strings"
)

// What the lab does with directives beyond the ones it runs: tuning
// directives real configurations carry (buffer and hash sizes, file caches,
// CPU affinity) are read with nginx's checks and change nothing in the lab,
// and directives of modules the lab does not have are refused with why and
// what to use instead, rather than nginx's bare "unknown directive". The
// lab's /about page lists both (NoEffectDirectives, UnsupportedDirectives).

// DirectiveNote is a directive with what the lab does with it.
type DirectiveNote struct {
	Name string
	// Why: for a refused directive, why the lab has no such thing; for an
	// accepted one, why it changes nothing here.
	Why string
	// Instead is what to use in the lab (refused directives only).
	Instead string
}

// argKind is how a no-effect directive's arguments are checked.
type argKind uint8

const (
	argAny  argKind = iota // any words
	argFlag                // on|off
	argSize                // nginx size: 8k, 1m
	argTime                // nginx time: 30s, 1m
	argNum                 // a number
)

// noEffect are tuning directives accepted with their argument checks.
var noEffect = []struct {
	name     string
	ctx      ctxMask
	min, max int
	kind     argKind
	why      string
}{
	{"client_header_buffer_size", cHTTP | cServer, 1, 1, argSize, "requests are read into buffers that grow as needed"},
	{"large_client_header_buffers", cHTTP | cServer, 2, 2, argAny, "requests are read into buffers that grow as needed"},
	{"output_buffers", cHSL, 2, 2, argAny, "responses are written from the lab's own buffers"},
	{"read_ahead", cHSL, 1, 1, argSize, "a file system hint"},
	{"sendfile_max_chunk", cHSL, 1, 1, argSize, "files are sent with write(), not sendfile()"},
	{"aio", cHSL, 1, 1, argAny, "files are read on the worker"},
	{"directio", cHSL, 1, 1, argAny, "a file system hint"},
	{"open_file_cache", cHSL, 1, 2, argAny, "files are opened on each request"},
	{"open_file_cache_valid", cHSL, 1, 1, argTime, "files are opened on each request"},
	{"open_file_cache_min_uses", cHSL, 1, 1, argNum, "files are opened on each request"},
	{"open_file_cache_errors", cHSL, 1, 1, argFlag, "files are opened on each request"},
	{"server_names_hash_bucket_size", cHTTP, 1, 1, argSize, "server names are matched without nginx's hash tables"},
	{"server_names_hash_max_size", cHTTP, 1, 1, argSize, "server names are matched without nginx's hash tables"},
	{"types_hash_max_size", cHSL, 1, 1, argSize, "types are looked up in a Go map"},
	{"types_hash_bucket_size", cHSL, 1, 1, argSize, "types are looked up in a Go map"},
	{"variables_hash_max_size", cHTTP, 1, 1, argSize, "variables are looked up in a Go map"},
	{"variables_hash_bucket_size", cHTTP, 1, 1, argSize, "variables are looked up in a Go map"},
	{"map_hash_max_size", cHTTP, 1, 1, argSize, "no hash tables"},
	{"map_hash_bucket_size", cHTTP, 1, 1, argSize, "no hash tables"},
	{"proxy_headers_hash_max_size", cHSL, 1, 1, argSize, "no hash tables"},
	{"proxy_headers_hash_bucket_size", cHSL, 1, 1, argSize, "no hash tables"},
	{"reset_timedout_connection", cHSL, 1, 1, argFlag, "timed-out connections are closed normally"},
	{"log_not_found", cHSL, 1, 1, argFlag, "missing files are always logged"},
	{"log_subrequest", cHSL, 1, 1, argFlag, "subrequests are never access-logged"},
	{"worker_cpu_affinity", cMain, 1, -1, argAny, "workers are threads the Go runtime schedules"},
	{"worker_priority", cMain, 1, 1, argAny, "workers are threads of the lab's process"},
	{"worker_rlimit_core", cMain, 1, 1, argSize, "the lab writes no core files"},
	{"working_directory", cMain, 1, 1, argAny, "the lab writes no core files"},
	{"worker_shutdown_timeout", cMain, 1, 1, argTime, "a reload waits for requests as nginx does without it"},
	{"timer_resolution", cMain, 1, 1, argTime, "the loop reads the clock on each wake-up"},
	{"pcre_jit", cMain, 1, 1, argFlag, "the lab's regular expressions are not PCRE"},
	{"lock_file", cMain, 1, 1, argAny, "workers are threads: no accept mutex file"},
	{"ssl_engine", cMain, 1, 1, argAny, "no OpenSSL engines"},
	// compression (gzip.go runs gzip and its other settings)
	{"gzip_buffers", cHSL, 2, 2, argAny, "compressed output is not cut into nginx's buffers"},
	{"gzip_disable", cHSL, 1, -1, argAny, "every client that accepts gzip gets it, whatever its User-Agent"},
	{"gzip_static", cHSL, 1, 1, argAny, "files are sent as they are (no .gz files are looked for)"},
}

// unsupported are directives of modules the lab does not have.
var unsupported = []DirectiveNote{
	{"fastcgi_pass", "the lab has no FastCGI backends", "proxy_pass to a lab service, or content_by_lua*"},
	{"uwsgi_pass", "the lab has no uwsgi backends", "proxy_pass to a lab service, or content_by_lua*"},
	{"scgi_pass", "the lab has no SCGI backends", "proxy_pass to a lab service, or content_by_lua*"},
	{"grpc_pass", "the lab speaks HTTP/1.x only", "proxy_pass, or ngx.socket.tcp in Lua"},
	{"memcached_pass", "the lab has no memcached", "a lua_shared_dict, or redis.lab through lua-resty-redis"},
	{"ssi", "the lab has no server-side includes", "ngx.location.capture in content_by_lua*"},
	{"sub_filter", "the lab has no substitution filter", "body_filter_by_lua* with ngx.re.gsub"},
	{"auth_basic", "the lab has no basic auth module", "access_by_lua* reading the Authorization header (ngx.decode_base64)"},
	{"auth_request", "the lab has no auth_request module", "access_by_lua* with ngx.location.capture"},
	{"limit_req", "the lab has no limit_req module", "access_by_lua* counting in a lua_shared_dict (incr with an expiry)"},
	{"limit_req_zone", "the lab has no limit_req module", "a lua_shared_dict and access_by_lua*"},
	{"limit_conn", "the lab has no limit_conn module", "access_by_lua* counting in a lua_shared_dict"},
	{"limit_conn_zone", "the lab has no limit_conn module", "a lua_shared_dict and access_by_lua*"},
	{"stub_status", "the lab has no stub_status module", "ngx.var.connection_requests, or the lab's trace"},
	{"autoindex", "the lab lists no directories", "content_by_lua*"},
	{"real_ip_header", "the lab has no realip module", "ngx.var.http_x_forwarded_for in Lua"},
	{"set_real_ip_from", "the lab has no realip module", "ngx.var.http_x_forwarded_for in Lua"},
	{"geo", "the lab has no geo module", "a map, or Lua with ngx.var.remote_addr"},
	{"split_clients", "the lab has no split_clients module", "Lua with ngx.crc32_short"},
	{"perl", "the lab runs Lua only", "content_by_lua*"},
	{"js_content", "the lab runs Lua only", "content_by_lua*"},
	{"stream", "the lab serves HTTP only (no stream module)", "an http server with content_by_lua* and ngx.req.socket(true)"},
	{"mail", "the lab serves HTTP only (no mail module)", "leave it out"},
}

// addLabScopeSpecs adds the no-effect and the refused directives to m.
func addLabScopeSpecs(m map[string]spec) {
	for _, n := range noEffect {
		n := n
		if _, done := m[n.name]; done {
			continue // a directive the lab runs wins
		}
		m[n.name] = spec{ctx: n.ctx, min: n.min, max: n.max, fn: func(b *builder, s *scope, d *directive) error {
			return checkNoEffect(s, d, n.kind)
		}}
	}
	for _, u := range unsupported {
		u := u
		if _, done := m[u.Name]; done {
			continue
		}
		m[u.Name] = spec{ctx: ^ctxMask(0), min: 0, max: -1, anyForm: true, fn: func(b *builder, s *scope, d *directive) error {
			return errf(d.pos, "\"%s\" directive is not supported in the lab: %s; use %s", d.name, u.Why, u.Instead)
		}}
	}
}

// checkNoEffect checks a no-effect directive as nginx would: once per
// level, and its value.
func checkNoEffect(s *scope, d *directive, kind argKind) error {
	if err := once(s, d); err != nil {
		return err
	}
	switch kind {
	case argFlag:
		_, err := parseFlag(d)
		return err
	case argSize:
		if _, ok := parseSize(d.arg(0)); !ok {
			return errf(d.pos, "\"%s\" directive invalid value", d.name)
		}
	case argTime:
		if _, ok := parseTime(d.arg(0)); !ok {
			return errf(d.pos, "\"%s\" directive invalid value", d.name)
		}
	case argNum:
		for _, c := range d.arg(0) {
			if c < '0' || c > '9' {
				return errf(d.pos, "\"%s\" directive invalid number", d.name)
			}
		}
	}
	return nil
}

// NoEffectDirectives are the directives the lab accepts and that change
// nothing in it, sorted by name.
func NoEffectDirectives() []DirectiveNote {
	out := make([]DirectiveNote, 0, len(noEffect))
	for _, n := range noEffect {
		out = append(out, DirectiveNote{Name: n.name, Why: n.why})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// UnsupportedDirectives are the directives the lab refuses with a reason,
// sorted by name.
func UnsupportedDirectives() []DirectiveNote {
	out := append([]DirectiveNote(nil), unsupported...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// String is the note as one line: "gzip: why; use instead".
func (n DirectiveNote) String() string {
	if n.Instead == "" {
		return fmt.Sprintf("%s: %s", n.Name, n.Why)
	}
	return fmt.Sprintf("%s: %s; use %s", n.Name, n.Why, strings.TrimSpace(n.Instead))
}
