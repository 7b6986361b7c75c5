package conf

import (
	"regexp"
	"strings"
)

// Map is one http-level map block: $Var takes the value of the first
// entry that matches Source's value (ngx_http_map_module).
type Map struct {
	// Var is the variable made, without '$'; Source the value looked up.
	Var    string
	Source Template
	// Default is the value when nothing matches (nil: empty).
	Default *Template
	// Hostnames and Volatile are the map's hostnames and volatile flags.
	Hostnames bool
	Volatile  bool
	// Exact are the plain keys, lowercase (nginx compares without case).
	Exact map[string]Template
	// Leading ("*.example.com", ".example.com") and Trailing
	// ("www.example.*") are the hostnames wildcards by their fixed part.
	Leading  map[string]MapWildcard `json:",omitempty"`
	Trailing map[string]Template    `json:",omitempty"`
	// Regexes are the ~ and ~* keys in file order.
	Regexes []MapRegex `json:",omitempty"`
	Pos     Pos
}

// MapWildcard is a leading wildcard: Dot marks ".example.com", which
// matches example.com itself too.
type MapWildcard struct {
	Value Template
	Dot   bool
}

// MapRegex is a regular expression key; Names are its named groups, which
// become variables when it matches.
type MapRegex struct {
	Re    *regexp.Regexp `json:"-"`
	Raw   string
	Value Template
	Names []string `json:",omitempty"`
}

// mapBlock handles map SOURCE $VARIABLE { ... }.
func (b *builder) mapBlock(s *scope, d *directive) error {
	name := d.arg(1)
	if !strings.HasPrefix(name, "$") {
		return errf(d.pos, "invalid variable name \"%s\"", name)
	}
	src, err := ParseTemplate(d.arg(0))
	if err != nil {
		return errf(d.pos, "%s", err)
	}
	m := &Map{Var: name[1:], Source: src, Exact: map[string]Template{}, Pos: d.pos}
	if b.cfg.HTTP.Maps == nil {
		b.cfg.HTTP.Maps = map[string]*Map{}
	}
	if err := b.parseBlock(d.lx, &scope{ctx: cMap, lvl: s.lvl, mapping: m}, true); err != nil {
		return err
	}
	b.cfg.HTTP.Maps[m.Var] = m
	return nil
}

// mapLine reads one line of a map block: hostnames, volatile, include
// FILE, default VALUE or KEY VALUE.
func (b *builder) mapLine(s *scope, d *directive) error {
	m := s.mapping
	if d.kind == tokBlockStart {
		return errf(d.pos, "unexpected \"{\"")
	}
	if len(d.args) == 0 {
		switch d.name {
		case "hostnames":
			m.Hostnames = true
			return nil
		case "volatile":
			m.Volatile = true
			return nil
		}
	}
	if len(d.args) != 1 {
		return errf(d.pos, "invalid number of the map parameters")
	}
	if d.name == "include" {
		return b.include(s, d)
	}
	val, err := ParseTemplate(d.arg(0))
	if err != nil {
		return errf(d.pos, "%s", err)
	}
	key := d.name
	if key == "default" {
		if m.Default != nil {
			return errf(d.pos, "duplicate default map parameter")
		}
		m.Default = &val
		return nil
	}
	if len(key) > 1 && key[0] == '~' {
		caseless := strings.HasPrefix(key, "~*")
		pat := key[1:]
		if caseless {
			pat = key[2:]
		}
		re, err := compileRegex(pat, caseless, d.pos)
		if err != nil {
			return err
		}
		var names []string
		for _, n := range re.SubexpNames() {
			if n != "" {
				names = append(names, n)
			}
		}
		m.Regexes = append(m.Regexes, MapRegex{Re: re, Raw: key, Value: val, Names: names})
		return nil
	}
	if len(key) > 1 && key[0] == '\\' {
		key = key[1:]
	}
	key = strings.ToLower(key)
	if m.Hostnames {
		return b.mapHostname(m, key, val, d)
	}
	if _, dup := m.Exact[key]; dup {
		return errf(d.pos, "conflicting parameter \"%s\"", key) // nginx names the lowercased key
	}
	m.Exact[key] = val
	return nil
}

// mapHostname adds a key of a hostnames map: exact, "*.x"/".x" or "x.*".
func (b *builder) mapHostname(m *Map, key string, val Template, d *directive) error {
	conflict := func() error { return errf(d.pos, "conflicting parameter \"%s\"", key) }
	switch {
	case strings.HasPrefix(key, "*."):
		if m.Leading == nil {
			m.Leading = map[string]MapWildcard{}
		}
		if _, dup := m.Leading[key[2:]]; dup {
			return conflict()
		}
		m.Leading[key[2:]] = MapWildcard{Value: val}
	case strings.HasPrefix(key, "."):
		if m.Leading == nil {
			m.Leading = map[string]MapWildcard{}
		}
		if _, dup := m.Leading[key[1:]]; dup {
			return conflict()
		}
		m.Leading[key[1:]] = MapWildcard{Value: val, Dot: true}
	case strings.HasSuffix(key, ".*"):
		if m.Trailing == nil {
			m.Trailing = map[string]Template{}
		}
		if _, dup := m.Trailing[key[:len(key)-2]]; dup {
			return conflict()
		}
		m.Trailing[key[:len(key)-2]] = val
	default:
		if _, dup := m.Exact[key]; dup {
			return conflict()
		}
		m.Exact[key] = val
	}
	return nil
}

// Find returns the value template for the source value v and the regex
// match (nil unless a regex key matched: its captures).
func (m *Map) Find(v string) (*Template, *MapRegex, []string) {
	key := strings.ToLower(v)
	if m.Hostnames {
		key = strings.TrimSuffix(key, ".")
	}
	if t, ok := m.Exact[key]; ok {
		return &t, nil, nil
	}
	if m.Hostnames {
		if w, ok := m.Leading[key]; ok && w.Dot {
			return &w.Value, nil, nil
		}
		for i := 0; i < len(key); i++ { // the longest suffix after a dot first
			if key[i] == '.' {
				if w, ok := m.Leading[key[i+1:]]; ok {
					return &w.Value, nil, nil
				}
			}
		}
		for i := len(key) - 1; i > 0; i-- { // the longest prefix before a dot first
			if key[i] == '.' {
				if t, ok := m.Trailing[key[:i]]; ok {
					return &t, nil, nil
				}
			}
		}
	}
	for i := range m.Regexes {
		re := &m.Regexes[i]
		if caps := re.Re.FindStringSubmatch(v); caps != nil {
			return &re.Value, re, caps
		}
	}
	return m.Default, nil, nil
}
