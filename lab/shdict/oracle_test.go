package shdict

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/restylab/restylab/lab/oracle"
)

// The oracle test runs each testdata/oracle/NAME.lua snippet (after
// prelude.lua) on the lab's binding and compares the printed lines with
// NAME.out, which was recorded from real nginx + ngx_lua. When nginx is
// installed the snippets also run on it and must still print NAME.out; run
// with -update to re-record NAME.out from nginx.

var update = flag.Bool("update", false, "re-record testdata/oracle/*.out from real nginx")

const (
	oracleDict     = 1 << 20 // lua_shared_dict d 1m
	oracleTinyDict = 16 << 10
)

func oracleSnippets(t *testing.T) (prelude string, names []string) {
	t.Helper()
	b, err := os.ReadFile("testdata/oracle/prelude.lua")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("testdata/oracle/*.lua")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if n := strings.TrimSuffix(filepath.Base(f), ".lua"); n != "prelude" {
			names = append(names, n)
		}
	}
	return string(b), names
}

func readSnippet(t *testing.T, prelude, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata/oracle", name+".lua"))
	if err != nil {
		t.Fatal(err)
	}
	return prelude + string(b)
}

// runOnLab runs code in a fresh LState with fresh dicts, a fake clock that
// ngx.sleep advances, and ngx.say writing to the returned output.
func runOnLab(t *testing.T, code string) string {
	t.Helper()
	clk := newFakeClock()
	dicts := []*Dict{New("d", oracleDict, clk.Now), New("tiny", oracleTinyDict, clk.Now)}
	L := lua.NewState()
	defer L.Close()
	var out bytes.Buffer
	ngx := L.NewTable()
	ngx.RawSetString("shared", OpenLua(L, dicts))
	ngx.RawSetString("say", L.NewFunction(func(L *lua.LState) int {
		for i := 1; i <= L.GetTop(); i++ {
			out.WriteString(L.ToStringMeta(L.Get(i)).String())
		}
		out.WriteByte('\n')
		return 0
	}))
	ngx.RawSetString("sleep", L.NewFunction(func(L *lua.LState) int {
		clk.Advance(time.Duration(float64(L.CheckNumber(1)) * float64(time.Second)))
		return 0
	}))
	L.SetGlobal("ngx", ngx)
	if err := L.DoString(code); err != nil {
		fmt.Fprintf(&out, "lua error: %v\n", err)
	}
	return out.String()
}

func TestOracle(t *testing.T) {
	prelude, names := oracleSnippets(t)
	var real map[string]string
	if err := oracle.Available(); err == nil {
		real = runOnNginx(t, prelude, names)
	} else if *update {
		t.Fatalf("-update needs real nginx: %v", err)
	} else {
		t.Logf("%v: comparing with the recorded outputs only", err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			golden := filepath.Join("testdata/oracle", name+".out")
			if *update {
				if err := os.WriteFile(golden, []byte(real[name]), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			wantB, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			want := string(wantB)
			if real != nil && real[name] != want {
				t.Errorf("real nginx no longer prints %s:\n%s", golden, diffLines(want, real[name]))
			}
			got := runOnLab(t, readSnippet(t, prelude, name))
			if got != want {
				actual := filepath.Join(t.TempDir(), name+".actual")
				_ = os.WriteFile(actual, []byte(got), 0o644)
				t.Errorf("lab differs from nginx (%s):\n%s", golden, diffLines(want, got))
			}
		})
	}
}

// diffLines shows the lines that differ, numbered.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  nginx: %s\n  lab:   %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

// runOnNginx starts real nginx with one location per snippet and returns
// each location's response body.
func runOnNginx(t *testing.T, prelude string, names []string) map[string]string {
	t.Helper()
	files := make(map[string]string, len(names))
	var locs strings.Builder
	for _, name := range names {
		files[name+".lua"] = readSnippet(t, prelude, name)
		fmt.Fprintf(&locs, "    location = /%[1]s { content_by_lua_file {{PREFIX}}/%[1]s.lua; }\n", name)
	}
	srv := oracle.Start(t, fmt.Sprintf(`  lua_shared_dict d %d;
  lua_shared_dict tiny %d;
  server {
    listen 127.0.0.1:{{PORT}};
%s  }
`, oracleDict, oracleTinyDict, locs.String()), oracle.Options{Files: files})
	out := make(map[string]string, len(names))
	for _, name := range names {
		out[name] = srv.Get(t, "/"+name)
	}
	return out
}
