package web

import (
	"errors"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"

	"github.com/restylab/restylab/sandbox"
)

// proxy forwards /s/{session}/{path...} to the session's instance, so that
// curl or a browser tab can talk to it: to the first listen address of
// nginx.conf, or with /s/{session}@{name}/ to the one name gives ("443",
// "127.0.0.1:8080": lessons.MatchAddress), over TLS when it is an ssl one.
// The session id in the path is the capability; hop-by-hop headers are
// stripped (httputil.ReverseProxy does) and request bodies are capped.
func (s *Server) proxy(w http.ResponseWriter, r *http.Request) {
	scope := r.PathValue("session") // what the instance's cookies are scoped to
	id, listen, _ := strings.Cut(scope, "@")
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
	if r.ContentLength > s.cfg.MaxProxyBody {
		http.Error(w, "request body too large for the lab's proxy", http.StatusRequestEntityTooLarge)
		return
	}
	if err := checkListenName(listen); err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	addr, err := pickAddress(in, listen)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxProxyBody)
	target := &url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(addr.Port)}
	prefix := s.url("/s/" + scope) // where the browser sees the instance
	rp := instanceProxy(target, prefix, "/"+r.PathValue("path"))
	if addr.SSL {
		// an ssl address: TLS with the name the request is for as SNI
		// (curl -H 'Host: a.test' .../s/ID/ asks for a.test's certificate)
		target.Scheme = "https"
		tr := &http.Transport{TLSClientConfig: clientTLS(proxySNI(r.Host), nil), DisableKeepAlives: true}
		tr.TLSClientConfig.NextProtos = nil
		defer tr.CloseIdleConnections()
		rp.Transport = tr
	}
	rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, err error) {
		msg := "the instance did not answer: " + err.Error()
		if reason := exitReason(in); reason != "" {
			msg = "the instance ended: " + reason
		}
		http.Error(w, msg, http.StatusBadGateway)
	}
	rp.ServeHTTP(informationalScrubber{ResponseWriter: w, prefix: prefix, reqPath: "/" + r.PathValue("path")}, r)
}

// instanceProxy is the reverse proxy of a request for path (the part after
// prefix, the instance's place on the lab's origin: the base path, then
// /s/{id}, where id may be "ID@443") to the session's instance at target.
// Requests lose the lab's
// cookies and session header on the way (scrubRequest); responses lose
// what would act on the lab's origin (scrubResponse) and run in a CSP
// sandbox: what a learner's instance serves comes from the lab's origin,
// and the sandbox gives it an opaque origin of its own, so a page shared
// by one learner cannot call the lab's API as another, nor read or write
// the lab's cookies from script. Interim (1xx) responses need
// informationalScrubber around the ResponseWriter.
func instanceProxy(target *url.URL, prefix, path string) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path = path
			pr.Out.URL.RawPath = ""
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
			scrubRequest(pr.Out.Header, prefix, pr.In.Host)
		},
		ModifyResponse: func(resp *http.Response) error {
			scrubResponse(resp.Header, prefix, path)
			resp.Header.Set("Content-Security-Policy", "sandbox allow-scripts allow-forms allow-popups allow-modals")
			resp.Header.Set("X-Content-Type-Options", "nosniff")
			return nil
		},
	}
}

// proxySNI is the SNI name of a proxied request for host (a Host header):
// its name without the port, none for an IP address.
func proxySNI(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if net.ParseIP(host) != nil || checkSNI(host) != nil {
		return ""
	}
	return host
}
