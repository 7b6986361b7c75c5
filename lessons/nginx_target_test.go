//go:build unix

package lessons

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/oracle"
)

// nginxTarget is a Target served by real nginx + ngx_lua (the oracle,
// lab/oracle): the workspace is written into a fresh prefix, every listen
// moves to one free loopback port (as the lab's instances do), and nginx
// runs with a master and the conf's worker_processes. It records no trace:
// a Window holds only the error_log lines nginx appended meanwhile, so
// checks that need the trace cannot run on it (see withoutTrace).
type nginxTarget struct {
	dir     string // the prefix: the workspace, nginx.conf at its root
	logPath string // the error_log the target adds, at the conf's level
	base    string
	workers int

	cmd    *exec.Cmd
	out    *lockedBuffer // nginx's stdout and stderr
	exited chan struct{} // closed once cmd.Wait returned
}

// Timing of an nginxTarget.
const (
	nginxStartTimeout = 10 * time.Second // until the pid file must exist
	nginxStopGrace    = 5 * time.Second  // SIGQUIT to SIGKILL of the group
	nginxStartTries   = 3                // ports tried when one is taken meanwhile
)

// startNginx serves ws on real nginx for the rest of the test. A workspace
// that the lab's loader or nginx rejects fails the test with nginx's output.
func startNginx(t *testing.T, ws Workspace) *nginxTarget {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		t.Fatalf("nginx: %v (check oracle.Available first)", err)
	}
	dir, err := os.MkdirTemp("", "restylab-oracle-")
	if err != nil {
		t.Fatalf("nginx prefix: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// As root, nginx's workers run as nobody: they must reach the Lua files.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatalf("nginx prefix: %v", err)
	}
	files, cfg, err := writeNginxWorkspace(dir, ws)
	if err != nil {
		t.Fatalf("workspace: %v", err)
	}
	for try := 1; ; try++ {
		port := oracle.FreePort(t)
		n, err := launchNginx(bin, dir, files, cfg, port)
		if err == nil {
			t.Cleanup(func() {
				if !n.stop() {
					t.Errorf("nginx ignored SIGQUIT for %v and was killed", nginxStopGrace)
				}
			})
			return n
		}
		// FreePort cannot reserve the port: someone may have taken it
		// before nginx bound it.
		if try < nginxStartTries && strings.Contains(err.Error(), "Address already in use") {
			t.Logf("nginx: port %d taken meanwhile, retrying", port)
			continue
		}
		t.Fatalf("nginx: %v", err)
	}
}

// writeNginxWorkspace writes ws under dir and loads it with the lab's
// loader (which gives the listens' places, the workers and the log level);
// it returns the workspace's files by absolute path.
func writeNginxWorkspace(dir string, ws Workspace) (map[string]string, *conf.Config, error) {
	files := map[string]string{}
	for name, text := range ws.Files {
		if !filepath.IsLocal(filepath.FromSlash(name)) || filepath.Clean(name) == "nginx.conf" {
			return nil, nil, fmt.Errorf("bad file name %q: want a path inside the workspace other than nginx.conf", name)
		}
		files[filepath.Join(dir, filepath.FromSlash(name))] = text
	}
	confPath := filepath.Join(dir, "nginx.conf")
	files[confPath] = ws.Conf
	for p, text := range files {
		if err := writeFile(p, text); err != nil {
			return nil, nil, err
		}
	}
	for _, sub := range []string{"logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, nil, fmt.Errorf("nginx prefix: %w", err)
		}
	}
	cfg, _, err := conf.LoadConfined(confPath, dir, dir)
	if err != nil {
		return nil, nil, fmt.Errorf("the lab's loader rejects the workspace: %w", err)
	}
	if cfg.HTTP == nil {
		return nil, nil, errors.New("no http block: nothing to serve")
	}
	return files, cfg, nil
}

// launchNginx writes the workspace's files as nginx must read them (every
// listen on 127.0.0.1:port, the modules loaded, logs and temporary files in
// the prefix) and starts nginx; it returns once nginx has written its pid
// file, which it does after its listening sockets are open.
func launchNginx(bin, dir string, files map[string]string, cfg *conf.Config, port int) (*nginxTarget, error) {
	rewritten, err := nginxFiles(files, cfg, dir, port)
	if err != nil {
		return nil, err
	}
	for p, text := range rewritten {
		if err := writeFile(p, text); err != nil {
			return nil, err
		}
	}
	n := &nginxTarget{
		dir:     dir,
		logPath: filepath.Join(dir, "logs", "oracle-error.log"),
		base:    "http://127.0.0.1:" + strconv.Itoa(port),
		workers: max(cfg.WorkerProcesses, 1),
		out:     &lockedBuffer{},
		exited:  make(chan struct{}),
	}
	pidFile := filepath.Join(dir, "logs", "nginx.pid")
	_ = os.Remove(pidFile)
	global := fmt.Sprintf("daemon off; master_process on; pid %s; error_log %s %s;", pidFile, n.logPath, cfg.ErrorLogLevel)
	n.cmd = exec.Command(bin, "-p", dir+"/", "-c", filepath.Join(dir, "nginx.conf"),
		"-e", filepath.Join(dir, "logs", "startup.log"), "-g", global)
	n.cmd.Dir = dir
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // stop reaches the workers too
	if err := n.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		_ = n.cmd.Wait()
		close(n.exited)
	}()
	deadline := time.Now().Add(nginxStartTimeout)
	for {
		select {
		case <-n.exited:
			return nil, fmt.Errorf("nginx exited at start (%v):\n%s", n.cmd.ProcessState, n.out.String())
		default:
		}
		if _, err := os.Stat(pidFile); err == nil {
			return n, nil
		}
		if time.Now().After(deadline) {
			n.stop()
			return nil, fmt.Errorf("nginx wrote no pid file within %v:\n%s", nginxStartTimeout, n.out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop asks nginx to quit gracefully, kills its process group after
// nginxStopGrace, and returns once it is reaped: whether SIGQUIT sufficed.
func (n *nginxTarget) stop() bool {
	_ = n.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-n.exited:
		return true
	case <-time.After(nginxStopGrace):
	}
	// Not reaped yet, so the pid (the group's id) cannot have been reused.
	_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
	<-n.exited
	return false
}

// ErrorLog is everything nginx logged so far (for failure messages).
func (n *nginxTarget) ErrorLog() string {
	b, err := os.ReadFile(n.logPath)
	if err != nil {
		return fmt.Sprintf("(error log unreadable: %v)", err)
	}
	return string(b)
}

// BaseURL implements Target.
func (n *nginxTarget) BaseURL() string { return n.base }

// Workers implements Target.
func (n *nginxTarget) Workers() int { return n.workers }

// Record implements Target: the window is the error log's growth.
func (n *nginxTarget) Record(context.Context) (Recording, error) {
	fi, err := os.Stat(n.logPath)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return &nginxRecording{path: n.logPath}, nil
	case err != nil:
		return nil, fmt.Errorf("nginx error log: %w", err)
	}
	return &nginxRecording{path: n.logPath, from: fi.Size()}, nil
}

// nginxRecording reads what nginx appended to its error log.
type nginxRecording struct {
	path string
	from int64
}

// Stop implements Recording. nginx writes each line with one write(2), so
// the complete lines after the offset are the window's; a line still being
// written belongs to the next one.
func (r *nginxRecording) Stop(context.Context) (Window, error) {
	f, err := os.Open(r.path)
	if err != nil {
		return Window{}, fmt.Errorf("nginx error log: %w", err)
	}
	defer f.Close()
	if _, err := f.Seek(r.from, 0); err != nil {
		return Window{}, fmt.Errorf("nginx error log: %w", err)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return Window{}, fmt.Errorf("nginx error log: %w", err)
	}
	data := buf.String()
	if i := strings.LastIndexByte(data, '\n'); i >= 0 {
		data = data[:i]
	} else {
		data = ""
	}
	var w Window
	for _, ln := range strings.Split(data, "\n") {
		if ln != "" {
			w.ErrorLog = append(w.ErrorLog, ln)
		}
	}
	return w, nil
}

// nginxFiles returns the workspace files that change for real nginx, by
// path, with every line where it was: each listen's address becomes
// 127.0.0.1:port (its parameters kept), the first line of nginx.conf gains
// the load_module lines, and the http block opens with access_log off and
// temporary paths inside the prefix (nginx's defaults are system folders).
// So nginx names the same file:line as the lab does in its messages.
func nginxFiles(files map[string]string, cfg *conf.Config, dir string, port int) (map[string]string, error) {
	out := map[string]string{}
	get := func(p string) (string, error) {
		p = filepath.Clean(p)
		if text, ok := out[p]; ok {
			return text, nil
		}
		if text, ok := files[p]; ok {
			return text, nil
		}
		return "", fmt.Errorf("%s is not a workspace file", p)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	perLine := map[conf.Pos]int{}
	for _, s := range cfg.HTTP.Servers {
		for _, l := range s.Listens {
			perLine[conf.Pos{File: filepath.Clean(l.Pos.File), Line: l.Pos.Line}]++
		}
	}
	for pos, count := range perLine {
		text, err := get(pos.File)
		if err != nil {
			return nil, err
		}
		lines := strings.SplitAfter(text, "\n")
		if pos.Line < 1 || pos.Line > len(lines) {
			return nil, fmt.Errorf("%s:%d: no such line for a listen", pos.File, pos.Line)
		}
		ln, n := rewriteListens(lines[pos.Line-1], addr)
		if n != count {
			return nil, fmt.Errorf("%s:%d: found %d listen directives on the line, the loader %d", pos.File, pos.Line, n, count)
		}
		lines[pos.Line-1] = ln
		out[pos.File] = strings.Join(lines, "")
	}
	main := filepath.Join(dir, "nginx.conf")
	text, err := get(main)
	if err != nil {
		return nil, err
	}
	at, err := httpBlockOpen(text)
	if err != nil {
		return nil, fmt.Errorf("nginx.conf: %w", err)
	}
	var ins strings.Builder
	ins.WriteString(" access_log off;")
	for _, tmp := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		fmt.Fprintf(&ins, " %s_temp_path %s;", tmp, filepath.Join(dir, "tmp", tmp))
	}
	text = text[:at] + ins.String() + text[at:]
	out[main] = fmt.Sprintf("load_module %s; load_module %s; ", oracle.NDKModule, oracle.LuaModule) + text
	return out, nil
}

// listenRe is a listen directive's name and address on one line.
var listenRe = regexp.MustCompile(`(^|[\s{;])listen(\s+)("[^"]*"|'[^']*'|[^\s;"'{}]+)`)

// rewriteListens sets the address of every listen on line (before a
// comment) to addr and returns the line and how many it changed.
func rewriteListens(line, addr string) (string, int) {
	code, comment := line[:commentStart(line)], line[commentStart(line):]
	n := 0
	code = listenRe.ReplaceAllStringFunc(code, func(m string) string {
		n++
		sub := listenRe.FindStringSubmatch(m)
		return sub[1] + "listen" + sub[2] + addr
	})
	return code + comment, n
}

// commentStart is the offset of the "#" that starts line's comment (not
// one inside quotes), or len(line).
func commentStart(line string) int {
	var quote byte
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case quote != 0 && c == '\\':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote == 0 && c == '#':
			return i
		}
	}
	return len(line)
}

// httpBlockOpen returns the offset just after the "{" of the main
// context's http block in an nginx.conf. It reads the main context only
// (comments, quotes and nested blocks such as events), so Lua inside the
// http block is never scanned.
func httpBlockOpen(src string) (int, error) {
	depth := 0
	var word strings.Builder
	prev := "" // the last complete word at depth 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			for i++; i < len(src) && src[i] != c; i++ {
				if src[i] == '\\' {
					i++
				}
			}
			word.WriteString("\x00") // a quoted word is never "http"
		case c == '{' || c == '}' || c == ';' || c == ' ' || c == '\t' || c == '\r' || c == '\n':
			if word.Len() > 0 {
				if depth == 0 {
					prev = word.String()
				}
				word.Reset()
			}
			switch c {
			case '{':
				if depth == 0 && prev == "http" {
					return i + 1, nil
				}
				depth++
			case '}':
				depth--
			case ';':
				prev = ""
			}
		default:
			word.WriteByte(c)
		}
	}
	return 0, errors.New("no http { ... } block in the main context (an http block in an included file is not supported here)")
}

// lockedBuffer collects nginx's output while the test may read it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
