package lualib

import (
	"os/exec"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func newJITLab(t *testing.T) *lua.LState {
	t.Helper()
	L := newLab(t)
	OpenJIT(L)
	HideEnv(L)
	return L
}

// TestJIT: the jit table says what runs, keeps LuaJIT's shape and cannot
// be changed.
func TestJIT(t *testing.T) {
	tests := []struct {
		name, code, want, wantErr string
	}{
		{"os", `return jit.os`, "Linux", ""},
		{"arch", `return jit.arch`, "x64", ""},
		{"version says gopher-lua", `return jit.version`, JITVersion, ""},
		{"version_num", `return tostring(jit.version_num)`, "20100", ""},
		{"status", `local on, why = jit.status(); return tostring(on) .. "|" .. why`, "false|" + JITStatusReason, ""},
		{"require jit", `return tostring(require("jit") == jit)`, "true", ""},
		{"require jit.opt", `return tostring(require("jit.opt") == jit.opt)`, "true", ""},
		{"no-ops", `return select("#", jit.on()) + select("#", jit.off(true, true)) + select("#", jit.flush()) + select("#", jit.opt.start("minstitch=10"))`, "0", ""},
		{"assign existing", `jit.os = "Windows"`, "", "jit.os cannot be set: jit is read-only"},
		{"assign new", `jit.foo = 1`, "", "jit.foo cannot be set"},
		{"assign opt", `jit.opt.start = nil`, "", "jit.opt.start cannot be set"},
		{"metatable locked", `setmetatable(jit, nil)`, "", "cannot change a protected metatable"},
		{"getmetatable", `return tostring(getmetatable(jit))`, "false", ""},
		{"unchanged after failed write", `pcall(function() jit.os = "x" end); return jit.os`, "Linux", ""},
		{"getenv nil", `return tostring(os.getenv("PATH")) .. tostring(os.getenv("HOME")) .. tostring(os.getenv(1))`, "nilnilnil", ""},
		{"getenv checks its argument", `os.getenv()`, "", "bad argument #1 to 'getenv' (string expected, got no value)"},
		{"getenv table", `os.getenv({})`, "", "bad argument #1 to 'getenv' (string expected, got table)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			L := newJITLab(t)
			v, err := evalLua(t, L, tc.code)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := lua.LVAsString(v); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestJITLikeLuaJIT runs what the lab's jit shares with LuaJIT's on both
// Debian's luajit2 (/usr/bin/luajit, skipped when absent) and the lab, and
// compares the output byte for byte.
func TestJITLikeLuaJIT(t *testing.T) {
	const code = `local out = {}
local function add(...) for i = 1, select("#", ...) do out[#out+1] = tostring((select(i, ...))) end end
add(type(jit), jit.os, jit.arch, jit.version_num, type(jit.version), type(jit.status))
add(require("jit") == jit, package.loaded.jit == jit, require("jit.opt") == jit.opt)
add(select("#", jit.on()), select("#", jit.off()), select("#", jit.flush()), type(jit.opt.start))
add(os.getenv("RESTYLAB_SURELY_UNSET_VARIABLE"))
local ok, msg = pcall(function() local v = os.getenv(); return v end)
add(ok, (msg:gsub("^.-bad", "bad")))
return table.concat(out, " ")`
	luajit, err := exec.LookPath("luajit")
	if err != nil {
		t.Skip("luajit (Debian's luajit2) not installed")
	}
	out, err := exec.Command(luajit, "-e", "io.write((function() "+code+" end)())").CombinedOutput()
	if err != nil {
		t.Fatalf("luajit: %v: %s", err, out)
	}
	v, err := evalLua(t, newJITLab(t), code)
	if err != nil {
		t.Fatal(err)
	}
	// The error's position prefix differs (doc.go), so the code cuts it.
	if got, want := lua.LVAsString(v), string(out); got != want {
		t.Fatalf("lab:    %q\nluajit: %q", got, want)
	}
}
