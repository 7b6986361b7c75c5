package engine

import (
	"bytes"
	"compress/gzip"
	"strconv"
	"strings"

	"github.com/restylab/restylab/lab/conf"
)

// nginx's gzip filter (ngx_http_gzip_filter_module with ngx_http_gzip_ok of
// the core module, nginx 1.22), after the charset filter and before the range
// filter, as in nginx's filter chain; ngx_lua's header and body filters run
// before it, so Lua sees the response uncompressed (difftest gzip/).
//
// A main response is compressed when gzip is on, its status is 200, 403 or
// 404, it has no Content-Encoding of its own, its type is in gzip_types, a
// known Content-Length is at least gzip_min_length, it is not a HEAD answer,
// and the request accepts gzip (Accept-Encoding names gzip with a quality
// above 0), is HTTP/1.1 (or 1.0 with gzip_http_version 1.0), and either has
// no Via header or gzip_proxied allows it. Then Content-Encoding: gzip is
// added, Content-Length and byte ranges go (the response is chunked, or
// ends with the connection for HTTP/1.0), a strong ETag becomes weak, and
// the body goes through gzip at gzip_comp_level; a flush (ngx.flush) sends
// what is compressed so far (a sync flush). gzip_vary adds "Vary:
// Accept-Encoding" to every response passing the first group of checks,
// compressed or not. The compressed bytes are Go's compress/gzip's, not
// zlib's: they decode to the same body.

// gzipHeaderFilter decides whether the response is compressed.
func (r *request) gzipHeaderFilter() {
	set := r.respSettings().Gzip
	if !set.On || r.sub != nil || r.c == nil {
		return
	}
	if r.status != 200 && r.status != 403 && r.status != 404 {
		return
	}
	if v, ok := r.headerOut("Content-Encoding"); ok && v != "" {
		return
	}
	if v, ok := r.headerOut("Content-Length"); ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n < set.MinLength {
			return
		}
	}
	if !gzipTypeMatches(r.gzipContentType(), set.Types) || r.method == "HEAD" {
		return
	}
	r.gzipVary = true
	if !r.gzipAccepted(set) {
		return
	}
	r.setHeader("Content-Encoding", []string{"gzip"})
	r.setHeader("Content-Length", nil)
	r.allowRanges = false
	if i := r.findHeader("ETag"); i >= 0 && len(r.headers[i].values) > 0 {
		// ngx_http_weak_etag: a strong ETag becomes weak, an odd one goes
		switch v := r.headers[i].values[0]; {
		case strings.HasPrefix(v, "W/"):
		case strings.HasPrefix(v, `"`):
			r.headers[i].values = []string{"W/" + v}
		default:
			r.setHeader("ETag", nil)
		}
	}
	level := set.CompLevel
	if level < gzip.BestSpeed || level > gzip.BestCompression {
		level = gzip.BestSpeed
	}
	r.gzBuf = &bytes.Buffer{}
	r.gz, _ = gzip.NewWriterLevel(r.gzBuf, level) // the level is in range: no error
}

// gzipContentType is the response's MIME type as the filter tests it:
// lowercase, without parameters; the default type when none was set.
func (r *request) gzipContentType() string {
	ct, ok := r.headerOut("Content-Type")
	if !ok && !r.ctCleared {
		ct = r.defaultType()
	}
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// gzipTypeMatches tests a type against gzip_types ("*": any type at all).
func gzipTypeMatches(ct string, types []string) bool {
	if ct == "" {
		return false
	}
	for _, t := range types {
		if t == "*" || t == ct {
			return true
		}
	}
	return false
}

// gzipAccepted is ngx_http_gzip_ok for a main request: the client accepts
// gzip, its HTTP version is enough, and a proxied request (Via) is allowed.
func (r *request) gzipAccepted(set conf.GzipSettings) bool {
	ae, ok := r.requestHeader("accept-encoding")
	if !ok || !acceptsGzip(ae) || r.head == nil {
		return false
	}
	if r.head.Major < 1 || r.head.Major == 1 && r.head.Minor < 1 && !set.HTTP10 {
		return false
	}
	if _, proxied := r.requestHeader("via"); !proxied {
		return true
	}
	for _, f := range set.Proxied {
		switch f {
		case "any":
			return true
		case "expired":
			if _, ok := r.headerOut("Expires"); ok {
				return true
			}
		case "no-cache", "no-store", "private":
			if cc, ok := r.headerOut("Cache-Control"); ok && hasCacheToken(cc, f) {
				return true
			}
		case "no_last_modified":
			if _, ok := r.headerOut("Last-Modified"); !ok {
				return true
			}
		case "no_etag":
			if _, ok := r.headerOut("ETag"); !ok {
				return true
			}
		case "auth":
			if _, ok := r.requestHeader("authorization"); ok {
				return true
			}
		}
	}
	return false
}

// acceptsGzip reads Accept-Encoding as ngx_http_gzip_accept_encoding does:
// a "gzip" token (any case) at the start or after ',' or ' ', followed by
// the end, ',' or ";q=" with a quality above 0.
func acceptsGzip(ae string) bool {
	lower := strings.ToLower(ae)
	from := 0
	for {
		i := strings.Index(lower[from:], "gzip")
		if i < 0 {
			return false
		}
		i += from
		if i == 0 || lower[i-1] == ',' || lower[i-1] == ' ' {
			return gzipParams(lower[i+4:])
		}
		from = i + 4
	}
}

// gzipParams checks what follows the gzip token.
func gzipParams(rest string) bool {
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case ',':
			return true
		case ' ':
			continue
		case ';':
			q := strings.TrimLeft(rest[i+1:], " ")
			if q == "" {
				return true
			}
			if q[0] != 'q' || len(q) < 3 || q[1] != '=' {
				return false
			}
			return gzipQuality(q[2:]) > 0
		default:
			return false
		}
	}
	return true
}

// gzipQuality is a qvalue in thousandths ("0.5" is 500, "0.001" is 1), 0
// for a malformed one or one with more than three decimals.
func gzipQuality(s string) int {
	if s == "" || s[0] != '0' && s[0] != '1' {
		return 0
	}
	q := int(s[0]-'0') * 1000
	s = s[1:]
	if s == "" || s[0] == ',' || s[0] == ' ' {
		return q
	}
	if s[0] != '.' {
		return 0
	}
	scale := 100
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			break
		}
		if scale == 0 {
			return 0
		}
		q += int(c-'0') * scale
		scale /= 10
	}
	if q > 1000 {
		return 0
	}
	return q
}

// hasCacheToken reports whether a Cache-Control value holds the directive.
func hasCacheToken(cc, token string) bool {
	for _, part := range strings.Split(cc, ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(part), "=")
		if strings.EqualFold(name, token) {
			return true
		}
	}
	return false
}

// gzipBody compresses one piece of the body: data is added, an empty
// piece that is not the last is a flush, the last one ends the stream.
func (r *request) gzipBody(data []byte, last bool) []byte {
	if len(data) > 0 {
		r.gz.Write(data) // into a bytes.Buffer: no error
	}
	switch {
	case last:
		r.gz.Close()
	case len(data) == 0:
		r.gz.Flush()
	}
	out := append([]byte(nil), r.gzBuf.Bytes()...)
	r.gzBuf.Reset()
	if last {
		r.gz, r.gzBuf = nil, nil
	}
	return out
}
