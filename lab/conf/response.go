package conf

import "strings"

// ResponseSettings are the inherited settings of nginx's response filters
// that the engine applies to every main response: the not_modified filter
// (etag, if_modified_since) and the range filter (max_ranges).
type ResponseSettings struct {
	// Etag is the etag directive (default on): static files carry an ETag.
	Etag bool
	// IfModifiedSince is "off", "exact" (the default) or "before".
	IfModifiedSince string
	// MaxRanges is max_ranges (-1: no limit, the default; 0: ranges off).
	MaxRanges int
}

// DefaultResponse holds nginx's default for each ResponseSettings field.
var DefaultResponse = ResponseSettings{Etag: true, IfModifiedSince: "exact", MaxRanges: -1}

// responseLevel holds the response settings given at one level.
type responseLevel struct {
	etag      *bool
	ims       *string
	maxRanges *int
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
	return c
}

// responseSpecs adds the response filter directives to m.
func responseSpecs(m map[string]spec) {
	m["etag"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).etag}
	m["if_modified_since"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).ifModifiedSince}
	m["max_ranges"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).maxRanges}
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
