//go:build unix

package lessons

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// nginxWorkspace has two workers, two servers on the lab's usual port, a
// Lua module found through $prefix, and a handler whose error names its
// line in the error log.
var nginxWorkspace = Workspace{
	Conf: `# the nginx target's own test
worker_processes 2;

events {
    worker_connections 64;
}

http {
    lua_package_path "$prefix/lua/?.lua;;";
    server {
        listen 8080 default_server;
        location /mark {
            content_by_lua_block {
                ngx.log(ngx.ERR, "mark-", ngx.var.arg_n)
                ngx.print(require("greet").hello(), " ", ngx.worker.count())
            }
        }
        location /boom {
            content_by_lua_block {
                error("boom")
            }
        }
    }
    server { listen 8080; server_name other.test; location / { return 204; } }
}
`,
	Files: map[string]string{"lua/greet.lua": "return { hello = function() return 'hi from a module' end }\n"},
}

// TestNginxTarget: the workspace runs on real nginx on the target's port
// with the conf's workers; a window holds the error_log lines of its own
// time, with the file:line the lab would name.
func TestNginxTarget(t *testing.T) {
	requireOracle(t)
	n := startNginx(t, nginxWorkspace)
	if n.Workers() != 2 {
		t.Errorf("Workers() = %d, want 2", n.Workers())
	}
	get := func(path, host string) (int, string) {
		t.Helper()
		req, err := http.NewRequest("GET", n.BaseURL()+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if !strings.HasPrefix(resp.Header.Get("Server"), "nginx/1.") {
			t.Errorf("GET %s: Server %q, want real nginx's", path, resp.Header.Get("Server"))
		}
		return resp.StatusCode, string(b)
	}
	ctx := context.Background()
	for _, mark := range []string{"1", "2"} {
		rec, err := n.Record(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if code, body := get("/mark?n="+mark, "localhost"); code != 200 || body != "hi from a module 2" {
			t.Errorf("GET /mark: %d %q, want 200 \"hi from a module 2\"", code, body)
		}
		time.Sleep(settle)
		w, err := rec.Stop(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, ln := range w.ErrorLog {
			if strings.Contains(ln, "mark-") {
				found++
				if !strings.Contains(ln, "[error]") || !strings.Contains(ln, "mark-"+mark) {
					t.Errorf("window %s holds %q", mark, ln)
				}
			}
		}
		if found != 1 || len(w.Events) != 0 {
			t.Errorf("window %s: %d mark lines, %d events; want 1 and none; log %q", mark, found, len(w.Events), w.ErrorLog)
		}
	}
	if code, _ := get("/", "other.test"); code != 204 {
		t.Errorf("second server: status %d, want 204", code)
	}
	// The rewrite keeps every line where it was: nginx names the line the
	// learner wrote, as the engine does.
	line := strings.Count(nginxWorkspace.Conf[:strings.Index(nginxWorkspace.Conf, `error("boom")`)], "\n")
	want := fmt.Sprintf("content_by_lua(nginx.conf:%d):2: boom", line)
	e := startWorkspace(t, nginxWorkspace)
	for name, target := range map[string]Target{"nginx": n, "engine": e} {
		rec, err := target.Record(ctx)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(target.BaseURL() + "/boom")
		if err != nil {
			t.Fatalf("%s: GET /boom: %v", name, err)
		}
		resp.Body.Close()
		time.Sleep(settle)
		w, err := rec.Stop(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 500 || !strings.Contains(strings.Join(w.ErrorLog, "\n"), want) {
			t.Errorf("%s: GET /boom: status %d, error log %q; want 500 and %q", name, resp.StatusCode, w.ErrorLog, want)
		}
	}
}

// TestNginxTargetJudges: checks on the nginx target pass and fail on what
// nginx answers, and withoutTrace keeps a check's other assertions.
func TestNginxTargetJudges(t *testing.T) {
	requireOracle(t)
	fsys := minimal()
	fsys["c/01-demo/checks.txt"] = &fstest.MapFile{Data: []byte("=== Says hi\n--- name_zh: 说你好\n--- request\nGET /\n--- response_body\nhi\n--- trace\nyield sleep\n--- hint\nh\n--- hint_zh\n提示\n" +
		"=== Says hi at once\n--- name_zh: 立刻说你好\n--- request\nGET /\n--- trace\nwall < 1s\n--- hint\nh\n--- hint_zh\n提示\n" +
		"=== Logs nothing bad\n--- name_zh: 没有错误日志\n--- request\nGET /\n--- no_error_log\n[error]\n--- hint\nh\n--- hint_zh\n提示\n")}
	ls, err := Load(fsys, "c")
	if err != nil {
		t.Fatal(err)
	}
	l, left := withoutTrace(t, ls[0])
	// the trace-only check still runs (its requests), with nothing to judge
	if len(l.Checks) != 3 || len(left) != 2 || l.Checks[0].NeedsTrace() || l.Checks[1].NeedsTrace() || !ls[0].Checks[0].NeedsTrace() || ls[0].Checks[2].NeedsTrace() {
		t.Fatalf("withoutTrace kept %d checks, left out %q", len(l.Checks), left)
	}
	for _, tc := range []struct {
		say   string
		score int
	}{
		{`ngx.say("hi")`, 100},
		{`ngx.say("ho")`, 66},
		{`ngx.log(ngx.ERR, "oops") ngx.say("hi")`, 66},
	} {
		ws := Workspace{Conf: "events {}\nhttp { server { listen 8080; location / { content_by_lua_block { " + tc.say + " } } } }\n"}
		r := l.Check(context.Background(), startNginx(t, ws), English)
		if r.Score != tc.score {
			t.Errorf("%s: score %d, want %d; failed:%s", tc.say, r.Score, tc.score, failures(r))
		}
	}
}

// TestNginxConfRewrite: listens move to the port on their own line, the
// http block is found past comments, quotes and other blocks.
func TestNginxConfRewrite(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"        listen 8080;", "        listen 127.0.0.1:1234;"},
		{"listen 0.0.0.0:80 default_server reuseport;", "listen 127.0.0.1:1234 default_server reuseport;"},
		{"server { listen [::]:8080; listen '8081'; }", "server { listen 127.0.0.1:1234; listen 127.0.0.1:1234; }"},
		{"    listen\t8080 ;  # listen here", "    listen\t127.0.0.1:1234 ;  # listen here"},
	} {
		got, _ := rewriteListens(tc.in, "127.0.0.1:1234")
		if got != tc.out {
			t.Errorf("rewriteListens(%q) = %q, want %q", tc.in, got, tc.out)
		}
	}
	if got, n := rewriteListens("    server_name listener.test;", "x"); n != 0 || got != "    server_name listener.test;" {
		t.Errorf("a line without listen changed: %q (%d)", got, n)
	}
	for _, tc := range []struct {
		src  string
		want string // the text just before the offset
	}{
		{"events {}\nhttp {\n", "events {}\nhttp {"},
		{"# http { in a comment\nworker_processes 1;\nevents { worker_connections 8; }\nhttp{ server {} }", "events { worker_connections 8; }\nhttp{"},
		{"env \"http {\";\nevents { }\n  http\n  {\n", "  http\n  {"},
	} {
		at, err := httpBlockOpen(tc.src)
		if err != nil || !strings.HasSuffix(tc.src[:at], tc.want) {
			t.Errorf("httpBlockOpen(%q) = %d (%q), %v; want the offset after %q", tc.src, at, tc.src[:max(at, 0)], err, tc.want)
		}
	}
	for _, src := range []string{"events {}\n", "events { http {} }\n", "include http.conf;\n"} {
		if at, err := httpBlockOpen(src); err == nil {
			t.Errorf("httpBlockOpen(%q) = %d, want an error", src, at)
		}
	}
}
