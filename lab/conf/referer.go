package conf

import (
	"regexp"
	"strings"
)

// Referers is a valid_referers directive's effective list
// (ngx_http_referer_module): what makes $invalid_referer empty.
type Referers struct {
	None        bool `json:",omitempty"` // "none": no Referer header is valid
	Blocked     bool `json:",omitempty"` // "blocked": a Referer without http:// or https:// is valid
	ServerNames bool `json:",omitempty"` // "server_names": the server's names are hosts
	// Hosts are exact names, "*.example.com" and "www.example.*"
	// wildcards, each with an optional URI prefix ("example.com/pics/").
	Hosts []RefererHost `json:",omitempty"`
	// Regexes are the "~regex" entries, matched without case against the
	// Referer after its scheme.
	Regexes []string         `json:",omitempty"`
	Res     []*regexp.Regexp `json:"-"`
}

// RefererHost is one host entry of valid_referers.
type RefererHost struct {
	Host string // lower case, may start with "*." or end with ".*"
	URI  string `json:",omitempty"`
}

// validReferers handles valid_referers none|blocked|server_names|NAME|~RE ...
func (b *builder) validReferers(s *scope, d *directive) error {
	rf := s.lvl.flow.referers
	if rf == nil {
		rf = &Referers{}
		s.lvl.flow.referers = rf
	}
	for i := range d.args {
		v := d.arg(i)
		switch {
		case v == "none":
			rf.None = true
		case v == "blocked":
			rf.Blocked = true
		case v == "server_names":
			rf.ServerNames = true
		case strings.HasPrefix(v, "~"):
			re, err := compileRegex(v[1:], true, d.pos)
			if err != nil {
				return err
			}
			rf.Regexes = append(rf.Regexes, v[1:])
			rf.Res = append(rf.Res, re)
		default:
			host, uri, _ := strings.Cut(v, "/")
			h := RefererHost{Host: strings.ToLower(host)}
			if uri != "" || strings.Contains(v, "/") {
				h.URI = "/" + uri
			}
			rf.Hosts = append(rf.Hosts, h)
		}
	}
	return nil
}

// serverTokens handles server_tokens on|off|build (an enum).
func (b *builder) serverTokens(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	v := strings.ToLower(d.arg(0))
	switch v {
	case "on", "off", "build":
	default:
		return errf(d.pos, "invalid value \"%s\"", d.arg(0))
	}
	s.lvl.flow.serverTokens = &v
	return nil
}

// checkReferers refuses a valid_referers list with only "none" or
// "blocked", as ngx_http_referer_merge_conf does (without a position).
func (b *builder) checkReferers() error {
	levels := make([]*level, 0, len(b.srvLevels)+len(b.locLevels))
	for _, l := range b.srvLevels {
		levels = append(levels, l)
	}
	for _, l := range b.locLevels {
		levels = append(levels, l)
	}
	for _, l := range levels {
		rf := l.flow.referers
		if rf != nil && (rf.None || rf.Blocked) && len(rf.Hosts) == 0 && len(rf.Regexes) == 0 && !rf.ServerNames {
			return &Error{Msg: "the \"none\" or \"blocked\" referers are specified in the \"valid_referers\" directive without any valid referer"}
		}
	}
	return nil
}
