package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/restylab/restylab/sandbox/proto"
)

// nextState returns the next State on in.Events within d, nil if none came.
func nextState(in *Instance, d time.Duration) *proto.State {
	deadline := time.After(d)
	for {
		select {
		case ev, ok := <-in.Events():
			if !ok {
				return nil
			}
			if st, ok := ev.(*proto.State); ok {
				return st
			}
		case <-deadline:
			return nil
		}
	}
}

// TestStepOverIPC pauses a real child, sends a request that stays pending
// and unanswered, steps the event loop until it is answered, and resumes.
func TestStepOverIPC(t *testing.T) {
	m := newManager(t, Config{})
	in, err := m.Start(context.Background(), "s", Workspace{Conf: `events {}
http {
    server {
        listen 8080;
        location / { content_by_lua_block { ngx.say("stepped") } }
    }
}
`})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Pause(); err != nil {
		t.Fatal(err)
	}
	if st := nextState(in, 5*time.Second); st == nil || !st.Paused {
		t.Fatalf("after Pause: state %+v, want paused", st)
	}
	type result struct {
		status int
		body   string
		err    error
	}
	answered := make(chan result, 1)
	go func() {
		resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/", in.Port()))
		if err != nil {
			answered <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		answered <- result{status: resp.StatusCode, body: string(b), err: err}
	}()
	// The loop holds the accept: the request is pending, not answered.
	var st *proto.State
	for deadline := time.Now().Add(5 * time.Second); ; {
		st = nextState(in, time.Until(deadline))
		if st == nil {
			t.Fatalf("no State naming the listening socket; last %+v", in.State())
		}
		if len(st.Pending) > 0 && strings.Contains(st.Pending[0], "readable (listening socket 127.0.0.1:") {
			break
		}
	}
	t.Logf("paused: %q", st.Pending)
	if !strings.HasPrefix(st.Pending[0], "worker 0: fd ") {
		t.Errorf("pending %q, want worker 0's fd first", st.Pending[0])
	}
	select {
	case r := <-answered:
		t.Fatalf("answered while paused: %+v", r)
	case <-time.After(200 * time.Millisecond):
	}
	// Step one dispatch at a time until the response arrives.
	var seen []string
	steps := 0
	var res result
stepping:
	for steps < 20 {
		if err := in.Step(1); err != nil {
			t.Fatal(err)
		}
		steps++
		for {
			select {
			case res = <-answered:
				break stepping
			case ev := <-in.Events():
				if st, ok := ev.(*proto.State); ok && len(st.Pending) > 0 {
					seen = append(seen, st.Pending[0])
				}
				continue
			case <-time.After(100 * time.Millisecond):
			}
			break
		}
	}
	// States sent before the answer may still be on their way (a loaded
	// machine): collect them too.
	for draining := true; draining; {
		select {
		case ev := <-in.Events():
			if st, ok := ev.(*proto.State); ok && len(st.Pending) > 0 {
				seen = append(seen, st.Pending[0])
			}
		case <-time.After(500 * time.Millisecond):
			draining = false
		}
	}
	t.Logf("answered after %d steps; pending heads seen: %q", steps, seen)
	if res.err != nil || res.status != 200 || res.body != "stepped\n" {
		t.Fatalf("stepped request = %+v, want 200 \"stepped\\n\"", res)
	}
	if !containsPart(seen, "(client connection)") {
		t.Errorf("no step stopped at the client connection: %q", seen)
	}
	if err := in.Resume(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		st := nextState(in, time.Until(deadline))
		if st == nil {
			t.Fatal("no State after Resume")
		}
		if !st.Paused {
			break
		}
	}
	if code, body := get(t, in, "/"); code != 200 || body != "stepped\n" {
		t.Errorf("after Resume: %d %q", code, body)
	}
	if err := in.Step(0); err == nil {
		t.Error("Step(0) did not fail")
	}
}

func containsPart(list []string, part string) bool {
	for _, s := range list {
		if strings.Contains(s, part) {
			return true
		}
	}
	return false
}

func TestCPUWindow(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	w := &cpuWindow{window: 2 * time.Second}
	tests := []struct {
		at   time.Time
		cpu  time.Duration
		want time.Duration
	}{
		{at(0), 0, 0},
		{at(500), 300 * time.Millisecond, 300 * time.Millisecond},
		{at(1000), 600 * time.Millisecond, 600 * time.Millisecond},
		{at(2500), 700 * time.Millisecond, 400 * time.Millisecond}, // since the sample at 500 ms
		{at(5000), 700 * time.Millisecond, 0},
	}
	for _, tt := range tests {
		if got := w.add(cpuSample{at: tt.at, cpu: tt.cpu}); got != tt.want {
			t.Errorf("at %v: used %v, want %v", tt.at.Sub(t0), got, tt.want)
		}
	}
}

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		line    string
		want    time.Duration
		wantErr bool
	}{
		{line: "123 (restylab) S 1 123 123 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1000 0 0", want: 3 * time.Second},
		{line: "7 (a b) c)) R 1 7 7 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 1 0 0", want: 30 * time.Millisecond},
		{line: "7 (x) R 1 2", wantErr: true},
		{line: "no paren", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseStatCPU([]byte(tt.line))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseStatCPU(%q) = %v, %v; want %v (error %v)", tt.line, got, err, tt.want, tt.wantErr)
		}
	}
	cpu, err := processCPU(os.Getpid())
	if err != nil || cpu <= 0 {
		t.Errorf("processCPU(self) = %v, %v", cpu, err)
	}
}

func TestCPULimitReason(t *testing.T) {
	tests := []struct {
		limit, window time.Duration
		want          string
	}{
		{30 * time.Second, time.Minute, "CPU limit: the instance used 30 s of CPU in the last minute"},
		{500 * time.Millisecond, 2 * time.Second, "CPU limit: the instance used 500 ms of CPU in the last 2 s"},
		{1500 * time.Millisecond, 5 * time.Minute, "CPU limit: the instance used 1.5 s of CPU in the last 5 min"},
	}
	for _, tt := range tests {
		if got := CPULimitReason(tt.limit, tt.window); got != tt.want {
			t.Errorf("CPULimitReason(%v, %v) = %q, want %q", tt.limit, tt.window, got, tt.want)
		}
	}
}

// TestCgroupFiles runs the cgroup setup against a fake cgroup tree (plain
// files): the controllers enabled, one group per child with its limits.
func TestCgroupFiles(t *testing.T) {
	parent := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(parent, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("cgroup.controllers", "cpuset cpu io memory pids\n")
	write("cgroup.subtree_control", "memory\n")
	// the kernel makes a group's files; the fake needs the one setup reads
	own := fmt.Sprintf("restylab-%d", os.Getpid())
	if err := os.Mkdir(filepath.Join(parent, own), 0o755); err != nil {
		t.Fatal(err)
	}
	write(own+"/cgroup.subtree_control", "")
	cg, err := setupCgroups(parent, os.Getpid(), cgroupLimits{memory: 512 << 20, pids: 128, cpus: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	child, err := cg.newChild()
	if err != nil {
		t.Fatal(err)
	}
	child.started()
	tests := []struct{ file, want string }{
		{filepath.Join(parent, "cgroup.subtree_control"), "+pids +cpu"},
		{filepath.Join(cg.dir, "cgroup.subtree_control"), "+memory +pids +cpu"},
		{filepath.Join(child.dir, "memory.max"), "536870912"},
		{filepath.Join(child.dir, "pids.max"), "128"},
		{filepath.Join(child.dir, "cpu.max"), "50000 100000"},
		{filepath.Join(child.dir, "cpu.weight"), "100"},
	}
	for _, tt := range tests {
		b, err := os.ReadFile(tt.file)
		if err != nil || string(b) != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.file, b, err, tt.want)
		}
	}
	if err := child.setWeight(cgroupHogWeight); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(child.dir, "cpu.weight")); string(b) != "10" {
		t.Errorf("a hog's cpu.weight = %q, want 10", b)
	}
	if got := filepath.Dir(child.dir); got != filepath.Join(parent, own) {
		t.Errorf("child cgroup in %s", got)
	}

	write("cgroup.controllers", "memory\n")
	if _, err := setupCgroups(parent, os.Getpid(), cgroupLimits{}); err == nil || !strings.Contains(err.Error(), "pids, cpu not delegated") {
		t.Errorf("without pids and cpu: %v", err)
	}
}

// TestCgroups checks what the lab does on this machine: with cgroup v2
// writable, each child runs in its own group with the limits; without, the
// Manager logs once why and the children run all the same.
func TestCgroups(t *testing.T) {
	var logged syncBuffer
	m := newManager(t, Config{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	in, err := m.Start(context.Background(), "s", Workspace{Conf: helloConf})
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, in, "/x"); code != 200 {
		t.Fatalf("GET /x = %d", code)
	}
	lines := strings.Split(strings.TrimSpace(logged.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `msg="sandbox isolation"`) || !strings.Contains(lines[0], strconvQuote(m.Isolation())) {
		t.Errorf("logged %q, want one line saying the isolation %q", lines, m.Isolation())
	}
	if m.cgroups == nil {
		if !strings.HasPrefix(m.Isolation(), "rlimits and the CPU watchdog only: cgroup v2 not available (") {
			t.Errorf("isolation %q, want why cgroups are not used", m.Isolation())
		}
		t.Skipf("cgroup v2 is not usable here: %s", m.Isolation())
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", in.PID()))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), filepath.Base(in.cgroup.dir)) {
		t.Errorf("the child is in %q, want %s", b, in.cgroup.dir)
	}
	for file, want := range map[string]string{"memory.max": fmt.Sprint(DefaultCgroupMemory), "pids.max": fmt.Sprint(DefaultMaxPids), "cpu.max": "100000 100000"} {
		got, err := os.ReadFile(filepath.Join(in.cgroup.dir, file))
		if err != nil || strings.TrimSpace(string(got)) != want {
			t.Errorf("%s = %q, %v; want %q", file, got, err, want)
		}
	}
	dir := in.cgroup.dir
	in.Stop()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("after Stop: %s still there (%v)", dir, err)
	}
}

func TestTraceRate(t *testing.T) {
	t0 := time.Unix(1000, 0)
	r := newTraceRate(100)
	tests := []struct {
		after time.Duration // since t0
		n     int
		want  int
	}{
		{0, 80, 80},                      // within the first second's burst
		{0, 80, 20},                      // the rest of it
		{100 * time.Millisecond, 50, 10}, // 10 tokens came back
		{5 * time.Second, 500, 100},      // the burst is one second's worth
		{5 * time.Second, 0, 0},
	}
	for _, tt := range tests {
		if got := r.allow(tt.n, t0.Add(tt.after)); got != tt.want {
			t.Errorf("at %v: allow(%d) = %d, want %d", tt.after, tt.n, got, tt.want)
		}
	}
	if got := newTraceRate(0).allow(1e6, t0); got != 1e6 {
		t.Errorf("no limit: allow(1e6) = %d", got)
	}
}

// TestCPUTime: the instance's CPU time grows when a handler spins.
func TestCPUTime(t *testing.T) {
	m := newManager(t, Config{})
	conf := `events {}
http { server { listen 8080; location / { content_by_lua_block {
    local t0 = os.clock()
    while os.clock() - t0 < 0.05 do end
    ngx.say("spun")
} } } }
`
	in, err := m.Start(context.Background(), "s", Workspace{Conf: conf})
	if err != nil {
		t.Fatal(err)
	}
	before, err := in.CPUTime()
	if err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, in, "/"); code != 200 || body != "spun\n" {
		t.Fatalf("GET /: %d %q", code, body)
	}
	after, err := in.CPUTime()
	if err != nil {
		t.Fatal(err)
	}
	used := after - before
	// The loop spins for 50 ms of wall time; on a loaded machine (CI runs
	// other packages' tests beside this one) it gets less of the CPU.
	if used < 10*time.Millisecond || used > 2*time.Second {
		t.Fatalf("CPU time grew by %v for a 50 ms loop", used)
	}
	if used%(10*time.Millisecond) == 0 {
		t.Logf("CPU time %v is a whole number of clock ticks: schedstat may be missing", used)
	}
	t.Logf("a 50 ms loop used %v of CPU", used)
}

func TestCapLimit(t *testing.T) {
	for _, tt := range []struct{ want, hard, got uint64 }{
		{4096, 1 << 20, 4096},
		{4096, 1024, 1024},
		{2 << 30, ^uint64(0), 2 << 30}, // RLIM_INFINITY
	} {
		if got := capLimit(tt.want, tt.hard); got != tt.got {
			t.Errorf("capLimit(%d, %d) = %d, want %d", tt.want, tt.hard, got, tt.got)
		}
	}
}

// TestLowHardLimit: a lab whose own hard RLIMIT_NOFILE is below the
// default (an unprivileged container user cannot raise it) still starts
// instances, with the lower limit. As root the test drops to nobody, since
// root may raise a hard limit.
func TestLowHardLimit(t *testing.T) {
	bin := childBinary
	cmd := exec.Command("bash", "-c", "ulimit -Sn 1024 && ulimit -Hn 1024 && exec \"$0\" sandbox --open-files=4096 --health-interval=0 < /dev/null", bin)
	if os.Geteuid() == 0 {
		dir, err := os.MkdirTemp("", "lowlimit-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(childBinary)
		if err != nil {
			t.Fatal(err)
		}
		bin = filepath.Join(dir, "child")
		if err := os.WriteFile(bin, data, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd = exec.Command("bash", "-c", "ulimit -Sn 1024 && ulimit -Hn 1024 && exec \"$0\" sandbox --open-files=4096 --health-interval=0 --tmpdir=\"$1\" < /dev/null", bin, dir)
		if err := os.Chmod(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	out, err := cmd.CombinedOutput()
	// With stdin at EOF the child exits at once, after applying its limits:
	// a refused limit is a usage error naming RLIMIT_NOFILE.
	if strings.Contains(string(out), "RLIMIT_NOFILE") {
		t.Fatalf("the child refused to start under a low hard limit: %v\n%s", err, out)
	}
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (a logger's).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// strconvQuote quotes s as slog's text handler does a value with spaces.
func strconvQuote(s string) string { return strconv.Quote(s) }
