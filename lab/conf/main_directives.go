package conf

import (
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// logLevels are error_log's levels, lowest first.
var logLevels = map[string]bool{
	"debug": true, "info": true, "notice": true, "warn": true,
	"error": true, "crit": true, "alert": true, "emerg": true,
}

// errorLog handles error_log FILE|stderr [LEVEL]; only the main-level one is
// used (http/server/location error_log are checked and ignored).
func (b *builder) errorLog(s *scope, d *directive) error {
	level := "error"
	for i, a := range d.args[1:] {
		if !logLevels[a.s] {
			return errf(d.pos, "invalid log level \"%s\"", a.s)
		}
		if i > 0 {
			return errf(d.pos, "duplicate log level \"%s\"", a.s)
		}
		level = a.s
	}
	if s.ctx != cMain {
		return nil
	}
	file := d.arg(0)
	if file != "stderr" && !filepath.IsAbs(file) {
		file = filepath.Join(b.prefix, file)
	}
	b.cfg.ErrorLog, b.cfg.ErrorLogLevel = file, level
	return nil
}

// workerProcesses handles worker_processes N|auto (1..MaxWorkers).
func (b *builder) workerProcesses(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	if d.arg(0) == "auto" {
		b.cfg.WorkerProcesses = min(runtime.NumCPU(), MaxWorkers)
		return nil
	}
	n, ok := parseDigits(d.arg(0))
	if !ok {
		return errf(d.pos, "\"worker_processes\" directive invalid value")
	}
	if n < 1 || n > MaxWorkers {
		// Not an nginx error: the lab runs between 1 and MaxWorkers workers.
		return errf(d.pos, "worker_processes %d is outside the lab's range 1..%d", n, MaxWorkers)
	}
	b.cfg.WorkerProcesses = int(n)
	return nil
}

// events handles the events block.
func (b *builder) events(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	return b.parseBlock(d.lx, &scope{ctx: cEvents, lvl: newLevel()}, true)
}

// workerConnections handles worker_connections N.
func (b *builder) workerConnections(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	n, ok := parseDigits(d.arg(0))
	if !ok || n > 1<<20 {
		return errf(d.pos, "invalid number \"%s\"", d.arg(0))
	}
	if n == 0 {
		return errf(d.pos, "0 worker_connections are not enough")
	}
	b.cfg.WorkerConnections = int(n)
	return nil
}

// multiAccept is events { multi_accept on|off }.
func (b *builder) multiAccept(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	on, err := parseFlag(d)
	b.cfg.MultiAccept = on
	return err
}

// http handles the http block: parse it, then apply inheritance and the
// checks nginx runs once the block is read.
func (b *builder) http(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	b.cfg.HTTP = &HTTP{
		LuaCodeCache:         true,
		MaxPendingTimers:     1024,
		MaxRunningTimers:     256,
		RegexCacheMaxEntries: 1024,
		DefaultType:          "text/plain",
		KeepaliveTimeout:     75 * time.Second,
		ClientMaxBodySize:    1 << 20,

		ClientHeaderTimeout: 60 * time.Second,
		LogFormats:          predefinedFormats(),
	}
	b.httpLevel = newLevel()
	if err := b.parseBlock(d.lx, &scope{ctx: cHTTP, lvl: b.httpLevel}, true); err != nil {
		return err
	}
	if err := b.resolveProxies(); err != nil {
		return err
	}
	if err := b.checkCacheZones(d.lx.at(d.lx.line)); err != nil {
		return err
	}
	return b.finishHTTP()
}

// types reads a types block: the extension -> MIME type map of its level,
// which replaces the inherited one (response.go's mimeType reads the lines).
func (b *builder) types(s *scope, d *directive) error {
	if s.lvl.resp.mime == nil {
		s.lvl.resp.mime = map[string]string{}
	}
	return b.parseBlock(d.lx, &scope{ctx: cTypes, lvl: s.lvl}, true)
}

// finish runs the checks done after the whole file is read.
func (b *builder) finish() error {
	if !b.mainSeen["events"] {
		return &Error{Msg: "no \"events\" section in configuration"}
	}
	return nil
}

// luaPackagePath handles lua_package_path.
func (b *builder) luaPackagePath(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	b.cfg.HTTP.LuaPackagePath = d.arg(0)
	return nil
}

// luaCodeCache handles lua_code_cache on|off at http, server or location
// level. "off" makes each request run in a Lua VM of its own, loaded afresh
// (the engine's request VMs); ngx_lua warns about it at start-up with an
// alert, which the engine logs (HTTP.CodeCacheOff) and Load reports as a
// Diagnostic.
func (b *builder) luaCodeCache(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	on, err := parseFlag(d)
	if err != nil {
		return err
	}
	s.lvl.codeCache = &on
	if !on {
		b.cfg.HTTP.CodeCacheOff = append(b.cfg.HTTP.CodeCacheOff, d.pos)
		b.diags = append(b.diags, Diagnostic{Pos: d.pos, Message: CodeCacheOffAlert, Alert: true})
	}
	return nil
}

// CodeCacheOffAlert is what ngx_lua logs at start-up, as an alert, for
// each "lua_code_cache off" (followed by " in FILE:LINE").
const CodeCacheOffAlert = "lua_code_cache is off; this will hurt performance"

// sharedDict handles lua_shared_dict NAME SIZE.
func (b *builder) sharedDict(_ *scope, d *directive) error {
	name, size := d.arg(0), d.arg(1)
	if name == "" {
		return errf(d.pos, "invalid lua shared dict name \"%s\"", name)
	}
	n, ok := parseSize(size)
	if !ok || n <= 8191 { // ngx_lua rejects zones under 8 KiB
		return errf(d.pos, "invalid lua shared dict size \"%s\"", size)
	}
	if b.dicts[name] {
		return errf(d.pos, "lua_shared_dict \"%s\" is already defined as \"%s\"", name, name)
	}
	b.dicts[name] = true
	b.cfg.HTTP.SharedDicts = append(b.cfg.HTTP.SharedDicts, SharedDict{Name: name, Size: n, Pos: d.pos})
	return nil
}

// defaultType handles default_type.
func (b *builder) defaultType(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	v := d.arg(0)
	s.lvl.defaultType = &v
	return nil
}

// root handles root PATH: where the static handler looks for files
// (relative paths are relative to the prefix; default "html").
func (b *builder) root(s *scope, d *directive) error {
	if s.lvl.seen["alias"] {
		return errf(d.pos, "\"root\" directive is duplicate, \"alias\" directive was specified earlier")
	}
	if err := once(s, d); err != nil {
		return err
	}
	v := d.arg(0)
	s.lvl.root = &v
	return nil
}

// index handles index FILE...: the files tried for a URI ending in "/"
// (default index.html).
func (b *builder) index(s *scope, d *directive) error {
	for _, a := range d.args {
		s.lvl.index = append(s.lvl.index, a.s)
	}
	return nil
}

// keepaliveTimeout handles keepalive_timeout TIME [HEADER_TIME] (the second
// value is the Keep-Alive header's timeout, ConnSettings.KeepaliveHeader).
func (b *builder) keepaliveTimeout(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	for _, a := range d.args {
		if _, ok := parseTime(a.s); !ok {
			return errf(d.pos, "\"keepalive_timeout\" directive invalid value")
		}
	}
	v, _ := parseTime(d.arg(0))
	s.lvl.keepalive = &v
	if len(d.args) == 2 {
		h, _ := parseTime(d.arg(1))
		s.lvl.resp.conn.kaHeader = &h
	}
	return nil
}

// clientHeaderTimeout handles client_header_timeout TIME: how long a
// client may take to send a request's header.
func (b *builder) clientHeaderTimeout(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	v, ok := parseTime(d.arg(0))
	if !ok {
		return errf(d.pos, "\"client_header_timeout\" directive invalid value")
	}
	s.lvl.headerTimeout = &v
	return nil
}

// clientMaxBodySize handles client_max_body_size.
func (b *builder) clientMaxBodySize(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	n, ok := parseSize(d.arg(0))
	if !ok {
		return errf(d.pos, "\"client_max_body_size\" directive invalid value")
	}
	s.lvl.maxBody = &n
	return nil
}

// addHeader handles add_header NAME VALUE [always].
func (b *builder) addHeader(s *scope, d *directive) error {
	h := AddHeader{Name: d.arg(0), Value: d.arg(1), Pos: d.pos}
	if len(d.args) == 3 {
		if d.arg(2) != "always" {
			return errf(d.pos, "invalid parameter \"%s\"", d.arg(2))
		}
		h.Always = true
	}
	tpl, err := ParseTemplate(h.Value)
	if err != nil {
		return errf(d.pos, "%s", err.Error())
	}
	h.Tpl = tpl
	s.lvl.addHeaders = append(s.lvl.addHeaders, h)
	s.lvl.hasAddHeaders = true
	return nil
}

// clientBodyBufferSize handles client_body_buffer_size SIZE.
func (b *builder) clientBodyBufferSize(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	n, ok := parseSize(d.arg(0))
	if !ok {
		return errf(d.pos, "\"client_body_buffer_size\" directive invalid value")
	}
	s.lvl.bodyBuffer = &n
	return nil
}

// clientBodyInFileOnly handles client_body_in_file_only on|clean|off.
func (b *builder) clientBodyInFileOnly(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	v := d.arg(0)
	switch v {
	case "on", "clean", "off":
	default:
		return errf(d.pos, "invalid value \"%s\" in \"client_body_in_file_only\" directive, it must be \"on\", \"clean\" or \"off\"", v)
	}
	s.lvl.bodyInFile = &v
	return nil
}

// keepaliveRequests handles keepalive_requests N.
func (b *builder) keepaliveRequests(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	n, ok := parseDigits(d.arg(0))
	if !ok {
		return errf(d.pos, "invalid number \"%s\" in \"keepalive_requests\" directive", d.arg(0))
	}
	v := int(n)
	s.lvl.kaRequests = &v
	return nil
}

// underscoresInHeaders handles underscores_in_headers on|off.
func (b *builder) underscoresInHeaders(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	var v bool
	switch d.arg(0) {
	case "on":
		v = true
	case "off":
	default:
		return errf(d.pos, "invalid value \"%s\" in \"underscores_in_headers\" directive, it must be \"on\" or \"off\"", d.arg(0))
	}
	s.lvl.underscores = &v
	return nil
}

// env handles env NAME and env NAME=VALUE: what an nginx worker's
// environment keeps (nginx clears everything else but TZ).
func (b *builder) env(_ *scope, d *directive) error {
	name, value, set := strings.Cut(d.arg(0), "=")
	b.cfg.Env = append(b.cfg.Env, EnvVar{Name: name, Value: value, Set: set, Pos: d.pos})
	return nil
}

// luaCheckClientAbort handles lua_check_client_abort on|off.
func (b *builder) luaCheckClientAbort(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	on, err := parseFlag(d)
	if err != nil {
		return err
	}
	s.lvl.checkAbort = &on
	return nil
}

// limitRate handles limit_rate SIZE and limit_rate_after SIZE (plain
// sizes; nginx 1.22 also takes variables in them).
func (b *builder) limitRate(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	n, ok := parseSize(d.arg(0))
	if !ok {
		return errf(d.pos, "\"%s\" directive invalid value", d.name)
	}
	if d.name == "limit_rate" {
		s.lvl.limitRate = &n
	} else {
		s.lvl.limitRateAfter = &n
	}
	return nil
}
