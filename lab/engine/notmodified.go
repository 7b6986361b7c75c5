package engine

import (
	"strconv"
	"strings"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/http1"
	"github.com/restylab/restylab/lab/lualib"
)

// respSettings are the response filter settings of the request's location
// (or server, when no location matched).
func (r *request) respSettings() conf.ResponseSettings {
	switch {
	case r.loc != nil:
		return r.loc.Response
	case r.srv != nil:
		return r.srv.Response
	}
	return conf.DefaultResponse
}

// requestHeader returns the first request header with the name and
// whether there is one (an empty value counts).
func (r *request) requestHeader(lname string) (string, bool) {
	for _, h := range r.headersIn {
		if sameName(h.Name, lname) {
			return h.Value, true
		}
	}
	return "", false
}

// lastModifiedTime is nginx's headers_out.last_modified_time: the
// Last-Modified header parsed (a static file's mtime, or what Lua set),
// and false when there is none or it does not parse.
func (r *request) lastModifiedTime() (int64, bool) {
	v, ok := r.headerOut("Last-Modified")
	if !ok {
		return 0, false
	}
	return lualib.ParseHTTPTime(v)
}

// hasIfHeader reports whether a request header's name starts with "If-"
// (any case): the conditional headers notModified looks for. One pass over
// the headers spares it four lookups by name for the usual request.
func (r *request) hasIfHeader() bool {
	for _, h := range r.headersIn {
		if len(h.Name) > 3 && h.Name[0]|0x20 == 'i' && h.Name[1]|0x20 == 'f' && h.Name[2] == '-' {
			return true
		}
	}
	return false
}

// notModified is nginx's not_modified header filter, which runs after
// header_filter_by_lua: for a main request with status 200 it answers
// If-Unmodified-Since and If-Match with 412 when they fail, and
// If-Modified-Since and If-None-Match with 304 when both (those present)
// say the client's copy is current. It applies to every response, Lua
// output included (difftest notmod/lua_response).
func (r *request) notModified() {
	if r.status != 200 || r.sub != nil || r.head == nil || !r.hasIfHeader() {
		return
	}
	if v, ok := r.requestHeader("if-unmodified-since"); ok {
		lm, has := r.lastModifiedTime()
		ius, valid := lualib.ParseHTTPTime(v)
		if !has || !valid || ius < lm {
			r.preconditionFailed()
			return
		}
	}
	if v, ok := r.requestHeader("if-match"); ok && !r.etagMatches(v, false) {
		r.preconditionFailed()
		return
	}
	ims, hasIMS := r.requestHeader("if-modified-since")
	inm, hasINM := r.requestHeader("if-none-match")
	if !hasIMS && !hasINM {
		return
	}
	if hasIMS && r.modifiedSince(ims) {
		return
	}
	if hasINM && !r.etagMatches(inm, true) {
		return
	}
	r.status = 304
	r.setHeader("Content-Type", nil)
	r.ctCleared = true
	r.setHeader("Content-Length", nil)
	r.setHeader("Accept-Ranges", nil)
	r.setHeader("Content-Encoding", nil)
}

// modifiedSince reports whether the response counts as modified for the
// If-Modified-Since value v under if_modified_since: always with off or
// without a Last-Modified; with exact unless the dates are equal; with
// before unless v is not earlier than Last-Modified.
func (r *request) modifiedSince(v string) bool {
	lm, ok := r.lastModifiedTime()
	mode := r.respSettings().IfModifiedSince
	if !ok || mode == "off" {
		return true
	}
	ims, valid := lualib.ParseHTTPTime(v)
	if !valid {
		ims = -1 // nginx's NGX_ERROR, which compares as a date
	}
	if ims == lm {
		return false
	}
	return mode == "exact" || ims < lm
}

// etagMatches is nginx's test of an If-Match (weak false) or If-None-Match
// (weak true) list against the response's ETag: "*" matches anything; else
// one comma-separated entry must equal the ETag, ignoring "W/" on both
// sides when weak.
func (r *request) etagMatches(list string, weak bool) bool {
	if list == "*" {
		return true
	}
	etag, ok := r.headerOut("ETag")
	if !ok {
		return false
	}
	if weak && len(etag) > 2 && strings.HasPrefix(etag, "W/") {
		etag = etag[2:]
	}
	s := list
	for s != "" {
		if weak && len(s) > 2 && strings.HasPrefix(s, "W/") {
			s = s[2:]
		}
		if len(etag) > len(s) {
			return false
		}
		if strings.HasPrefix(s, etag) {
			rest := strings.TrimLeft(s[len(etag):], " \t")
			if rest == "" || rest[0] == ',' {
				return true
			}
		}
		i := strings.IndexByte(s, ',')
		if i < 0 {
			return false
		}
		s = strings.TrimLeft(s[i:], " \t,")
	}
	return false
}

// preconditionFailed replaces the response by nginx's 412 page, as
// ngx_http_filter_finalize_request does: the handler's headers are
// dropped and its body is discarded.
func (r *request) preconditionFailed() {
	page := http1.ErrorPage(412)
	r.status = 412
	r.headers = nil
	r.ctCleared = false
	r.setHeader("Content-Type", []string{"text/html"})
	r.setHeader("Content-Length", []string{strconv.Itoa(len(page))})
	r.headOnly = true
	if r.method != "HEAD" {
		r.exitPage = page
	}
}
