package conf

import "strings"

// isRedirectTarget reports whether a return/rewrite argument is an absolute
// redirect, as ngx_http_rewrite_module decides.
func isRedirectTarget(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "$scheme")
}

// returnOp handles return code [text|URL] and return URL.
func (b *builder) returnOp(s *scope, d *directive) error {
	op := &RewriteOp{Kind: OpReturn, Pos: d.pos}
	n, ok := parseDigits(d.arg(0))
	switch {
	case ok && n <= 999:
		op.Code = int(n)
		if len(d.args) == 2 {
			op.Text = d.arg(1)
		}
	case !ok && len(d.args) == 1 && isRedirectTarget(d.arg(0)):
		op.Text = d.arg(0) // Code 0: a 302 redirect
	default:
		return errf(d.pos, "invalid return code \"%s\"", d.arg(0))
	}
	t, err := ParseTemplate(op.Text)
	if err != nil {
		return errf(d.pos, "%s", err.Error())
	}
	op.Tpl = t
	addRewrite(s, op)
	return nil
}

// rewriteFlags are rewrite's flags.
var rewriteFlags = map[string]RewriteFlag{
	"last": FlagLast, "break": FlagBreak, "redirect": FlagRedirect, "permanent": FlagPermanent,
}

// rewriteOp handles rewrite regex replacement [flag].
func (b *builder) rewriteOp(s *scope, d *directive) error {
	op := &RewriteOp{Kind: OpRewrite, Regex: d.arg(0), Replacement: d.arg(1), Pos: d.pos}
	re, err := compileRegex(op.Regex, false, d.pos)
	if err != nil {
		return err
	}
	op.Re = re
	if len(d.args) == 3 {
		f, ok := rewriteFlags[d.arg(2)]
		if !ok {
			return errf(d.pos, "invalid parameter \"%s\"", d.arg(2))
		}
		op.Flag = f
	}
	repl := op.Replacement
	op.Redirect = isRedirectTarget(repl) || op.Flag == FlagRedirect || op.Flag == FlagPermanent
	if strings.HasSuffix(repl, "?") {
		repl = repl[:len(repl)-1]
		op.DropArgs = true
	}
	t, err := ParseTemplate(repl)
	if err != nil {
		return errf(d.pos, "%s", err.Error())
	}
	op.Tpl = t
	addRewrite(s, op)
	return nil
}

// setOp handles set $var value.
func (b *builder) setOp(s *scope, d *directive) error {
	name, err := varName(d)
	if err != nil {
		return err
	}
	t, err := ParseTemplate(d.arg(1))
	if err != nil {
		return errf(d.pos, "%s", err.Error())
	}
	addRewrite(s, &RewriteOp{Kind: OpSet, Var: name, Value: d.arg(1), Tpl: t, Pos: d.pos})
	return nil
}
