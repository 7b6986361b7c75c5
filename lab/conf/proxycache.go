package conf

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// proxy_cache_path and the proxy_cache_* directives, with nginx's argument
// checks and messages (ngx_http_file_cache_set_slot,
// ngx_http_file_cache_valid_set_slot, ngx_http_proxy_cache in nginx 1.22).

// CachePath is one proxy_cache_path: a cache zone and its directory.
type CachePath struct {
	Name string // keys_zone name
	// Path is the directory, made absolute against the prefix, without a
	// trailing slash.
	Path        string
	Levels      []int // levels=1:2 is [1 2]
	ZoneSize    int64
	Inactive    time.Duration // entries unused this long are removed (default 10m)
	MaxSize     int64         // 0: no limit of nginx's (the lab caps it anyway)
	UseTempPath bool
	Pos         Pos
}

// CacheValid is one proxy_cache_valid: the statuses (0 = any) and how
// long a response with one of them stays fresh.
type CacheValid struct {
	Codes []int
	Valid time.Duration
}

// ProxyCache is a location's proxy cache settings (inherited as nginx's
// proxy module merges them).
type ProxyCache struct {
	// Zone is the proxy_cache zone; nil when caching is off.
	Zone     *CachePath
	zoneName string
	// Key is proxy_cache_key (default $scheme$proxy_host$request_uri).
	Key     Template
	Valid   []CacheValid
	Methods []string // proxy_cache_methods: always GET and HEAD
	MinUses int
	// Bypass and NoCache are proxy_cache_bypass and proxy_no_cache: a
	// request matches when one value is neither empty nor "0".
	Bypass, NoCache  []Template
	Lock             bool
	LockTimeout      time.Duration
	LockAge          time.Duration
	UseStale         map[string]bool // error, timeout, updating, http_500, ...
	Revalidate       bool
	BackgroundUpdate bool
	ConvertHead      bool
}

// ValidFor is how long a response with status stays fresh by
// proxy_cache_valid (0: not cached), as ngx_http_file_cache_valid.
func (c *ProxyCache) ValidFor(status int) time.Duration {
	for _, v := range c.Valid {
		for _, code := range v.Codes {
			if code == status || code == 0 {
				return v.Valid
			}
		}
	}
	return 0
}

// cacheLevel is what one http/server/location level sets of the cache
// directives.
type cacheLevel struct {
	zoneName    *string // "off" or a zone name
	key         *Template
	valid       []CacheValid
	methods     []string
	minUses     *int
	bypass      []Template
	noCache     []Template
	lock        *bool
	lockTimeout *time.Duration
	lockAge     *time.Duration
	useStale    map[string]bool
	revalidate  *bool
	background  *bool
	convertHead *bool
}

// cacheRef is a proxy_cache zone name to look up once the http block is read.
type cacheRef struct {
	name string
	pos  Pos
}

// addProxyCacheSpecs adds the cache directives to the directive set.
func addProxyCacheSpecs(m map[string]spec) {
	m["proxy_cache_path"] = spec{ctx: cHTTP, min: 2, max: -1, fn: (*builder).proxyCachePath}
	m["proxy_cache"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).proxyCache}
	m["proxy_cache_key"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).proxyCacheKey}
	m["proxy_cache_valid"] = spec{ctx: cHSL, min: 1, max: -1, fn: (*builder).proxyCacheValid}
	m["proxy_cache_methods"] = spec{ctx: cHSL, min: 1, max: -1, fn: (*builder).proxyCacheMethods}
	m["proxy_cache_min_uses"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).proxyCacheNum}
	m["proxy_cache_bypass"] = spec{ctx: cHSL, min: 1, max: -1, fn: (*builder).proxyCachePredicate}
	m["proxy_no_cache"] = spec{ctx: cHSL, min: 1, max: -1, fn: (*builder).proxyCachePredicate}
	m["proxy_cache_lock"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).proxyCacheFlag}
	m["proxy_cache_revalidate"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).proxyCacheFlag}
	m["proxy_cache_background_update"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).proxyCacheFlag}
	m["proxy_cache_convert_head"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).proxyCacheFlag}
	m["proxy_cache_lock_timeout"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).proxyCacheTime}
	m["proxy_cache_lock_age"] = spec{ctx: cHSL, min: 1, max: 1, fn: (*builder).proxyCacheTime}
	m["proxy_cache_use_stale"] = spec{ctx: cHSL, min: 1, max: -1, fn: (*builder).proxyCacheUseStale}
}

// proxyCachePath handles proxy_cache_path PATH [levels=] keys_zone=NAME:SIZE
// [inactive=] [max_size=] [use_temp_path=] and the tuning parameters.
func (b *builder) proxyCachePath(_ *scope, d *directive) error {
	cp := &CachePath{Inactive: 10 * time.Minute, UseTempPath: true, Pos: d.pos}
	path := strings.TrimSuffix(d.arg(0), "/")
	if !filepath.IsAbs(path) {
		path = filepath.Join(b.prefix, path)
	}
	cp.Path = filepath.Clean(path)
	for _, a := range d.args[1:] {
		v := a.s
		switch {
		case strings.HasPrefix(v, "levels="):
			lv, ok := parseLevels(v[7:])
			if !ok {
				return errf(d.pos, "invalid \"levels\" \"%s\"", v)
			}
			cp.Levels = lv
		case strings.HasPrefix(v, "use_temp_path="):
			switch v[14:] {
			case "on":
				cp.UseTempPath = true
			case "off":
				cp.UseTempPath = false
			default:
				return errf(d.pos, "invalid use_temp_path value \"%s\", it must be \"on\" or \"off\"", v)
			}
		case strings.HasPrefix(v, "keys_zone="):
			name, size, ok := strings.Cut(v[10:], ":")
			if !ok {
				return errf(d.pos, "invalid keys zone size \"%s\"", v)
			}
			n, ok := parseSize(size)
			if !ok {
				return errf(d.pos, "invalid keys zone size \"%s\"", v)
			}
			if n < 2*4096 { // two pages (ngx_pagesize)
				return errf(d.pos, "keys zone \"%s\" is too small", v)
			}
			cp.Name, cp.ZoneSize = name, n
		case strings.HasPrefix(v, "inactive="):
			t, ok := parseSecTime(v[9:])
			if !ok {
				return errf(d.pos, "invalid inactive value \"%s\"", v)
			}
			cp.Inactive = t
		case strings.HasPrefix(v, "max_size="):
			n, ok := parseSize(v[9:])
			if !ok {
				return errf(d.pos, "invalid max_size value \"%s\"", v)
			}
			cp.MaxSize = n
		case strings.HasPrefix(v, "min_free="):
			if _, ok := parseSize(v[9:]); !ok {
				return errf(d.pos, "invalid min_free value \"%s\"", v)
			}
		case strings.HasPrefix(v, "loader_files="), strings.HasPrefix(v, "manager_files="):
			k, n, _ := strings.Cut(v, "=")
			if x, ok := parseDigits(n); !ok || x == 0 {
				return errf(d.pos, "invalid %s value \"%s\"", k, v)
			}
		case strings.HasPrefix(v, "loader_sleep="), strings.HasPrefix(v, "loader_threshold="),
			strings.HasPrefix(v, "manager_sleep="), strings.HasPrefix(v, "manager_threshold="):
			k, n, _ := strings.Cut(v, "=")
			if _, ok := parseTime(n); !ok {
				return errf(d.pos, "invalid %s value \"%s\"", k, v)
			}
		default:
			return errf(d.pos, "invalid parameter \"%s\"", v)
		}
	}
	if cp.Name == "" || cp.ZoneSize == 0 {
		return errf(d.pos, "\"%s\" must have \"keys_zone\" parameter", d.name)
	}
	if b.confineTo != "" && !inside(b.confineTo, cp.Path) {
		return errf(d.pos, "mkdir() \"%s\" failed (%d: %s): the lab keeps caches inside the workspace",
			cp.Path, int(syscall.EACCES), syscall.EACCES.Error())
	}
	for _, o := range b.cfg.HTTP.CachePaths {
		if o.Path == cp.Path {
			// nginx prints this one without a position of its own
			return &Error{Msg: fmt.Sprintf("the same path name \"%s\" used in %s:%d and in %s:%d",
				cp.Path, o.Pos.File, o.Pos.Line, d.pos.File, d.pos.Line)}
		}
	}
	for _, o := range b.cfg.HTTP.CachePaths {
		if o.Name == cp.Name {
			return errf(d.pos, "duplicate zone \"%s\"", cp.Name)
		}
	}
	b.cfg.HTTP.CachePaths = append(b.cfg.HTTP.CachePaths, cp)
	return nil
}

// parseLevels parses "1:2" as nginx: up to three levels of 1 or 2.
func parseLevels(s string) ([]int, bool) {
	parts := strings.Split(s, ":")
	if s == "" || len(parts) > 3 {
		return nil, false
	}
	var lv []int
	for _, p := range parts {
		if p != "1" && p != "2" {
			return nil, false
		}
		lv = append(lv, int(p[0]-'0'))
	}
	return lv, true
}

// proxyCache handles proxy_cache ZONE|off.
func (b *builder) proxyCache(s *scope, d *directive) error {
	if s.lvl.cache.zoneName != nil {
		return errf(d.pos, "\"%s\" directive is duplicate", d.name)
	}
	v := d.arg(0)
	if strings.Contains(v, "$") {
		return errf(d.pos, "variables in \"proxy_cache\" are not supported by the lab; name a zone")
	}
	s.lvl.cache.zoneName = &v
	if v != "off" {
		b.cacheRefs = append(b.cacheRefs, cacheRef{name: v, pos: d.pos})
	}
	return nil
}

// proxyCacheKey handles proxy_cache_key STRING.
func (b *builder) proxyCacheKey(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	t, err := ParseTemplate(d.arg(0))
	if err != nil {
		return errf(d.pos, "%s", err.Error())
	}
	s.lvl.cache.key = &t
	return nil
}

// proxyCacheValid handles proxy_cache_valid [CODE ...|any] TIME.
func (b *builder) proxyCacheValid(s *scope, d *directive) error {
	last := d.arg(len(d.args) - 1)
	t, ok := parseSecTime(last)
	if !ok {
		return errf(d.pos, "invalid time value \"%s\"", last)
	}
	v := CacheValid{Valid: t}
	if len(d.args) == 1 {
		v.Codes = []int{200, 301, 302}
	}
	for _, a := range d.args[:len(d.args)-1] {
		if a.s == "any" {
			v.Codes = append(v.Codes, 0)
			continue
		}
		n, ok := parseDigits(a.s)
		if !ok || n < 100 || n > 599 {
			return errf(d.pos, "invalid status \"%s\"", a.s)
		}
		v.Codes = append(v.Codes, int(n))
	}
	s.lvl.cache.valid = append(s.lvl.cache.valid, v)
	return nil
}

// proxyCacheMethods handles proxy_cache_methods GET|HEAD|POST ...
func (b *builder) proxyCacheMethods(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	ms := []string{}
	for _, a := range d.args {
		switch strings.ToUpper(a.s) {
		case "GET", "HEAD", "POST":
			ms = append(ms, strings.ToUpper(a.s))
		default:
			return errf(d.pos, "invalid value \"%s\"", a.s)
		}
	}
	s.lvl.cache.methods = ms
	return nil
}

// proxyCacheNum handles proxy_cache_min_uses N.
func (b *builder) proxyCacheNum(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	n, ok := parseDigits(d.arg(0))
	if !ok {
		return errf(d.pos, "\"%s\" directive invalid number", d.name)
	}
	m := int(n)
	s.lvl.cache.minUses = &m
	return nil
}

// proxyCachePredicate handles proxy_cache_bypass and proxy_no_cache.
func (b *builder) proxyCachePredicate(s *scope, d *directive) error {
	var ts []Template
	for _, a := range d.args {
		t, err := ParseTemplate(a.s)
		if err != nil {
			return errf(d.pos, "%s", err.Error())
		}
		ts = append(ts, t)
	}
	if d.name == "proxy_cache_bypass" {
		s.lvl.cache.bypass = append(s.lvl.cache.bypass, ts...)
	} else {
		s.lvl.cache.noCache = append(s.lvl.cache.noCache, ts...)
	}
	return nil
}

// proxyCacheFlag handles the on|off cache directives.
func (b *builder) proxyCacheFlag(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	on, err := parseFlag(d)
	if err != nil {
		return err
	}
	switch d.name {
	case "proxy_cache_lock":
		s.lvl.cache.lock = &on
	case "proxy_cache_revalidate":
		s.lvl.cache.revalidate = &on
	case "proxy_cache_background_update":
		s.lvl.cache.background = &on
	default:
		s.lvl.cache.convertHead = &on
	}
	return nil
}

// proxyCacheTime handles proxy_cache_lock_timeout and proxy_cache_lock_age.
func (b *builder) proxyCacheTime(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	t, ok := parseTime(d.arg(0))
	if !ok {
		return errf(d.pos, "\"%s\" directive invalid value", d.name)
	}
	if d.name == "proxy_cache_lock_timeout" {
		s.lvl.cache.lockTimeout = &t
	} else {
		s.lvl.cache.lockAge = &t
	}
	return nil
}

// staleConditions are proxy_cache_use_stale's values.
var staleConditions = map[string]bool{
	"off": true, "error": true, "timeout": true, "invalid_header": true, "updating": true,
	"http_500": true, "http_502": true, "http_503": true, "http_504": true,
	"http_403": true, "http_404": true, "http_429": true,
}

// proxyCacheUseStale handles proxy_cache_use_stale off|error|timeout|...
func (b *builder) proxyCacheUseStale(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	m := map[string]bool{}
	for _, a := range d.args {
		if !staleConditions[a.s] {
			return errf(d.pos, "invalid value \"%s\"", a.s)
		}
		if a.s != "off" {
			m[a.s] = true
		}
	}
	s.lvl.cache.useStale = m
	return nil
}

// defaultProxyCache is the http level's cache settings before any directive.
func defaultProxyCache() ProxyCache {
	key, _ := ParseTemplate("$scheme$proxy_host$request_uri")
	return ProxyCache{
		Key: key, Methods: []string{"GET", "HEAD"}, MinUses: 1,
		LockTimeout: 5 * time.Second, LockAge: 5 * time.Second, ConvertHead: true,
	}
}

// mergeCache returns a level's cache settings: its own where set, else the
// parent's (arrays as a whole, as nginx merges them).
func mergeCache(p ProxyCache, l *cacheLevel) ProxyCache {
	c := p
	if l.zoneName != nil {
		c.zoneName = *l.zoneName
		if c.zoneName == "off" {
			c.zoneName = ""
		}
	}
	if l.key != nil {
		c.Key = *l.key
	}
	if l.valid != nil {
		c.Valid = l.valid
	}
	if l.methods != nil {
		c.Methods = append([]string{"GET", "HEAD"}, l.methods...)
	}
	if l.minUses != nil {
		c.MinUses = *l.minUses
	}
	if l.bypass != nil {
		c.Bypass = l.bypass
	}
	if l.noCache != nil {
		c.NoCache = l.noCache
	}
	if l.lock != nil {
		c.Lock = *l.lock
	}
	if l.lockTimeout != nil {
		c.LockTimeout = *l.lockTimeout
	}
	if l.lockAge != nil {
		c.LockAge = *l.lockAge
	}
	if l.useStale != nil {
		c.UseStale = l.useStale
	}
	if l.revalidate != nil {
		c.Revalidate = *l.revalidate
	}
	if l.background != nil {
		c.BackgroundUpdate = *l.background
	}
	if l.convertHead != nil {
		c.ConvertHead = *l.convertHead
	}
	return c
}

// zoneByName finds a proxy_cache_path zone.
func (b *builder) zoneByName(name string) *CachePath {
	for _, cp := range b.cfg.HTTP.CachePaths {
		if cp.Name == name {
			return cp
		}
	}
	return nil
}

// resolveCacheZones links every location's proxy_cache to its zone.
func (b *builder) resolveCacheZones(locs []*Location) {
	for _, l := range locs {
		if n := l.ProxySettings.cache.zoneName; n != "" {
			c := l.ProxySettings.cache
			c.Zone = b.zoneByName(n)
			l.ProxySettings.Cache = &c
		}
		b.resolveCacheZones(l.Locations)
	}
}

// parseSecTime is ngx_parse_time in seconds mode: "ms" is refused.
func parseSecTime(s string) (time.Duration, bool) {
	if strings.Contains(s, "ms") {
		return 0, false
	}
	return parseTime(s)
}

// checkCacheZones reports a proxy_cache naming no proxy_cache_path zone,
// as nginx does when the http block ends (at its last line).
func (b *builder) checkCacheZones(end Pos) error {
	for _, ref := range b.cacheRefs {
		if b.zoneByName(ref.name) == nil {
			return errf(end, "\"proxy_cache\" zone \"%s\" is unknown", ref.name)
		}
	}
	return nil
}
