package engine

import "strings"

// charsetFilter is nginx's charset header filter for a main response: with
// `charset NAME` (not off) it adds "; charset=NAME" to a Content-Type that
// has no parameters yet and whose type is in charset_types (static files,
// Lua output and nginx's own pages alike: difftest charset/). Recoding
// between charsets needs charset_map, which the lab refuses at load time.
func (r *request) charsetFilter() {
	set := r.respSettings()
	if set.Charset == "" || r.sub != nil {
		return
	}
	ct, ok := r.headerOut("Content-Type")
	if !ok {
		if r.ctCleared || r.status == 204 || r.status == 304 {
			return
		}
		ct = r.defaultType()
	}
	if ct == "" || strings.IndexByte(ct, ';') >= 0 {
		return
	}
	if ce, ok := r.headerOut("Content-Encoding"); ok && ce != "" {
		return
	}
	lower := strings.ToLower(ct)
	for _, t := range set.CharsetTypes {
		if t == "*" || t == lower {
			r.setHeader("Content-Type", []string{ct + "; charset=" + set.Charset})
			return
		}
	}
}
