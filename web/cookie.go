package web

import (
	"net/http"
	"strings"
)

// The lab's cookies all start with labCookiePrefix (restylab_session,
// restylab_lang, restylab_theme): the proxy treats every cookie of that
// family as the lab's, whatever its case or name prefix.
const labCookiePrefix = "restylab_"

// sessionCookie names the cookie holding the session id on a lab served
// over plain HTTP; on HTTPS it is "__Host-restylab_session" (cookieName).
// A browser accepts a "__Host-" cookie only with Secure, Path=/ and no
// Domain, so nothing served under /s/{session}/ (path-scoped by the proxy)
// nor a sibling host can set it (RFC 6265bis, "Cookie Name Prefixes").
// Under a base path the cookie is "__Secure-restylab_session" with the
// base path as its Path: only the proxy's scrubbing keeps /s/ from
// setting it (scopeSetCookie drops every lab cookie).
const sessionCookie = "restylab_session"

// isLabCookie reports whether a cookie named name belongs to the lab: its
// name, ignoring case and any "__Host-"/"__Secure-" prefix (browsers match
// those prefixes without regard to case), starts with "restylab_".
func isLabCookie(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	for {
		switch {
		case strings.HasPrefix(n, "__host-"):
			n = n[len("__host-"):]
		case strings.HasPrefix(n, "__secure-"):
			n = n[len("__secure-"):]
		default:
			return strings.HasPrefix(n, labCookiePrefix)
		}
	}
}

// https reports whether the browser reached the lab over HTTPS: TLS on the
// connection, or, when Config.TrustProxy says a TLS-terminating proxy is in
// front, its X-Forwarded-Proto (the first value, the client's side).
func (s *Server) https(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !s.cfg.TrustProxy {
		return false
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// sessionCookieName is the name of the session cookie for r's scheme.
func (s *Server) sessionCookieName(r *http.Request) string {
	return s.cookieName(r, sessionCookie)
}

// cookieName is the name of the lab's cookie name (restylab_session,
// restylab_teacher) for r's scheme: as it is over plain HTTP; on HTTPS
// with the "__Host-" prefix at the host's root, or "__Secure-" under a
// base path (a "__Host-" cookie must have Path=/, and the lab's cookies
// must not go to the other applications of a host it shares).
func (s *Server) cookieName(r *http.Request, name string) string {
	switch {
	case !s.https(r):
		return name
	case s.cfg.BasePath == "":
		return "__Host-" + name
	}
	return "__Secure-" + name
}

// sessionFromCookie returns the id in the session cookie that applies to
// r's scheme ("" without one). On HTTPS a plain "restylab_session" cookie
// is ignored: anyone able to set a cookie on the host could have set it.
func (s *Server) sessionFromCookie(r *http.Request) string {
	if c, err := r.Cookie(s.sessionCookieName(r)); err == nil {
		return c.Value
	}
	return ""
}

// setSessionCookie gives the browser its session id: HttpOnly,
// SameSite=Lax, for a year, "__Host-" and Secure on HTTPS, and with
// Chrome's Priority=High, so that a flood of cookies from learners' pages
// (each path-scoped by the proxy, medium priority) evicts them first
// (Chrome's per-domain limit of 180 cookies purges lower priorities
// first; other browsers ignore the attribute).
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, id string) {
	c := &http.Cookie{Name: s.sessionCookieName(r), Value: id, Path: s.cookiePath(), MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.https(r), SameSite: http.SameSiteLaxMode}
	w.Header().Add("Set-Cookie", c.String()+"; Priority=High")
}

// prevCookie names the cookie keeping the session id a browser brought
// that this lab did not know ("__Host-"/"__Secure-" prefixed like the
// session cookie on HTTPS). It is only ever shown to the learner: nothing
// takes it as a session (docs/scaling.md, "When a node dies").
const prevCookie = "restylab_session_prev"

// setPrevCookie keeps id, the session cookie's value before it was
// replaced, with the session cookie's attributes.
func (s *Server) setPrevCookie(w http.ResponseWriter, r *http.Request, id string) {
	c := &http.Cookie{Name: s.cookieName(r, prevCookie), Value: id, Path: s.cookiePath(), MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.https(r), SameSite: http.SameSiteLaxMode}
	w.Header().Add("Set-Cookie", c.String())
}

// clearPrevCookie makes the browser forget the previous session id.
func (s *Server) clearPrevCookie(w http.ResponseWriter, r *http.Request) {
	c := &http.Cookie{Name: s.cookieName(r, prevCookie), Value: "", Path: s.cookiePath(), MaxAge: -1,
		HttpOnly: true, Secure: s.https(r), SameSite: http.SameSiteLaxMode}
	w.Header().Add("Set-Cookie", c.String())
}

// prevFromCookie returns the well-formed id of the previous-session cookie
// for r's scheme ("" without one).
func (s *Server) prevFromCookie(r *http.Request) string {
	if c, err := r.Cookie(s.cookieName(r, prevCookie)); err == nil && validID(c.Value) {
		return c.Value
	}
	return ""
}
