package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runningLab is a `restylab serve` process of a test.
type runningLab struct {
	t      *testing.T
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:PORT
	stderr *syncWriter
	done   chan error
}

// syncWriter collects a process's stderr while the test reads it.
type syncWriter struct {
	mu  chan struct{}
	buf bytes.Buffer
}

func newSyncWriter() *syncWriter { return &syncWriter{mu: make(chan struct{}, 1)} }

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu <- struct{}{}
	defer func() { <-w.mu }()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu <- struct{}{}
	defer func() { <-w.mu }()
	return w.buf.String()
}

// startLab runs the lab binary on data with env added to its environment.
func startLab(t *testing.T, data string, env ...string) *runningLab {
	t.Helper()
	cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--data", data, "--testserver=false", "--max-instances", "4")
	cmd.Env = append(os.Environ(), env...)
	l := &runningLab{t: t, cmd: cmd, stderr: newSyncWriter(), done: make(chan error, 1)}
	cmd.Stderr = l.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { l.done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no address line: %v; stderr %s", err, l.stderr.String())
	}
	m := regexp.MustCompile(`http://(\S+?)/`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("address line %q", line)
	}
	l.base = "http://" + strings.Replace(m[1], "localhost", "127.0.0.1", 1)
	go io.Copy(io.Discard, stdout)
	return l
}

// stop sends sig and waits for the process to end.
func (l *runningLab) stop(sig syscall.Signal) error {
	l.t.Helper()
	if err := l.cmd.Process.Signal(sig); err != nil {
		l.t.Fatal(err)
	}
	select {
	case err := <-l.done:
		return err
	case <-time.After(30 * time.Second):
		l.t.Fatalf("the lab did not end on %v; stderr %s", sig, l.stderr.String())
		return nil
	}
}

// learner is one browser: a cookie jar on the lab.
type learner struct {
	t *testing.T
	c *http.Client
}

func newLearner(t *testing.T) *learner {
	jar, _ := cookiejar.New(nil) // cookies are per host, not per port: they survive the restart's new port
	return &learner{t: t, c: &http.Client{Jar: jar, Timeout: 60 * time.Second}}
}

// do sends a JSON body (nil: none) and decodes a JSON answer into out.
func (u *learner) do(method, url string, body, out any) int {
	u.t.Helper()
	var r io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		r = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, url, r)
	req.Header.Set("Content-Type", "application/json")
	resp, err := u.c.Do(req)
	if err != nil {
		u.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(data, out); err != nil {
			u.t.Fatalf("%s %s: %v in %q", method, url, err, data)
		}
	}
	return resp.StatusCode
}

type lessonJSON struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Done   bool   `json:"done"`
	Score  int    `json:"score"`
}

// TestRestartKeepsWorkspaces runs a class on the real binary: two learners
// edit their workspaces, one passes lesson 1's checks with an instance
// running; the lab is stopped by SIGTERM (graceful) or SIGKILL (mid-class,
// instances running) and started again on the same data folder: every
// workspace and all progress are still there.
func TestRestartKeepsWorkspaces(t *testing.T) {
	solution, err := os.ReadFile(filepath.Join("..", "..", "lessons", "content", "01-hello", "solution", "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			data := t.TempDir()
			lab := startLab(t, data)
			alice, bob := newLearner(t), newLearner(t)
			for _, u := range []*learner{alice, bob} {
				if code := u.do("GET", lab.base+"/play", nil, nil); code != 200 {
					t.Fatalf("/play: %d", code)
				}
			}
			var course []lessonJSON
			if code := alice.do("GET", lab.base+"/api/lessons", nil, &course); code != 200 || len(course) == 0 {
				t.Fatalf("/api/lessons: %d %v", code, course)
			}
			first := course[0].ID
			var check struct {
				Score int `json:"score"`
			}
			if code := alice.do("POST", lab.base+"/api/lessons/"+first+"/check", map[string]any{"conf": string(solution)}, &check); code != 200 || check.Score != 100 {
				t.Fatalf("check %s with the solution: %d, score %d; stderr %s", first, code, check.Score, lab.stderr.String())
			}
			// the last edits, saved as the editor autosaves them
			confs := map[*learner]string{
				alice: "# alice's edit " + sig.String() + "\n" + string(solution),
				bob:   "# bob's edit\nevents {}\nhttp { server { listen 8080; location / { content_by_lua_block { ngx.say(1) } } } }\n",
			}
			files := map[string]string{"lua/util.lua": "return {answer = 42}\n"}
			for u, conf := range confs {
				if code := u.do("PUT", lab.base+"/api/workspace", map[string]any{"conf": conf, "files": files}, nil); code != 200 {
					t.Fatalf("PUT /api/workspace: %d", code)
				}
			}
			if b := metricsText(t, lab.base); !strings.Contains(b, `restylab_instance_spawns_total{result="ok"} 1`) {
				t.Errorf("metrics after one start:\n%s", grepLines(b, "restylab_instance"))
			} else if !strings.Contains(b, "restylab_instances_running 1") {
				t.Errorf("an instance should run when the lab is stopped: %s", grepLines(b, "restylab_instances_running"))
			}

			children := childPIDs(lab.cmd.Process.Pid)
			if len(children) == 0 {
				t.Error("no instance process under the lab before the stop")
			}
			err := lab.stop(sig)
			if sig == syscall.SIGTERM {
				if err != nil {
					t.Fatalf("exit after SIGTERM: %v; stderr %s", err, lab.stderr.String())
				}
				if s := lab.stderr.String(); !strings.Contains(s, "shutting down") || !strings.Contains(s, "stopped: every workspace") {
					t.Errorf("shutdown not logged: %s", s)
				}
			} else if err == nil {
				t.Fatal("the lab exited cleanly on SIGKILL")
			}

			// the instances end with the lab, even on SIGKILL (Pdeathsig)
			deadline := time.Now().Add(10 * time.Second)
			for alive(children) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if alive(children) {
				t.Errorf("instance processes %v outlived the lab", children)
			}

			lab2 := startLab(t, data)
			for u, conf := range confs {
				var ws struct {
					Conf  string            `json:"conf"`
					Files map[string]string `json:"files"`
				}
				if code := u.do("GET", lab2.base+"/api/workspace", nil, &ws); code != 200 {
					t.Fatalf("GET /api/workspace after restart: %d", code)
				}
				if ws.Conf != conf || ws.Files["lua/util.lua"] != files["lua/util.lua"] {
					t.Errorf("after restart the workspace is %q %v, want %q", firstLine(ws.Conf), ws.Files, firstLine(conf))
				}
			}
			var after []lessonJSON
			alice.do("GET", lab2.base+"/api/lessons", nil, &after)
			if len(after) == 0 || after[0].ID != first || !after[0].Done || after[0].Score != 100 {
				t.Errorf("alice's progress after restart: %+v", after[:min(1, len(after))])
			}
			bob.do("GET", lab2.base+"/api/lessons", nil, &after)
			if len(after) == 0 || after[0].Done {
				t.Errorf("bob's progress after restart: %+v", after[:min(1, len(after))])
			}
			// the restarted lab serves the kept workspace
			var applied struct {
				OK bool `json:"ok"`
			}
			if code := alice.do("POST", lab2.base+"/api/apply", map[string]any{"conf": confs[alice], "files": files}, &applied); code != 200 || !applied.OK {
				t.Errorf("apply after restart: %d %v", code, applied)
			}
			if err := lab2.stop(syscall.SIGTERM); err != nil {
				t.Errorf("second lab: %v", err)
			}
		})
	}
}

// childPIDs lists the processes whose parent is pid (/proc/*/stat).
func childPIDs(pid int) []int {
	var out []int
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'
		i := bytes.LastIndexByte(b, ')')
		if i < 0 || len(b) < i+2 {
			continue
		}
		var state string
		var ppid, child int
		if _, err := fmt.Sscanf(string(b[i+2:]), "%s %d", &state, &ppid); err != nil || ppid != pid || state == "Z" {
			continue
		}
		if _, err := fmt.Sscanf(filepath.Base(filepath.Dir(f)), "%d", &child); err == nil {
			out = append(out, child)
		}
	}
	return out
}

// alive reports whether any of pids still runs (a zombie does not count).
func alive(pids []int) bool {
	for _, p := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && len(b) > i+2 && b[i+2] != 'Z' {
			return true
		}
	}
	return false
}

func metricsText(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	return string(b)
}

func grepLines(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

// TestOperations checks the endpoints an orchestrator uses on the real
// binary: /healthz and /readyz (through `restylab healthcheck`, as the
// image's HEALTHCHECK runs it), /metrics after some traffic, and a base
// path behind a reverse proxy.
func TestOperations(t *testing.T) {
	data := t.TempDir()
	lab := startLab(t, data, "RESTYLAB_BASE_PATH=/lab")
	base := lab.base + "/lab"
	u := newLearner(t)
	if code := u.do("GET", base+"/play", nil, nil); code != 200 {
		t.Fatalf("/lab/play: %d", code)
	}
	var applied struct {
		OK bool `json:"ok"`
	}
	if code := u.do("POST", base+"/api/apply", map[string]any{"conf": "events {}\nhttp { server { listen 8080; location / { content_by_lua_block { ngx.say(1) } } } }\n"}, &applied); code != 200 || !applied.OK {
		t.Fatalf("apply: %d", code)
	}
	if code := u.do("POST", base+"/api/apply", map[string]any{"conf": "events {}\nhttp { server { listen 8080; nonsense; } }\n"}, &applied); code != 200 || applied.OK {
		t.Fatalf("apply of a bad conf: %d %v", code, applied)
	}

	addr := strings.TrimPrefix(lab.base, "http://")
	tests := []struct {
		name     string
		args     []string
		env      []string
		wantCode int
		wantOut  string
	}{
		{"healthz by the environment", nil, []string{"RESTYLAB_ADDR=" + addr, "RESTYLAB_BASE_PATH=/lab"}, 0, "/lab/healthz: ok 1 instances"},
		{"readyz", []string{"--ready"}, []string{"RESTYLAB_ADDR=" + addr, "RESTYLAB_BASE_PATH=/lab"}, 0, "/lab/readyz: ready"},
		{"url", []string{"--url", base + "/healthz"}, nil, 0, "ok"},
		{"wrong path", []string{"--url", lab.base + "/healthz"}, nil, 1, "404"},
		{"nothing listening", []string{"--url", "http://127.0.0.1:1/healthz"}, nil, 1, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(binary, append([]string{"healthcheck"}, tt.args...)...)
			cmd.Env = append(os.Environ(), tt.env...)
			out, _ := cmd.CombinedOutput()
			if cmd.ProcessState.ExitCode() != tt.wantCode || !strings.Contains(string(out), tt.wantOut) {
				t.Errorf("exit %d, %q; want %d and %q", cmd.ProcessState.ExitCode(), out, tt.wantCode, tt.wantOut)
			}
		})
	}

	m := metricsText(t, base)
	for _, want := range []string{
		`restylab_instance_spawns_total{result="ok"} 1`,
		`restylab_sessions_created_total 1`,
		`restylab_instances_max 4`,
		`restylab_apply_seconds_count 2`,
		`restylab_http_request_seconds_count{route="POST /api/apply"} 2`,
		`restylab_http_request_seconds_count{route="GET /play"} 1`,
		`restylab_trace_events_dropped_total{where="websocket"} 0`,
		`restylab_instance_exits_total{reason="cpu"} 0`,
		`go_goroutines `,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, grepLines(m, "restylab_"))
		}
	}
	if strings.Contains(m, `route="/s/`) || regexp.MustCompile(`[a-z2-7]{26}`).MatchString(grepLines(m, "route=")) {
		t.Errorf("a route label holds a session id:\n%s", grepLines(m, "route="))
	}
	if err := lab.stop(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// stopped: healthcheck fails
	cmd := exec.Command(binary, "healthcheck", "--url", base+"/healthz", "--timeout", "2s")
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("healthcheck of a stopped lab passed: %s", out)
	}
}
