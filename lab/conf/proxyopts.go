package conf

import "strings"

// proxy_hide_header, proxy_pass_header, proxy_intercept_errors,
// proxy_ignore_headers, resolver and resolver_timeout, with nginx's checks
// and messages.

// ignorableHeaders are proxy_ignore_headers' values (nginx 1.22's
// ngx_http_upstream_ignore_headers_masks).
var ignorableHeaders = []string{"X-Accel-Redirect", "X-Accel-Expires", "X-Accel-Limit-Rate",
	"X-Accel-Buffering", "X-Accel-Charset", "Expires", "Cache-Control", "Set-Cookie", "Vary"}

// proxyOptsLevel is what one level sets of these directives.
type proxyOptsLevel struct {
	hide, pass []string
	intercept  *bool
	ignore     map[string]bool
}

// addProxyOptsSpecs adds the directives to the directive set.
func addProxyOptsSpecs(m map[string]spec) {
	m["proxy_hide_header"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).proxyHeaderList}
	m["proxy_pass_header"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).proxyHeaderList}
	m["proxy_intercept_errors"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).proxyInterceptErrors}
	m["proxy_ignore_headers"] = spec{ctx: cHSL, min: 1, max: -1, fn: (*builder).proxyIgnoreHeaders}
	m["resolver"] = spec{ctx: cHSL, min: 1, max: -1, fn: (*builder).resolver}
	m["resolver_timeout"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).resolverTimeout}
}

// proxyHeaderList handles proxy_hide_header and proxy_pass_header NAME.
func (b *builder) proxyHeaderList(s *scope, d *directive) error {
	if d.name == "proxy_hide_header" {
		s.lvl.popts.hide = append(s.lvl.popts.hide, strings.ToLower(d.arg(0)))
	} else {
		s.lvl.popts.pass = append(s.lvl.popts.pass, strings.ToLower(d.arg(0)))
	}
	return nil
}

// proxyInterceptErrors handles proxy_intercept_errors on|off.
func (b *builder) proxyInterceptErrors(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	on, err := parseFlag(d)
	if err != nil {
		return err
	}
	s.lvl.popts.intercept = &on
	return nil
}

// proxyIgnoreHeaders handles proxy_ignore_headers NAME ...
func (b *builder) proxyIgnoreHeaders(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	m := map[string]bool{}
	for _, a := range d.args {
		found := false
		for _, h := range ignorableHeaders {
			if strings.EqualFold(a.s, h) {
				m[strings.ToLower(h)], found = true, true
			}
		}
		if !found {
			return errf(d.pos, "invalid value \"%s\"", a.s)
		}
	}
	s.lvl.popts.ignore = m
	return nil
}

// resolver handles resolver ADDRESS ... [valid=TIME] [ipv4=on|off]
// [ipv6=on|off] [status_zone=NAME]. The lab resolves only its own names
// (IP addresses and localhost), so the directive changes nothing; a name
// it cannot resolve is refused as nginx refuses an unknown one.
func (b *builder) resolver(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	for _, a := range d.args {
		v := a.s
		switch {
		case strings.HasPrefix(v, "valid="):
			if _, ok := parseSecTime(v[6:]); !ok {
				return errf(d.pos, "invalid parameter: %s", v)
			}
		case strings.HasPrefix(v, "ipv4="), strings.HasPrefix(v, "ipv6="):
			if v[5:] != "on" && v[5:] != "off" {
				return errf(d.pos, "invalid parameter: %s", v)
			}
		case strings.HasPrefix(v, "status_zone="):
		default:
			if _, err := upstreamAddr(v); err != nil {
				if err.Error() == "invalid port" {
					return errf(d.pos, "invalid port in resolver \"%s\"", v)
				}
				return errf(d.pos, "host not found in resolver \"%s\" (the lab resolves no names: give an IP address)", v)
			}
		}
	}
	return nil
}

// resolverTimeout handles resolver_timeout TIME.
func (b *builder) resolverTimeout(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	if _, ok := parseTime(d.arg(0)); !ok {
		return errf(d.pos, "\"%s\" directive invalid value", d.name)
	}
	return nil
}

// mergeProxyOpts returns a level's settings: its own where set, else the
// parent's (lists as a whole, as nginx merges them).
func mergeProxyOpts(p ProxySettings, l *proxyOptsLevel) ProxySettings {
	c := p
	if l.hide != nil {
		c.HideHeaders = l.hide
	}
	if l.pass != nil {
		c.PassHeaders = l.pass
	}
	if l.intercept != nil {
		c.InterceptErrors = *l.intercept
	}
	if l.ignore != nil {
		c.IgnoreHeaders = l.ignore
	}
	return c
}

// hiddenByDefault are the upstream headers nginx does not pass unless
// proxy_pass_header names them (ngx_http_proxy_hide_headers).
var hiddenByDefault = []string{"date", "server", "x-pad", "x-accel-expires", "x-accel-redirect",
	"x-accel-limit-rate", "x-accel-buffering", "x-accel-charset"}

// Hides reports whether a response header (lower-case name) from the
// upstream is kept from the client.
func (s *ProxySettings) Hides(lname string) bool {
	for _, h := range s.HideHeaders {
		if h == lname {
			return true
		}
	}
	for _, h := range hiddenByDefault {
		if h == lname {
			for _, p := range s.PassHeaders {
				if p == lname {
					return false
				}
			}
			return true
		}
	}
	return false
}
