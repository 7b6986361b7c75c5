package engine

import (
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/conf"
)

// runRewriteOps runs the rewrite-module directives (set, set_by_lua,
// rewrite, return) of the server or the location in file order. It reports
// whether the phase engine goes on; it may move r.step (a rewrite with
// "last" or a changed URI goes back to location lookup).
func (r *request) runRewriteOps(ops []*conf.RewriteOp) bool {
	server := r.step == stServerRewrite
	changed := false
	for _, op := range ops {
		switch op.Kind {
		case conf.OpSet:
			r.setVar(op.Var, r.expandTpl(op.Tpl))
		case conf.OpSetByLua:
			args := make([]lua.LValue, 0, len(op.Args))
			for _, a := range op.ArgTpls {
				args = append(args, lua.LString(r.expandTpl(a)))
			}
			r.args0 = args
			vals, ok := r.runSync(phaseSet, op.Lua, args...)
			r.args0 = nil
			if !ok {
				r.finalize(500)
				return false
			}
			v := ""
			if len(vals) > 0 && vals[0] != lua.LNil {
				v = lua.LVAsString(vals[0])
			}
			r.setVar(op.Var, v)
		case conf.OpReturn:
			r.doReturn(op)
			return false
		case conf.OpRewrite:
			if op.Re == nil {
				continue
			}
			m := op.Re.FindStringSubmatch(r.uri)
			if m == nil {
				continue
			}
			r.captures = m
			repl := r.expandTpl(op.Tpl)
			if op.Redirect || op.Flag == conf.FlagRedirect || op.Flag == conf.FlagPermanent {
				status := 302
				if op.Flag == conf.FlagPermanent {
					status = 301
				}
				loc := repl
				if !op.DropArgs && r.args != "" {
					if strings.Contains(loc, "?") {
						loc += "&" + r.args
					} else {
						loc += "?" + r.args
					}
				}
				r.setHeader("Location", []string{r.absoluteLocation(loc)})
				r.finalize(status)
				return false
			}
			if i := strings.IndexByte(repl, '?'); i >= 0 {
				newArgs := repl[i+1:]
				if !op.DropArgs && r.args != "" {
					newArgs += "&" + r.args
				}
				r.args = newArgs
				repl = repl[:i]
			} else if op.DropArgs {
				r.args = ""
			}
			r.uri = repl
			r.uriRewritten = true
			changed = true
			switch op.Flag {
			case conf.FlagLast:
				if server {
					r.step = stFindConfig
					return true
				}
				if !r.countURIChange() {
					return false
				}
				r.step = stFindConfig
				return true
			case conf.FlagBreak:
				if server {
					r.step = stFindConfig
				} else {
					r.step = stRewriteLua
				}
				return true
			}
		}
	}
	if changed && !server {
		if !r.countURIChange() {
			return false
		}
		r.step = stFindConfig
	}
	return true
}

// doReturn answers as the return directive does.
func (r *request) doReturn(op *conf.RewriteOp) {
	code := op.Code
	text := r.expandTpl(op.Tpl)
	if code == 0 { // return URL
		code = 302
	}
	switch code {
	case 301, 302, 303, 307, 308:
		if op.Text != "" {
			r.setHeader("Location", []string{r.absoluteLocation(text)})
		}
		r.finalize(code)
		return
	}
	if op.Text == "" {
		r.finalize(code)
		return
	}
	r.status = code
	r.setHeader("Content-Length", []string{strconv.Itoa(len(text))})
	r.sendHeader()
	r.output([]byte(text), true)
	r.finalize(0)
}

// expandTpl interpolates a directive's parsed value template.
func (r *request) expandTpl(t conf.Template) string {
	return t.Expand(r.variable)
}
