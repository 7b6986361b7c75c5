package conf

import (
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// LogFormat is a log_format, or the predefined "combined".
type LogFormat struct {
	Name string
	// Escape is how variable values are escaped: "default", "json" or "none".
	Escape string
	// Tpl is the format strings, concatenated as nginx concatenates them.
	Tpl Template
	Pos Pos
}

// AccessLog is one access_log PATH [FORMAT [buffer=size] [flush=time] [if=cond]].
type AccessLog struct {
	// Path is the log file, resolved against the prefix.
	Path string
	// FormatName names Format (HTTP.LogFormats).
	FormatName string
	Format     *LogFormat `json:"-"`
	// Buffer and Flush are buffer= and flush= (0: none): the engine keeps
	// a buffer per worker and file as nginx does (lab/engine/accesslog_buffer.go).
	Buffer int64
	Flush  time.Duration
	// If is the if= condition: no line when it expands to "" or "0".
	If  *Template `json:",omitempty"`
	Pos Pos
}

// combinedFormat is nginx's predefined "combined" (ngx_http_log_module.c).
const combinedFormat = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`

// predefinedFormats returns the formats every http block starts with.
func predefinedFormats() map[string]*LogFormat {
	t, _ := ParseTemplate(combinedFormat)
	return map[string]*LogFormat{"combined": {Name: "combined", Escape: "default", Tpl: t}}
}

// logFormat handles log_format NAME [escape=default|json|none] STRING ...
// (http level only), with ngx_http_log_set_format's checks.
func (b *builder) logFormat(_ *scope, d *directive) error {
	h := b.cfg.HTTP
	name := d.arg(0)
	if _, dup := h.LogFormats[name]; dup {
		return errf(d.pos, "duplicate \"log_format\" name \"%s\"", name)
	}
	f := &LogFormat{Name: name, Escape: "default", Pos: d.pos}
	rest := d.args[1:]
	if v, ok := strings.CutPrefix(rest[0].s, "escape="); ok {
		switch v {
		case "default", "json", "none":
			f.Escape = v
		default:
			return errf(d.pos, "unknown log format escaping \"%s\"", v)
		}
		rest = rest[1:]
	}
	var src strings.Builder
	for _, a := range rest {
		src.WriteString(a.s)
	}
	t, err := ParseTemplate(src.String())
	if err != nil {
		return errf(d.pos, "%s", complexValueError(err))
	}
	f.Tpl = t
	h.LogFormats[name] = f
	return nil
}

// accessLog handles access_log off | PATH [FORMAT [buffer=size] [gzip[=level]]
// [flush=time] [if=condition]], with ngx_http_log_set_log's checks. Several
// at one level all write; a level with none inherits its parent's.
func (b *builder) accessLog(s *scope, d *directive) error {
	l := s.lvl
	l.accessLogSet = true
	if d.arg(0) == "off" {
		if len(d.args) > 1 {
			return errf(d.pos, "invalid parameter \"%s\"", d.arg(1))
		}
		l.accessLogOff = true
		return nil
	}
	raw := d.arg(0)
	if strings.HasPrefix(raw, "syslog:") {
		return errf(d.pos, "access_log to syslog is not supported by the lab")
	}
	if strings.Contains(raw, "$") {
		return errf(d.pos, "variables in the access_log path are not supported by the lab")
	}
	path := raw
	if !filepath.IsAbs(path) {
		path = filepath.Join(b.prefix, path)
	}
	if b.confineTo != "" && !inside(b.confineTo, path) {
		return errf(d.pos, "%s", openError(path, syscall.EACCES))
	}
	name := "combined"
	if len(d.args) > 1 {
		name = d.arg(1)
	}
	f, ok := b.cfg.HTTP.LogFormats[name]
	if !ok {
		return errf(d.pos, "unknown log format \"%s\"", name)
	}
	al := &AccessLog{Path: path, FormatName: name, Format: f, Pos: d.pos}
	flushSet := false
	for _, a := range d.args[min(2, len(d.args)):] {
		v := a.s
		switch {
		case strings.HasPrefix(v, "buffer="):
			n, ok := parseSize(v[len("buffer="):])
			if !ok || n == 0 {
				return errf(d.pos, "invalid buffer size \"%s\"", v[len("buffer="):])
			}
			al.Buffer = n
		case strings.HasPrefix(v, "flush="):
			t, ok := parseTime(v[len("flush="):])
			if !ok || t == 0 {
				return errf(d.pos, "invalid flush time \"%s\"", v[len("flush="):])
			}
			al.Flush, flushSet = t, true
		case v == "gzip" || strings.HasPrefix(v, "gzip="):
			return errf(d.pos, "gzip access logs are not supported by the lab")
		case strings.HasPrefix(v, "if="):
			t, err := ParseTemplate(v[len("if="):])
			if err != nil {
				return errf(d.pos, "%s", complexValueError(err))
			}
			al.If = &t
		default:
			return errf(d.pos, "invalid parameter \"%s\"", v)
		}
	}
	if flushSet && al.Buffer == 0 {
		return errf(d.pos, "no buffer is defined for access_log \"%s\"", raw)
	}
	l.accessLogs = append(l.accessLogs, al)
	b.cfg.HTTP.AccessLogFiles = append(b.cfg.HTTP.AccessLogFiles, path)
	return nil
}

// complexValueError is how nginx's script compiler words a template error.
func complexValueError(err error) string {
	msg := err.Error()
	if strings.HasPrefix(msg, "invalid variable name") {
		return "invalid variable name"
	}
	return msg
}

// Vars returns the variables the format and the if= condition use.
func (a *AccessLog) Vars() []string {
	v := a.Format.Tpl.Vars()
	if a.If != nil {
		v = append(v, a.If.Vars()...)
	}
	return v
}
