package lualib

import (
	"embed"
	"fmt"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// restySources holds the lab's own versions of OpenResty's lua-resty-*
// libraries, written in plain Lua 5.1 for gopher-lua (no FFI).
//
//go:embed resty/*.lua
var restySources embed.FS

// restyModules maps each module name to its source file; aliases share a
// file (resty.lrucache.pureffi is resty.lrucache: without FFI there is no
// second implementation to offer).
var restyModules = []struct{ name, file string }{
	{"resty.redis", "resty/redis.lua"},
	{"resty.http", "resty/http.lua"},
	{"resty.lrucache", "resty/lrucache.lua"},
	{"resty.lrucache.pureffi", "resty/lrucache.lua"},
	{"resty.lock", "resty/lock.lua"},
}

// PreloadResty registers resty.redis, resty.http, resty.lrucache (and
// resty.lrucache.pureffi) and resty.lock in package.preload, so that
// require loads them on first use. The modules read the ngx table (ngx.now,
// ngx.null, ngx.sleep, ngx.shared, ngx.socket.tcp) when they are required,
// so that must exist by then; it need not exist when PreloadResty is
// called. Each source is compiled when its module is first required, in
// the LState that requires it.
//
// Loop-only, like the LState: call it from the goroutine that owns L.
//
// Differences from the OpenResty libraries: resty.lrucache.pureffi is
// resty.lrucache (load_factor is ignored); a resty.lock is released by
// unlock or its exptime, never by the garbage collector; resty.redis has no
// TLS (ssl = true fails), no backlog queue (pool_size and backlog are passed
// to the cosocket and ignored there) and no register_module_prefix;
// resty.http is plain HTTP/1.x only ("https not supported in the lab"), with
// no proxy, no streaming body_reader and no trailers in res.
func PreloadResty(L *lua.LState) {
	for _, m := range restyModules {
		name, file := m.name, m.file
		preload(L, name, func(L *lua.LState) int {
			p, err := restyProto(file)
			if err != nil {
				L.RaiseError("module '%s': %v", name, err)
			}
			L.Push(L.NewFunctionFromProto(p))
			L.Push(lua.LString(name))
			L.Call(1, 1)
			return 1
		})
	}
}

// restyProtos holds each resty module compiled once per process (VMs made
// per request, lua_code_cache off, require them again): file -> proto.
var restyProtos sync.Map

// restyProto compiles a resty module's source once.
func restyProto(file string) (*lua.FunctionProto, error) {
	if p, ok := restyProtos.Load(file); ok {
		return p.(*lua.FunctionProto), nil
	}
	src, err := restySources.ReadFile(file)
	if err != nil {
		return nil, err
	}
	p, err := compileSource(string(src), "@"+file)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", file, err)
	}
	restyProtos.Store(file, p)
	return p, nil
}

// compileSource parses and compiles Lua src loaded as source ("@file",
// "=name": lua.ChunkID).
func compileSource(src, source string) (*lua.FunctionProto, error) {
	tree, err := parse.Parse(strings.NewReader(src), lua.ChunkID(source))
	if err != nil {
		return nil, err
	}
	return lua.Compile(tree, source)
}
