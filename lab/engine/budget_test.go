package engine

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// loadEveryCore starts one shell process per core spinning for ever, so
// that the engine's worker has to share its core; they are killed (by
// pid) when the test ends.
func loadEveryCore(t *testing.T) {
	t.Helper()
	for i := 0; i < runtime.NumCPU(); i++ {
		cmd := exec.Command("sh", "-c", "while :; do :; done")
		if err := cmd.Start(); err != nil {
			t.Fatalf("start a spinning process: %v", err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	time.Sleep(100 * time.Millisecond) // let them take the cores
}

// TestCPUBudgetCountsCPUTime checks, through real requests, that the CPU
// budget charges a resume for the CPU time its worker thread used, not
// for wall time: a handler that spins far longer than the budget is
// stopped both on a machine without extra load and with a process
// spinning on every core; a handler that sleeps (ngx.sleep) longer than
// the budget, and one that does a little work while the cores are busy,
// are never stopped.
func TestCPUBudgetCountsCPUTime(t *testing.T) {
	if testing.Short() {
		t.Skip("spins the machine's cores for seconds")
	}
	const budget = 300 * time.Millisecond
	cases := []struct {
		name, path string
		loaded     bool
		stopped    bool   // a 500 and the budget's error line
		body       string // else the 200's body
	}{
		{"spin stopped, no extra load", "/spin", false, true, ""},
		{"spin stopped, every core busy", "/spin", true, true, ""},
		{"sleep never stopped, no extra load", "/sleep", false, false, "slept\n"},
		{"sleep never stopped, every core busy", "/sleep", true, false, "slept\n"},
		{"short work not stopped, every core busy", "/work", true, false, "done\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// a fresh engine per case: its error.log holds this case's lines only
			_, base, prefix := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        # ~10^9 additions: many seconds of CPU, far over the budget
        location /spin { content_by_lua_block {
            local x = 0
            for i = 1, 1e9 do x = x + i end
            ngx.say("finished ", x)
        } }
        # 1 s asleep, more than three budgets: the resume yields
        location /sleep { content_by_lua_block { ngx.sleep(0.5) ngx.sleep(0.5) ngx.say("slept") } }
        # a few ms of CPU: slower on a busy machine in wall time, not in CPU
        location /work { content_by_lua_block {
            local x = 0
            for i = 1, 1e5 do x = x + i end
            ngx.say("done")
        } }
    }`, Options{CPUBudget: budget})
			if tc.loaded {
				loadEveryCore(t)
			}
			start := time.Now()
			st, body := get(t, base+tc.path)
			took := time.Since(start)
			logb, _ := os.ReadFile(filepath.Join(prefix, "logs", "error.log"))
			hit := strings.Contains(string(logb), "CPU budget exceeded")
			if tc.stopped {
				if st != 500 || !hit {
					t.Fatalf("GET %s = %d %q after %v; want 500 and the budget's error in error.log:\n%s", tc.path, st, body, took, logb)
				}
				return
			}
			if st != 200 || body != tc.body || hit {
				t.Fatalf("GET %s = %d %q after %v (budget error logged: %v); want 200 %q:\n%s", tc.path, st, body, took, hit, tc.body, logb)
			}
		})
	}
}
