package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestExamples opens every example as a learner does (the home page's
// button), applies it, and checks that it shows what it says it shows.
func TestExamples(t *testing.T) {
	type check struct {
		path       string
		wantStatus int
		wantBody   string
		minMS      float64 // the request takes at least this long
		maxMS      float64 // and at most this long (0: no limit)
	}
	tests := []struct {
		name    string
		checks  []check
		wantLog []string
	}{
		{"sleep", []check{{path: "/", wantStatus: 200, wantBody: "hello from a coroutine\n", minMS: 45}}, nil},
		{"blocking", []check{{path: "/spin", wantStatus: 200, wantBody: "spun\n", minMS: 45}, {path: "/sleep", wantStatus: 200, wantBody: "slept\n", minMS: 45}}, nil},
		{"phases", []check{{path: "/", wantStatus: 200, wantBody: "hello\n"}}, []string{"rewrite", "access", "content", "body_filter: last chunk", "log: status 200"}},
		{"globals", []check{{path: "/?u=alice", wantStatus: 200, wantBody: "user alice\n"}}, nil},
		{"log_phase_io", []check{{path: "/bad", wantStatus: 200, wantBody: "bad: see error_log\n"}, {path: "/good", wantStatus: 200, wantBody: "good: a timer does the I/O\n"}},
			[]string{"API disabled in the context of log_by_lua*", "timer: counted a hit for /good"}},
		{"say_then_exit", []check{{path: "/", wantStatus: 200, wantBody: "partial output\n"}}, []string{"attempt to set status 403 via ngx.exit after sending out the response status 200"}},
		{"spawn_waits", []check{{path: "/wait", wantStatus: 200, wantBody: "hello\n", minMS: 950}, {path: "/exit", wantStatus: 200, wantBody: "hello\n", maxMS: 500}}, nil},
	}
	if len(tests) != len(examples) {
		t.Fatalf("%d examples, %d checked: every example needs a row", len(examples), len(tests))
	}
	l := newLabWithHosts(t)
	l.open()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l.t = t
			req, _ := http.NewRequest("POST", l.ts.URL+"/example/"+tt.name, nil)
			resp, err := l.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("open the example: %d", resp.StatusCode)
			}
			// The page it leads to fills Send and Fire burst with a path
			// the example serves.
			loc := resp.Header.Get("Location")
			if !strings.Contains(loc, "example="+tt.name) {
				t.Fatalf("redirect to %q, want the example named", loc)
			}
			_, page := l.do("GET", loc, nil)
			if want := fmt.Sprintf(`"preset":{"path":%q`, tt.checks[0].path); !strings.Contains(string(page), want) {
				t.Fatalf("%s: boot data lacks %s", loc, want)
			}
			// Send at once (no Apply): the running instance already serves
			// the example, not the previous one.
			var first sendResult
			l.json("POST", "/api/send", sendRequest{Path: tt.checks[0].path}, &first)
			if first.Status != tt.checks[0].wantStatus || first.Body != tt.checks[0].wantBody {
				t.Fatalf("Send right after opening: %d %q, want %d %q (%s)", first.Status, first.Body, tt.checks[0].wantStatus, tt.checks[0].wantBody, first.Error)
			}
			var ws workspaceJSON
			l.json("GET", "/api/workspace", nil, &ws)
			conn := l.dialWS()
			logs := make(chan string, 1000)
			go func() {
				for {
					var m wsIn
					if err := conn.ReadJSON(&m); err != nil {
						return
					}
					if m.T == "log" {
						logs <- m.Line
					}
				}
			}()
			var res applyResult
			l.json("POST", "/api/apply", ws, &res)
			if !res.OK || len(res.Warnings) > 0 {
				t.Fatalf("apply: %+v", res)
			}
			for _, c := range tt.checks {
				var sent sendResult
				l.json("POST", "/api/send", sendRequest{Path: c.path}, &sent)
				if sent.Status != c.wantStatus || sent.Body != c.wantBody {
					t.Fatalf("%s: %d %q, want %d %q (%s)", c.path, sent.Status, sent.Body, c.wantStatus, c.wantBody, sent.Error)
				}
				if sent.MS < c.minMS || (c.maxMS > 0 && sent.MS > c.maxMS) {
					t.Fatalf("%s took %v ms, want %v..%v", c.path, sent.MS, c.minMS, c.maxMS)
				}
			}
			var seen []string
			deadline := time.After(10 * time.Second)
			for _, want := range tt.wantLog {
				for found := false; !found; {
					for _, line := range seen {
						if strings.Contains(line, want) {
							found = true
						}
					}
					if found {
						break
					}
					select {
					case line := <-logs:
						seen = append(seen, line)
					case <-deadline:
						t.Fatalf("error_log has no %q; lines: %q", want, seen)
					}
				}
			}
			conn.Close()
		})
	}
}
