package lualib

import (
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/oracle"
)

const reGoldenFile = "testdata/ngx_re.golden"

// newReLab is newLab with ngx.re registered.
func newReLab(t testing.TB) *lua.LState {
	t.Helper()
	L := newLab(t)
	RegisterNgxRe(L, L.GetGlobal("ngx").(*lua.LTable))
	return L
}

func runReLab(t testing.TB, cases []oracleCase) map[string]string {
	t.Helper()
	L := newReLab(t)
	if err := L.DoString(caseScript(t, cases) + "\nreturn RESULT\n"); err != nil {
		t.Fatalf("run cases on lualib: %v", err)
	}
	return parseResults(t, L.Get(-1).String())
}

// TestNgxReGolden checks every ngx.re case against testdata/ngx_re.golden
// (whose entries TestNgxReOracleNginx checks against real nginx).
func TestNgxReGolden(t *testing.T) {
	checkGolden(t, reCases, runReLab(t, reCases), reGoldenFile, "TestNgxReGolden")
}

// TestNgxReOracleNginx runs every ngx.re case on real nginx and on lualib
// and compares.
func TestNgxReOracleNginx(t *testing.T) {
	if err := oracle.Available(); err != nil {
		t.Skipf("%v: oracle comparison skipped", err)
	}
	lab := runReLab(t, reCases)
	srv := oracle.Start(t, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { content_by_lua_file {{PREFIX}}/cases.lua; }
    }
`, oracle.Options{Files: map[string]string{
		"cases.lua": caseScript(t, reCases) + "\nngx.print(RESULT)\n",
	}})
	real := parseResults(t, srv.Get(t, "/"))
	for _, c := range reCases {
		t.Run(c.name, func(t *testing.T) {
			if lab[c.name] != real[c.name] {
				t.Errorf("lualib:\n  %s\nnginx:\n  %s", lab[c.name], real[c.name])
			}
		})
	}
}

// TestNgxReCallbackMayYield: a gsub replacement function may yield, as in
// lua-resty-core (whose loop is Lua code); here a plain coroutine stands
// for the engine's ngx.sleep.
func TestNgxReCallbackMayYield(t *testing.T) {
	L := newReLab(t)
	v, err := evalLua(t, L, `
		local co = coroutine.wrap(function()
			return ngx.re.gsub("a1b2", "[0-9]", function(m) coroutine.yield(m[0]) return "<" .. m[0] .. ">" end)
		end)
		local seen = {co(), co()}
		local s, n = co()
		return table.concat(seen, ",") .. " " .. s .. " " .. n`)
	if err != nil || v.String() != "1,2 a<1>b<2> 2" {
		t.Fatalf("got %v, %v", v, err)
	}
}

// TestNgxReCache: "o" and plain calls share the bounded LRU.
func TestNgxReCache(t *testing.T) {
	L := newReLab(t)
	if _, err := evalLua(t, L, `for i = 1, 1100 do assert(ngx.re.find("x" .. i, "x" .. i, "o")) end return 1`); err != nil {
		t.Fatal(err)
	}
	st := reStateOf(L)
	if st.lru.Len() != ReCacheEntries || len(st.entries) != ReCacheEntries {
		t.Fatalf("cache holds %d (%d), want %d", st.lru.Len(), len(st.entries), ReCacheEntries)
	}
	if _, ok := st.entries["x1100\x00o"]; !ok {
		t.Fatal("newest regex not cached")
	}
	if _, ok := st.entries["x1\x00o"]; ok {
		t.Fatal("oldest regex not evicted")
	}
}

// TestNgxReTimeout: catastrophic backtracking ends like PCRE's match limit.
func TestNgxReTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("takes ReMatchTimeout")
	}
	L := newReLab(t)
	v, err := evalLua(t, L, `local m, err = ngx.re.match(("a"):rep(40) .. "!", "^(a+)+$") return tostring(m) .. " " .. tostring(err)`)
	if err != nil || v.String() != "nil pcre_exec() failed: -8" {
		t.Fatalf("got %v, %v", v, err)
	}
}

// TestNgxReMatchLimit: lua_regex_match_limit (SetReMatchLimit) bounds a
// runaway match, in every API, and leaves ordinary matches alone.
func TestNgxReMatchLimit(t *testing.T) {
	L := newReLab(t)
	SetReMatchLimit(L, 1000)
	cases := []struct{ code, want string }{
		{`local m, err = ngx.re.match(("a"):rep(40) .. "!", "^(a+)+$") return tostring(m) .. " " .. tostring(err)`, "nil pcre_exec() failed: -8"},
		{`local f, t, err = ngx.re.find(("a"):rep(40) .. "!", "(a|aa)+$") return tostring(f) .. " " .. tostring(err)`, "nil pcre_exec() failed: -8"},
		{`local s, n, err = ngx.re.gsub(("a"):rep(40) .. "!", "^(a+)+$", "x") return tostring(s) .. " " .. tostring(err)`, "nil pcre_exec() failed: -8"},
		{`local m = ngx.re.match(("a"):rep(8), "^(a+)+$") return m[0]`, "aaaaaaaa"},
		{`local s = ngx.re.gsub(("hello world "):rep(200), "[a-z]+", "x") return #s`, "800"},
	}
	for _, tc := range cases {
		v, err := evalLua(t, L, tc.code)
		if err != nil || v.String() != tc.want {
			t.Errorf("%s: got %v, %v; want %s", tc.code, v, err, tc.want)
		}
	}
}

func BenchmarkNgxReMatch(b *testing.B) {
	benchReLua(b, `s = "GET /user/12345/profile?x=1"`, `ngx.re.match(s, [[^/user/(?<id>\d+)/(\w+)]], "jo", {pos = 5})`)
}

func BenchmarkNgxReGsub(b *testing.B) {
	benchReLua(b, `s = ("hello world, "):rep(20)`, `ngx.re.gsub(s, "o", "0", "jo")`)
}

func BenchmarkNgxReGsubFunc(b *testing.B) {
	benchReLua(b, `s = ("hello world, "):rep(20) f = function(m) return m[0]:upper() end`, `ngx.re.gsub(s, "[a-z]+", f, "jo")`)
}

func benchReLua(b *testing.B, setup, body string) {
	b.Helper()
	L := newReLab(b)
	if err := L.DoString(setup + "\nreturn function() " + body + " end"); err != nil {
		b.Fatal(err)
	}
	fn := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		L.Push(fn)
		if err := L.PCall(0, 0, nil); err != nil {
			b.Fatal(err)
		}
	}
}
