package main

import (
	"bytes"
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

	"github.com/restylab/restylab/lab/oracle"
)

// binary is the restylab command built once for these tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "restylab-cmd")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "restylab")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// writeConf writes an nginx.conf into a fresh prefix and returns its path.
func writeConf(t *testing.T, body string) (string, string) {
	t.Helper()
	prefix := t.TempDir()
	os.MkdirAll(filepath.Join(prefix, "logs"), 0o755)
	path := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return prefix, path
}

func TestRunTestFlag(t *testing.T) {
	cases := []struct {
		name, conf string
		code       int
		stderr     string
	}{
		{"good", "events {}\nhttp { server { listen 127.0.0.1:1; location / { return 200; } } }\n", 0, "test is successful"},
		{"unknown directive", "events {}\nhttp {\n  bogus on;\n}\n", 1, `[emerg] `},
		{"unknown directive names file and line", "events {}\nhttp {\n  bogus on;\n}\n", 1, `unknown directive "bogus" in `},
		{"lua syntax error is a warning with its line", "events {}\nhttp { server { listen 127.0.0.1:1;\nlocation / { content_by_lua_block {\nlocal x =\n} } } }\n", 0, "nginx.conf:5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prefix, path := writeConf(t, tc.conf)
			cmd := exec.Command(binary, "run", "-t", "-p", prefix, "-c", path)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code || !strings.Contains(stderr.String(), tc.stderr) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, stderr.String(), tc.code, tc.stderr)
			}
		})
	}
}

// TestRunServesTracesAndQuits runs the binary like nginx: it serves, prints
// trace events as JSON lines, and on SIGQUIT finishes and exits 0.
func TestRunServesTracesAndQuits(t *testing.T) {
	port := oracle.FreePort(t)
	prefix, path := writeConf(t, fmt.Sprintf(`
load_module /usr/lib/nginx/modules/ndk_http_module.so;
daemon off;
pid logs/nginx.pid;
error_log logs/error.log info;
events {}
http {
    access_log off;
    server {
        listen 127.0.0.1:%d;
        location / { content_by_lua_block { ngx.sleep(0.01) ngx.say("hi") } }
    }
}
`, port))
	cmd := exec.Command(binary, "run", "-p", prefix, "-c", path, "--trace", "-")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not listening: %v; stderr %s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "hi\n" || resp.Header.Get("Server") != "nginx/1.22.1" {
		t.Fatalf("got %d %q %v", resp.StatusCode, body, resp.Header)
	}
	time.Sleep(50 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGQUIT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v; stderr %s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{`"kind":"worker_start"`, `"kind":"co_yield"`, `"detail":"sleep 10ms"`, `"kind":"request_end"`} {
		if !strings.Contains(out, want) {
			t.Errorf("trace output lacks %s:\n%s", want, out)
		}
	}
}
