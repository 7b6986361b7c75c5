package sandbox

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/restylab/restylab/sandbox/proto"
)

const accessConf = `events {}
http {
    log_format short '$request_method $uri $status';
    log_format js escape=json '{"uri":"$uri","status":$status}';
    access_log logs/access.log combined;
    server {
        listen 8080;
        location / { return 200 "ok\n"; }
        location /api/ {
            access_log logs/api.log short;
            access_log logs/api.json js;
            return 200 "api\n";
        }
        location /quiet { access_log off; return 200 "shh\n"; }
        location /buf { access_log logs/buf.log short buffer=4k flush=1h; return 200 "buf\n"; }
    }
}
`

// accessLine is one line of an AccessLog frame.
type accessLine struct{ file, line string }

// waitAccess reads the instance's events until n access log lines have
// come, and returns them in order (other events are skipped).
func waitAccess(t *testing.T, in *Instance, n int) []accessLine {
	t.Helper()
	var got []accessLine
	deadline := time.After(15 * time.Second)
	for len(got) < n {
		select {
		case ev, ok := <-in.Events():
			if !ok {
				t.Fatalf("events closed after %d access log lines of %d (%s)", len(got), n, in.Exited())
			}
			if a, ok := ev.(*proto.AccessLog); ok {
				if a.Dropped != 0 {
					t.Errorf("%d access log lines dropped", a.Dropped)
				}
				for _, l := range a.Lines {
					got = append(got, accessLine{l.File, l.Line})
				}
			}
		case <-deadline:
			t.Fatalf("%d access log lines after 15 s, want %d: %v", len(got), n, got)
		}
	}
	return got
}

// TestAccessLogStream: every access log a real instance writes reaches the
// parent as the request ends, named by its file relative to the workspace,
// the line as nginx formats it; off writes nothing; a buffer= log's lines
// come when the engine writes them (here: when its worker exits at a
// reload), and the stream goes on with the new configuration's logs.
func TestAccessLogStream(t *testing.T) {
	m := newManager(t, Config{MaxWorkers: 1})
	in, err := m.Start(context.Background(), "s", Workspace{Conf: accessConf, Files: map[string]string{
		// a workspace file where the log goes: its text must never be streamed
		"logs/access.log": "SECRET written by the learner before the start\n",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, in, "/hello?a=1"); code != 200 {
		t.Fatalf("GET /hello: %d", code)
	}
	combined := regexp.MustCompile(`^127\.0\.0\.1 - - \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET /hello\?a=1 HTTP/1\.1" 200 3 "-" "Go-http-client/1\.1"$`)
	got := waitAccess(t, in, 1)
	if got[0].file != "logs/access.log" || !combined.MatchString(got[0].line) {
		t.Fatalf("first line: %+v", got[0])
	}

	for _, p := range []string{"/quiet", "/buf", "/api/x"} {
		if code, _ := get(t, in, p); code != 200 {
			t.Fatalf("GET %s: %d", p, code)
		}
	}
	// /quiet writes nothing and /buf stays in its buffer: the next lines
	// are /api/x's, one per log of its location, in the directives' order
	want := []accessLine{{"logs/api.log", "GET /api/x 200"}, {"logs/api.json", `{"uri":"/api/x","status":200}`}}
	if got := waitAccess(t, in, 2); got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("lines after /quiet, /buf, /api/x: %+v, want %+v", got, want)
	}

	// a reload: the old worker writes its buffer as it exits, and the new
	// configuration's logs stream from the same instance
	v2 := strings.Replace(accessConf, "access_log logs/access.log combined;", "access_log logs/v2.log short;", 1)
	if err := in.Reload(context.Background(), Workspace{Conf: v2}); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, in, "/after"); code != 200 {
		t.Fatalf("GET /after: %d", code)
	}
	got = waitAccess(t, in, 2)
	wantSet := map[accessLine]bool{{"logs/buf.log", "GET /buf 200"}: true, {"logs/v2.log", "GET /after 200"}: true}
	for _, l := range got {
		if !wantSet[l] {
			t.Errorf("after the reload: %+v, want %v", got, wantSet)
		}
		if strings.Contains(l.line, "SECRET") {
			t.Errorf("a line of the workspace's own file was streamed: %+v", l)
		}
	}
}

// TestAccessLogOutsideRefused: an access log outside the workspace (a
// system file, another instance's log by a climbing path) does not load,
// so nothing of that file can reach the page.
func TestAccessLogOutsideRefused(t *testing.T) {
	m := newManager(t, Config{})
	other, err := m.Start(context.Background(), "other", Workspace{Conf: accessConf})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Stop()
	tests := []struct{ name, path string }{
		{"system file", "/etc/passwd"},
		{"climbing out", "../../../../../../../../etc/passwd"},
		{"a sibling workspace", "../ws0/logs/access.log"},
		{"another instance's log", "../../instance-x/ws1/logs/access.log"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf := strings.Replace(accessConf, "access_log logs/access.log combined;", "access_log "+tt.path+";", 1)
			_, err := m.Start(context.Background(), "s", Workspace{Conf: conf})
			var le *LoadError
			if !errors.As(err, &le) || le.Line != 5 || !strings.Contains(le.Message, "(13: Permission denied)") {
				t.Fatalf("Start with access_log %s: %v, want a LoadError at line 5, permission denied", tt.path, err)
			}
		})
	}
}
