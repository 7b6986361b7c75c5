package engine

import "github.com/restylab/restylab/lab/conf"

// mapValue evaluates a map variable for r as ngx_http_map_module does: the
// source is expanded and looked up (exact keys, hostnames wildcards, then
// the regexes in order), and the value template expanded, with a regex's
// captures as $1.. (they stay r's captures afterwards, as nginx's do) and
// its named groups set as variables. A map a directive uses is computed
// once per request, unless volatile; one only Lua reads is computed on
// every read (nginx's non-indexed variables).
func (r *request) mapValue(m *conf.Map) string {
	cache := !m.Volatile && r.w.e.indexedVars[m.Var]
	if cache {
		if v, ok := r.mapCache[m.Var]; ok {
			return v
		}
	}
	src := m.Source.Expand(r.variable)
	tpl, re, caps := m.Find(src)
	v := ""
	if tpl != nil {
		if re != nil {
			if len(caps) > 1 {
				r.captures = caps
			}
			for i, n := range re.Re.SubexpNames() {
				if n != "" && i < len(caps) {
					r.setVar(n, caps[i])
				}
			}
		}
		v = tpl.Expand(r.variable)
	}
	if cache {
		if r.mapCache == nil {
			r.mapCache = make(map[string]string, 2)
		}
		r.mapCache[m.Var] = v
	}
	return v
}

// checkMapVars runs the load-time variable check on every map's source
// and values.
func (e *Engine) checkMapVars(check func(conf.Template) error) error {
	for _, m := range e.cfg.HTTP.Maps {
		if err := check(m.Source); err != nil {
			return err
		}
		if m.Default != nil {
			if err := check(*m.Default); err != nil {
				return err
			}
		}
		for _, t := range m.Exact {
			if err := check(t); err != nil {
				return err
			}
		}
		for _, w := range m.Leading {
			if err := check(w.Value); err != nil {
				return err
			}
		}
		for _, t := range m.Trailing {
			if err := check(t); err != nil {
				return err
			}
		}
		for _, re := range m.Regexes {
			if err := check(re.Value); err != nil {
				return err
			}
		}
	}
	return nil
}
