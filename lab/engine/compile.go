package engine

import (
	"fmt"
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
		if c == nil {
			return
		}
		if _, done := e.protos[c]; done {
			return
		}
		if _, done := e.loadErr[c]; done {
			return
		}
		p, err := compileLua(c.Code, c.ChunkName)
		if err != nil {
			e.loadErr[c] = err
			return
		}
		e.protos[c] = p
	}
	add(h.InitByLua)
	add(h.InitWorkerByLua)
	var walk func(locs []*conf.Location)
	addHandlers := func(hs *conf.Handlers) {
		add(hs.Rewrite)
		add(hs.Access)
		add(hs.Content)
		add(hs.HeaderFilter)
		add(hs.BodyFilter)
		add(hs.Log)
	}
	addOps := func(ops []*conf.RewriteOp) {
		for _, op := range ops {
			if op.Kind == conf.OpSetByLua {
				add(op.Lua)
			}
		}
	}
	walk = func(locs []*conf.Location) {
		for _, l := range locs {
			addHandlers(&l.Phases)
			addOps(l.Rewrites)
			walk(l.Locations)
		}
	}
	for _, s := range h.Servers {
		addHandlers(&s.Phases)
		addOps(s.Rewrites)
		walk(s.Locations)
	}
}

// compileLua compiles source under chunkname into a proto that any VM can
// instantiate.
func compileLua(src, chunkname string) (*lua.FunctionProto, error) {
	chunk, err := parse.Parse(strings.NewReader(src), chunkname)
	if err != nil {
		return nil, fmt.Errorf("%s", luaSyntaxMessage(err, chunkname))
	}
	p, err := lua.Compile(chunk, chunkname)
	if err != nil {
		return nil, fmt.Errorf("%s", luaSyntaxMessage(err, chunkname))
	}
	return p, nil
}

// luaSyntaxMessage turns gopher-lua's parse error ("chunk line:3(column:5)
// near 'then': syntax error") into Lua's own form: "chunk:3: syntax error near 'then'".
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
