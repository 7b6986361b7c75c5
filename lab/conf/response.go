package conf

import (
	"strings"
	"time"
)

// ResponseSettings are the inherited settings of nginx's response filters
// that the engine applies to every main response: the not_modified filter
// (etag, if_modified_since), the range filter (max_ranges), the charset
// filter (charset, charset_types, source_charset, override_charset); and
// how the response goes out (postpone_output, send_timeout, the
// Keep-Alive header, lingering close; connection.go).
type ResponseSettings struct {
	// Etag is the etag directive (default on): static files carry an ETag.
	Etag bool
	// IfModifiedSince is "off", "exact" (the default) or "before".
	IfModifiedSince string
	// MaxRanges is max_ranges (-1: no limit, the default; 0: ranges off).
	MaxRanges int
	// Charset is charset (empty: off), SourceCharset source_charset (empty:
	// off), CharsetTypes charset_types (lowercase; "*" for every type;
	// text/html is always in it), OverrideCharset override_charset.
	Charset         string
	SourceCharset   string
	CharsetTypes    []string
	OverrideCharset bool
	Conn            ConnSettings
	// Gzip is the gzip filter's settings (gzip.go).
	Gzip GzipSettings
	// Types is the effective types {} map, lowercase extension -> MIME
	// type (nil: none given anywhere, nginx's built-in html, gif, jpg).
	Types map[string]string `json:",omitempty"`
}

// DefaultResponse holds nginx's default for each ResponseSettings field.
var DefaultResponse = ResponseSettings{Etag: true, IfModifiedSince: "exact", MaxRanges: -1,
	CharsetTypes: []string{"text/html", "text/xml", "text/plain", "text/vnd.wap.wml", "application/javascript", "application/rss+xml"},
	Conn:         defaultConn, Gzip: defaultGzip}

// responseLevel holds the response settings given at one level.
type responseLevel struct {
	etag      *bool
	ims       *string
	maxRanges *int
	charset   *string
	source    *string
	types     []string
	override  *bool
	conn      connLevel
	gzip      gzipLevel
	mime      map[string]string // this level's types {} (nil: none)
}

// merge returns the child's settings: its own where given, else p's.
func (p ResponseSettings) merge(l *responseLevel) ResponseSettings {
	c := p
	if l.etag != nil {
		c.Etag = *l.etag
	}
	if l.ims != nil {
		c.IfModifiedSince = *l.ims
	}
	if l.maxRanges != nil {
		c.MaxRanges = *l.maxRanges
	}
	if l.charset != nil {
		c.Charset = *l.charset
	}
	if l.source != nil {
		c.SourceCharset = *l.source
	}
	if l.types != nil {
		c.CharsetTypes = l.types
	}
	if l.override != nil {
		c.OverrideCharset = *l.override
	}
	c.Conn = c.Conn.merge(&l.conn)
	c.Gzip = c.Gzip.merge(&l.gzip)
	if l.mime != nil {
		c.Types = l.mime
	}
	return c
}

// responseSpecs adds the response filter directives to m.
func responseSpecs(m map[string]spec) {
	m["etag"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).etag}
	m["if_modified_since"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).ifModifiedSince}
	m["max_ranges"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).maxRanges}
	m["charset"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).charset}
	m["source_charset"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).charset}
	m["charset_types"] = spec{ctx: cHSL, min: 1, max: -1, fn: (*builder).charsetTypes}
	m["override_charset"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).overrideCharset}
	connSpecs(m)
	gzipSpecs(m)
	m["map"] = spec{ctx: cHTTP, min: 2, max: 2, block: true, fn: (*builder).mapBlock}
}

// etag handles etag on|off.
func (b *builder) etag(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	on, err := parseFlag(d)
	if err != nil {
		return err
	}
	s.lvl.resp.etag = &on
	return nil
}

// ifModifiedSince handles if_modified_since off|exact|before.
func (b *builder) ifModifiedSince(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	v := strings.ToLower(d.arg(0))
	switch v {
	case "off", "exact", "before":
	default:
		return errf(d.pos, "invalid value \"%s\"", d.arg(0)) // ngx_conf_set_enum_slot's words
	}
	s.lvl.resp.ims = &v
	return nil
}

// maxRanges handles max_ranges N.
func (b *builder) maxRanges(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	n, ok := parseDigits(d.arg(0))
	if !ok {
		return errf(d.pos, "\"max_ranges\" directive invalid number")
	}
	v := int(n)
	s.lvl.resp.maxRanges = &v
	return nil
}

// charset handles charset and source_charset NAME|off (any name: nginx
// knows a charset by its name alone until it has to recode).
func (b *builder) charset(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	v := d.arg(0)
	if v == "off" {
		v = ""
	}
	if d.name == "charset" {
		s.lvl.resp.charset = &v
	} else {
		s.lvl.resp.source = &v
	}
	return nil
}

// charsetTypes handles charset_types TYPE...: the types that get the
// charset, text/html always among them. A second charset_types at the same
// level adds to the list (ngx_http_types_slot), except after "*".
func (b *builder) charsetTypes(s *scope, d *directive) error {
	types := s.lvl.resp.types
	if types == nil {
		types = []string{"text/html"}
	}
	for _, a := range d.args {
		if len(types) > 0 && types[len(types)-1] == "*" {
			break
		}
		types = append(types, strings.ToLower(a.s))
	}
	s.lvl.resp.types = types
	return nil
}

// overrideCharset handles override_charset on|off.
func (b *builder) overrideCharset(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	on, err := parseFlag(d)
	if err != nil {
		return err
	}
	s.lvl.resp.override = &on
	return nil
}

// checkCharsetMaps rejects, as nginx does at start-up (an emerg without a
// position), a level whose source_charset and charset differ: recoding
// needs a charset_map, which the lab does not have.
func checkCharsetMaps(r ResponseSettings) error {
	if r.Charset == "" || r.SourceCharset == "" || strings.EqualFold(r.Charset, r.SourceCharset) || strings.HasPrefix(r.Charset, "$") {
		return nil
	}
	return &Error{Msg: "no \"charset_map\" between the charsets \"" + r.SourceCharset + "\" and \"" + r.Charset + "\""}
}

// mimeType reads one line of a types block, "TYPE EXT...;", or an include
// inside it. A later extension replaces an earlier one, as in nginx (which
// warns about it).
func (b *builder) mimeType(s *scope, d *directive) error {
	if d.kind == tokBlockStart {
		return errf(d.pos, "unexpected \"{\"")
	}
	if d.name == "include" {
		if len(d.args) != 1 {
			return errf(d.pos, "invalid number of arguments in \"include\" directive")
		}
		return b.include(s, d)
	}
	for _, a := range d.args {
		s.lvl.resp.mime[strings.ToLower(a.s)] = d.name
	}
	return nil
}

// checkAllCharsetMaps runs checkCharsetMaps on every server and location.
func checkAllCharsetMaps(h *HTTP) error {
	for _, srv := range h.Servers {
		if err := checkCharsetMaps(srv.Response); err != nil {
			return err
		}
		for l := range LocationTree(srv.Locations) {
			if err := checkCharsetMaps(l.Response); err != nil {
				return err
			}
		}
	}
	return nil
}

// durationOrDefault is d when set, else def.
func durationOrDefault(d *time.Duration, def time.Duration) time.Duration {
	if d != nil {
		return *d
	}
	return def
}
