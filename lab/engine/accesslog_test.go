package engine

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSandboxAccessLogLimit: a sandboxed instance makes its access log's
// folder inside the workspace and stops writing a file at the lab's limit,
// with one error_log line that says so; the requests are still served.
func TestSandboxAccessLogLimit(t *testing.T) {
	saved := sandboxAccessLogLimit
	sandboxAccessLogLimit = 100
	t.Cleanup(func() { sandboxAccessLogLimit = saved })
	_, base, prefix := startEngine(t, 1, `
    log_format short '$request_method $uri $status';
    server {
        listen 127.0.0.1:{{PORT}};
        access_log made/here/a.log short;
        location / { return 200 "ok\n"; }
    }`, Options{Sandbox: true})
	for i := 0; i < 20; i++ {
		if st, body := get(t, base+"/request-number"); st != 200 || body != "ok\n" {
			t.Fatalf("request %d: %d %q", i, st, body)
		}
	}
	data := readFile(t, filepath.Join(prefix, "made/here/a.log"))
	if len(data) > 100 || !strings.HasPrefix(data, "GET /request-number 200\n") {
		t.Errorf("access log (%d bytes): %q", len(data), data)
	}
	if n := strings.Count(data, "\n"); n != 4 { // 24 bytes a line: 4 fit in 100
		t.Errorf("%d lines written, want 4", n)
	}
	log := readFile(t, filepath.Join(prefix, "logs/error.log"))
	if n := strings.Count(log, "reached the lab's limit of 100 bytes: further lines are dropped"); n != 1 {
		t.Errorf("%d limit lines in error.log, want 1:\n%s", n, log)
	}
	if _, err := os.Stat(filepath.Join(prefix, "logs/access.log")); err == nil {
		t.Errorf("the default access log was made although the server has its own")
	}
}

// TestDefaultAccessLog: with no access_log anywhere, a server writes
// nginx's default, logs/access.log in the combined format.
func TestDefaultAccessLog(t *testing.T) {
	e, base, prefix := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / { return 200 "ok\n"; }
    }`, Options{})
	if st, _ := get(t, base+"/x?a=1"); st != 200 {
		t.Fatalf("status %d", st)
	}
	e.Stop()
	if err := e.Wait(); err != nil {
		t.Fatal(err)
	}
	data := readFile(t, filepath.Join(prefix, "logs/access.log"))
	want := regexp.MustCompile(`^127\.0\.0\.1 - - \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET /x\?a=1 HTTP/1\.1" 200 3 "-" "Go-http-client/1\.1"\n$`)
	if !want.MatchString(data) {
		t.Errorf("logs/access.log: %q", data)
	}
}
