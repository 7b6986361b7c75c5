package difftest

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Limits of one run, as named constants.
const (
	readyTimeout   = 5 * time.Second       // poll-connect the port this long after start
	readyPoll      = 10 * time.Millisecond // between readiness probes
	requestTimeout = 5 * time.Second       // whole request: write, then read until close
	stopGrace      = 3 * time.Second       // after SIGQUIT, before SIGKILL of the group
	emergTimeout   = 5 * time.Second       // a bad config must make the server exit this fast
	maxOutput      = 64 << 10              // bytes of server stdout/stderr kept
	maxResponse    = 1 << 20               // bytes of one response kept
	bodyShowLimit  = 2048                  // bytes of a body shown in a diff
	dialTimeout    = 2 * time.Second       // one connect
	startAttempts  = 3                     // starts tried when the port was taken meanwhile
	settleDelay    = 20 * time.Millisecond // before reading error.log of a running server
)

// Side is one implementation under test: real nginx or the engine.
type Side struct {
	// Name is "nginx" or "engine".
	Name string
	// Args builds the command line that serves prefix in the foreground.
	Args func(prefix, conf string) []string
}

// Result is what one side produced for a case; it is also the golden format.
type Result struct {
	// Requests has one entry per request section, in order.
	Requests []Response `json:"requests,omitempty"`
	// Errlog has one entry per -- errlog -- line.
	Errlog []Check `json:"errlog,omitempty"`
	// Logs has one entry per -- logs -- file.
	Logs []LogFile `json:"logs,omitempty"`
	// StartFailure is set for -- emerg -- cases.
	StartFailure *StartFailure `json:"start_failure,omitempty"`
}

// Response is one connection's response, normalised for comparison.
type Response struct {
	// StatusLine is the first line, e.g. "HTTP/1.1 200 OK" (simple requests).
	StatusLine string `json:"status_line,omitempty"`
	// Status is the status code of StatusLine.
	Status int `json:"status,omitempty"`
	// Headers are "Name: value" lines sorted by lower-cased name (stable, so
	// repeated headers keep their order); Date, Server, ETag and
	// Last-Modified values are replaced by "*".
	Headers []string `json:"headers,omitempty"`
	// Body is the de-chunked body of a simple request, gunzipped when the
	// response says Content-Encoding: gzip (zlib's and Go's compressed
	// bytes differ; what they decode to must not).
	Body string `json:"body"`
	// Decoded is "gzip" when Body was gunzipped.
	Decoded string `json:"decoded,omitempty"`
	// Raw is the whole response of a -- raw -- request, dates masked.
	Raw string `json:"raw,omitempty"`
	// Note reports a transport oddity: "timeout", "no response",
	// "bad chunked body", "no header end", "bad gzip body".
	Note string `json:"note,omitempty"`
	// TLS describes the handshake of a tls request: "TLSv1.3 cn=a.test",
	// " resumed" when the session was resumed, or "handshake failed".
	TLS string `json:"tls,omitempty"`
}

// Check is one looked-for substring and whether it was found.
type Check struct {
	// Pattern is the line of the case, "!" prefix included.
	Pattern string `json:"pattern"`
	// Found reports whether the pattern matched a line.
	Found bool `json:"found"`
}

// StartFailure records how a server given a bad config ended.
type StartFailure struct {
	// Exit is the exit code, or -1 when the server kept running.
	Exit int `json:"exit"`
	// Stderr has one entry per -- emerg -- line.
	Stderr []Check `json:"stderr"`
}

// cappedBuffer keeps the first max bytes written to it; it is safe for
// concurrent use (exec copies stdout and stderr from two goroutines).
type cappedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

// Write implements io.Writer, silently dropping bytes beyond the cap.
func (c *cappedBuffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.max - c.buf.Len(); room > 0 {
		if len(p) > room {
			c.buf.Write(p[:room])
		} else {
			c.buf.Write(p)
		}
	}
	return len(p), nil
}

// String returns what was kept.
func (c *cappedBuffer) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatalf("free port: %v", err)
	}
	return port
}

// makePrefix creates a world-readable prefix directory (nginx started as
// root runs its workers as nobody, who must read the Lua files).
func makePrefix(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "difftest-")
	if err != nil {
		t.Fatalf("prefix: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatalf("prefix: %v", err)
	}
	return dir
}

// server is one running server process.
type server struct {
	cmd    *exec.Cmd
	stderr *cappedBuffer
	done   chan struct{} // closed when cmd.Wait returned
	err    error         // cmd.Wait's result, valid after done
}

// startServer starts side on prefix; a t.Cleanup stops it.
func startServer(t *testing.T, side Side, prefix string) *server {
	t.Helper()
	conf := filepath.Join(prefix, "conf", "nginx.conf")
	args := side.Args(prefix+"/", conf)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = prefix
	out := &cappedBuffer{max: maxOutput}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: start %v: %v", side.Name, args, err)
	}
	s := &server{cmd: cmd, stderr: out, done: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(s.stop)
	return s
}

// stop sends SIGQUIT, waits stopGrace, then SIGKILLs the process group
// (master and workers); it always waits for the exit.
func (s *server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-s.done:
		return
	case <-time.After(stopGrace):
	}
	// The master is not reaped yet, so its pid (= the group id) is not reused.
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
}

// exitCode is the exit status after done, -1 if killed by a signal.
func (s *server) exitCode() int {
	var ee *exec.ExitError
	if s.err == nil {
		return 0
	}
	if errors.As(s.err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// waitReady polls the port until it accepts or the process exits.
func (s *server) waitReady(port int) error {
	deadline := time.Now().Add(readyTimeout)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for {
		select {
		case <-s.done:
			return fmt.Errorf("server exited (%v) before accepting; output:\n%s", s.err, s.stderr.String())
		default:
		}
		conn, err := net.DialTimeout("tcp", addr, readyPoll*10)
		if err == nil {
			conn.Close()
			// Another process may hold the port (it took it between
			// freePort and our bind, and nginx is still retrying its
			// bind): ready only when the listener is our server's.
			if ownsListener(s.cmd.Process.Pid, port) {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("port %d not accepting after %v: %w; output:\n%s", port, readyTimeout, err, s.stderr.String())
		}
		time.Sleep(readyPoll)
	}
}

// ownsListener reports whether process pid holds the socket listening on
// TCP port (read from /proc/net/tcp and /proc/PID/fd).
func ownsListener(pid, port int) bool {
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return true // cannot tell: trust the connection
	}
	suffix := fmt.Sprintf(":%04X", port)
	inodes := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
		if len(f) >= 10 && strings.HasSuffix(f[1], suffix) && f[3] == "0A" {
			inodes["socket:["+f[9]+"]"] = true
		}
	}
	fds, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		return false
	}
	for _, fd := range fds {
		if link, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + fd.Name()); err == nil && inodes[link] {
			return true
		}
	}
	return false
}

// runCase runs c on side and returns the normalised result.
func runCase(t *testing.T, side Side, c *Case) Result {
	t.Helper()
	var (
		port, port2 int
		prefix      string
		srv         *server
	)
	for attempt := 1; ; attempt++ {
		port = freePort(t)
		port2 = 0
		if c.uses2() {
			port2 = freePort(t)
		}
		prefix = makePrefix(t)
		if err := c.WritePrefix(prefix, port, port2); err != nil {
			t.Fatalf("%s: %v", side.Name, err)
		}
		srv = startServer(t, side, prefix)
		if len(c.Emerg) > 0 {
			break
		}
		err := srv.waitReady(port)
		if err == nil {
			break
		}
		// Another process may have taken the port between freePort and bind.
		if attempt == startAttempts || !strings.Contains(err.Error(), "in use") {
			t.Fatalf("%s: %v", side.Name, err)
		}
		t.Logf("%s: port %d taken, retrying: %v", side.Name, port, err)
	}
	var res Result
	if len(c.Emerg) > 0 {
		code := -1 // still running: the config was accepted
		select {
		case <-srv.done:
			code = srv.exitCode()
		case <-time.After(emergTimeout):
			srv.stop()
		}
		t.Logf("%s output:\n%s", side.Name, srv.stderr.String())
		stderr := srv.stderr.String()
		if port2 > 0 {
			stderr = strings.ReplaceAll(stderr, strconv.Itoa(port2), "{{PORT2}}")
		}
		res.StartFailure = &StartFailure{Exit: code, Stderr: checkAll(c.Emerg, stderr, port)}
		return normalise(res)
	}
	sessions := tls.NewLRUClientSessionCache(16) // one per run: later connections may resume
	for i, r := range c.Requests {
		p := port
		if r.Port2 {
			p = port2
		}
		resp, err := doRequest(p, r, sessions)
		resp = resp.maskPort(port2, "{{PORT2}}").maskPort(port, "{{PORT}}")
		if err != nil {
			t.Fatalf("%s: request %d: %v", side.Name, i+1, err)
		}
		res.Requests = append(res.Requests, resp)
	}
	if len(c.Errlog) > 0 || len(c.Logs) > 0 || *showLog {
		time.Sleep(settleDelay)
		srv.stop()
	}
	if len(c.Errlog) > 0 || *showLog {
		data, err := os.ReadFile(filepath.Join(prefix, "logs", "error.log"))
		if err != nil {
			t.Fatalf("%s: %v", side.Name, err)
		}
		log := string(data)
		if port2 > 0 {
			log = strings.ReplaceAll(log, strconv.Itoa(port2), "{{PORT2}}")
		}
		res.Errlog = checkAll(c.Errlog, log, port)
		if *showLog {
			t.Logf("%s error.log:\n%s", side.Name, data)
		}
	}
	for _, name := range c.Logs {
		res.Logs = append(res.Logs, readLogFile(prefix, name, port, port2))
	}
	return normalise(res)
}

// LogFile is a -- logs -- file as recorded: its lines with times masked
// and the port replaced, or Missing when the server never made it.
type LogFile struct {
	Path    string   `json:"path"`
	Lines   []string `json:"lines"`
	Missing bool     `json:"missing,omitempty"`
}

// logTimes are the time formats of nginx's log variables, masked in log
// files: $time_local, $time_iso8601 and $msec.
var logTimes = []struct {
	re   *regexp.Regexp
	mask string
}{
	{regexp.MustCompile(`\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}`), "{{TIME_LOCAL}}"},
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2}|Z)`), "{{TIME_ISO8601}}"},
	{regexp.MustCompile(`\b\d{10}\.\d{3}\b`), "{{MSEC}}"},
}

// readLogFile reads one -- logs -- file of a stopped server.
func readLogFile(prefix, name string, port, port2 int) LogFile {
	lf := LogFile{Path: name}
	data, err := os.ReadFile(filepath.Join(prefix, name))
	if err != nil {
		lf.Missing = true
		return lf
	}
	text := strings.TrimSuffix(string(data), "\n")
	if text == "" {
		lf.Lines = []string{}
		return lf
	}
	for _, ln := range strings.Split(text, "\n") {
		for _, m := range logTimes {
			ln = m.re.ReplaceAllString(ln, m.mask)
		}
		if port2 > 0 {
			ln = strings.ReplaceAll(ln, strconv.Itoa(port2), "{{PORT2}}")
		}
		lf.Lines = append(lf.Lines, strings.ReplaceAll(ln, strconv.Itoa(port), "{{PORT}}"))
	}
	return lf
}

// normalise round-trips r through JSON so that results compare equal to
// golden files read back (invalid UTF-8 becomes U+FFFD in both).
func normalise(r Result) Result {
	b, err := json.Marshal(r)
	if err != nil {
		panic(fmt.Sprintf("difftest: marshal result: %v", err)) // only plain data inside
	}
	var out Result
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("difftest: unmarshal result: %v", err))
	}
	return out
}

// patternRE compiles an errlog/emerg line: "!" prefix dropped, {{PORT}}
// substituted, {{ANY}} matching any run of characters within one line.
func patternRE(p string, port int) *regexp.Regexp {
	p = strings.TrimPrefix(p, "!")
	p = strings.ReplaceAll(p, "{{PORT}}", strconv.Itoa(port))
	parts := strings.Split(p, "{{ANY}}")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return regexp.MustCompile(strings.Join(parts, `[^\n]*`))
}

// checkAll reports for each pattern whether it occurs in text.
func checkAll(patterns []string, text string, port int) []Check {
	var out []Check
	for _, p := range patterns {
		out = append(out, Check{Pattern: p, Found: patternRE(p, port).MatchString(text)})
	}
	return out
}

// doRequest sends r on a new connection and reads until the server closes.
func doRequest(port int, r Request, sessions tls.ClientSessionCache) (Response, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var conn net.Conn
	var err error
	tlsDesc := ""
	if r.TLS != nil {
		conn, tlsDesc, err = dialTLS(addr, r.TLS, sessions)
		if err == nil && conn == nil {
			return Response{TLS: tlsDesc}, nil
		}
	} else {
		conn, err = net.DialTimeout("tcp", addr, dialTimeout)
	}
	if err != nil {
		return Response{}, fmt.Errorf("dial %s: %w", addr, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		return Response{}, fmt.Errorf("set deadline: %w", err)
	}
	// A server may answer (413, 400) and close before reading everything:
	// write errors are expected then, the response is what counts.
	_, _ = conn.Write(r.Data)
	data, rerr := io.ReadAll(io.LimitReader(conn, maxResponse))
	note := ""
	var ne net.Error
	if errors.As(rerr, &ne) && ne.Timeout() {
		note = "timeout"
	}
	if r.Raw {
		return Response{Raw: maskRaw(string(data)), Note: note, TLS: tlsDesc}, nil
	}
	resp := parseResponse(data, r.Method == "HEAD")
	resp.TLS = tlsDesc
	if resp.Note == "" {
		resp.Note = note
	}
	return resp, nil // the caller masks the port numbers (maskPort)
}

// maskedHeaders are recorded with their values replaced by "*".
var maskedHeaders = map[string]bool{"date": true, "server": true, "etag": true, "last-modified": true}

// maskRE finds the masked headers in a raw response.
var maskRE = regexp.MustCompile(`(?mi)^(Date|Server|ETag|Last-Modified):[^\r\n]*`)

// maskRaw replaces the values of the masked headers in raw bytes.
func maskRaw(s string) string {
	return maskRE.ReplaceAllStringFunc(s, func(m string) string {
		name, _, _ := strings.Cut(m, ":")
		return name + ": *"
	})
}

// parseResponse splits one HTTP response read until close.
func parseResponse(data []byte, head bool) Response {
	if len(data) == 0 {
		return Response{Note: "no response"}
	}
	hdr, rest, ok := bytes.Cut(data, []byte("\r\n\r\n"))
	if !ok {
		return Response{Raw: maskRaw(string(data)), Note: "no header end"}
	}
	lines := strings.Split(string(hdr), "\r\n")
	resp := Response{StatusLine: lines[0]}
	if f := strings.Fields(lines[0]); len(f) >= 2 {
		resp.Status, _ = strconv.Atoi(f[1])
	}
	chunked, gzipped := false, false
	for _, ln := range lines[1:] {
		name, value, _ := strings.Cut(ln, ":")
		value = strings.TrimSpace(value)
		lname := strings.ToLower(name)
		if lname == "transfer-encoding" && strings.Contains(strings.ToLower(value), "chunked") {
			chunked = true
		}
		if lname == "content-encoding" && strings.EqualFold(value, "gzip") {
			gzipped = true
		}
		if maskedHeaders[lname] {
			value = "*"
		}
		resp.Headers = append(resp.Headers, name+": "+value)
	}
	sort.SliceStable(resp.Headers, func(i, j int) bool {
		return headerKey(resp.Headers[i]) < headerKey(resp.Headers[j])
	})
	if chunked && !head {
		body, err := dechunk(rest)
		if err != nil {
			resp.Body = string(rest)
			resp.Note = "bad chunked body"
			return resp
		}
		rest = body
	}
	resp.Body = string(rest)
	if gzipped && !head && len(rest) > 0 {
		zr, err := gzip.NewReader(bytes.NewReader(rest))
		if err == nil {
			var plain []byte
			if plain, err = io.ReadAll(zr); err == nil {
				resp.Body, resp.Decoded = string(plain), "gzip"
			}
		}
		if err != nil {
			resp.Note = "bad gzip body"
		}
	}
	return resp
}

// headerKey is the sort key of a "Name: value" line.
func headerKey(h string) string {
	name, _, _ := strings.Cut(h, ":")
	return strings.ToLower(name)
}

// dechunk decodes a chunked body up to its last chunk (trailers ignored).
func dechunk(b []byte) ([]byte, error) {
	var out []byte
	for {
		line, rest, ok := bytes.Cut(b, []byte("\r\n"))
		if !ok {
			return nil, errors.New("chunk size line without CRLF")
		}
		sz, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseUint(strings.TrimSpace(string(sz)), 16, 32)
		if err != nil {
			return nil, fmt.Errorf("chunk size %q: %w", line, err)
		}
		if n == 0 {
			return out, nil
		}
		if uint64(len(rest)) < n+2 || string(rest[n:n+2]) != "\r\n" {
			return nil, errors.New("truncated chunk")
		}
		out = append(out, rest[:n]...)
		b = rest[n+2:]
	}
}

func TestOwnsListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if !ownsListener(os.Getpid(), port) {
		t.Fatal("this process's own listener not found")
	}
	if ownsListener(os.Getppid(), port) {
		t.Fatal("the parent process claimed this process's listener")
	}
}

// maskPort replaces a port's number in what was recorded by mask
// ({{PORT}}, {{PORT2}}); the two ports are different numbers of the same
// length, so neither is found inside the other.
func (r Response) maskPort(port int, mask string) Response {
	if port <= 0 {
		return r
	}
	ps := strconv.Itoa(port)
	r.Raw = strings.ReplaceAll(r.Raw, ps, mask)
	r.StatusLine = strings.ReplaceAll(r.StatusLine, ps, mask)
	r.Body = strings.ReplaceAll(r.Body, ps, mask)
	for i, h := range r.Headers {
		r.Headers[i] = strings.ReplaceAll(h, ps, mask)
	}
	return r
}
