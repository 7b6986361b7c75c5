package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSandboxLua: in a sandboxed instance every way to the machine fails
// with an error that names the limit, and the instance keeps serving.
func TestSandboxLua(t *testing.T) {
	_, base, _ := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { content_by_lua_block {
            local code = ngx.unescape_uri(ngx.var.arg_code)
            local f = assert(loadstring(code))
            local ok, err = pcall(f)
            ngx.say(ok and "allowed" or err)
        } }
    }`, Options{Sandbox: true})
	cases := []struct{ code, want string }{
		{`os.execute("id")`, "os.execute is disabled in the lab's sandbox"},
		{`io.open("/etc/passwd")`, "io.open is disabled in the lab's sandbox"},
		{`require("io").open("/etc/passwd")`, "io.open is disabled in the lab's sandbox"},
		{`io.popen("id")`, "io.popen is disabled"},
		{`dofile("/etc/passwd")`, "dofile is disabled"},
		{`loadfile("/etc/passwd")`, "loadfile is disabled"},
		{`debug.getregistry()`, "debug.getregistry is disabled"},
		{`require("debug").sethook()`, "debug.sethook is disabled"},
		{`require("ffi")`, "module 'ffi' is not available: RestyLab runs Lua 5.1"},
		{`ngx.req.read_body() ngx.req.set_body_file("/etc/passwd")`, "limited to the workspace's files in the lab's sandbox: /etc/passwd is outside it"},
		{`ngx.req.read_body() ngx.req.set_body_file("../../../../etc/passwd")`, "is outside it"},
		{`string.rep("x", 2^30)`, "exceeds the lab's limit"},
		{`require("jit.util")`, "module 'jit.util' is not available: RestyLab runs Lua 5.1"},
		{`return os.getenv("HOME") == nil and os.getenv("PATH") == nil and "allowed"`, "allowed"},
		{`os.getenv()`, "bad argument #1 to 'getenv' (string expected, got no value)"},
		{`return jit.os == "Linux" and require("jit") == jit and not jit.status() and "allowed"`, "allowed"},
		{`jit.version = "LuaJIT 2.1"`, "jit.version cannot be set: jit is read-only"},
		{`assert(loadstring("\27Lua"))`, ""},
		{`return os.time() and os.clock() and os.date("%Y") and debug.traceback("x")`, "allowed"},
		// package.path pointed out of the workspace: require still searches
		// only the workspace (a valid module waits outside)
		{`package.path = "OUTSIDE/?.lua" return require("secret")`, "module 'secret' not found"},
		{`package.path = "OUTSIDE/?.lua;" .. package.path return require("secret")`, "module 'secret' not found"},
	}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.lua"), []byte(`return "the lab's secret"`), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range cases {
		cases[i].code = strings.ReplaceAll(cases[i].code, "OUTSIDE", outside)
	}
	for _, tc := range cases {
		st, body := get(t, base+"/?code="+urlQuery(tc.code))
		if st != 200 || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %q, want %q", tc.code, st, body, tc.want)
		}
		if tc.want == "" && strings.Contains(body, "allowed") {
			t.Errorf("%s: a binary chunk was accepted", tc.code)
		}
	}
}

func urlQuery(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%")
		b.WriteString(strings.ToUpper(string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15])))
	}
	return b.String()
}

// TestInsidePrefix: a sandboxed package.path keeps only the workspace's
// entries.
func TestInsidePrefix(t *testing.T) {
	got := insidePrefix("/ws/lua/?.lua;/usr/share/lua/5.1/?.lua;./?.lua;/ws/?/init.lua;/ws/../etc/?.lua;;", "/ws")
	if want := "/ws/lua/?.lua;/ws/?/init.lua"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestGetenv: os.getenv as an nginx worker sees it. Outside the sandbox
// (restylab run): TZ and what env directives name, the whole environment in
// init_by_lua. A sandboxed instance shows what its own "env NAME=VALUE" set
// and nothing of the lab's environment, not even what "env NAME" would pass
// through, nor TZ.
func TestGetenv(t *testing.T) {
	t.Setenv("RESTYLAB_TEST_KEPT", "kept")
	t.Setenv("RESTYLAB_TEST_DROPPED", "dropped")
	t.Setenv("TZ", "UTC")
	for _, tc := range []struct {
		name    string
		sandbox bool
		want    string
	}{
		{"run", false, "from-the-conf kept nil UTC dropped\n"},
		{"sandbox", true, "from-the-conf nil nil nil nil\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, base, _ := startEngineMain(t, "env MINE=from-the-conf;\nenv RESTYLAB_TEST_KEPT;\n", 1, "", `
    init_by_lua_block { INIT_DROPPED = tostring(os.getenv("RESTYLAB_TEST_DROPPED")) }
    server {
        listen 127.0.0.1:{{PORT}};
        location / { content_by_lua_block {
            ngx.say(os.getenv("MINE"), " ", tostring(os.getenv("RESTYLAB_TEST_KEPT")), " ",
                tostring(os.getenv("RESTYLAB_TEST_DROPPED")), " ", tostring(os.getenv("TZ")), " ", INIT_DROPPED)
        } }
    }`, Options{Sandbox: tc.sandbox})
			if st, body := get(t, base+"/"); st != 200 || body != tc.want {
				t.Fatalf("%d %q, want %q", st, body, tc.want)
			}
		})
	}
}
