package lualib

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/oracle"
)

var update = flag.Bool("update", false, "rewrite testdata/oracle.golden from lualib's results")

const goldenFile = "testdata/oracle.golden"

// newLab returns an LState equipped as the engine will equip a worker's.
func newLab(t testing.TB) *lua.LState {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	OpenCJSON(L)
	OpenBit(L)
	OpenTableExt(L)
	LimitStringRep(L, 1<<20)
	ngx := L.NewTable()
	RegisterNgx(L, ngx, nil)
	L.SetGlobal("ngx", ngx)
	return L
}

// caseScript is testdata/runner.lua preceded by the cases as a Lua table.
func caseScript(t testing.TB, cases []oracleCase) string {
	t.Helper()
	runner, err := os.ReadFile("testdata/runner.lua")
	if err != nil {
		t.Fatalf("read runner: %v", err)
	}
	var b strings.Builder
	b.WriteString("local CASES = {\n")
	for _, c := range cases {
		if strings.Contains(c.code, "]====]") {
			t.Fatalf("case %s: code contains the long-bracket terminator", c.name)
		}
		fmt.Fprintf(&b, "{%q, [====[%s]====]},\n", c.name, c.code)
	}
	b.WriteString("}\n")
	b.Write(runner)
	return b.String()
}

// parseResults splits runner output into name -> result.
func parseResults(t testing.TB, out string) map[string]string {
	t.Helper()
	res := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("malformed result line %q", sc.Text())
		}
		res[name] = val
	}
	return res
}

// runLab runs the cases on lualib.
func runLab(t testing.TB, cases []oracleCase) map[string]string {
	t.Helper()
	L := newLab(t)
	if err := L.DoString(caseScript(t, cases) + "\nreturn RESULT\n"); err != nil {
		t.Fatalf("run cases on lualib: %v", err)
	}
	return parseResults(t, L.Get(-1).String())
}

// checkGolden compares got (case name -> result) with the golden file, or
// rewrites the file under -update. testName is named in the hint to update.
func checkGolden(t *testing.T, cases []oracleCase, got map[string]string, file, testName string) {
	t.Helper()
	hint := fmt.Sprintf("run go test -run %s -update", testName)
	if *update {
		var b strings.Builder
		for _, c := range cases {
			fmt.Fprintf(&b, "%s\t%s\n", c.name, got[c.name])
		}
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
			t.Fatalf("write golden: %v", err)
		}
		return
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read golden (%s): %v", hint, err)
	}
	want := parseResults(t, string(data))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, ok := want[c.name]
			if !ok {
				t.Fatalf("no golden entry (%s)", hint)
			}
			if got[c.name] != w {
				t.Errorf("lualib:\n  %s\ngolden:\n  %s", got[c.name], w)
			}
		})
	}
}

// TestOracleGolden checks lualib's result for every case against the golden
// file (whose entries TestOracleNginx checks against real nginx).
func TestOracleGolden(t *testing.T) {
	checkGolden(t, oracleCases, runLab(t, oracleCases), goldenFile, "TestOracleGolden")
}

// TestOracleNginx runs every case on real nginx + ngx_lua and on lualib and
// compares. Cases marked fork (OpenResty's lua-cjson additions) are skipped,
// and so are cjson cases when the oracle has no cjson module.
func TestOracleNginx(t *testing.T) {
	if err := oracle.Available(); err != nil {
		t.Skipf("%v: oracle comparison skipped", err)
	}
	lab := runLab(t, oracleCases)
	srv := oracle.Start(t, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { content_by_lua_file {{PREFIX}}/cases.lua; }
    }
`, oracle.Options{Files: map[string]string{
		"cases.lua": caseScript(t, oracleCases) + "\nngx.print(RESULT)\n",
	}})
	out := srv.Get(t, "/")
	real := parseResults(t, out)
	hasCJSON := real["__cjson"] == "true"
	for _, c := range oracleCases {
		t.Run(c.name, func(t *testing.T) {
			if c.fork {
				t.Skip("OpenResty lua-cjson fork behaviour; the oracle runs upstream lua-cjson 2.1.0")
			}
			if !hasCJSON && strings.Contains(c.code, "cjson") {
				t.Skip("nginx on this machine has no cjson module (apt-get install lua-cjson)")
			}
			if lab[c.name] != real[c.name] {
				t.Errorf("lualib:\n  %s\nnginx:\n  %s", lab[c.name], real[c.name])
			}
		})
	}
}
