package conf

import (
	"path/filepath"
	"strings"
	"time"
)

// location handles location [=|~|~*|^~] PATTERN { } and location @name { },
// with the nesting rules of ngx_http_core_location.
func (b *builder) location(s *scope, d *directive) error {
	loc := &Location{Server: s.srv, Parent: s.loc, Pos: d.pos}
	name := d.arg(0)
	if len(d.args) == 2 {
		switch d.arg(0) {
		case "=":
			loc.Modifier = ModExact
		case "~":
			loc.Modifier = ModRegex
		case "~*":
			loc.Modifier = ModRegexNoCase
		case "^~":
			loc.Modifier = ModPrefixNoRe
		default:
			return errf(d.pos, "invalid location modifier \"%s\"", d.arg(0))
		}
		name = d.arg(1)
	} else {
		switch {
		case strings.HasPrefix(name, "="):
			loc.Modifier, name = ModExact, name[1:]
		case strings.HasPrefix(name, "^~"):
			loc.Modifier, name = ModPrefixNoRe, name[2:]
		case strings.HasPrefix(name, "~*"):
			loc.Modifier, name = ModRegexNoCase, name[2:]
		case strings.HasPrefix(name, "~"):
			loc.Modifier, name = ModRegex, name[1:]
		case strings.HasPrefix(name, "@"):
			loc.Modifier, name = ModNamed, name[1:]
		}
	}
	loc.Pattern = name
	if loc.Modifier == ModRegex || loc.Modifier == ModRegexNoCase {
		re, err := compileRegex(name, loc.Modifier == ModRegexNoCase, d.pos)
		if err != nil {
			return err
		}
		loc.Regex = re
	}
	if p := s.loc; p != nil {
		switch {
		case p.Modifier == ModExact:
			return errf(d.pos, "location \"%s\" cannot be inside the exact location \"%s\"", displayName(loc), p.Pattern)
		case p.Modifier == ModNamed:
			return errf(d.pos, "location \"%s\" cannot be inside the named location \"@%s\"", displayName(loc), p.Pattern)
		case loc.Modifier == ModNamed:
			return errf(d.pos, "named location \"@%s\" can be on the server level only", name)
		case loc.Regex == nil && !strings.HasPrefix(name, p.Pattern):
			return errf(d.pos, "location \"%s\" is outside location \"%s\"", name, p.Pattern)
		}
		p.Locations = append(p.Locations, loc)
	} else {
		s.srv.Locations = append(s.srv.Locations, loc)
	}
	lvl := newLevel()
	b.locLevels[loc] = lvl
	return b.parseBlock(d.lx, &scope{ctx: cLocation, lvl: lvl, srv: s.srv, loc: loc}, true)
}

// displayName is the location name as nginx prints it in nesting errors.
func displayName(l *Location) string {
	if l.Modifier == ModNamed {
		return "@" + l.Pattern
	}
	return l.Pattern
}

// finishHTTP applies inheritance http -> server -> location and checks for
// duplicate locations, as nginx does after reading the http block.
func (b *builder) finishHTTP() error {
	h := b.cfg.HTTP
	hl := b.httpLevel
	inherited := settings{
		defaultType: h.DefaultType,
		maxBody:     h.ClientMaxBodySize,
		keepalive:   h.KeepaliveTimeout,
		codeCache:   true,
		header:      h.ClientHeaderTimeout,
		root:        "html",
		body:        BodySettings{ClientBodyBufferSize: 16 << 10, ClientBodyInFileOnly: "off", KeepaliveRequests: 1000},
		proxy:       ProxySettings{HTTPVersion: "1.0", ConnectTimeout: 60 * time.Second, SendTimeout: 60 * time.Second, ReadTimeout: 60 * time.Second, cache: defaultProxyCache()},
		index:       []string{"index.html"},
	}
	inherited.lua = defaultLuaFlags
	inherited.resp = DefaultResponse
	inherited.accessLogs = []*AccessLog{{Path: filepath.Join(b.prefix, "logs/access.log"),
		FormatName: "combined", Format: h.LogFormats["combined"], Pos: Pos{File: b.file}}} // nginx's default, relative to the prefix
	inherited = inherited.merge(hl)
	h.AccessLogs = inherited.accessLogs
	h.Lua = inherited.lua
	h.DefaultType, h.ClientMaxBodySize, h.KeepaliveTimeout = inherited.defaultType, inherited.maxBody, inherited.keepalive
	h.ClientHeaderTimeout = inherited.header
	h.LuaCodeCache = inherited.codeCache
	h.Phases = hl.phases
	for _, srv := range h.Servers {
		sv := inherited.merge(b.srvLevels[srv])
		srv.DefaultType, srv.AddHeaders = sv.defaultType, sv.addHeaders
		srv.ClientMaxBodySize, srv.KeepaliveTimeout = sv.maxBody, sv.keepalive
		srv.ClientHeaderTimeout = sv.header
		srv.LuaCodeCache = sv.codeCache
		srv.AccessLogs = sv.accessLogs
		srv.Lua = sv.lua
		srv.Root, srv.Index = sv.root, sv.index
		srv.Body = sv.body
		srv.Response = sv.resp
		srv.Phases = sv.phases
		srv.Flow = sv.flow
		if err := b.resolveSSL(srv, mergeSSL(&hl.ssl, &b.srvLevels[srv].ssl)); err != nil {
			return err
		}
		b.mergeLocations(srv.Locations, sv)
		b.resolveCacheZones(srv.Locations)
	}
	for _, srv := range h.Servers {
		if err := checkDuplicates(srv.Locations); err != nil {
			return err
		}
	}
	if err := b.checkReferers(); err != nil {
		return err
	}
	return checkAllCharsetMaps(h)
}

// settings are the effective inheritable values at one level.
type settings struct {
	defaultType string
	addHeaders  []AddHeader
	maxBody     int64
	keepalive   time.Duration
	header      time.Duration // client_header_timeout (http and server only)
	codeCache   bool          // lua_code_cache
	root        string
	index       []string
	body        BodySettings
	proxy       ProxySettings
	phases      Handlers
	accessLogs  []*AccessLog
	lua         LuaFlags
	resp        ResponseSettings
	flow        *Flow
}

// merge returns the values of a child level: its own where set, else the
// parent's. add_header is inherited only when the child has none; Lua
// handlers per phase, except content_by_lua, which is never inherited.
func (p settings) merge(l *level) settings {
	c := p
	if l.defaultType != nil {
		c.defaultType = *l.defaultType
	}
	if l.hasAddHeaders {
		c.addHeaders = l.addHeaders
	}
	if l.maxBody != nil {
		c.maxBody = *l.maxBody
	}
	if l.keepalive != nil {
		c.keepalive = *l.keepalive
	}
	if l.headerTimeout != nil {
		c.header = *l.headerTimeout
	}
	if l.root != nil {
		c.root = *l.root
	}
	if l.hasProxyHeaders {
		c.proxy.SetHeaders = l.proxyHeaders
	}
	if l.proxyVersion != nil {
		c.proxy.HTTPVersion = *l.proxyVersion
	}
	if l.proxyConnect != nil {
		c.proxy.ConnectTimeout = *l.proxyConnect
	}
	if l.proxySend != nil {
		c.proxy.SendTimeout = *l.proxySend
	}
	if l.proxyRead != nil {
		c.proxy.ReadTimeout = *l.proxyRead
	}
	c.proxy.cache = mergeCache(c.proxy.cache, &l.cache)
	c.proxy = mergeProxyOpts(c.proxy, &l.popts)
	if l.bodyBuffer != nil {
		c.body.ClientBodyBufferSize = *l.bodyBuffer
	}
	if l.bodyInFile != nil {
		c.body.ClientBodyInFileOnly = *l.bodyInFile
	}
	if l.kaRequests != nil {
		c.body.KeepaliveRequests = *l.kaRequests
	}
	if l.limitRate != nil {
		c.body.LimitRate = *l.limitRate
	}
	if l.limitRateAfter != nil {
		c.body.LimitRateAfter = *l.limitRateAfter
	}
	if l.checkAbort != nil {
		c.body.LuaCheckClientAbort = *l.checkAbort
	}
	if l.underscores != nil {
		c.body.UnderscoresInHeaders = *l.underscores
	}
	if l.index != nil {
		c.index = l.index
	}
	if l.codeCache != nil {
		c.codeCache = *l.codeCache
	}
	c.lua = mergeLuaFlags(c.lua, l.luaFlags)
	c.resp = c.resp.merge(&l.resp)
	c.flow = mergeFlow(c.flow, l)
	if l.accessLogSet {
		// ngx_http_log_merge_loc_conf: a level's own logs replace the
		// parent's; "off" anywhere at the level turns them all off
		c.accessLogs = l.accessLogs
		if l.accessLogOff {
			c.accessLogs = nil
		}
	}
	c.phases.Content = l.phases.Content
	for _, f := range []struct{ dst, own **LuaCode }{
		{&c.phases.ServerRewrite, &l.phases.ServerRewrite},
		{&c.phases.Rewrite, &l.phases.Rewrite}, {&c.phases.Access, &l.phases.Access},
		{&c.phases.HeaderFilter, &l.phases.HeaderFilter}, {&c.phases.BodyFilter, &l.phases.BodyFilter},
		{&c.phases.Log, &l.phases.Log},
	} {
		if *f.own != nil {
			*f.dst = *f.own
		}
	}
	return c
}

func (b *builder) mergeLocations(locs []*Location, parent settings) {
	for _, loc := range locs {
		v := parent.merge(b.locLevels[loc])
		if loc.Modifier == ModIf {
			inheritIntoIf(loc, b.locLevels[loc], parent, &v)
		}
		loc.DefaultType, loc.AddHeaders = v.defaultType, v.addHeaders
		loc.ClientMaxBodySize, loc.KeepaliveTimeout = v.maxBody, v.keepalive
		loc.LuaCodeCache = v.codeCache
		loc.AccessLogs = v.accessLogs
		loc.Lua = v.lua
		loc.Root, loc.Index = v.root, v.index
		loc.Body = v.body
		loc.Response = v.resp
		loc.ProxySettings = v.proxy
		loc.Phases = v.phases
		loc.Flow = v.flow
		b.mergeLocations(loc.Locations, v)
		b.mergeLocations(loc.Ifs, v)
	}
}

// checkDuplicates reports two exact or two prefix (incl. ^~) locations with
// the same name at one level, at the later one, then checks nested levels.
func checkDuplicates(locs []*Location) error {
	exact := map[string]bool{}
	prefix := map[string]bool{}
	for _, l := range locs {
		var seen map[string]bool
		switch l.Modifier {
		case ModExact:
			seen = exact
		case ModPrefix, ModPrefixNoRe:
			seen = prefix
		default:
			continue
		}
		if seen[l.Pattern] {
			return errf(l.Pos, "duplicate location \"%s\"", l.Pattern)
		}
		seen[l.Pattern] = true
	}
	for _, l := range locs {
		if err := checkDuplicates(l.Locations); err != nil {
			return err
		}
	}
	return nil
}

// FindLocation returns the location nginx chooses for a (normalized) URI
// (ngx_http_core_find_location): an exact match wins at once; else the
// longest matching prefix is remembered and its nested locations are
// searched the same way; unless that prefix is ^~, the regex locations of
// the level are then tried in file order and the first match wins (its
// nested locations searched in turn); else the remembered prefix. captures
// are the winning regex's submatches (index 0 is the whole match); nil when
// no regex decided. loc is nil when nothing matches.
func (s *Server) FindLocation(uri string) (loc *Location, captures []string) {
	loc, captures, _ = findLocation(s.Locations, uri)
	return loc, captures
}

// findLocation searches one level; final reports an exact or regex match
// (nginx's NGX_OK), which ends the search at every enclosing level.
func findLocation(locs []*Location, uri string) (*Location, []string, bool) {
	var best *Location
	for _, l := range locs {
		switch l.Modifier {
		case ModExact:
			if uri == l.Pattern {
				return l, nil, true
			}
		case ModPrefix, ModPrefixNoRe:
			if strings.HasPrefix(uri, l.Pattern) && (best == nil || len(l.Pattern) > len(best.Pattern)) {
				best = l
			}
		}
	}
	var found *Location
	var caps []string
	noRegex := false
	if best != nil {
		noRegex = best.Modifier == ModPrefixNoRe
		nl, nc, final := findLocation(best.Locations, uri)
		if final {
			return nl, nc, true
		}
		found, caps = best, nil
		if nl != nil {
			found, caps = nl, nc
		}
	}
	if !noRegex {
		for _, l := range locs {
			if l.Regex == nil {
				continue
			}
			if m := l.Regex.FindStringSubmatch(uri); m != nil {
				if nl, nc, _ := findLocation(l.Locations, uri); nl != nil {
					return nl, nc, true
				}
				return l, m, true
			}
		}
	}
	return found, caps, false
}

// NamedLocation returns the location @name (name without '@'), or nil.
func (s *Server) NamedLocation(name string) *Location {
	for _, l := range s.Locations {
		if l.Modifier == ModNamed && l.Pattern == name {
			return l
		}
	}
	return nil
}
