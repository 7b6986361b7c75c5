package engine

import (
	"strings"

	"github.com/restylab/restylab/lab/http1"
)

// invalidReferer is $invalid_referer as ngx_http_referer_module computes
// it: "" when the Referer is valid for the location's valid_referers (or
// none are set), "1" otherwise.
func (r *request) invalidReferer() (string, bool) {
	f := r.flow()
	if f == nil || f.Referers == nil {
		return "", true
	}
	if r.refererValid() {
		return "", true
	}
	return "1", true
}

// refererValid checks the Referer header against valid_referers.
func (r *request) refererValid() bool {
	rf := r.flow().Referers
	ref, ok := "", false
	for _, h := range r.headersIn {
		if strings.EqualFold(h.Name, "referer") {
			ref, ok = h.Value, true
			break
		}
	}
	if !ok {
		return rf.None
	}
	lower := strings.ToLower(ref)
	switch {
	case len(ref) >= len("http://i.ru") && strings.HasPrefix(lower, "http://"):
		ref = ref[len("http://"):]
	case len(ref) >= len("https://i.ru") && strings.HasPrefix(lower, "https://"):
		ref = ref[len("https://"):]
	default:
		return rf.Blocked
	}
	host, rest := ref, ""
	if i := strings.IndexAny(ref, "/:"); i >= 0 {
		host, rest = ref[:i], ref[i:]
	}
	if len(host) >= 256 {
		return false
	}
	host = strings.ToLower(host)
	uri := rest
	if strings.HasPrefix(uri, ":") { // a port: the URI part starts at the next "/"
		if i := strings.IndexByte(uri, '/'); i >= 0 {
			uri = uri[i:]
		} else {
			uri = ""
		}
	}
	for _, h := range rf.Hosts {
		if refererHostMatch(h.Host, host) && (h.URI == "" || strings.HasPrefix(uri, h.URI)) {
			return true
		}
	}
	if rf.ServerNames && r.srv != nil {
		for _, n := range r.srv.ServerNames {
			if !strings.HasPrefix(n, "~") && refererHostMatch(strings.ToLower(n), host) {
				return true
			}
		}
	}
	for _, re := range rf.Res {
		if re.MatchString(ref) {
			return true
		}
	}
	return false
}

// refererHostMatch matches a host against an entry: exact, "*.example.com"
// (any subdomain) or "www.example.*" (any final part).
func refererHostMatch(entry, host string) bool {
	switch {
	case strings.HasPrefix(entry, "*."):
		return strings.HasSuffix(host, entry[1:])
	case strings.HasPrefix(entry, "."):
		return host == entry[1:] || strings.HasSuffix(host, entry)
	case strings.HasSuffix(entry, ".*"):
		return strings.HasPrefix(host, entry[:len(entry)-1])
	}
	return entry == host
}

// serverSignature is what the Server header and nginx's error pages name:
// "nginx/1.22.1", or "nginx" with server_tokens off.
func (r *request) serverSignature() string {
	if f := r.flow(); f != nil && f.ServerTokensOff {
		return "nginx"
	}
	return serverHeader
}

// specialPage is nginx's error page for status, signed as server_tokens says.
func (r *request) specialPage(status int) []byte {
	page := http1.ErrorPage(status)
	if page == nil || r.serverSignature() == serverHeader {
		return page
	}
	return []byte(strings.Replace(string(page), "<center>"+serverHeader+"</center>", "<center>nginx</center>", 1))
}
