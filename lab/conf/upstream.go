package conf

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"time"
)

// Upstream is an upstream {} block.
type Upstream struct {
	Name    string
	Servers []UpstreamServer
	// Balancer is balancer_by_lua*: it picks the peer of each try.
	Balancer *LuaCode
	// Keepalive is the keepalive directive (accepted; the engine does not
	// pool upstream connections).
	Keepalive int
	Pos       Pos
}

// UpstreamServer is one server line of an upstream block.
type UpstreamServer struct {
	Addr        string // "127.0.0.1:8080"
	Weight      int
	MaxFails    int
	FailTimeout time.Duration
	Backup      bool
	Down        bool
}

// ProxyPass is a location's proxy_pass.
type ProxyPass struct {
	// URL is the argument as written.
	URL string
	// Host is the upstream name or "ip:port" after the scheme.
	Host string
	// URI is the part after the host ("" when none was given: the request
	// URI is passed unchanged); HasURI tells "/" from nothing.
	URI    string
	HasURI bool
	// Upstream is the named upstream block, nil for a direct address.
	Upstream *Upstream
}

// ProxySettings are the inherited proxy_* directives.
type ProxySettings struct {
	SetHeaders     []ProxyHeader
	HTTPVersion    string // "1.0" (default) or "1.1"
	ConnectTimeout time.Duration
	SendTimeout    time.Duration
	ReadTimeout    time.Duration
	// Cache is proxy_cache and its settings (proxycache.go); nil when the
	// location does not cache.
	Cache *ProxyCache `json:",omitempty"`
	cache ProxyCache  // the inherited values, whether caching is on or not
	// HideHeaders and PassHeaders are proxy_hide_header and
	// proxy_pass_header (lower-case names): see Hides.
	HideHeaders []string `json:",omitempty"`
	PassHeaders []string `json:",omitempty"`
	// InterceptErrors is proxy_intercept_errors: an upstream status of 300
	// or more with an error_page goes to that page.
	InterceptErrors bool `json:",omitempty"`
	// IgnoreHeaders are proxy_ignore_headers (lower-case names).
	IgnoreHeaders map[string]bool `json:",omitempty"`
}

// ProxyHeader is proxy_set_header NAME VALUE.
type ProxyHeader struct {
	Name  string
	Value string
	Tpl   Template
}

// upstream handles upstream NAME { ... }.
func (b *builder) upstream(_ *scope, d *directive) error {
	name := d.arg(0)
	if b.cfg.HTTP.Upstreams == nil {
		b.cfg.HTTP.Upstreams = map[string]*Upstream{}
	}
	if _, dup := b.cfg.HTTP.Upstreams[name]; dup {
		return errf(d.pos, "duplicate upstream \"%s\"", name)
	}
	u := &Upstream{Name: name, Pos: d.pos}
	b.cfg.HTTP.Upstreams[name] = u
	if err := b.parseBlock(d.lx, &scope{ctx: cUpstream, lvl: newLevel(), up: u}, true); err != nil {
		return err
	}
	if len(u.Servers) == 0 && u.Balancer == nil {
		return errf(d.pos, "no servers are inside upstream")
	}
	return nil
}

// upstreamServer handles server ADDR [weight=N] [max_fails=N]
// [fail_timeout=T] [backup] [down] inside an upstream block.
func (b *builder) upstreamServer(s *scope, d *directive) error {
	if d.kind != tokEnd {
		return errf(d.pos, "directive \"server\" is not terminated by \";\"")
	}
	if len(d.args) < 1 {
		return errf(d.pos, "invalid number of arguments in \"server\" directive")
	}
	addr, err := upstreamAddr(d.arg(0))
	if err != nil {
		return errf(d.pos, "%s in upstream \"%s\"", err.Error(), d.arg(0))
	}
	srv := UpstreamServer{Addr: addr, Weight: 1, MaxFails: 1, FailTimeout: 10 * time.Second}
	for _, a := range d.args[1:] {
		v := a.s
		switch {
		case strings.HasPrefix(v, "weight="):
			n, ok := parseDigits(v[7:])
			if !ok || n == 0 {
				return errf(d.pos, "invalid parameter \"%s\"", v)
			}
			srv.Weight = int(n)
		case strings.HasPrefix(v, "max_fails="):
			n, ok := parseDigits(v[10:])
			if !ok {
				return errf(d.pos, "invalid parameter \"%s\"", v)
			}
			srv.MaxFails = int(n)
		case strings.HasPrefix(v, "fail_timeout="):
			t, ok := parseTime(v[13:])
			if !ok {
				return errf(d.pos, "invalid parameter \"%s\"", v)
			}
			srv.FailTimeout = t
		case v == "backup":
			srv.Backup = true
		case v == "down":
			srv.Down = true
		default:
			return errf(d.pos, "invalid parameter \"%s\"", v)
		}
	}
	s.up.Servers = append(s.up.Servers, srv)
	return nil
}

// upstreamAddr resolves an upstream server address the way the lab can:
// IP literals and localhost (no DNS), default port 80.
func upstreamAddr(a string) (string, error) {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		host, port = a, "80"
	}
	if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
		return "", errors.New("invalid port")
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	if net.ParseIP(strings.Trim(host, "[]")) == nil {
		return "", errors.New("host not found")
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), port), nil
}

// upstreamKeepalive handles keepalive N in an upstream block.
func (b *builder) upstreamKeepalive(s *scope, d *directive) error {
	n, ok := parseDigits(d.arg(0))
	if !ok || n == 0 {
		return errf(d.pos, "invalid value \"%s\" in \"keepalive\" directive", d.arg(0))
	}
	s.up.Keepalive = int(n)
	return nil
}

// balancerByLua handles balancer_by_lua_block / _file in an upstream block.
func (b *builder) balancerByLua(s *scope, d *directive) error {
	if s.up.Balancer != nil {
		return errf(d.pos, "\"%s\" directive is duplicate", d.name)
	}
	code, err := b.luaCode(d, 0)
	if err != nil {
		return err
	}
	s.up.Balancer = code
	return nil
}

// proxyPass handles proxy_pass URL in a location.
func (b *builder) proxyPass(s *scope, d *directive) error {
	if s.loc == nil {
		return errf(d.pos, "\"proxy_pass\" directive is not allowed here")
	}
	if s.loc.Proxy != nil {
		return errf(d.pos, "\"proxy_pass\" directive is duplicate")
	}
	url := d.arg(0)
	rest, ok := strings.CutPrefix(url, "http://")
	if !ok {
		if strings.HasPrefix(url, "https://") {
			return errf(d.pos, "https protocol requires SSL support")
		}
		return errf(d.pos, "invalid URL prefix in \"%s\"", url)
	}
	p := &ProxyPass{URL: url, Host: rest}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		p.Host, p.URI, p.HasURI = rest[:i], rest[i:], true
	}
	if p.Host == "" {
		return errf(d.pos, "no host in \"%s\" of the \"proxy_pass\" directive", url)
	}
	s.loc.Proxy = p
	b.proxies = append(b.proxies, proxyRef{p: p, pos: d.pos})
	return nil
}

// proxySetHeader handles proxy_set_header NAME VALUE.
func (b *builder) proxySetHeader(s *scope, d *directive) error {
	t, err := ParseTemplate(d.arg(1))
	if err != nil {
		return errf(d.pos, "%s", err.Error())
	}
	s.lvl.proxyHeaders = append(s.lvl.proxyHeaders, ProxyHeader{Name: d.arg(0), Value: d.arg(1), Tpl: t})
	s.lvl.hasProxyHeaders = true
	return nil
}

// proxyHTTPVersion handles proxy_http_version 1.0|1.1.
func (b *builder) proxyHTTPVersion(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	v := d.arg(0)
	if v != "1.0" && v != "1.1" {
		return errf(d.pos, "invalid value \"%s\" in \"proxy_http_version\" directive, it must be \"1.0\" or \"1.1\"", v)
	}
	s.lvl.proxyVersion = &v
	return nil
}

// proxyTimeout handles proxy_connect_timeout, proxy_send_timeout and
// proxy_read_timeout.
func (b *builder) proxyTimeout(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	t, ok := parseTime(d.arg(0))
	if !ok {
		return errf(d.pos, "\"%s\" directive invalid value", d.name)
	}
	switch d.name {
	case "proxy_connect_timeout":
		s.lvl.proxyConnect = &t
	case "proxy_send_timeout":
		s.lvl.proxySend = &t
	default:
		s.lvl.proxyRead = &t
	}
	return nil
}

// resolveProxies links each proxy_pass to its upstream block, or checks
// that its host is an address the lab can reach without DNS.
func (b *builder) resolveProxies() error {
	for _, ref := range b.proxies {
		if u, ok := b.cfg.HTTP.Upstreams[ref.p.Host]; ok {
			ref.p.Upstream = u
			continue
		}
		addr, err := upstreamAddr(ref.p.Host)
		if err != nil {
			return errf(ref.pos, "host not found in upstream \"%s\"", ref.p.Host)
		}
		ref.p.Host = addr
	}
	return nil
}

type proxyRef struct {
	p   *ProxyPass
	pos Pos
}

// internal handles internal: the location serves only internal requests
// (subrequests, ngx.exec, rewrites), others get 404.
func (b *builder) internal(s *scope, d *directive) error {
	if s.loc == nil {
		return errf(d.pos, "\"internal\" directive is not allowed here")
	}
	if err := once(s, d); err != nil {
		return err
	}
	s.loc.Internal = true
	return nil
}
