package web

import (
	"net/http"
	"net/url"
	"strings"
)

// What passes the proxy /s/{session}/ in either direction. A learner's
// instance answers on the lab's origin, so whatever in its response acts
// on the origin rather than on the one document would act on the lab: the
// proxy keeps such headers away from the browser. And the visitor's
// browser sends the lab's cookies along to /s/{anyone}/: the proxy keeps
// them away from the learner's instance.

// originWideHeaders are response headers that act on the whole origin (or
// host) beyond the response they come with; the proxy drops them from
// learners' responses. Set-Cookie is rewritten instead (scopeSetCookie).
var originWideHeaders = []string{
	"Set-Cookie2",                 // obsolete RFC 2965 cookies
	"Clear-Site-Data",             // clears the origin's cookies, storage and cache
	"Strict-Transport-Security",   // HSTS for the lab's host (and its subdomains)
	"Public-Key-Pins",             // obsolete HPKP
	"Public-Key-Pins-Report-Only", //
	"Expect-CT",                   // obsolete
	"Alt-Svc",                     // alternative services for the origin
	"NEL",                         // network error logging policy for the origin
	"Report-To",                   // its reporting endpoints
	"Reporting-Endpoints",         //
	"Accept-CH",                   // client hints the origin asks for, kept by the browser
	"Critical-CH",                 //
	"Service-Worker-Allowed",      // widens a service worker's scope
	"Set-Login",                   // FedCM login status of the origin
	"Activate-Storage-Access",     // storage access for the origin
	"Origin-Agent-Cluster",        // kept for the origin from its first document
}

// scopeSetCookie rewrites one Set-Cookie line of the instance served under
// prefix (the lab's base path, then /s/{id})
// so that it cannot touch the lab's origin outside prefix/: ok is false for
// a cookie that must not reach the browser at all: one of the lab's own
// (isLabCookie), a "__Host-" cookie (the prefix demands Path=/), or a line
// net/http cannot parse strictly (browsers accept odder forms, such as
// "=restylab_session=x", whose empty name serialises as the value). The
// Domain attribute is dropped (the cookie stays on the lab's host) and the
// path is the instance's own path under prefix: Path=/ becomes
// Path=/s/{id}/, Path=/a Path=/s/{id}/a, and no Path the directory of the
// request path, under /s/{id} too. Attributes net/http does not know
// (Priority, ...) are dropped.
func scopeSetCookie(line, prefix, reqPath string) (string, bool) {
	c, err := http.ParseSetCookie(line)
	if err != nil || isLabCookie(c.Name) || strings.HasPrefix(strings.ToLower(c.Name), "__host-") {
		return "", false
	}
	p := c.Path
	if !strings.HasPrefix(p, "/") {
		p = defaultCookiePath(reqPath)
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x21 || p[i] >= 0x7f || p[i] == ';' {
			return "", false
		}
	}
	c.Path = prefix + p
	c.Domain = ""
	c.Raw, c.Unparsed = "", nil
	out := c.String()
	return out, out != ""
}

// defaultCookiePath is the default-path of a cookie set by a response to
// path (RFC 6265 section 5.1.4): its directory, or "/".
func defaultCookiePath(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return "/"
	}
	return path[:i]
}

// scrubResponse makes the header of a response from the instance served
// under prefix (the base path, then /s/{id}) to a request for reqPath (the instance's
// path) safe for the lab's origin: no origin-wide header, Set-Cookie
// path-scoped, no lab cookie.
func scrubResponse(h http.Header, prefix, reqPath string) {
	for _, k := range originWideHeaders {
		h.Del(k)
	}
	for k := range h {
		// Sec- response headers are the browser's own protocols
		// (Sec-Session-Registration starts device bound sessions that
		// refresh the origin's cookies); only a WebSocket upgrade needs
		// its Sec-WebSocket- headers.
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "sec-") && !strings.HasPrefix(lk, "sec-websocket-") {
			delete(h, k)
		}
	}
	lines := h.Values("Set-Cookie")
	if len(lines) == 0 {
		return
	}
	h.Del("Set-Cookie")
	for _, line := range lines {
		if out, ok := scopeSetCookie(line, prefix, reqPath); ok {
			h.Add("Set-Cookie", out)
		}
	}
}

// scrubRequest removes the lab's own credentials from a request on its way
// to the instance served under prefix (the base path, then /s/{id}): the
// X-Restylab-Session header and the lab's
// cookies (the learner's own cookies stay, byte for byte); and a Referer
// from elsewhere on the lab's host is cut to the origin, since a page
// under /s/{other}/ would hand that session's capability to this instance.
func scrubRequest(h http.Header, prefix, host string) {
	h.Del(sessionHeader)
	if cookies := h.Values("Cookie"); len(cookies) > 0 {
		var kept []string
		for _, line := range cookies {
			for _, pair := range strings.Split(line, ";") {
				pair = strings.TrimSpace(pair)
				name, _, _ := strings.Cut(pair, "=")
				if pair == "" || isLabCookie(name) {
					continue
				}
				kept = append(kept, pair)
			}
		}
		h.Del("Cookie")
		if len(kept) > 0 {
			h.Set("Cookie", strings.Join(kept, "; "))
		}
	}
	if ref := h.Get("Referer"); ref != "" {
		u, err := url.Parse(ref)
		switch {
		case err != nil:
			h.Del("Referer")
		case strings.EqualFold(u.Host, host) && !strings.HasPrefix(u.EscapedPath(), prefix+"/"):
			h.Set("Referer", u.Scheme+"://"+u.Host+"/")
		}
	}
}

// informationalScrubber passes a ReverseProxy's interim (1xx) responses
// through scrubResponse too: httputil.ReverseProxy copies their header to
// the client as it is, before ModifyResponse sees anything.
type informationalScrubber struct {
	http.ResponseWriter
	prefix, reqPath string
}

// WriteHeader scrubs the header of an interim response, then writes it.
func (w informationalScrubber) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		scrubResponse(w.Header(), w.prefix, w.reqPath)
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (flushes and
// the hijack of a WebSocket upgrade).
func (w informationalScrubber) Unwrap() http.ResponseWriter { return w.ResponseWriter }
