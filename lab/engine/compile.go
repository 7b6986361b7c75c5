package engine

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/restylab/restylab/lab/conf"
)

// compileAll compiles every Lua snippet of the configuration once; workers
// turn the shared protos into functions of their own VM. A snippet that does
// not compile is remembered: like ngx_lua, the request that needs it fails
// with "failed to load inlined Lua code: ..." and a 500.
func (e *Engine) compileAll() {
	e.protos = make(map[*conf.LuaCode]*lua.FunctionProto)
	e.loadErr = make(map[*conf.LuaCode]error)
	h := e.cfg.HTTP
	add := func(c *conf.LuaCode) {
		if c == nil || c.PathTpl != nil {
			return // a path with variables is compiled per file when first run (luafile.go)
		}
		if _, done := e.protos[c]; done {
			return
		}
		if _, done := e.loadErr[c]; done {
			return
		}
		if c.Err != "" {
			e.loadErr[c] = errors.New(c.Err)
			return
		}
		p, err := compileLua(c.Code, c.Source())
		if err != nil {
			e.loadErr[c] = err
			return
		}
		e.protos[c] = p
	}
	add(h.InitByLua)
	for _, u := range h.Upstreams {
		add(u.Balancer)
	}
	add(h.InitWorkerByLua)
	addHandlers := func(hs *conf.Handlers) {
		add(hs.Rewrite)
		add(hs.Access)
		add(hs.Content)
		add(hs.HeaderFilter)
		add(hs.BodyFilter)
		add(hs.Log)
	}
	var addOps func(ops []*conf.RewriteOp)
	addOps = func(ops []*conf.RewriteOp) {
		for _, op := range ops {
			if op.Kind == conf.OpSetByLua {
				add(op.Lua)
			}
			addOps(op.Ops) // an if block's
		}
	}
	for _, s := range h.Servers {
		if s.SSL != nil {
			add(s.SSL.CertByLua)
			add(s.SSL.ClientHelloByLua)
		}
		addHandlers(&s.Phases)
		addOps(s.Rewrites)
		for l := range conf.LocationTree(s.Locations) {
			addHandlers(&l.Phases)
			addOps(l.Rewrites)
		}
	}
}

// compileLua compiles src loaded as source ("=content_by_lua(nginx.conf:12)",
// "@/path/file.lua": conf.LuaCode.Source) into a proto that any VM can
// instantiate.
func compileLua(src, source string) (*lua.FunctionProto, error) {
	chunkname := lua.ChunkID(source)
	chunk, err := parse.Parse(strings.NewReader(src), chunkname)
	if err != nil {
		return nil, fmt.Errorf("%s", luaSyntaxMessage(err, chunkname))
	}
	p, err := lua.Compile(chunk, source)
	if err != nil {
		return nil, fmt.Errorf("%s", luaSyntaxMessage(err, chunkname))
	}
	return p, nil
}

// luaSyntaxMessage writes a parse or compile error in Lua's form:
// "chunk:3: unexpected symbol near 'then'" ("near" only when the error names
// a token, as LuaJIT's limits do not).
func luaSyntaxMessage(err error, chunkname string) string {
	if pe, ok := err.(*parse.Error); ok {
		msg := pe.Message
		if pe.Token != "" {
			msg = fmt.Sprintf("%s near '%s'", pe.Message, pe.Token)
		}
		return fmt.Sprintf("%s:%d: %s", chunkname, pe.Pos.Line, msg)
	}
	if ce, ok := err.(*lua.CompileError); ok {
		return fmt.Sprintf("%s:%d: %s", chunkname, ce.Line, ce.Message)
	}
	return err.Error()
}

// checkVars reports the first variable a directive uses that nginx would not
// know, in nginx's words: unknown "foo" variable.
func (e *Engine) checkVars() error {
	known := func(name string) bool {
		if _, err := strconv.Atoi(name); err == nil {
			return true
		}
		_, builtin := builtinVars[name]
		return builtin || prefixedVar(name) || e.declaredVar(name)
	}
	e.indexedVars = map[string]bool{}
	check := func(t conf.Template) error {
		for _, v := range t.Vars() {
			e.indexedVars[v] = true // nginx indexes what directives use (mapvars.go)
			if !known(v) {
				return fmt.Errorf("unknown \"%s\" variable", v)
			}
		}
		return nil
	}
	checkCode := func(c *conf.LuaCode) error {
		if c != nil && c.PathTpl != nil {
			return check(*c.PathTpl)
		}
		return nil
	}
	checkPhases := func(h *conf.Handlers) error {
		for _, c := range []*conf.LuaCode{h.Rewrite, h.Access, h.Content, h.HeaderFilter, h.BodyFilter, h.Log} {
			if err := checkCode(c); err != nil {
				return err
			}
		}
		return nil
	}
	var checkOps func(ops []*conf.RewriteOp) error
	checkOps = func(ops []*conf.RewriteOp) error {
		for _, op := range ops {
			if err := check(op.Tpl); err != nil {
				return err
			}
			if err := checkIfVars(op, check); err != nil {
				return err
			}
			if err := checkOps(op.Ops); err != nil {
				return err
			}
			if err := checkCode(op.Lua); err != nil {
				return err
			}
			for _, a := range op.ArgTpls {
				if err := check(a); err != nil {
					return err
				}
			}
		}
		return nil
	}
	checkHeaders := func(hs []conf.AddHeader) error {
		for _, h := range hs {
			if err := check(h.Tpl); err != nil {
				return err
			}
		}
		return nil
	}
	if err := e.checkMapVars(check); err != nil {
		return err
	}
	formats := make([]*conf.LogFormat, 0, len(e.cfg.HTTP.LogFormats))
	for _, f := range e.cfg.HTTP.LogFormats {
		formats = append(formats, f)
	}
	sort.Slice(formats, func(i, j int) bool { return formats[i].Pos.Line < formats[j].Pos.Line })
	for _, f := range formats {
		if err := check(f.Tpl); err != nil {
			return err
		}
	}
	checkLogs := func(logs []*conf.AccessLog) error {
		for _, al := range logs {
			if al.If != nil {
				if err := check(*al.If); err != nil {
					return err
				}
			}
		}
		return nil
	}
	checkLocation := func(l *conf.Location) error {
		if err := checkOps(l.Rewrites); err != nil {
			return err
		}
		if err := checkHeaders(l.AddHeaders); err != nil {
			return err
		}
		for _, t := range cacheTemplates(l) {
			if err := check(t); err != nil {
				return err
			}
		}
		if err := checkPhases(&l.Phases); err != nil {
			return err
		}
		if err := checkLogs(l.AccessLogs); err != nil {
			return err
		}
		if err := checkFlowVars(l.Flow, check); err != nil {
			return err
		}
		return nil
	}
	if err := checkLogs(e.cfg.HTTP.AccessLogs); err != nil {
		return err
	}
	for _, s := range e.cfg.HTTP.Servers {
		if err := checkLogs(s.AccessLogs); err != nil {
			return err
		}
		if err := checkFlowVars(s.Flow, check); err != nil {
			return err
		}
		if err := checkOps(s.Rewrites); err != nil {
			return err
		}
		if err := checkHeaders(s.AddHeaders); err != nil {
			return err
		}
		for l := range conf.LocationTree(s.Locations) {
			if err := checkLocation(l); err != nil {
				return err
			}
		}
	}
	return nil
}
