package engine

import (
	"net/netip"

	"github.com/restylab/restylab/lab/conf"
)

// The access phase as nginx runs it (ngx_http_core_access_phase and
// ngx_http_core_post_access_phase): ngx_http_access_module's allow/deny
// first, then access_by_lua (ngx_lua moves its handler to the end of the
// phase), then the post-access check of a refusal "satisfy any" kept.
//
// With "satisfy all" a deny ends the request at once with 403 and the
// "access forbidden by rule" line, and access_by_lua never runs. With
// "satisfy any" a handler that grants access (a matching allow, or an
// access_by_lua that ends normally or with ngx.exit(ngx.OK): ngx_lua then
// answers NGX_OK) ends the phase and the request goes on; a refusal (a
// deny, or ngx.exit(403|401) from Lua) is only recorded, and the
// post-access step answers it (403 with the log line) when no handler
// granted access. Subrequests skip the phase.

// accessResult is what the access module's handler answers.
type accessResult uint8

const (
	accessDeclined accessResult = iota // no rule matched (or none)
	accessAllowed                      // an allow rule matched: NGX_OK
	accessDenied                       // a deny rule matched: 403
)

// flow is the access and flow settings that apply to r: its location's,
// or its server's when no location matched (nil: nginx's defaults).
func (r *request) flow() *conf.Flow {
	if r.loc != nil {
		return r.loc.Flow
	}
	if r.srv != nil {
		return r.srv.Flow
	}
	return nil
}

// satisfyAny reports whether "satisfy any" applies to r.
func (r *request) satisfyAny() bool {
	f := r.flow()
	return f != nil && f.SatisfyAny
}

// checkAccessRules runs allow/deny against the client address: the first
// rule that matches decides.
func (r *request) checkAccessRules() accessResult {
	f := r.flow()
	if f == nil || len(f.Access) == 0 || r.c == nil {
		return accessDeclined
	}
	addr, err := netip.ParseAddr(r.c.remoteAddr)
	if err != nil {
		addr = netip.Addr{} // not an IP address: a UNIX-domain client
	}
	for _, rule := range f.Access {
		if rule.Matches(addr) {
			if rule.Deny {
				return accessDenied
			}
			return accessAllowed
		}
	}
	return accessDeclined
}

// accessForbidden logs nginx's refusal line and answers 403.
func (r *request) accessForbidden() {
	r.logErr(LevelErr, "access forbidden by rule")
	r.finalize(403)
}

// accessModule is the access module's turn in the access phase; it sets
// the next step and reports false when the request was finalized.
func (r *request) accessModule() bool {
	r.accessCode = 0
	if r.sub != nil {
		r.step = stTryFiles // ngx_http_core_access_phase: r != r->main
		return true
	}
	rc := r.checkAccessRules()
	if !r.satisfyAny() {
		if rc == accessDenied {
			r.accessForbidden()
			return false
		}
		r.step = stAccessLua
		return true
	}
	switch rc {
	case accessAllowed:
		r.step = stPostAccess // the rest of the phase is skipped
		return true
	case accessDenied:
		r.accessCode = 403
	}
	r.step = stAccessLua
	return true
}

// postAccess answers a refusal that "satisfy any" recorded and no handler
// lifted; it reports false when the request was finalized.
func (r *request) postAccess() bool {
	code := r.accessCode
	r.accessCode = 0
	r.step = stTryFiles
	switch code {
	case 0:
		return true
	case 403:
		r.accessForbidden()
	default:
		r.finalize(code)
	}
	return false
}

// accessLuaExit applies "satisfy any" to how access_by_lua ended: code is
// its ngx.exit status (0 for ngx.OK or a normal end). It reports whether
// the phase engine goes on to the post-access step; false leaves the
// exit to the usual handling.
func (r *request) accessLuaExit(code int) bool {
	if r.phase != phaseAccess || r.sub != nil || !r.satisfyAny() || r.headerSent {
		return false
	}
	switch code {
	case 0:
		r.accessCode = 0 // NGX_OK: access granted
		return true
	case 401, 403:
		if r.accessCode != 401 {
			r.accessCode = code
		}
		return true
	}
	return false
}
