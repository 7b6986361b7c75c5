package engine

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWorkerThreadOffloads: a task on a pool thread runs while the worker
// serves other requests (the point of ngx.run_worker_thread), and a
// learner's endless loop in a task ends at the lab's CPU budget with a
// message instead of spinning for ever.
func TestWorkerThreadOffloads(t *testing.T) {
	const conf = `
    server {
        listen 127.0.0.1:{{PORT}};
        location = /busy { content_by_lua_block { ngx.say(ngx.run_worker_thread("default", "work", "busy")) } }
        location = /loop { content_by_lua_block { ngx.say(ngx.run_worker_thread("default", "work", "loop")) } }
        location = /ok { content_by_lua_block { ngx.say("ok") } }
    }`
	// a budget of CPU time: generous for the busy task even under -race,
	// small for the endless loop's engine
	_, base, prefix := startEngineMain(t, "thread_pool default threads=2;\n", 1, "", conf, Options{CPUBudget: 20 * time.Second})
	_, loopBase, loopPrefix := startEngineMain(t, "thread_pool default threads=2;\n", 1, "", conf, Options{CPUBudget: 300 * time.Millisecond})
	mod := `local _M = {}
function _M.busy()
  local n = 0
  for i = 1, 1e6 do n = n + i % 7 end -- CPU work off the worker
  return true, n > 0
end
function _M.loop() while true do end end
return _M
`
	for _, p := range []string{prefix, loopPrefix} {
		if err := os.MkdirAll(filepath.Join(p, "lua"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "lua", "work.lua"), []byte(mod), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// the endless loop ends at the budget, and the worker still answers
	if code, body := get(t, loopBase+"/loop"); code != 200 || !strings.Contains(body, "false") || !strings.Contains(body, "CPU budget") {
		t.Errorf("GET /loop = %d %q, want false and the CPU budget's message", code, body)
	}

	// while a task computes, the worker serves /ok many times
	var wg sync.WaitGroup
	wg.Add(1)
	var busy string
	go func() {
		defer wg.Done()
		_, busy = get(t, base+"/busy")
	}()
	served := 0
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if code, body := get(t, base+"/ok"); code != 200 || body != "ok\n" {
			t.Fatalf("GET /ok = %d %q during the task", code, body)
		}
		served++
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
			deadline = time.Now()
		default:
		}
	}
	wg.Wait()
	if busy != "truetruetrue\n" {
		t.Errorf("GET /busy = %q, want the task's results", busy)
	}
	if served < 1 {
		t.Errorf("the worker served /ok %d times while the task ran, want at least once", served)
	}
	t.Logf("served /ok %d times while the task ran", served)
}

// TestWorkerThreadSandbox: a task on a pool thread is learner code like any
// handler: in a sandboxed instance its VM refuses files, commands and
// modules from outside the workspace, as the worker's own VM does.
func TestWorkerThreadSandbox(t *testing.T) {
	_, base, prefix := startEngineMain(t, "thread_pool default threads=1;\n", 1, "", `
    server {
        listen 127.0.0.1:{{PORT}};
        location = /t { content_by_lua_block {
            for _, f in ipairs({"file", "required_io", "command", "outside_module"}) do
                ngx.say(f, ": ", tostring(ngx.run_worker_thread("default", "evil", f)))
            end
            ngx.say("getenv: ", (select(3, ngx.run_worker_thread("default", "evil", "env"))))
        } }
    }`, Options{Sandbox: true, CPUBudget: 2 * time.Second})
	mod := `local _M = {}
function _M.file() return true, io.open("/etc/passwd"):read("*a") end
function _M.required_io() return true, require("io").open("/etc/passwd"):read("*a") end
function _M.command() return true, os.execute("id") end
function _M.outside_module() package.path = "OUTSIDE/?.lua" return true, require("secret") end
function _M.env() return true, tostring(os.getenv("HOME")) end
return _M
`
	// a valid module outside the workspace: only the sandbox keeps it out
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.lua"), []byte(`return "the lab's secret"`), 0o644); err != nil {
		t.Fatal(err)
	}
	mod = strings.ReplaceAll(mod, "OUTSIDE", outside)
	if err := os.MkdirAll(filepath.Join(prefix, "lua"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(prefix, "lua", "evil.lua"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	code, body := get(t, base+"/t")
	if code != 200 {
		t.Fatalf("GET /t = %d %q", code, body)
	}
	for _, want := range []string{"file: false", "required_io: false", "command: false", "outside_module: false", "getenv: nil"} {
		if !strings.Contains(body, want) {
			t.Errorf("body %q lacks %q", body, want)
		}
	}
	if strings.Contains(body, "root:") || strings.Contains(body, "secret") {
		t.Errorf("a worker thread read the lab's files: %q", body)
	}
}
