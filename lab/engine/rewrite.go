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
	st := &rewriteRun{server: r.step == stServerRewrite}
	if done, goOn := r.execRewriteOps(ops, st); done {
		return goOn
	}
	if st.changed && !st.server {
		if !r.countURIChange() {
			return false
		}
		r.step = stFindConfig
	}
	return true
}

// rewriteRun is the state of one run of a level's rewrite directives.
type rewriteRun struct {
	server  bool // the server level's (before location lookup)
	changed bool // a rewrite without flag changed the URI
}

// execRewriteOps runs ops (a level's, or an if block's); done reports that
// the directives stopped (return, break, a rewrite flag), goOn then what
// runRewriteOps answers.
func (r *request) execRewriteOps(ops []*conf.RewriteOp, st *rewriteRun) (done, goOn bool) {
	server := st.server
	for _, op := range ops {
		switch op.Kind {
		case conf.OpIf:
			if !r.ifHolds(op.Cond) {
				continue
			}
			if op.Loc != nil {
				r.loc = op.Loc // the if's location configuration (ifblock.go)
			}
			if done, goOn := r.execRewriteOps(op.Ops, st); done {
				return true, goOn
			}
		case conf.OpBreak:
			// ngx_http_script_break_code: stop, and forget a URI change
			if server {
				r.step = stFindConfig
			} else {
				r.step = stRewriteLua
			}
			return true, true
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
				return true, false
			}
			v := ""
			if len(vals) > 0 && vals[0] != lua.LNil {
				v = lua.LVAsString(vals[0])
			}
			r.setVar(op.Var, v)
		case conf.OpReturn:
			r.doReturn(op)
			return true, false
		case conf.OpRewrite:
			if op.Re == nil {
				continue
			}
			m := op.Re.FindStringSubmatch(r.uri)
			if m == nil {
				continue
			}
			r.captures = m
			for i, name := range op.Re.SubexpNames() {
				if name != "" && i < len(m) {
					r.setVar(name, m[i]) // (?<name>...) sets $name, as in nginx
				}
			}
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
				return true, false
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
			st.changed = true
			switch op.Flag {
			case conf.FlagLast:
				if server {
					r.step = stFindConfig
					return true, true
				}
				if !r.countURIChange() {
					return true, false
				}
				r.step = stFindConfig
				return true, true
			case conf.FlagBreak:
				if server {
					r.step = stFindConfig
				} else {
					r.step = stRewriteLua
				}
				return true, true
			}
		}
	}
	return false, true
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
