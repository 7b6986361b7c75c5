package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// lab is a running `restylab serve`.
type lab struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:PORT
	dir  string // temporary folder: binary, data, log
	log  string // the lab's stderr
	done chan struct{}
}

// startLab builds restylab (unless bin is given) and starts it on a free
// loopback port with a data folder of its own, then waits for /readyz.
func startLab(ctx context.Context, o options) (*lab, error) {
	dir, err := os.MkdirTemp("", "bench-classroom-")
	if err != nil {
		return nil, fmt.Errorf("temporary folder: %w", err)
	}
	l := &lab{dir: dir, log: filepath.Join(dir, "lab.log"), done: make(chan struct{})}
	bin := o.bin
	if bin == "" {
		bin = filepath.Join(dir, "restylab")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/restylab")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("go build ./cmd/restylab (run from the repository's root): %w", err)
		}
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	args := []string{"serve", "--addr", addr, "--data", filepath.Join(dir, "data"),
		"--max-instances", strconv.Itoa(o.n + 4), "--testserver=true", "--log-level", "warn"}
	if o.join != "" {
		args = append(args, "--join-code", o.join)
	}
	logf, err := os.Create(l.log)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("the lab's log: %w", err)
	}
	// Not CommandContext: the lab is stopped by stop(), gracefully.
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = cleanEnv()
	// Its own process group: a Ctrl-C in the terminal reaches this tool only,
	// which then stops the lab; Pdeathsig ends it should this tool die.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	l.cmd = cmd
	l.base = "http://" + addr
	go func() {
		cmd.Wait()
		logf.Close()
		close(l.done)
	}()
	deadline := time.Now().Add(60 * time.Second)
	c := &http.Client{Timeout: 20 * time.Second}
	for {
		resp, err := c.Get(l.base + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return l, nil
			}
		}
		select {
		case <-l.done:
			l.stop(false)
			return nil, fmt.Errorf("the lab exited at start: %s", tail(l.log))
		case <-ctx.Done():
			l.stop(false)
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			l.stop(false)
			return nil, fmt.Errorf("the lab was not ready in 60 s: %s", tail(l.log))
		}
	}
}

// stop ends the lab gracefully (SIGTERM, as a teacher's Ctrl-C), then
// SIGKILL after 20 s, and removes its folder (the log too unless keep).
func (l *lab) stop(keep bool) {
	if l.cmd != nil && l.cmd.Process != nil {
		l.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-l.done:
		case <-time.After(20 * time.Second):
			l.cmd.Process.Kill()
			<-l.done
		}
	}
	if keep {
		os.RemoveAll(filepath.Join(l.dir, "data"))
		os.Remove(filepath.Join(l.dir, "restylab"))
		return
	}
	os.RemoveAll(l.dir)
}

func (l *lab) pid() int { return l.cmd.Process.Pid }

// cleanEnv is this process's environment without RESTYLAB_ variables: the
// lab's settings are the flags given here.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RESTYLAB_") {
			env = append(env, kv)
		}
	}
	return env
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tail is the end of a file, for an error message.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// procStat is what /proc says of one process.
type procStat struct {
	rss int64         // VmRSS, bytes
	hwm int64         // VmHWM (peak RSS), bytes
	cpu time.Duration // utime + stime, all threads
}

// clockTick is USER_HZ: /proc/PID/stat counts CPU time in 1/100 s on
// Linux (sysconf(_SC_CLK_TCK) is 100 on every architecture Go runs on).
const clockTick = 10 * time.Millisecond

func readProc(pid int) (procStat, error) {
	var ps procStat
	p := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(p + "/stat")
	if err != nil {
		return ps, err
	}
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) > 12 { // fields 14 and 15 of stat(5), counted after the name
		u, _ := strconv.ParseInt(f[11], 10, 64)
		k, _ := strconv.ParseInt(f[12], 10, 64)
		ps.cpu = time.Duration(u+k) * clockTick
	}
	status, err := os.ReadFile(p + "/status")
	if err != nil {
		return ps, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			ps.rss = kib(v)
		} else if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			ps.hwm = kib(v)
		}
	}
	return ps, nil
}

func kib(v string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
	return n << 10
}

// readPSS is the process's proportional set size (/proc/PID/smaps_rollup,
// "Pss:"): its private pages plus its share of pages it shares with other
// processes. The lab and its instances run one binary, whose 15 MiB of
// text every process maps: summing RSS counts them once per process, while
// the PSS of all the processes adds up to the memory they take together.
func readPSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Pss:"); ok {
			return kib(v), nil
		}
	}
	return 0, fmt.Errorf("no Pss line in /proc/%d/smaps_rollup", pid)
}

// children are the processes whose parent is pid (the lab's instances).
func children(pid int) map[int]procStat {
	parent := strconv.Itoa(pid)
	entries, _ := os.ReadDir("/proc")
	out := map[int]procStat{}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(stat)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 2 || f[1] != parent {
			continue
		}
		if ps, err := readProc(child); err == nil {
			out[child] = ps
		}
	}
	return out
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}
