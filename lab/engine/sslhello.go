package engine

import (
	"encoding/binary"
	"fmt"

	lua "github.com/yuin/gopher-lua"
)

// ssl_client_hello_by_lua and require "ngx.ssl.clienthello": the default
// server's handler runs when the ClientHello is in, before the server is
// chosen by SNI (OpenSSL's client hello callback). It reads the hello's
// SNI name, supported versions and raw extensions and may narrow the
// protocols for this connection. An error fails the handshake with
// OpenSSL's "callback failed".

// maxHelloBytes bounds the capture of a ClientHello (one record holds at
// most 16 KiB; a hello may span a few).
const maxHelloBytes = 64 << 10

// helloExtensions parses the extensions of the ClientHello in raw (its
// handshake records as they came): type -> data. ok is false when raw
// holds no complete ClientHello.
func helloExtensions(raw []byte) (map[uint16][]byte, bool) {
	// join the handshake records' payloads
	var hs []byte
	for len(raw) >= 5 && raw[0] == 0x16 {
		n := int(binary.BigEndian.Uint16(raw[3:5]))
		if len(raw) < 5+n {
			break
		}
		hs = append(hs, raw[5:5+n]...)
		raw = raw[5+n:]
	}
	if len(hs) < 4 || hs[0] != 1 {
		return nil, false
	}
	n := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
	if len(hs) < 4+n {
		return nil, false
	}
	b := hs[4 : 4+n]
	skip := func(k int) bool {
		if len(b) < k {
			return false
		}
		b = b[k:]
		return true
	}
	vec := func(lenBytes int) bool {
		if len(b) < lenBytes {
			return false
		}
		l := 0
		for i := 0; i < lenBytes; i++ {
			l = l<<8 | int(b[i])
		}
		return skip(lenBytes + l)
	}
	// version, random, session id, cipher suites, compression methods
	if !skip(2+32) || !vec(1) || !vec(2) || !vec(1) {
		return nil, false
	}
	exts := map[uint16][]byte{}
	if len(b) == 0 {
		return exts, true
	}
	if len(b) < 2 {
		return nil, false
	}
	total := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	if len(b) < total {
		return nil, false
	}
	b = b[:total]
	for len(b) >= 4 {
		typ := binary.BigEndian.Uint16(b)
		l := int(binary.BigEndian.Uint16(b[2:]))
		if len(b) < 4+l {
			return nil, false
		}
		exts[typ] = b[4 : 4+l]
		b = b[4+l:]
	}
	return exts, true
}

// restyCoreHelloLua is where lua-resty-core's clienthello module raises;
// its errors carry the file and the line of its error() call.
const restyCoreHelloLua = "/usr/share/lua/5.1/ngx/ssl/clienthello.lua"

// helloLines are the lines of the module's two error() calls per function:
// "no request found" and "API disabled in the current context".
var helloLines = map[string][2]int{
	"get_client_hello_server_name": {82, 86},
	"get_client_hello_ext":         {110, 114},
	"get_supported_versions":       {148, 152},
	"set_protocols":                {209, 213},
}

// helloCall returns the running ssl_client_hello_by_lua call, raising as
// lua-resty-core's fn does elsewhere.
func (w *worker) helloCall(L *lua.LState, fn string) *sslCall {
	r := w.cur
	lines := helloLines[fn]
	if r == nil || r.phase == phaseInit || r.phase == phaseInitWorker {
		L.Error(lua.LString(fmt.Sprintf("%s:%d: no request found", restyCoreHelloLua, lines[0])), 0)
		return nil
	}
	if r.ssl == nil || r.phase != phaseSSLClientHello {
		L.Error(lua.LString(fmt.Sprintf("%s:%d: API disabled in the current context", restyCoreHelloLua, lines[1])), 0)
		return nil
	}
	return r.ssl
}

// preloadClientHello registers require "ngx.ssl.clienthello".
func (w *worker) preloadClientHello(pre *lua.LTable) {
	pre.RawSetString("ngx.ssl.clienthello", w.L.NewFunction(func(L *lua.LState) int {
		t := L.NewTable()
		t.RawSetString("version", lua.LString(restyCoreVersion))
		t.RawSetString("get_client_hello_server_name", L.NewFunction(w.helloServerName))
		t.RawSetString("get_client_hello_ext", L.NewFunction(w.helloExt))
		t.RawSetString("get_supported_versions", L.NewFunction(w.helloSupportedVersions))
		t.RawSetString("set_protocols", L.NewFunction(w.helloSetProtocols))
		L.Push(t)
		return 1
	}))
}

func (w *worker) helloServerName(L *lua.LState) int {
	call := w.helloCall(L, "get_client_hello_server_name")
	if call.hello.ServerName == "" {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LString(call.hello.ServerName))
	return 1
}

func (w *worker) helloExt(L *lua.LState) int {
	call := w.helloCall(L, "get_client_hello_ext")
	typ := L.CheckInt(1)
	exts, ok := helloExtensions(call.lt.helloRaw)
	if !ok {
		return nilErr(L, "failed to get client hello extensions")
	}
	data, found := exts[uint16(typ)]
	if !found {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LString(data))
	return 1
}

// helloSupportedVersions is get_supported_versions: the names of the
// supported_versions extension's entries, in the order lua-resty-core
// 0.1.25 lists them (it walks the list from its end).
func (w *worker) helloSupportedVersions(L *lua.LState) int {
	call := w.helloCall(L, "get_supported_versions")
	exts, ok := helloExtensions(call.lt.helloRaw)
	if !ok {
		return nilErr(L, "failed to get client hello extensions")
	}
	s, found := exts[43]
	if !found || len(s) == 0 || int(s[0]) != len(s)-1 {
		L.Push(lua.LNil)
		return 1
	}
	names := map[uint16]string{0x002: "SSLv2", 0x300: "SSLv3", 0x301: "TLSv1", 0x302: "TLSv1.1", 0x303: "TLSv1.2", 0x304: "TLSv1.3"}
	t := L.NewTable()
	// the module's loop, with Lua's 1-based string positions: pairs at
	// (remain, remain+1) for remain = len-1, len-3, ... while remain >= 2
	for remain := len(s) - 1; remain >= 2; remain -= 2 {
		v := uint16(s[remain-1])<<8 | uint16(s[remain])
		if n, ok := names[v]; ok {
			t.Append(lua.LString(n))
		}
	}
	L.Push(t)
	return 1
}

func (w *worker) helloSetProtocols(L *lua.LState) int {
	call := w.helloCall(L, "set_protocols")
	list := L.CheckTable(1)
	var protos []string
	valid := map[string]bool{"SSLv2": true, "SSLv3": true, "TLSv1": true, "TLSv1.1": true, "TLSv1.2": true, "TLSv1.3": true}
	for i := 1; i <= list.Len(); i++ {
		v := list.RawGetInt(i).String()
		if !valid[v] {
			return nilErr(L, "invalid protocols failed")
		}
		protos = append(protos, v)
	}
	call.lt.protocols = protos
	L.Push(lua.LTrue)
	return 1
}
