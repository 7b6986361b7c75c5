package engine

import (
	"regexp"
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
			r.setVar(op.Var, r.expand(op.Value))
		case conf.OpSetByLua:
			args := make([]lua.LValue, 0, len(op.Args))
			for _, a := range op.Args {
				args = append(args, lua.LString(r.expand(a)))
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
			re := r.w.e.regex(op.Regex)
			if re == nil {
				continue
			}
			m := re.FindStringSubmatch(r.uri)
			if m == nil {
				continue
			}
			r.captures = m
			repl := r.expand(op.Replacement)
			if strings.HasPrefix(repl, "http://") || strings.HasPrefix(repl, "https://") ||
				op.Flag == conf.FlagRedirect || op.Flag == conf.FlagPermanent {
				status := 302
				if op.Flag == conf.FlagPermanent {
					status = 301
				}
				loc := repl
				if !strings.Contains(loc, "?") && r.args != "" {
					loc += "?" + r.args
				} else {
					loc = strings.TrimSuffix(loc, "?")
				}
				r.setHeader("Location", []string{loc})
				r.finalize(status)
				return false
			}
			if i := strings.IndexByte(repl, '?'); i >= 0 {
				newArgs := repl[i+1:]
				if newArgs != "" && r.args != "" && !strings.HasSuffix(op.Replacement, "?") {
					newArgs += "&" + r.args
				}
				if strings.HasSuffix(op.Replacement, "?") {
					newArgs = repl[i+1 : len(repl)-1]
					if j := strings.IndexByte(newArgs, '?'); j >= 0 {
						newArgs = newArgs[:j]
					}
				}
				r.args = newArgs
				repl = repl[:i]
			}
			r.uri = repl
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
	text := r.expand(op.Text)
	if code == 0 { // return URL
		code = 302
	}
	switch code {
	case 301, 302, 303, 307, 308:
		if op.Text != "" {
			r.setHeader("Location", []string{text})
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

// regex returns the compiled form of a rewrite regex (cached per engine).
func (e *Engine) regex(src string) *regexp.Regexp {
	e.reMu.Lock()
	defer e.reMu.Unlock()
	if re, ok := e.regexes[src]; ok {
		return re
	}
	re, err := regexp.Compile(src)
	if err != nil {
		re = nil
	}
	if e.regexes == nil {
		e.regexes = make(map[string]*regexp.Regexp)
	}
	e.regexes[src] = re
	return re
}

// expand interpolates $variables in a directive's value.
func (r *request) expand(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	t := r.w.e.template(s)
	if t == nil {
		return s
	}
	return t.Expand(func(name string) (string, bool) {
		v, ok := r.variable(name)
		return v, ok
	})
}

// template returns the parsed form of a value template (cached).
func (e *Engine) template(s string) *conf.Template {
	e.reMu.Lock()
	defer e.reMu.Unlock()
	if t, ok := e.templates[s]; ok {
		return t
	}
	var tp *conf.Template
	if t, err := conf.ParseTemplate(s); err == nil {
		tp = &t
	}
	if e.templates == nil {
		e.templates = make(map[string]*conf.Template)
	}
	e.templates[s] = tp
	return tp
}
