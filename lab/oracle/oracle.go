package oracle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Modules loaded into every oracle nginx: the lua module and the Nginx
// Development Kit it needs, as Debian's libnginx-mod-http-lua installs them.
const (
	NDKModule = "/usr/lib/nginx/modules/ndk_http_module.so"
	LuaModule = "/usr/lib/nginx/modules/ngx_http_lua_module.so"
)

const (
	startTimeout = 10 * time.Second // until the port must accept
	stopGrace    = 5 * time.Second  // SIGQUIT to SIGKILL
	getTimeout   = 30 * time.Second // one Server.Get
	startTries   = 3                // ports tried when one is taken meanwhile
)

// Available reports whether the oracle can run: nil when the nginx binary
// is on PATH and both modules exist; otherwise the error says what is
// missing.
func Available() error {
	var missing []string
	if _, err := exec.LookPath("nginx"); err != nil {
		missing = append(missing, "nginx binary (apt-get install nginx)")
	}
	for _, m := range []string{NDKModule, LuaModule} {
		if _, err := os.Stat(m); err != nil {
			missing = append(missing, m+" (apt-get install libnginx-mod-http-lua)")
		}
	}
	if len(missing) > 0 {
		return errors.New("nginx oracle unavailable: missing " + strings.Join(missing, ", "))
	}
	return nil
}

// FreePort returns a loopback TCP port nobody listens on right now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("oracle: find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Options tunes Start. The zero value runs nginx as a single process.
type Options struct {
	// MasterProcess runs a master and a worker process ("master_process
	// on") instead of nginx's single-process mode.
	MasterProcess bool
	// Files are written into the prefix directory before nginx starts,
	// file name (relative, may contain "/") to content. The http block
	// refers to them as {{PREFIX}}/name.
	Files map[string]string
}

// Server is a running oracle nginx.
type Server struct {
	port   int
	prefix string
	stderr *syncBuffer
	client *http.Client
}

// Start runs nginx with a full nginx.conf whose http block is httpBlock
// and stops it when t ends. In httpBlock, {{PORT}} is replaced by the
// port nginx must listen on (127.0.0.1:{{PORT}}) and {{PREFIX}} by the
// prefix directory. The http block already holds "access_log off" and
// the five *_temp_path directives (pointing into the prefix), so
// httpBlock must not repeat them. The error log (level info) is
// {{PREFIX}}/error.log; see [Server.ErrorLog].
//
// Start returns once nginx has written its pid file and the port accepts
// connections; if nginx exits or does not listen within 10s, Start fails
// t with nginx's stderr and error log.
func Start(t testing.TB, httpBlock string, opts Options) *Server {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		t.Fatalf("oracle: %v (check Available before Start)", err)
	}
	prefix := t.TempDir()
	// A worker may run as another user (with MasterProcess, as root):
	// keep the prefix and the files in it readable.
	if err := os.Chmod(prefix, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range opts.Files {
		p := filepath.Join(prefix, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for try := 1; ; try++ {
		s := &Server{port: FreePort(t), prefix: prefix, stderr: &syncBuffer{}}
		err := s.start(t, bin, httpBlock, opts)
		if err == nil {
			return s
		}
		// FreePort cannot reserve the port: another process may have
		// taken it before nginx bound it. Try another one.
		if try < startTries && strings.Contains(s.ErrorLog()+s.stderr.String(), "Address already in use") {
			t.Logf("oracle: port %d taken meanwhile, retrying", s.port)
			continue
		}
		t.Fatalf("oracle: %v\nnginx stderr:\n%s\nerror.log:\n%s", err, s.stderr.String(), s.ErrorLog())
	}
}

// start writes the configuration, runs nginx and waits until it listens.
// On success the stop is registered with t.Cleanup.
func (s *Server) start(t testing.TB, bin, httpBlock string, opts Options) error {
	conf := filepath.Join(s.prefix, "nginx.conf")
	if err := os.WriteFile(conf, []byte(s.config(httpBlock, opts)), 0o644); err != nil {
		return err
	}
	pidFile := filepath.Join(s.prefix, "nginx.pid")
	_ = os.Remove(pidFile)
	_ = os.Remove(filepath.Join(s.prefix, "error.log"))
	cmd := exec.Command(bin, "-p", s.prefix, "-c", conf, "-e", filepath.Join(s.prefix, "error.log"))
	cmd.Stdout = s.stderr
	cmd.Stderr = s.stderr
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start nginx: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("nginx exited before listening on %s: %v", addr, err)
		default:
		}
		// The pid file is written after the listening sockets are open,
		// so a connection then reaches nginx, not whoever else has the port.
		if _, err := os.Stat(pidFile); err == nil {
			if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
				c.Close()
				break
			}
		}
		if time.Now().After(deadline) {
			stop(cmd, exited)
			return fmt.Errorf("nginx did not listen on %s within %v", addr, startTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.client = &http.Client{Timeout: getTimeout, Transport: &http.Transport{}}
	t.Cleanup(func() {
		s.client.CloseIdleConnections()
		if !stop(cmd, exited) {
			t.Errorf("oracle: nginx on %s ignored SIGQUIT for %v and was killed", addr, stopGrace)
		}
	})
	return nil
}

// stop asks nginx to quit gracefully and kills its process group if it
// has not exited after stopGrace. It returns once the process is reaped,
// reporting whether the graceful stop sufficed.
func stop(cmd *exec.Cmd, exited <-chan error) bool {
	_ = cmd.Process.Signal(sigQuit)
	select {
	case <-exited:
		return true
	case <-time.After(stopGrace):
	}
	killGroup(cmd)
	<-exited
	return false
}

// config is the whole nginx.conf around httpBlock.
func (s *Server) config(httpBlock string, opts Options) string {
	master := "off"
	if opts.MasterProcess {
		master = "on"
	}
	body := strings.NewReplacer("{{PORT}}", strconv.Itoa(s.port), "{{PREFIX}}", s.prefix).Replace(httpBlock)
	var b strings.Builder
	fmt.Fprintf(&b, "load_module %s;\nload_module %s;\n", NDKModule, LuaModule)
	fmt.Fprintf(&b, "daemon off;\nmaster_process %s;\n", master)
	fmt.Fprintf(&b, "pid %[1]s/nginx.pid;\nerror_log %[1]s/error.log info;\n", s.prefix)
	b.WriteString("events {}\nhttp {\n  access_log off;\n")
	for _, tmp := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		fmt.Fprintf(&b, "  %s_temp_path %s/%s_temp;\n", tmp, s.prefix, tmp)
	}
	b.WriteString(body)
	if !strings.HasSuffix(body, "\n") {
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	return b.String()
}

// Port is the loopback port nginx listens on.
func (s *Server) Port() int { return s.port }

// Addr is "127.0.0.1:port", for raw connections.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL is "http://127.0.0.1:port", without a trailing slash.
func (s *Server) URL() string { return "http://" + s.Addr() }

// Prefix is nginx's prefix directory, where the configuration, the Files
// of Options and the error log are.
func (s *Server) Prefix() string { return s.prefix }

// ErrorLog returns nginx's error log so far, for failure messages.
func (s *Server) ErrorLog() string {
	b, err := os.ReadFile(filepath.Join(s.prefix, "error.log"))
	if err != nil {
		return fmt.Sprintf("(error.log unreadable: %v)", err)
	}
	return string(b)
}

// Get fetches path (which starts with "/") and returns the body. A
// transport error or a status other than 200 fails t, with the error log.
func (s *Server) Get(t testing.TB, path string) string {
	t.Helper()
	resp, err := s.client.Get(s.URL() + path)
	if err != nil {
		t.Fatalf("oracle: GET %s: %v\nerror.log:\n%s", path, err, s.ErrorLog())
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("oracle: GET %s: status %d, %v\nerror.log:\n%s", path, resp.StatusCode, err, s.ErrorLog())
	}
	return string(body)
}

// syncBuffer collects nginx's output while the test may read it.
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
