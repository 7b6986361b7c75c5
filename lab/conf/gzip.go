package conf

import (
	"strings"
)

// GzipSettings are the inherited settings of nginx's gzip filter
// (ngx_http_gzip_filter_module and the gzip_* directives of the core module).
type GzipSettings struct {
	// On is gzip on|off (default off).
	On bool
	// Types is gzip_types (lowercase; text/html always among them; "*" for
	// every type).
	Types []string
	// MinLength is gzip_min_length (default 20): a response whose
	// Content-Length is known and smaller is not compressed.
	MinLength int64
	// CompLevel is gzip_comp_level, 1 to 9 (default 1).
	CompLevel int
	// HTTP10 is gzip_http_version 1.0 (the default, 1.1, leaves HTTP/1.0
	// requests uncompressed).
	HTTP10 bool
	// Vary is gzip_vary: a response the filter would compress says
	// "Vary: Accept-Encoding", whether this client asked for gzip or not.
	Vary bool
	// Proxied is gzip_proxied's flags for a request with a Via header
	// (nil: off, the default): "any", "expired", "no-cache", "no-store",
	// "private", "no_last_modified", "no_etag", "auth".
	Proxied []string `json:",omitempty"`
}

// defaultGzip holds nginx's defaults.
var defaultGzip = GzipSettings{Types: []string{"text/html"}, MinLength: 20, CompLevel: 1}

// gzipLevel holds the gzip settings given at one level.
type gzipLevel struct {
	on, vary, http10 *bool
	types, proxied   []string
	minLength        *int64
	compLevel        *int
}

// merge returns the child's settings: its own where given, else p's.
func (p GzipSettings) merge(l *gzipLevel) GzipSettings {
	c := p
	if l.on != nil {
		c.On = *l.on
	}
	if l.vary != nil {
		c.Vary = *l.vary
	}
	if l.http10 != nil {
		c.HTTP10 = *l.http10
	}
	if l.types != nil {
		c.Types = l.types
	}
	if l.proxied != nil {
		c.Proxied = l.proxied
	}
	if l.minLength != nil {
		c.MinLength = *l.minLength
	}
	if l.compLevel != nil {
		c.CompLevel = *l.compLevel
	}
	return c
}

// gzipSpecs adds the gzip directives the lab runs to m (gzip_buffers,
// gzip_disable and gzip_static are in labscope.go: accepted, no effect).
func gzipSpecs(m map[string]spec) {
	m["gzip"] = spec{ctx: cHSL | cLIF, min: 1, max: 1, fn: (*builder).gzipFlag} // also "if in location", as nginx
	m["gzip_vary"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).gzipFlag}
	m["gzip_types"] = spec{ctx: cHSL, min: 1, max: -1, fn: (*builder).gzipTypes}
	m["gzip_min_length"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).gzipMinLength}
	m["gzip_comp_level"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).gzipCompLevel}
	m["gzip_http_version"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).gzipHTTPVersion}
	m["gzip_proxied"] = spec{ctx: cHSL, min: 1, max: -1, fn: (*builder).gzipProxied}
}

// gzipFlag handles gzip on|off and gzip_vary on|off.
func (b *builder) gzipFlag(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	on, err := parseFlag(d)
	if err != nil {
		return err
	}
	if d.name == "gzip" {
		s.lvl.resp.gzip.on = &on
	} else {
		s.lvl.resp.gzip.vary = &on
	}
	return nil
}

// gzipTypes handles gzip_types TYPE...: text/html is always compressed; a
// second gzip_types at the same level adds to the list (ngx_http_types_slot).
func (b *builder) gzipTypes(s *scope, d *directive) error {
	types := s.lvl.resp.gzip.types
	if types == nil {
		types = []string{"text/html"}
	}
	for _, a := range d.args {
		types = append(types, strings.ToLower(a.s))
	}
	s.lvl.resp.gzip.types = types
	return nil
}

// gzipMinLength handles gzip_min_length SIZE.
func (b *builder) gzipMinLength(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	n, ok := parseSize(d.arg(0))
	if !ok {
		return errf(d.pos, "\"%s\" directive invalid value", d.name)
	}
	s.lvl.resp.gzip.minLength = &n
	return nil
}

// gzipCompLevel handles gzip_comp_level 1..9, with nginx's messages
// (ngx_conf_set_num_slot, then the bounds post handler).
func (b *builder) gzipCompLevel(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	v := d.arg(0)
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' || n > 1000 {
			return errf(d.pos, "\"%s\" directive invalid number", d.name)
		}
		n = n*10 + int(c-'0')
	}
	if v == "" {
		return errf(d.pos, "\"%s\" directive invalid number", d.name)
	}
	if n < 1 || n > 9 {
		return errf(d.pos, "value must be between 1 and 9")
	}
	s.lvl.resp.gzip.compLevel = &n
	return nil
}

// gzipHTTPVersion handles gzip_http_version 1.0|1.1.
func (b *builder) gzipHTTPVersion(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	v, ok := enumValue(d.arg(0), "1.0", "1.1")
	if !ok {
		return errf(d.pos, "invalid value \"%s\"", d.arg(0))
	}
	http10 := v == "1.0"
	s.lvl.resp.gzip.http10 = &http10
	return nil
}

// gzipProxied handles gzip_proxied FLAG... (ngx_conf_set_bitmask_slot:
// "off" clears nothing by itself; any other word is a flag).
func (b *builder) gzipProxied(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	flags := []string{}
	for _, a := range d.args {
		v, ok := enumValue(a.s, "off", "expired", "no-cache", "no-store", "private", "no_last_modified", "no_etag", "auth", "any")
		if !ok {
			return errf(d.pos, "invalid value \"%s\"", a.s)
		}
		if v != "off" {
			flags = append(flags, v)
		}
	}
	s.lvl.resp.gzip.proxied = flags
	return nil
}
