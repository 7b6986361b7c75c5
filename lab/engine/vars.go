package engine

import (
	"os"
	"strconv"
	"strings"
)

// variable returns the value of nginx variable name for r; ok is false for
// a variable nginx does not know (or one that is "not found" for r).
func (r *request) variable(name string) (string, bool) {
	if v, ok := r.vars[name]; ok {
		return v, true
	}
	if n, err := strconv.Atoi(name); err == nil {
		if n >= 0 && n < len(r.captures) {
			return r.captures[n], true
		}
		return "", false
	}
	switch {
	case strings.HasPrefix(name, "arg_"):
		return argValue(r.args, name[4:])
	case strings.HasPrefix(name, "http_"):
		// nginx compares each header name, lowercased with '-' read as
		// '_', with the rest of the variable name (so "http_x-a" matches
		// nothing and "http_x_a" matches both X-A and x_a)
		want := name[5:]
		for _, hd := range r.headersIn {
			if headerVarName(hd.Name) == want {
				h := hd.Name
				if strings.EqualFold(h, "cookie") {
					return r.joinHeader(h, "; "), true
				}
				return hd.Value, true
			}
		}
		return "", false
	case strings.HasPrefix(name, "cookie_"):
		return cookieValue(r.joinHeader("cookie", "; "), name[7:])
	case strings.HasPrefix(name, "sent_http_"):
		h := strings.ReplaceAll(name[10:], "_", "-")
		if strings.EqualFold(h, "content_type") || strings.EqualFold(h, "content-type") {
			if v, ok := r.headerOut("Content-Type"); ok {
				return v, true
			}
			if r.headerSent {
				return r.defaultType(), true
			}
		}
		if strings.EqualFold(h, "cache-control") || strings.EqualFold(h, "link") {
			// nginx joins these (its multi-value headers); others give the first
			if i := r.findHeader(h); i >= 0 && len(r.headers[i].values) > 0 {
				return strings.Join(r.headers[i].values, ", "), true
			}
		}
		if v, ok := r.headerOut(h); ok {
			return v, true
		}
		for _, a := range r.added { // add_header's, once the header filters ran
			if strings.EqualFold(a.name, h) {
				return a.values[0], true
			}
		}
		return "", false
	}
	if m := r.w.e.cfg.HTTP.Maps[name]; m != nil {
		return r.mapValue(m), true
	}
	if d, ok := builtinVars[name]; ok {
		if v, ok := d.get(r); ok {
			return v, true
		}
	}
	if r.w.e.declaredVar(name) && !r.unsetVars[name] {
		return "", true
	}
	return "", false
}

// unsetVar is ngx.var.NAME = nil: the variable reads as not found (nil)
// until it is set again, as ngx_lua marks it not_found.
func (r *request) unsetVar(name string) {
	delete(r.vars, name)
	if r.unsetVars == nil {
		r.unsetVars = make(map[string]bool, 1)
	}
	r.unsetVars[name] = true
}

// setVar stores a variable made by set, set_by_lua or ngx.var.
func (r *request) setVar(name, v string) {
	if name == "limit_rate" { // set $limit_rate: the response's rate (ratelimit.go)
		r.setLimitRate(v)
		return
	}
	if r.vars == nil {
		r.vars = make(map[string]string, 4)
	}
	r.vars[name] = v
	delete(r.unsetVars, name)
}

// joinHeader joins every request header of that name.
func (r *request) joinHeader(name, sep string) string {
	var parts []string
	for _, h := range r.headersIn {
		if strings.EqualFold(h.Name, name) {
			parts = append(parts, h.Value)
		}
	}
	return strings.Join(parts, sep)
}

// argValue is $arg_NAME: the first NAME argument, raw (not decoded), name
// compared case-insensitively as nginx does.
func argValue(args, name string) (string, bool) {
	for len(args) > 0 {
		var kv string
		kv, args, _ = strings.Cut(args, "&")
		k, v, _ := strings.Cut(kv, "=")
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// cookieValue is $cookie_NAME.
func cookieValue(header, name string) (string, bool) {
	for _, part := range strings.Split(header, ";") {
		part = strings.TrimSpace(part)
		k, v, ok := strings.Cut(part, "=")
		if ok && strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// declaredVar reports whether a set/set_by_lua directive anywhere in the
// configuration declares the variable (nginx knows them at load time).
func (e *Engine) declaredVar(name string) bool {
	_, ok := e.userVars[name]
	return ok
}

// headerVarName is a request header name as nginx matches it against
// $http_NAME: lower case, '-' read as '_'.
func headerVarName(h string) string {
	b := []byte(strings.ToLower(h))
	for i, c := range b {
		if c == '-' {
			b[i] = '_'
		}
	}
	return string(b)
}

// varDef is a built-in nginx variable: how it reads for a request (ok
// false: "not found"), and whether ngx.var may set it (most built-ins are
// read-only: "variable "uri" not changeable").
type varDef struct {
	get      func(r *request) (string, bool)
	writable bool
}

// builtinVars are the engine's built-in variables by name: the one table
// that reading ($name in directives, ngx.var), ngx.var's writes and the
// load-time check of variable names go through. Variables with a prefix
// ($arg_, $http_, $cookie_, $sent_http_) are read by variable itself
// (prefixedVar).
var builtinVars map[string]varDef

func init() {
	builtinVars = map[string]varDef{}
	def := func(get func(r *request) (string, bool), names ...string) {
		for _, n := range names {
			if _, twice := builtinVars[n]; twice {
				// two definitions: the later would silently win
				panic("engine: built-in variable $" + n + " defined twice")
			}
			builtinVars[n] = varDef{get: get, writable: !readOnlyVar(n)}
		}
	}

	def(func(r *request) (string, bool) {
		return r.uri, true
	}, "uri", "document_uri")
	def((*request).documentRoot, "document_root")       // tryfiles.go
	def((*request).requestFilename, "request_filename") // tryfiles.go
	def((*request).invalidReferer, "invalid_referer")   // referer.go
	def(func(r *request) (string, bool) {
		if r.args == "" {
			return "", r.argsEmpty
		}
		return r.args, true
	}, "args", "query_string")
	def(func(r *request) (string, bool) {
		if r.args != "" {
			return "?", true
		}
		return "", true
	}, "is_args")
	def(func(r *request) (string, bool) {
		if r.head != nil {
			u := r.head.RawURI
			if i := strings.Index(u, "://"); i > 0 && !strings.HasPrefix(u, "/") {
				// absolute form: $request_uri is the path and query
				if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
					u = u[i+3+j:]
				} else {
					u = "/"
				}
			}
			return u, true
		}
		return "", false
	}, "request_uri")
	def(func(r *request) (string, bool) {
		return r.mainRequest().method, true // the main request's, even in a subrequest
	}, "request_method")
	def(func(r *request) (string, bool) {
		if r.c != nil && r.c.tls != nil {
			return "https", true
		}
		return "http", true
	}, "scheme")
	def(func(r *request) (string, bool) {
		if r.c != nil && r.c.tls != nil {
			return "on", true
		}
		return "", true
	}, "https")
	defSSLVars(def) // tlsvars.go
	def(func(r *request) (string, bool) {
		if r.head != nil {
			return r.head.Proto, true
		}
		return "", false
	}, "server_protocol")
	def(func(r *request) (string, bool) {
		if r.head != nil && r.head.Host != "" {
			return r.head.Host, true
		}
		if r.srv != nil && len(r.srv.ServerNames) > 0 {
			return r.srv.ServerNames[0], true
		}
		if r.c != nil {
			return r.c.serverAddr, true
		}
		return "", false
	}, "host")
	def(func(r *request) (string, bool) {
		if r.srv != nil && len(r.srv.ServerNames) > 0 {
			return r.srv.ServerNames[0], true
		}
		return "", true
	}, "server_name")
	def(func(r *request) (string, bool) {
		if r.c != nil {
			return r.c.remoteAddr, true
		}
		return "", false
	}, "remote_addr", "realip_remote_addr")
	def(func(r *request) (string, bool) {
		if r.c != nil {
			return r.c.remotePort, true
		}
		return "", false
	}, "remote_port")
	def(func(r *request) (string, bool) {
		if r.c != nil {
			return r.c.serverAddr, true
		}
		return "", false
	}, "server_addr")
	def(func(r *request) (string, bool) {
		if r.c != nil {
			return r.c.l.port, true
		}
		return "", false
	}, "server_port")
	def(func(r *request) (string, bool) {
		if r.head != nil && r.head.Chunked && r.bodyState == bodyRead {
			n := int64(len(r.body))
			if r.body == nil && r.bodyFile != "" && !r.bodyFileUser {
				n = r.bodyRecv // the body went to a temp file as it came
			}
			return strconv.FormatInt(n, 10), true // nginx sets it once a chunked body is read
		}
		if v := r.headerIn("content-length"); v != "" {
			return v, true
		}
		return "", false
	}, "content_length")
	def(func(r *request) (string, bool) {
		if v := r.headerIn("content-type"); v != "" {
			return v, true
		}
		return "", false
	}, "content_type")
	def(func(r *request) (string, bool) {
		if r.bodyState == bodyRead && r.body != nil && r.bodyFile == "" {
			return string(r.body), true
		}
		return "", false
	}, "request_body")
	def(func(r *request) (string, bool) {
		return statusDigits(r.status), true
	}, "status")
	def(func(r *request) (string, bool) {
		if r.proxy != nil {
			return r.proxy.proxyHost(), true
		}
		return "", false
	}, "proxy_host")
	def(func(r *request) (string, bool) {
		if r.c == nil {
			return "", false
		}
		if xff := r.headerIn("x-forwarded-for"); xff != "" {
			return xff + ", " + r.c.remoteAddr, true
		}
		return r.c.remoteAddr, true
	}, "proxy_add_x_forwarded_for")
	def(func(r *request) (string, bool) {
		if r.proxy != nil && len(r.proxy.addrs) > 0 {
			return strings.Join(r.proxy.addrs, ", "), true
		}
		return "", false
	}, "upstream_addr")
	def(func(r *request) (string, bool) {
		if r.proxy != nil && len(r.proxy.statuses) > 0 {
			return strings.Join(r.proxy.statuses, ", "), true
		}
		return "", false
	}, "upstream_status")
	def((*request).upstreamCacheStatus, "upstream_cache_status")
	def(func(r *request) (string, bool) {
		return "1.22.1", true
	}, "nginx_version")
	def(func(r *request) (string, bool) {
		return strconv.FormatInt(r.limitRate, 10), true
	}, "limit_rate")
	def(func(r *request) (string, bool) {
		return strconv.Itoa(r.w.tid), true // the worker's id as ngx.worker.pid() gives it
	}, "pid")
	def(func(r *request) (string, bool) {
		h, _ := os.Hostname()
		return h, true
	}, "hostname")
	def(func(r *request) (string, bool) {
		t := r.w.loop.Now()
		return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64), true
	}, "msec")
	def(func(r *request) (string, bool) {
		return r.w.loop.Now().Format("02/Jan/2006:15:04:05 -0700"), true
	}, "time_local")
	def(func(r *request) (string, bool) {
		// nginx prints the offset as +00:00 even in UTC (Go's RFC3339 says Z)
		return r.w.loop.Now().Format("2006-01-02T15:04:05-07:00"), true
	}, "time_iso8601")
	def(func(r *request) (string, bool) {
		d := r.w.loop.Now().Sub(r.start)
		return strconv.FormatFloat(d.Seconds(), 'f', 3, 64), true
	}, "request_time")
	def(func(r *request) (string, bool) {
		if r.c != nil {
			return strconv.FormatInt(r.c.num, 10), true
		}
		return "", false
	}, "connection")
	def(func(r *request) (string, bool) {
		if r.c != nil {
			return strconv.Itoa(r.c.nreq), true
		}
		return "", false
	}, "connection_requests")
	def(func(r *request) (string, bool) {
		return strconv.FormatInt(r.bytesSent, 10), true
	}, "bytes_sent")
	def(func(r *request) (string, bool) {
		return strconv.FormatInt(r.bodySent, 10), true
	}, "body_bytes_sent")
	def(func(r *request) (string, bool) {
		if r.head != nil {
			return strconv.FormatInt(int64(len(r.head.RawHeader))+r.bodyRecv, 10), true
		}
		return "", false
	}, "request_length")
	def(binaryRemoteAddr, "binary_remote_addr")
	def(requestID, "request_id")
	def(func(r *request) (string, bool) {
		return "", true // HTTP/1.x only: nginx's $http2 is empty then
	}, "http2")
	def(realpathRoot, "realpath_root")
	def(func(r *request) (string, bool) {
		return "", false // no basic auth in the lab: nginx's "not found" without credentials
	}, "remote_user")
	def(func(r *request) (string, bool) {
		return ".", true // the lab does not tell a pipelined request apart
	}, "pipe")
	def(func(r *request) (string, bool) {
		if r.head != nil {
			line := string(r.head.RawHeader)
			if i := strings.IndexAny(line, "\r\n"); i >= 0 {
				line = line[:i]
			}
			return line, true
		}
		return "", false
	}, "request")
}

// readOnlyVar reports whether ngx.var may not set the built-in variable.
func readOnlyVar(name string) bool {
	switch name {
	case "args", "query_string", "limit_rate":
		return false
	}
	return true
}
