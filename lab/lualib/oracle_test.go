package lualib

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
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

func readGolden(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	return parseResults(t, string(data))
}

// TestOracleGolden checks lualib's result for every case against the golden
// file (whose entries TestOracleNginx checks against real nginx).
func TestOracleGolden(t *testing.T) {
	got := runLab(t, oracleCases)
	if *update {
		var b strings.Builder
		for _, c := range oracleCases {
			fmt.Fprintf(&b, "%s\t%s\n", c.name, got[c.name])
		}
		if err := os.WriteFile(goldenFile, []byte(b.String()), 0o644); err != nil {
			t.Fatalf("write golden: %v", err)
		}
		return
	}
	want := readGolden(t)
	for _, c := range oracleCases {
		t.Run(c.name, func(t *testing.T) {
			w, ok := want[c.name]
			if !ok {
				t.Fatalf("no golden entry (run go test -run TestOracleGolden -update)")
			}
			if got[c.name] != w {
				t.Errorf("lualib:\n  %s\ngolden:\n  %s", got[c.name], w)
			}
		})
	}
}

// TestOracleNginx runs every case on real nginx + ngx_lua and on lualib and
// compares. Cases marked fork (OpenResty's lua-cjson additions) are skipped,
// and so are cjson cases when the oracle has no cjson module.
func TestOracleNginx(t *testing.T) {
	if _, err := exec.LookPath("nginx"); err != nil {
		t.Skip("nginx binary not found: oracle comparison skipped")
	}
	lab := runLab(t, oracleCases)
	out := runNginx(t, caseScript(t, oracleCases)+"\nngx.print(RESULT)\n")
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

// Modules of Debian's nginx Lua packages.
const (
	ndkModule = "/usr/lib/nginx/modules/ndk_http_module.so"
	luaModule = "/usr/lib/nginx/modules/ngx_http_lua_module.so"
)

// runNginx serves script with content_by_lua_file on a fresh nginx bound
// to a free loopback port, fetches its output once and stops nginx.
func runNginx(t *testing.T, script string) string {
	t.Helper()
	for _, m := range []string{ndkModule, luaModule} {
		if _, err := os.Stat(m); err != nil {
			t.Skipf("nginx lua module missing: %v", err)
		}
	}
	dir := t.TempDir()
	// nginx workers may run as another user: keep the files readable.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	lfile := filepath.Join(dir, "cases.lua")
	if err := os.WriteFile(lfile, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	conf := fmt.Sprintf(`load_module %s;
load_module %s;
daemon off;
master_process off;
pid %s/nginx.pid;
error_log %s/error.log info;
events {}
http {
    access_log off;
    server {
        listen 127.0.0.1:%d;
        location / { content_by_lua_file %s; }
    }
}
`, ndkModule, luaModule, dir, dir, port, lfile)
	cfile := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(cfile, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("nginx", "-p", dir, "-c", cfile)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			body, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if rerr != nil || resp.StatusCode != http.StatusOK {
				log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
				t.Fatalf("nginx answered %d (%v); error.log:\n%s", resp.StatusCode, rerr, log)
			}
			return string(body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not answer on %s: %v; stderr: %s", url, err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freePort asks the kernel for a free loopback port.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
