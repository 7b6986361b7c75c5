package conf

import "strings"

// ErrorPage is one status of an error_page directive: a special response
// with that status is replaced by an internal redirect to URI (a path), a
// named location (@name) or a redirect to it (anything else).
type ErrorPage struct {
	Code int
	// Overwrite is the response status: -1 keeps Code (no "="), 0 is "="
	// alone (the status of the page's own response), else "=N".
	Overwrite int
	// URI is the target; Args its query when the target is a literal path
	// with '?' (a target with variables is split per request).
	URI  Template
	Args string `json:",omitempty"`
	Pos  Pos
}

// errorPage handles error_page code ... [=[response]] uri, with
// ngx_http_core_error_page's messages.
func (b *builder) errorPage(s *scope, d *directive) error {
	n := len(d.args)
	overwrite, codes := -1, n-1
	if eq := d.arg(n - 2); strings.HasPrefix(eq, "=") {
		codes = n - 2
		overwrite = 0
		if eq != "=" {
			v, ok := parseDigits(eq[1:])
			if !ok || codes == 0 {
				return errf(d.pos, "invalid value \"%s\"", eq)
			}
			overwrite = int(v)
		}
	}
	target := d.arg(n - 1)
	tpl, err := ParseTemplate(target)
	if err != nil {
		return errf(d.pos, "%s", err.Error())
	}
	var args string
	if tpl.IsLiteral() && strings.HasPrefix(target, "/") {
		if i := strings.IndexByte(target, '?'); i >= 0 {
			args = target[i+1:]
			if tpl, err = ParseTemplate(target[:i]); err != nil {
				return errf(d.pos, "%s", err.Error())
			}
		}
	}
	for i := 0; i < codes; i++ {
		v := d.arg(i)
		code, ok := parseDigits(v)
		if !ok || code == 499 {
			return errf(d.pos, "invalid value \"%s\"", v)
		}
		if code < 300 || code > 599 {
			return errf(d.pos, "value \"%s\" must be between 300 and 599", v)
		}
		ow := overwrite
		if ow == -1 {
			switch code {
			case 494, 495, 496, 497: // nginx's own 4xx codes are answered as 400
				ow = 400
			}
		}
		s.lvl.flow.errorPages = append(s.lvl.flow.errorPages, &ErrorPage{Code: int(code), Overwrite: ow, URI: tpl, Args: args, Pos: d.pos})
	}
	return nil
}

// recursiveErrorPages handles recursive_error_pages on|off.
func (b *builder) recursiveErrorPages(s *scope, d *directive) error {
	if err := once(s, d); err != nil {
		return err
	}
	on, err := parseFlag(d)
	if err != nil {
		return err
	}
	s.lvl.flow.recursive = &on
	return nil
}
