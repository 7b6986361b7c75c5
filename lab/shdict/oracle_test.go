package shdict

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
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
	if _, err := exec.LookPath("nginx"); err == nil {
		real = runOnNginx(t, prelude, names)
	} else if *update {
		t.Fatal("-update needs the nginx binary")
	} else {
		t.Log("nginx not installed: comparing with the recorded outputs only")
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
	dir := t.TempDir()
	port := freePort(t)
	var locs strings.Builder
	for _, name := range names {
		file := filepath.Join(dir, name+".lua")
		if err := os.WriteFile(file, []byte(readSnippet(t, prelude, name)), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&locs, "    location = /%s { content_by_lua_file %s; }\n", name, file)
	}
	// "user root" lets the worker read the 0700 temp dir when the test runs
	// as root; nginx ignores it otherwise, and then the worker is us.
	conf := fmt.Sprintf(`load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
user root;
daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events {}
http {
  access_log off;
  lua_shared_dict d %[2]d;
  lua_shared_dict tiny %[3]d;
  server {
    listen 127.0.0.1:%[4]d;
%[5]s  }
}
`, dir, oracleDict, oracleTinyDict, port, locs.String())
	confFile := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("nginx", "-p", dir, "-c", confFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	waitListening(t, addr, &stderr)
	out := make(map[string]string, len(names))
	client := &http.Client{Timeout: 10 * time.Second}
	for _, name := range names {
		resp, err := client.Get("http://" + addr + "/" + name)
		if err != nil {
			t.Fatalf("GET /%s: %v", name, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("GET /%s: status %d, %v\n%s", name, resp.StatusCode, err, log)
		}
		out[name] = string(body)
	}
	return out
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitListening(t *testing.T, addr string, stderr *bytes.Buffer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nginx did not listen on %s: %s", addr, stderr.String())
}
