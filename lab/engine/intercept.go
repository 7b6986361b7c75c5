package engine

import (
	"strconv"
	"strings"
)

// interceptError is proxy_intercept_errors on, as nginx 1.22's
// ngx_http_upstream_intercept_errors: an upstream status of 300 or more for
// which the location has an error_page ends the upstream part (its headers
// and body are dropped, the connection closed) and the request is finalized
// with that status, which error_page redirects. A 401 keeps the upstream's
// WWW-Authenticate. Without an error_page for the status the response
// passes through. The lab leaves a location with proxy_cache and a
// background update alone (nginx would cache the error status there).
func (p *proxyState) interceptError(code int, lines []string) bool {
	r := p.r
	if !p.set.InterceptErrors || code < 300 || p.cache != nil {
		return false
	}
	f := r.flow()
	if f == nil {
		return false
	}
	found := false
	for _, pg := range f.ErrorPages {
		if pg.Code == code {
			found = true
			break
		}
	}
	if !found {
		return false
	}
	p.addrs = append(p.addrs, p.peer)
	p.statuses = append(p.statuses, strconv.Itoa(code))
	if code == 401 {
		for _, l := range lines[1:] {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "www-authenticate") {
				r.setHeader("WWW-Authenticate", []string{strings.TrimSpace(v)})
				break
			}
		}
	}
	p.closeFD()
	p.stage = proxyDone
	r.finalize(code)
	return true
}
