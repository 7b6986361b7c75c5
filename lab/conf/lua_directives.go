package conf

import (
	"fmt"
	"path/filepath"
	"strings"
)

// luaHandler handles init_by_lua*, init_worker_by_lua* and the request
// phase *_by_lua* directives.
func (b *builder) luaHandler(s *scope, d *directive) error {
	phase := phaseName(d.name)
	code, err := b.luaCode(d, 0)
	if err != nil {
		return err
	}
	var slot **LuaCode
	switch phase {
	case "init_by_lua":
		slot = &b.cfg.HTTP.InitByLua
	case "init_worker_by_lua":
		slot = &b.cfg.HTTP.InitWorkerByLua
	default:
		slot = s.lvl.phases.slot(phase)
	}
	if *slot != nil {
		if d.kind == tokBlockStart {
			// ngx_lua's block parser prints the bare reason.
			return errf(d.pos, "is duplicate")
		}
		return errf(d.pos, "\"%s\" directive is duplicate", d.name)
	}
	*slot = code
	return nil
}

// slot returns the field of h for a phase name such as "access_by_lua".
func (h *Handlers) slot(phase string) **LuaCode {
	switch phase {
	case "server_rewrite_by_lua":
		return &h.ServerRewrite
	case "rewrite_by_lua":
		return &h.Rewrite
	case "access_by_lua":
		return &h.Access
	case "content_by_lua":
		return &h.Content
	case "header_filter_by_lua":
		return &h.HeaderFilter
	case "body_filter_by_lua":
		return &h.BodyFilter
	}
	return &h.Log
}

// luaCode builds the LuaCode of a *_by_lua_block, *_by_lua or
// *_by_lua_file directive whose code (or file) is argument i, reads the
// file and compiles the code. A syntax error or a missing file is a load
// error for init_by_lua* (nginx does not start) and a Diagnostic otherwise.
func (b *builder) luaCode(d *directive, i int) (*LuaCode, error) {
	phase := phaseName(d.name)
	c := &LuaCode{Directive: d.name, Pos: d.pos}
	base := filepath.Base(d.pos.File)
	switch {
	case d.kind == tokBlockStart:
		c.Code, c.Line = d.lua, d.luaLine
		c.ChunkName = fmt.Sprintf("%s(%s:%d)", phase, base, d.luaLine)
	case strings.HasSuffix(d.name, "_file") && pathVarsAllowed(phase) && strings.Contains(d.arg(i), "$"):
		// ngx_lua compiles the path as a complex value and reads the file
		// per request (ngx_http_lua_content_handler_file and its kin).
		t, err := ParseTemplate(d.arg(i))
		if err != nil {
			return nil, errf(d.pos, "%s", complexValueError(err))
		}
		c.PathTpl, c.prefix, c.root = &t, b.prefix, b.confineTo
		return c, nil
	case strings.HasSuffix(d.name, "_file"):
		path := d.arg(i)
		if !filepath.IsAbs(path) {
			path = filepath.Join(b.prefix, path)
		}
		c.Path, c.ChunkName, c.Line, c.root = path, path, 1, b.confineTo
		src, err := b.readFile(path)
		if err != nil {
			_, reason := strerror(err)
			c.Err = fmt.Sprintf("cannot open %s: %s", path, reason)
			c.Missing = true
			if phase == "init_by_lua" {
				return nil, &Error{Msg: initErrorPrefix(d) + c.Err}
			}
			b.diags = append(b.diags, Diagnostic{Pos: d.pos,
				Message: fmt.Sprintf("failed to load external Lua file \"%s\": %s", path, c.Err)})
			return c, nil
		}
		c.Code = string(src)
	default:
		c.Code, c.Line = d.arg(i), d.args[i].line
		c.ChunkName = fmt.Sprintf("%s(%s:%d)", phase, base, d.pos.Line)
	}
	msg, line, ok := luaSyntaxError(c.Code, c.ChunkName)
	if ok {
		return c, nil
	}
	c.Err = msg
	if phase == "init_by_lua" {
		return nil, &Error{Msg: initErrorPrefix(d) + msg}
	}
	pos := Pos{File: d.pos.File, Line: c.Line + line - 1}
	if c.Path != "" {
		pos = Pos{File: c.Path, Line: line}
	}
	b.diags = append(b.diags, Diagnostic{Pos: pos, Message: msg})
	return c, nil
}

// setByLua handles set_by_lua_block $var { code }, set_by_lua $var 'code'
// [args...] and set_by_lua_file $var path [args...].
func (b *builder) setByLua(s *scope, d *directive) error {
	name, err := varName(d)
	if err != nil {
		return err
	}
	c, err := b.luaCode(d, 1)
	if err != nil {
		return err
	}
	op := &RewriteOp{Kind: OpSetByLua, Var: name, Lua: c, Pos: d.pos}
	if d.kind != tokBlockStart {
		for _, a := range d.args[2:] {
			t, err := ParseTemplate(a.s)
			if err != nil {
				return errf(d.pos, "%s", err.Error())
			}
			op.Args = append(op.Args, a.s)
			op.ArgTpls = append(op.ArgTpls, t)
		}
	}
	addRewrite(s, op)
	return nil
}

// varName checks the "$name" first argument of set and set_by_lua*.
func varName(d *directive) (string, error) {
	v := d.arg(0)
	if len(v) < 2 || v[0] != '$' {
		return "", errf(d.pos, "invalid variable name \"%s\"", v)
	}
	return v[1:], nil
}

// addRewrite appends a rewrite-module operation to the server or location.
func addRewrite(s *scope, op *RewriteOp) {
	if s.ops != nil { // inside an if block
		*s.ops = append(*s.ops, op)
		return
	}
	if s.loc != nil {
		s.loc.Rewrites = append(s.loc.Rewrites, op)
		return
	}
	s.srv.Rewrites = append(s.srv.Rewrites, op)
}

// initErrorPrefix is how ngx_lua introduces an init_by_lua* failure:
// "init_by_lua error: " for the block and inline forms,
// "init_by_lua_file error: " for the file form.
func initErrorPrefix(d *directive) string {
	if strings.HasSuffix(d.name, "_file") {
		return "init_by_lua_file error: "
	}
	return "init_by_lua error: "
}

// pathVarsAllowed reports whether a phase's *_by_lua_file path may hold
// nginx variables. ngx_lua 0.10.23 evaluates the path per request in the
// request phases and set_by_lua_file; init_by_lua_file,
// init_worker_by_lua_file and balancer_by_lua_file take it literally
// (observed: balancer_by_lua_file lua/$arg_f.lua opens "lua/$arg_f.lua").
func pathVarsAllowed(phase string) bool {
	switch phase {
	case "init_by_lua", "init_worker_by_lua", "balancer_by_lua":
		return false
	}
	return true
}
