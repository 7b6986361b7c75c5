package conf

import (
	"net/netip"
	"strings"
)

// Flow holds a level's effective access and flow settings (allow/deny,
// satisfy). A nil *Flow means nginx's defaults: no rules, satisfy all.
type Flow struct {
	// Access are the allow/deny rules in file order; the first that
	// matches the client decides (ngx_http_access_module).
	Access []*AccessRule `json:",omitempty"`
	// SatisfyAny is "satisfy any": one access handler granting access is
	// enough (default "all": every one must).
	SatisfyAny bool `json:",omitempty"`
	// ErrorPages are the error_page directives' statuses in file order
	// (errorpage.go); RecursiveErrorPages is recursive_error_pages on.
	ErrorPages          []*ErrorPage `json:",omitempty"`
	RecursiveErrorPages bool         `json:",omitempty"`
	// TryFiles is this level's own try_files (never inherited); Alias is
	// the location's alias, or an enclosing location's when this one
	// sets neither alias nor root (tryfiles.go).
	TryFiles *TryFiles `json:",omitempty"`
	Alias    *Alias    `json:",omitempty"`
	// Referers is valid_referers (nil: none; $invalid_referer is then
	// empty); ServerTokensOff is "server_tokens off" (referer.go).
	Referers        *Referers `json:",omitempty"`
	ServerTokensOff bool      `json:",omitempty"`
}

// AccessRule is one allow or deny directive.
type AccessRule struct {
	Deny bool `json:",omitempty"`
	// All is "all" (matches every client); Unix is "unix:" (clients on a
	// UNIX-domain socket); otherwise Net is the address or CIDR block.
	All  bool         `json:",omitempty"`
	Unix bool         `json:",omitempty"`
	Net  netip.Prefix `json:",omitempty"`
	Pos  Pos
}

// Matches reports whether the rule applies to a client address (as
// nginx: an IPv4-mapped IPv6 client is checked as its IPv4 address; IPv4
// rules never match IPv6 clients nor the reverse). An invalid addr is a
// UNIX-domain client.
func (a *AccessRule) Matches(addr netip.Addr) bool {
	if a.All {
		return true
	}
	if !addr.IsValid() {
		return a.Unix
	}
	if a.Unix {
		return false
	}
	return a.Net.Contains(addr.Unmap())
}

// flowLevel is what allow/deny and satisfy set at one level.
type flowLevel struct {
	rules        []*AccessRule
	satisfy      *bool
	errorPages   []*ErrorPage
	recursive    *bool
	tryFiles     *TryFiles
	alias        *Alias
	referers     *Referers
	serverTokens *string
}

// mergeFlow returns a child's effective Flow (nil when it is all defaults).
// As ngx_http_access_merge_loc_conf, a level with any rule of its own
// replaces its parent's list whole, and so does one with an error_page
// (ngx_http_core_merge_loc_conf); satisfy and recursive_error_pages are
// inherited when not set.
func mergeFlow(p *Flow, lvl *level) *Flow {
	l := &lvl.flow
	c := &Flow{}
	if p != nil {
		*c = *p
	}
	c.TryFiles = l.tryFiles
	if l.rules != nil {
		c.Access = l.rules
	}
	if l.satisfy != nil {
		c.SatisfyAny = *l.satisfy
	}
	if l.errorPages != nil {
		c.ErrorPages = l.errorPages
	}
	if l.recursive != nil {
		c.RecursiveErrorPages = *l.recursive
	}
	if l.referers != nil {
		c.Referers = l.referers
	}
	if l.serverTokens != nil {
		c.ServerTokensOff = *l.serverTokens == "off"
	}
	switch {
	case l.alias != nil:
		c.Alias = l.alias
	case lvl.root != nil:
		c.Alias = nil // a root of its own replaces an inherited alias
	}
	if len(c.Access) == 0 && !c.SatisfyAny && len(c.ErrorPages) == 0 && !c.RecursiveErrorPages && c.TryFiles == nil && c.Alias == nil &&
		c.Referers == nil && !c.ServerTokensOff {
		return nil
	}
	return c
}

// accessRule handles allow and deny: an address, a CIDR block, "unix:"
// or "all", with ngx_http_access_rule's messages.
func (b *builder) accessRule(s *scope, d *directive) error {
	rule := &AccessRule{Deny: d.name == "deny", Pos: d.pos}
	v := d.arg(0)
	switch v {
	case "all":
		rule.All = true
	case "unix:":
		rule.Unix = true
	default:
		p, meaningless, ok := parseCIDR(v)
		if !ok {
			return errf(d.pos, "invalid parameter \"%s\"", v)
		}
		if meaningless {
			b.diags = append(b.diags, Diagnostic{Pos: d.pos, Warn: true,
				Message: "low address bits of " + v + " are meaningless"})
		}
		rule.Net = p
	}
	s.lvl.flow.rules = append(s.lvl.flow.rules, rule)
	return nil
}

// satisfy handles satisfy all|any (an enum: nginx compares without case).
func (b *builder) satisfy(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	var anyOf bool
	switch strings.ToLower(d.arg(0)) {
	case "all":
	case "any":
		anyOf = true
	default:
		return errf(d.pos, "invalid value \"%s\"", d.arg(0))
	}
	s.lvl.flow.satisfy = &anyOf
	return nil
}

// parseCIDR parses an address with an optional /bits as ngx_parse_cidr
// does: the address bits under the mask are cleared, and meaningless
// reports that some were set.
func parseCIDR(s string) (p netip.Prefix, meaningless, ok bool) {
	text, bitsText, hasMask := strings.Cut(s, "/")
	addr, ok := parseInetAddr(text)
	if !ok {
		return netip.Prefix{}, false, false
	}
	bits := addr.BitLen()
	if hasMask {
		n, ok := parseDigits(bitsText)
		if !ok || n > int64(addr.BitLen()) {
			return netip.Prefix{}, false, false
		}
		bits = int(n)
	}
	p = netip.PrefixFrom(addr, bits)
	masked := p.Masked()
	return masked, masked.Addr() != addr, true
}

// parseInetAddr parses an IPv4 address as ngx_inet_addr (decimal octets,
// leading zeros allowed; 255.255.255.255 is its INADDR_NONE and so
// refused) or else an IPv6 address.
func parseInetAddr(s string) (netip.Addr, bool) {
	var b [4]byte
	octet, dots, v4 := 0, 0, s != ""
	for i := 0; i < len(s) && v4; i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			octet = octet*10 + int(c-'0')
			v4 = octet <= 255
		case c == '.' && dots < 3:
			b[dots] = byte(octet)
			octet = 0
			dots++
		default:
			v4 = false
		}
	}
	if v4 && dots == 3 {
		b[3] = byte(octet)
		if b != [4]byte{255, 255, 255, 255} {
			return netip.AddrFrom4(b), true
		}
		return netip.Addr{}, false
	}
	if !strings.Contains(s, ":") || strings.Contains(s, "%") {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() {
		return netip.Addr{}, false
	}
	return a, true
}
