package luadiff

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/engine"
)

var (
	update    = flag.Bool("update", false, "re-record testdata/*.luajit.txt from luajit")
	areaFlag  = flag.String("area", "", "run only these areas (comma-separated file names without .lua)")
	showKnown = flag.Bool("known", false, "log how each snippet of testdata/known.txt differs (with -v)")
)

// parallel is how many snippet files run at a time (the machine is shared).
const parallel = 2

// oracle finds Debian's luajit2 (OpenResty's LuaJIT). Without it the
// goldens are not re-checked, unless RESTYLAB_REQUIRE_ORACLE is set.
func oracle(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("luajit")
	if err == nil {
		return p
	}
	if *update || os.Getenv("RESTYLAB_REQUIRE_ORACLE") != "" {
		t.Fatalf("no luajit: install Debian's luajit2 (OpenResty's LuaJIT; never the package luajit, which removes libnginx-mod-http-lua)")
	}
	t.Logf("no luajit (Debian's luajit2): the engine is compared with the goldens only (set RESTYLAB_REQUIRE_ORACLE=1 to make this a failure)")
	return ""
}

// runLuaJIT runs the chunk at path (cwd its folder) and returns its stdout
// with the folder's path removed, as the engine's output is.
func runLuaJIT(luajit, dir, path string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, luajit, path)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("luajit %s: %w: %s", path, err, stderr.String())
	}
	return normalize(string(out), dir), nil
}

// normalize removes the temporary folder from chunk names.
func normalize(out, dir string) string {
	return strings.ReplaceAll(out, dir+string(filepath.Separator), "")
}

// luaEngine is the engine serving every area's chunk at /AREA.
type luaEngine struct {
	eng  *engine.Engine
	base string
	dir  string // the prefix; chunks are dir/lua/AREA.lua
}

// printWriter makes print write to the response as LuaJIT's print writes
// to stdout: tostring of each argument, tabs between, a newline after
// (ngx_lua's print writes to error.log instead).
const printWriter = `
local select, tostring, concat, type, error, out = select, tostring, table.concat, type, error, ngx.print
print = function(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do
    local s = tostring((select(i, ...)))
    if type(s) ~= "string" then error("'tostring' must return a string to 'print'") end
    parts[i] = s
  end
  out(concat(parts, "\t", 1, n), "\n")
end
`

func startEngine(t *testing.T, dir string, areas []*area) *luaEngine {
	t.Helper()
	var locs strings.Builder
	for _, a := range areas {
		fmt.Fprintf(&locs, "    location = /%s { content_by_lua_file lua/%s.lua; }\n", a.name, a.name)
	}
	for try := 0; ; try++ {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		src := fmt.Sprintf("worker_processes 1;\nerror_log logs/error.log info;\nevents {}\nhttp {\n"+
			"  init_by_lua_block {%s}\n  server {\n    listen 127.0.0.1:%d;\n%s  }\n}\n", printWriter, port, locs.String())
		path := filepath.Join(dir, "nginx.conf")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, _, err := conf.Load(path, dir)
		if err != nil {
			t.Fatalf("load %s: %v", path, err)
		}
		eng, err := engine.New(cfg, engine.Options{CPUBudget: 20 * time.Second, Stderr: io.Discard})
		if err != nil {
			t.Fatalf("engine: %v", err)
		}
		if err := eng.Start(); err != nil {
			if try < 2 && strings.Contains(err.Error(), "in use") {
				continue // the port was taken between probe and bind
			}
			t.Fatalf("engine start: %v", err)
		}
		t.Cleanup(func() {
			eng.Stop()
			if err := eng.Wait(); err != nil {
				t.Errorf("engine: %v", err)
			}
		})
		return &luaEngine{eng: eng, base: "http://127.0.0.1:" + strconv.Itoa(port), dir: dir}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// run fetches /AREA: the chunk's output, the lua folder's path removed.
func (e *luaEngine) run(name string) (string, error) {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 20 * time.Second}
	resp, err := c.Get(e.base + "/" + name)
	if err != nil {
		return "", fmt.Errorf("engine GET /%s: %w", name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("engine GET /%s: reading the body: %w", name, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("engine GET /%s: status %d (see %s): %s", name, resp.StatusCode,
			filepath.Join(e.dir, "logs", "error.log"), b)
	}
	return normalize(string(b), filepath.Join(e.dir, "lua")), nil
}

func selected(a *area) bool {
	if *areaFlag == "" {
		return true
	}
	for _, n := range strings.Split(*areaFlag, ",") {
		if strings.TrimSpace(n) == a.name {
			return true
		}
	}
	return false
}

// TestLuaDiff runs every snippet file with the engine and compares each
// snippet's output with LuaJIT's golden; with luajit installed, it first
// checks the golden is still what luajit prints. A snippet listed in
// testdata/known.txt must differ (the list stays true).
func TestLuaDiff(t *testing.T) {
	areas, err := loadAreas("testdata")
	if err != nil {
		t.Fatal(err)
	}
	known, err := loadKnown("testdata/known.txt")
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{}
	for _, a := range areas {
		for _, s := range a.snippets {
			all[a.name+"/"+s] = true
		}
	}
	for name := range known {
		if !all[name] {
			t.Errorf("testdata/known.txt lists %s, which is no snippet", name)
		}
	}
	luajit := oracle(t)
	dir, err := os.MkdirTemp("", "ld") // short: Lua truncates long chunk names
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() || os.Getenv("LUADIFF_KEEP") == "" {
			os.RemoveAll(dir)
		}
	})
	for _, sub := range []string{"lua", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var run []*area
	for _, a := range areas {
		if selected(a) {
			run = append(run, a)
		}
		if err := os.WriteFile(filepath.Join(dir, "lua", a.name+".lua"), []byte(a.chunk()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if len(run) == 0 {
		t.Fatalf("-area %q names no snippet file", *areaFlag)
	}
	eng := startEngine(t, dir, areas)
	sem := make(chan struct{}, parallel)
	t.Run("area", func(t *testing.T) { // returns when its parallel subtests have
		for _, a := range run {
			t.Run(a.name, func(t *testing.T) {
				t.Parallel()
				sem <- struct{}{}
				defer func() { <-sem }()
				checkArea(t, a, luajit, eng, known)
			})
		}
	})
}

func checkArea(t *testing.T, a *area, luajit string, eng *luaEngine, known map[string]string) {
	golden := filepath.Join("testdata", a.name+".luajit.txt")
	if luajit != "" {
		out, err := runLuaJIT(luajit, filepath.Join(eng.dir, "lua"), a.name+".lua")
		if err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (record it: go test ./lab/luadiff -update)", err)
			}
			if out != string(want) {
				w, _ := split(string(want))
				o, order := split(out)
				for _, name := range order {
					if o[name] != w[name] {
						t.Errorf("%s/%s: luajit's output is not %s's (snippet changed? go test ./lab/luadiff -update):\n%s",
							a.name, name, golden, firstDiff(w[name], o[name], "golden", "luajit"))
					}
				}
			}
		}
	}
	wantB, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (record it: go test ./lab/luadiff -update)", err)
	}
	want, _ := split(string(wantB))
	for _, s := range a.snippets {
		if _, ok := want[s]; !ok {
			t.Fatalf("%s has no output for snippet %s: re-record it (-update)", golden, s)
		}
	}
	out, err := eng.run(a.name)
	if err != nil {
		t.Fatal(err)
	}
	got, order := split(out)
	for _, name := range order {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: the engine printed output under %q, which is no snippet:\n%s", a.name, name, got[name])
		}
	}
	for _, s := range a.snippets {
		full := a.name + "/" + s
		g, ran := got[s]
		reason, isKnown := known[full]
		switch {
		case !ran:
			t.Errorf("%s: the engine did not run it (the chunk stopped before? output ends with %q)", full, tail(out))
		case g != want[s] && isKnown && *showKnown:
			t.Logf("%s (known: %s):\n%s", full, reason, firstDiff(want[s], g, "luajit", "engine"))
		case g == want[s] && isKnown:
			t.Errorf("%s: listed in testdata/known.txt (%s) but the engine now prints what LuaJIT prints: remove it from the list (and from docs/architecture.md if it is there)", full, reason)
		case g != want[s] && !isKnown:
			t.Errorf("%s (testdata/%s.lua line %d) differs from LuaJIT:\n%s", full, a.name, a.line(s), firstDiff(want[s], g, "luajit", "engine"))
		}
	}
}

// line is where snippet s starts in its file.
func (a *area) line(s string) int {
	for i, l := range strings.Split(a.src, "\n") {
		if m := markerRE.FindStringSubmatch(l); m != nil && m[1] == s {
			return i + 1
		}
	}
	return 0
}

func tail(s string) string {
	if len(s) > 200 {
		return "..." + s[len(s)-200:]
	}
	return s
}

// firstDiff shows two texts line by line (want named wname, got gname),
// the first differing line marked with >.
func firstDiff(want, got, wname, gname string) string {
	w := strings.Split(want, "\n")
	g := strings.Split(got, "\n")
	var b strings.Builder
	marked := false
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		mark := " "
		if wl != gl && !marked {
			mark, marked = ">", true
		}
		if wl == gl {
			fmt.Fprintf(&b, "%s   both:   %q\n", mark, wl)
		} else {
			fmt.Fprintf(&b, "%s   %-7s %q\n    %-7s %q\n", mark, wname+":", wl, gname+":", gl)
		}
	}
	return b.String()
}
