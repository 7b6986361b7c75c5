package web

import (
	"errors"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"

	"github.com/restylab/restylab/sandbox"
)

// proxy forwards /s/{session}/{path...} to the session's instance, so that
// curl or a browser tab can talk to it. The session id in the path is the
// capability; hop-by-hop headers are stripped (httputil.ReverseProxy does)
// and request bodies are capped.
func (s *Server) proxy(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("session")
	if !validID(id) {
		http.Error(w, "no such session", http.StatusNotFound)
		return
	}
	if _, err := s.store.Workspace(id); err != nil {
		http.Error(w, "no such session", http.StatusNotFound)
		return
	}
	sess := s.session(id)
	in, err := s.instance(r.Context(), sess)
	if err != nil {
		var lerr *sandbox.LoadError
		if errors.As(err, &lerr) {
			http.Error(w, "the workspace does not load: "+lerr.Message, http.StatusBadGateway)
			return
		}
		status, msg := startError(err)
		http.Error(w, msg, status)
		return
	}
	target := &url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(in.Port())}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path = "/" + r.PathValue("path")
			pr.Out.URL.RawPath = ""
			pr.Out.Host = r.Host
			pr.SetXForwarded()
		},
		// What a learner's instance serves runs on the lab's origin: the
		// CSP sandbox gives it an opaque origin of its own, so a page
		// shared by one learner cannot call the lab's API as another.
		ModifyResponse: func(resp *http.Response) error {
			resp.Header.Set("Content-Security-Policy", "sandbox allow-scripts allow-forms allow-popups allow-modals")
			resp.Header.Set("X-Content-Type-Options", "nosniff")
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			msg := "the instance did not answer: " + err.Error()
			if reason := exitReason(in); reason != "" {
				msg = "the instance ended: " + reason
			}
			http.Error(w, msg, http.StatusBadGateway)
		},
	}
	if r.ContentLength > s.cfg.MaxProxyBody {
		http.Error(w, "request body too large for the lab's proxy", http.StatusRequestEntityTooLarge)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxProxyBody)
	rp.ServeHTTP(w, r)
}
