package conf

import (
	"regexp"
	"strings"
)

// serverName is one compiled server_name entry.
type serverName struct {
	exact  string         // "example.com" or "" (the empty name)
	prefix string         // "*.example.com" -> ".example.com" (suffix match)
	suffix string         // "www.example.*" -> "www.example." (prefix match)
	re     *regexp.Regexp // "~^www\d+\.example\.com$"
}

// server handles the server block.
func (b *builder) server(_ *scope, d *directive) error {
	srv := &Server{Pos: d.pos}
	lvl := newLevel()
	b.srvLevels[srv] = lvl
	b.cfg.HTTP.Servers = append(b.cfg.HTTP.Servers, srv)
	if err := b.parseBlock(d.lx, &scope{ctx: cServer, lvl: lvl, srv: srv}, true); err != nil {
		return err
	}
	if len(srv.Listens) == 0 {
		// nginx's default when running as root.
		if err := b.addListen(srv, Listen{Addr: "0.0.0.0:80", Pos: d.pos}, false); err != nil {
			return err
		}
	}
	if len(srv.ServerNames) == 0 {
		srv.ServerNames = []string{""}
		srv.names = []serverName{{}}
	}
	return nil
}

// listen handles listen ADDR[:PORT]|PORT [default_server] [reuseport]
// [bind] [backlog=N].
func (b *builder) listen(s *scope, d *directive) error {
	addr, err := parseListenAddr(d.arg(0))
	switch err {
	case nil:
	case errBadPort:
		return errf(d.pos, "invalid port in \"%s\" of the \"listen\" directive", d.arg(0))
	default:
		return errf(d.pos, "host not found in \"%s\" of the \"listen\" directive", d.arg(0))
	}
	l := Listen{Addr: addr, Pos: d.pos}
	options := false
	for _, a := range d.args[1:] {
		switch {
		case a.s == "default_server" || a.s == "default":
			l.Default = true
		case a.s == "reuseport":
			l.ReusePort, options = true, true
		case a.s == "bind":
			options = true
		case a.s == "ssl":
			l.SSL = true
		case a.s == "http2":
			l.HTTP2 = true
			b.diags = append(b.diags, Diagnostic{Warn: true, Pos: d.pos, Message: "the lab speaks HTTP/1.1 only: \"http2\" is accepted and TLS's ALPN offers http/1.1 (clients fall back to it)"})
		case strings.HasPrefix(a.s, "backlog="):
			if n, ok := parseDigits(a.s[len("backlog="):]); !ok || n == 0 {
				return errf(d.pos, "invalid backlog \"%s\"", a.s)
			}
			options = true
		case listenOption(a.s):
			if err := checkListenOption(a.s, d); err != nil {
				return err
			}
			options = true
		default:
			return errf(d.pos, "invalid parameter \"%s\"", a.s)
		}
	}
	return b.addListen(s.srv, l, options)
}

// addListen records a listen address, with nginx's duplicate checks.
func (b *builder) addListen(srv *Server, l Listen, options bool) error {
	for _, o := range srv.Listens {
		if o.Addr == l.Addr {
			return errf(l.Pos, "a duplicate listen %s", l.Addr)
		}
	}
	st := b.listens[l.Addr]
	if st == nil {
		st = &listenState{}
		b.listens[l.Addr] = st
	}
	if l.Default {
		if st.defaultSet {
			return errf(l.Pos, "a duplicate default server for %s", l.Addr)
		}
		st.defaultSet = true
	}
	if options {
		if st.optionsSet {
			return errf(l.Pos, "duplicate listen options for %s", l.Addr)
		}
		st.optionsSet = true
	}
	srv.Listens = append(srv.Listens, l)
	return nil
}

// serverName handles server_name; names are lowercased and regexes (~...)
// are compiled case-insensitively, as nginx does.
func (b *builder) serverName(s *scope, d *directive) error {
	for _, a := range d.args {
		name := a.s
		var sn serverName
		switch {
		case strings.HasPrefix(name, "~"):
			re, err := compileRegex(name[1:], true, d.pos)
			if err != nil {
				return err
			}
			sn.re = re
		case strings.HasPrefix(name, "*."):
			name = strings.ToLower(name)
			sn.prefix = name[1:]
		case strings.HasPrefix(name, "."):
			// ".example.com" is "example.com" and "*.example.com".
			name = strings.ToLower(name)
			s.srv.names = append(s.srv.names, serverName{exact: name[1:]})
			sn.prefix = name
		case strings.HasSuffix(name, ".*"):
			name = strings.ToLower(name)
			sn.suffix = name[:len(name)-1]
		default:
			name = strings.ToLower(name)
			sn.exact = name
		}
		s.srv.ServerNames = append(s.srv.ServerNames, name)
		s.srv.names = append(s.srv.names, sn)
	}
	return nil
}

// FindServer chooses the server for a request that arrived on listenAddr
// (a Listen.Addr) with the given Host, as nginx does: an exact name first,
// then the longest "*.name" wildcard, then the longest "name.*" wildcard,
// then the first matching regex in file order, else the default_server of
// that address or its first server. It returns nil when no server listens
// on listenAddr.
func (h *HTTP) FindServer(listenAddr, host string) *Server {
	var candidates []*Server
	var def *Server
	for _, s := range h.Servers {
		for _, l := range s.Listens {
			if l.Addr != listenAddr {
				continue
			}
			candidates = append(candidates, s)
			if l.Default && def == nil {
				def = s
			}
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	if def == nil {
		def = candidates[0]
	}
	host = normalizeHost(host)
	for _, s := range candidates {
		for _, n := range s.names {
			if n.re == nil && n.prefix == "" && n.suffix == "" && n.exact == host {
				return s
			}
		}
	}
	var best *Server
	bestLen := 0
	for _, s := range candidates {
		for _, n := range s.names {
			if n.prefix != "" && strings.HasSuffix(host, n.prefix) && len(host) > len(n.prefix) && len(n.prefix) > bestLen {
				best, bestLen = s, len(n.prefix)
			}
		}
	}
	if best != nil {
		return best
	}
	for _, s := range candidates {
		for _, n := range s.names {
			if n.suffix != "" && strings.HasPrefix(host, n.suffix) && len(host) > len(n.suffix) && len(n.suffix) > bestLen {
				best, bestLen = s, len(n.suffix)
			}
		}
	}
	if best != nil {
		return best
	}
	for _, s := range candidates {
		for _, n := range s.names {
			if n.re != nil && n.re.MatchString(host) {
				return s
			}
		}
	}
	return def
}

// normalizeHost lowercases a Host header and removes its port and a
// trailing dot.
func normalizeHost(host string) string {
	host = strings.ToLower(host)
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i >= 0 {
			host = host[:i+1]
		}
	} else if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return strings.TrimSuffix(host, ".")
}

// ListenAddrs returns the addresses to open, in first-use order, one per
// address, with ReusePort and Default merged from every listen of it.
func (h *HTTP) ListenAddrs() []Listen {
	var out []Listen
	index := map[string]int{}
	for _, s := range h.Servers {
		for _, l := range s.Listens {
			i, ok := index[l.Addr]
			if !ok {
				index[l.Addr] = len(out)
				out = append(out, l)
				continue
			}
			out[i].ReusePort = out[i].ReusePort || l.ReusePort
			out[i].Default = out[i].Default || l.Default
			// nginx ORs ssl and http2 over every listen of an address
			out[i].SSL = out[i].SSL || l.SSL
			out[i].HTTP2 = out[i].HTTP2 || l.HTTP2
		}
	}
	return out
}
