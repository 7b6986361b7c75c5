package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/restylab/restylab/lab/trace"
	"github.com/restylab/restylab/sandbox/proto"
)

// childBinary is testdata/child built without -race: the race detector's
// shadow memory does not fit under RLIMIT_AS.
var childBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sandbox-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	childBinary = filepath.Join(dir, "restylab-child")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	cmd := exec.Command(gobin, "build", "-o", childBinary, "./testdata/child")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build the child:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func newManager(t *testing.T, cfg Config) *Manager {
	t.Helper()
	cfg.Binary = childBinary
	cfg.TempDir = t.TempDir()
	// The instances run at the test's own priority unless a test asks for
	// one: on a CI machine they compete with other test packages at nice
	// 0, where in a lab they compete only with each other. The priorities
	// have their own tests (priority_test.go).
	if cfg.Nice == 0 {
		cfg.Nice = -1
	}
	if cfg.HogNice == 0 {
		cfg.HogNice = -1
	}
	if cfg.HealthInterval == 0 {
		cfg.HealthInterval = 50 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	m, err := NewManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

const helloConf = `events {}
http {
    server {
        listen 8080;
        location / {
            content_by_lua_block {
                ngx.log(ngx.ERR, "marker ", ngx.var.uri)
                ngx.say("hello from ", ngx.var.uri)
            }
        }
        location /spin {
            content_by_lua_block { while true do end }
        }
        location /bomb {
            content_by_lua_block {
                local t = {}
                for i = 1, 1e9 do
                    t[i] = string.rep("x", 1000) .. i
                    if i % 5000 == 0 then ngx.sleep(0) end -- stay under the CPU budget
                end
            }
        }
        location /mod {
            content_by_lua_block { ngx.say(require("greet").hi()) }
        }
    }
}
`

var client = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

func get(t *testing.T, in *Instance, path string) (int, string) {
	t.Helper()
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d%s", in.Port(), path))
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", path, err)
	}
	return resp.StatusCode, string(b)
}

// waitLog returns the first error_log line containing want.
func waitLog(t *testing.T, in *Instance, want string) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-in.Events():
			if !ok {
				t.Fatalf("events closed before a line with %q (%s)", want, in.Exited())
			}
			if l, ok := ev.(*proto.LogLine); ok && strings.Contains(l.Line, want) {
				return l.Line
			}
		case <-deadline:
			t.Fatalf("no error_log line with %q", want)
		}
	}
}

func processGone(pid int) bool {
	return syscall.Kill(pid, 0) == syscall.ESRCH
}

func TestServeAndStop(t *testing.T) {
	m := newManager(t, Config{})
	ws := Workspace{Conf: helloConf, Files: map[string]string{"greet.lua": `return { hi = function() return "hi from a module" end }`}}
	// Workspace files live next to nginx.conf, in the prefix.
	ws.Conf = strings.Replace(ws.Conf, "http {", "http {\n    lua_package_path \"$prefix/?.lua;;\";", 1)
	in, err := m.Start(context.Background(), "s1", ws)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, in, "/x"); code != 200 || body != "hello from /x\n" {
		t.Fatalf("GET /x = %d %q", code, body)
	}
	line := waitLog(t, in, "marker /x")
	t.Logf("error_log: %s", line)
	if code, body := get(t, in, "/mod"); code != 200 || body != "hi from a module\n" {
		t.Fatalf("GET /mod = %d %q", code, body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for in.Health().RSS == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if h := in.Health(); h.RSS == 0 || h.FDs == 0 || h.CPUTime == 0 {
		t.Fatalf("Health = %+v, want usage", h)
	}
	limits, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", in.PID()))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("Max open files            %-20d %-20d", DefaultOpenFiles, DefaultOpenFiles),
		fmt.Sprintf("Max address space         %-20d %-20d", DefaultAddressSpace, DefaultAddressSpace),
	} {
		if !strings.Contains(string(limits), want) {
			t.Errorf("/proc/PID/limits lacks %q:\n%s", want, limits)
		}
	}
	if pgid, err := syscall.Getpgid(in.PID()); err != nil || pgid != in.PID() {
		t.Errorf("child's process group = %d, %v; want its own (%d)", pgid, err, in.PID())
	}
	pid := in.PID()
	in.Stop()
	if got := in.Exited(); got != "stopped" {
		t.Errorf("Exited() = %q, want stopped", got)
	}
	if !processGone(pid) {
		t.Errorf("process %d still exists after Stop", pid)
	}
	if n := m.Live(); n != 0 {
		t.Errorf("Live() = %d after Stop", n)
	}
	if m.Instance("s1") != nil {
		// the session's entry goes once the child is reaped
		time.Sleep(50 * time.Millisecond)
		if m.Instance("s1") != nil {
			t.Errorf("session still has an instance after Stop")
		}
	}
}

func TestLoadError(t *testing.T) {
	m := newManager(t, Config{})
	tests := []struct {
		name, conf string
		files      map[string]string
		file       string
		line       int
		msg        string
	}{
		{"unknown directive", "events {}\nhttp {\n    bogus on;\n}\n", nil, "nginx.conf", 3, `unknown directive "bogus" in nginx.conf:3`},
		{"include", "events {}\nhttp {\n    include extra.conf;\n}\n", map[string]string{"extra.conf": "server {\n  listen 80;\n  nope;\n}\n"}, "extra.conf", 3, `unknown directive "nope" in extra.conf:3`},
		{"file outside", "events {}\nhttp {}\n", map[string]string{"../x.lua": ""}, "", 0, "bad file name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.Start(context.Background(), "s", Workspace{Conf: tt.conf, Files: tt.files})
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("Start: %v, want a *LoadError", err)
			}
			if le.File != tt.file || le.Line != tt.line || !strings.Contains(le.Message, tt.msg) {
				t.Fatalf("LoadError = %+v, want %s:%d %q", *le, tt.file, tt.line, tt.msg)
			}
			if strings.Contains(le.Message, os.TempDir()) {
				t.Errorf("message shows the temporary directory: %q", le.Message)
			}
		})
	}
	if n := m.Live(); n != 0 {
		t.Errorf("Live() = %d after refused workspaces", n)
	}
}

func TestCPUBudget(t *testing.T) {
	m := newManager(t, Config{CPUBudget: 300 * time.Millisecond})
	in, err := m.Start(context.Background(), "s", Workspace{Conf: helloConf})
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, in, "/spin"); code != 500 {
		t.Fatalf("GET /spin = %d, want 500", code)
	}
	line := waitLog(t, in, "CPU budget exceeded")
	if !strings.Contains(line, "300ms of CPU time without yielding") {
		t.Errorf("error_log line = %q, want the budget named", line)
	}
	if code, body := get(t, in, "/after"); code != 200 || body != "hello from /after\n" {
		t.Fatalf("after the runaway: GET /after = %d %q", code, body)
	}
	if got := in.Exited(); got != "" {
		t.Fatalf("instance ended: %s", got)
	}
}

func TestMemoryLimitKillsOnlyTheChild(t *testing.T) {
	m := newManager(t, Config{MemoryLimit: 64 << 20})
	other, err := m.Start(context.Background(), "bystander", Workspace{Conf: helloConf})
	if err != nil {
		t.Fatal(err)
	}
	in, err := m.Start(context.Background(), "bomber", Workspace{Conf: helloConf})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/bomb", in.Port()))
	if err == nil {
		resp.Body.Close()
		t.Logf("GET /bomb answered %d", resp.StatusCode)
	}
	select {
	case <-in.Done():
	case <-time.After(60 * time.Second):
		t.Fatal("the memory bomb did not end the instance")
	}
	if got, want := in.Exited(), "memory limit of 64 MiB exceeded"; got != want {
		t.Fatalf("Exited() = %q, want %q", got, want)
	}
	if code, _ := get(t, other, "/still"); code != 200 {
		t.Fatalf("the other instance answered %d", code)
	}
	// The next action restarts the session's instance.
	again, err := m.Start(context.Background(), "bomber", Workspace{Conf: helloConf})
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, again, "/back"); code != 200 {
		t.Fatalf("restarted instance answered %d", code)
	}
}

func TestCap(t *testing.T) {
	m := newManager(t, Config{MaxInstances: 2})
	a, err := m.Start(context.Background(), "a", Workspace{Conf: helloConf})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Start(context.Background(), "b", Workspace{Conf: helloConf}); err != nil {
		t.Fatal(err)
	}
	_, err = m.Start(context.Background(), "c", Workspace{Conf: helloConf})
	if !errors.Is(err, ErrFull) || err.Error() != "lab is full: 2 instances running" {
		t.Fatalf("third Start: %v, want lab is full", err)
	}
	// Restarting a session does not need a free slot.
	if _, err := m.Start(context.Background(), "a", Workspace{Conf: helloConf}); err != nil {
		t.Fatalf("restart a: %v", err)
	}
	if a.Exited() != "stopped" {
		t.Errorf("replaced instance: Exited() = %q", a.Exited())
	}
	m.Instance("b").Stop()
	c, err := m.Start(context.Background(), "c", Workspace{Conf: helloConf})
	if err != nil {
		t.Fatalf("Start after a Stop: %v", err)
	}
	if code, _ := get(t, c, "/"); code != 200 {
		t.Fatalf("GET = %d", code)
	}
}

func TestReload(t *testing.T) {
	m := newManager(t, Config{})
	in, err := m.Start(context.Background(), "s", Workspace{Conf: helloConf})
	if err != nil {
		t.Fatal(err)
	}
	v2 := strings.Replace(helloConf, `ngx.say("hello from ", ngx.var.uri)`, `ngx.say("v2")`, 1)
	if err := in.Reload(context.Background(), Workspace{Conf: v2}); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, in, "/"); code != 200 || body != "v2\n" {
		t.Fatalf("after reload: %d %q", code, body)
	}
	err = in.Reload(context.Background(), Workspace{Conf: "events {}\nhttp {\n  oops;\n}\n"})
	var le *LoadError
	if !errors.As(err, &le) || le.Line != 3 {
		t.Fatalf("bad reload: %v, want a LoadError at line 3", err)
	}
	if code, body := get(t, in, "/"); code != 200 || body != "v2\n" {
		t.Fatalf("after a refused reload the old workspace should serve: %d %q", code, body)
	}
	// worker_processes above the lab's cap is lowered, with a warning.
	v3 := "worker_processes 8;\n" + v2
	if err := in.Reload(context.Background(), Workspace{Conf: v3}); err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(in.Warnings(), "\n"); !strings.Contains(w, "worker_processes 8 lowered to the lab's limit of 2") {
		t.Fatalf("warnings = %q", w)
	}
}

func TestTrace(t *testing.T) {
	m := newManager(t, Config{})
	in, err := m.Start(context.Background(), "s", Workspace{Conf: helloConf})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.SetTrace(true); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // SetTrace has no answer
	get(t, in, "/traced")
	deadline := time.After(10 * time.Second)
	for {
		select {
		case <-in.Trace().Ready():
			for _, e := range takeTrace(t, in) {
				if e.Kind == trace.RequestStart && strings.Contains(e.Detail, "/traced") {
					return
				}
			}
		case <-deadline:
			t.Fatal("no request_start event for /traced")
		}
	}
}

// takeTrace decodes the events of every trace message in's queue holds now.
func takeTrace(t *testing.T, in *Instance) []trace.Event {
	t.Helper()
	var events []trace.Event
	for {
		m, ok := in.Trace().TryTake()
		if !ok {
			return events
		}
		evs, err := m.Events()
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, evs...)
	}
}

func TestIdleTimeout(t *testing.T) {
	m := newManager(t, Config{IdleTimeout: 200 * time.Millisecond})
	in, err := m.Start(context.Background(), "s", Workspace{Conf: helloConf})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-in.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("idle instance still running")
	}
	if got := in.Exited(); !strings.Contains(got, "without use") {
		t.Fatalf("Exited() = %q", got)
	}
	if got := in.ExitKind(); got != ExitIdle {
		t.Errorf("ExitKind() = %q, want %q", got, ExitIdle)
	}
}

func TestKilledFromOutside(t *testing.T) {
	m := newManager(t, Config{})
	in, err := m.Start(context.Background(), "s", Workspace{Conf: helloConf})
	if err != nil {
		t.Fatal(err)
	}
	syscall.Kill(in.PID(), syscall.SIGKILL)
	select {
	case <-in.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("not reaped")
	}
	if got := in.Exited(); got != "killed by signal killed" {
		t.Fatalf("Exited() = %q", got)
	}
	if got := in.ExitKind(); got != ExitOther {
		t.Errorf("ExitKind() = %q, want %q", got, ExitOther)
	}
	if m.Live() != 0 {
		t.Fatalf("Live() = %d", m.Live())
	}
}

func TestExitReason(t *testing.T) {
	tests := []struct {
		name, exitMsg, stop, stderr, want, kind string
	}{
		{"child's message", "memory limit of 256 MiB exceeded", "", "", "memory limit of 256 MiB exceeded", ExitMemory},
		{"runtime out of memory", "", "", "runtime: out of memory: cannot allocate 4194304-byte block (268435456 in use)\nfatal error: out of memory\n", "memory limit of 256 MiB exceeded", ExitMemory},
		{"panic", "", "", "some log\npanic: runtime error: index out of range [3] with length 2\n\ngoroutine 1 [running]:\n", "crashed: panic: runtime error: index out of range [3] with length 2", ExitCrashed},
		{"fatal", "", "", "fatal error: concurrent map writes\n", "crashed: fatal error: concurrent map writes", ExitCrashed},
		{"stop asked", "stopped", "stopped after 15m0s without use", "", "stopped after 15m0s without use", ExitIdle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exitReason(tt.exitMsg, tt.stop, nil, nil, tt.stderr, 256<<20); got != tt.want {
				t.Fatalf("exitReason = %q, want %q", got, tt.want)
			}
			stopKind := ""
			if tt.stop != "" {
				stopKind = ExitIdle
			}
			if got := exitKind(tt.want, tt.stop, stopKind, 256<<20); got != tt.kind {
				t.Errorf("exitKind = %q, want %q", got, tt.kind)
			}
		})
	}
}

// TestReadyReportsWorkersAndLimits: the instance says how many workers run
// after the lab's cap, and its limits, on start and on each reload.
func TestReadyReportsWorkersAndLimits(t *testing.T) {
	m := newManager(t, Config{MaxWorkers: 2, MemoryLimit: 96 << 20, CPUBudget: 700 * time.Millisecond})
	conf := func(n int) string {
		return strings.Replace(helloConf, "events {}", fmt.Sprintf("worker_processes %d;\nevents {}", n), 1)
	}
	in, err := m.Start(context.Background(), "s", Workspace{Conf: conf(4)})
	if err != nil {
		t.Fatal(err)
	}
	if got := in.Workers(); got != 2 {
		t.Errorf("worker_processes 4 under a cap of 2: Workers() = %d, want 2", got)
	}
	if lim := in.Limits(); lim.MemoryLimit != 96<<20 || lim.CPUBudget != 700*time.Millisecond || lim.MaxWorkers != 2 {
		t.Errorf("Limits() = %+v", lim)
	}
	if err := in.Reload(context.Background(), Workspace{Conf: conf(1)}); err != nil {
		t.Fatal(err)
	}
	if got := in.Workers(); got != 1 {
		t.Errorf("after a reload to worker_processes 1: Workers() = %d", got)
	}
	// a reload that fails keeps the count of what still serves
	if err := in.Reload(context.Background(), Workspace{Conf: "events {"}); err == nil {
		t.Fatal("a broken workspace loaded")
	}
	if got := in.Workers(); got != 1 {
		t.Errorf("after a failed reload: Workers() = %d, want 1", got)
	}
}

// TestHealthFollowsAnIdleInstance: an idle instance reports its health
// less and less often, yet a connection made after a long idle time shows
// in Health at the next report interval, not seconds later.
func TestHealthFollowsAnIdleInstance(t *testing.T) {
	m := newManager(t, Config{HealthInterval: 100 * time.Millisecond})
	in, err := m.Start(context.Background(), "idle-health", Workspace{Conf: helloConf})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Second) // idle: the reports slow down to seconds apart
	if h := in.Health(); h.Conns != 0 {
		t.Fatalf("an idle instance reports %d connections", h.Conns)
	}
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", in.Port()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	for in.Health().Conns == 0 {
		if time.Since(start) > 2*time.Second {
			t.Fatalf("a connection made after 5 s idle is not in Health after 2 s: %+v", in.Health())
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("the connection showed in Health after %v", time.Since(start).Round(time.Millisecond))
}
