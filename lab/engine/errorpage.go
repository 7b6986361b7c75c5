package engine

import (
	"strings"

	"github.com/restylab/restylab/lab/conf"
)

// error_page as nginx applies it (ngx_http_special_response_handler and
// ngx_http_send_error_page): a special response of a main request whose
// header is not out yet (nginx's own 403/404/500, `return 404;`,
// ngx.exit(>= 300) from Lua, a Lua error's 500) looks for an error_page of
// its status in the current location (or the server, when no location
// matched). A path target is an internal redirect (GET unless HEAD, a
// fresh ngx.ctx); @name goes to the named location; anything else is a
// redirect (302 unless "=301/302/303/307/308") to it. The response keeps
// the error's status unless "=N" gave another or "=" alone let the page's
// own response decide (r.errStatus: nginx's r->err_status, which wins
// over the status the page's handler sets). Unless recursive_error_pages
// is on, only the first error of a request may use an error_page.

// errorPage applies an error_page to the special response of *code, when
// one applies. It reports true when the request went on to the page (an
// internal redirect, run from the loop once the caller's frames are gone);
// for a redirect it sets Location and changes *code to the redirect status.
func (r *request) errorPage(code *int) bool {
	if r.sub != nil || r.c == nil || r.headerSent || *code < 300 || *code > 599 {
		return false
	}
	r.errStatus = 0 // nginx's r->err_status = error: the special response's own
	f := r.flow()
	if r.errorPageUsed || f == nil || len(f.ErrorPages) == 0 || r.uriChanges > maxURIChanges {
		return false
	}
	if !f.RecursiveErrorPages {
		r.errorPageUsed = true
	}
	var page *conf.ErrorPage
	for _, p := range f.ErrorPages {
		if p.Code == *code {
			page = p
			break
		}
	}
	if page == nil {
		return false
	}
	status := *code
	if page.Overwrite >= 0 {
		status = page.Overwrite
	}
	target := r.expandTpl(page.URI)
	switch {
	case strings.HasPrefix(target, "/"):
		args := page.Args
		if !page.URI.IsLiteral() {
			target, args, _ = strings.Cut(target, "?")
		}
		r.execURI, r.execArgs = target, args
		if r.method != "HEAD" {
			r.method = "GET"
		}
	case strings.HasPrefix(target, "@"):
		r.execName = target[1:]
	default:
		switch page.Overwrite {
		case 301, 302, 303, 307, 308:
			*code = page.Overwrite
		default:
			*code = 302
		}
		r.setHeader("Location", []string{target})
		return false
	}
	r.errStatus = status
	r.killThreads()
	if r.th != nil {
		r.endThread("error_page")
	}
	r.exitPhase()
	r.setHeader("Content-Type", nil) // ngx_http_special_response_handler clears it
	r.ctCleared = false
	r.pin() // the posted redirect below checks r
	r.w.loop.Post(func() {
		if r.finalized || r.c == nil || r.c.closed {
			return
		}
		if r.internalRedirect() {
			r.run()
		}
	})
	return true
}

// respStatus is the status the response has or will have: an error
// page's status wins over the one its handler set (ngx_http_send_header).
func (r *request) respStatus() int {
	if r.errStatus != 0 {
		return r.errStatus
	}
	return r.status
}

// checkFlowVars checks the variables of a level's error_page, try_files
// and alias.
func checkFlowVars(f *conf.Flow, check func(conf.Template) error) error {
	if f == nil {
		return nil
	}
	tpls := []conf.Template{}
	for _, p := range f.ErrorPages {
		tpls = append(tpls, p.URI)
	}
	if tf := f.TryFiles; tf != nil {
		for _, n := range tf.Files {
			tpls = append(tpls, n.Name)
		}
		tpls = append(tpls, tf.Fallback)
	}
	if f.Alias != nil {
		tpls = append(tpls, f.Alias.Path)
	}
	for _, t := range tpls {
		if err := check(t); err != nil {
			return err
		}
	}
	return nil
}
