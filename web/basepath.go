package web

import "net/http"

// The lab behind a reverse proxy that forwards a path prefix unchanged
// (Config.BasePath, "/lab"): Handler strips the prefix from requests, and
// everything the lab hands a browser carries it back. The server builds
// its URLs with url (redirects, share links, the proxy's links and cookie
// paths); the pages with views.Page.URL; the front end reads the prefix
// once from the pages' <meta name="restylab-base"> (web/frontend/src/api.ts,
// labURL). Paths inside the lab (a page's Path, a join form's "to", the
// mux's routes) stay without it.

// url is the path p of the lab ("/play") as the browser must ask for it
// ("/lab/play" under base path /lab).
func (s *Server) url(p string) string { return s.cfg.BasePath + p }

// redirect sends the browser to the lab's path p (a path of the lab, not
// yet under the base path).
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, p string, code int) {
	http.Redirect(w, r, s.url(p), code)
}

// cookiePath is the Path of the lab's own cookies: the base path's
// directory, "/" at the root of the host.
func (s *Server) cookiePath() string { return s.cfg.BasePath + "/" }
