package web

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestReadiness: /healthz says alive; /readyz is ready after a probe
// instance started, names the data folder once it cannot be written, and
// turns 503 when the lab drains for its shutdown.
func TestReadiness(t *testing.T) {
	l := newLab(t, "")
	if status, body := l.do("GET", "/healthz", nil); status != 200 || string(body) != "ok 0 instances\n" {
		t.Fatalf("/healthz: %d %q", status, body)
	}
	if status, body := l.do("GET", "/readyz", nil); status != 200 || string(body) != "ready\n" {
		t.Fatalf("/readyz: %d %q", status, body)
	}
	// the probe ran an instance and stopped it
	if !l.srv.ready.lastSpawn.After(time.Now().Add(-readyProbeEvery)) {
		t.Error("no probe instance recorded")
	}
	if n := l.srv.mgr.Live(); n != 0 {
		t.Errorf("%d instances after the probe", n)
	}

	// the data folder goes away under the lab (a lost mount)
	moved := l.data + ".moved"
	if err := os.Rename(l.data, moved); err != nil {
		t.Fatal(err)
	}
	status, body := l.do("GET", "/readyz", nil)
	if status != http.StatusServiceUnavailable || !strings.HasPrefix(string(body), "not ready: data folder "+l.data+" is not writable") {
		t.Errorf("/readyz without its data folder: %d %q", status, body)
	}
	if err := os.Rename(moved, l.data); err != nil {
		t.Fatal(err)
	}
	if status, _ := l.do("GET", "/readyz", nil); status != 200 {
		t.Errorf("/readyz with the folder back: %d", status)
	}

	l.srv.Drain()
	if status, body := l.do("GET", "/readyz", nil); status != http.StatusServiceUnavailable || string(body) != "not ready: shutting down\n" {
		t.Errorf("/readyz while draining: %d %q", status, body)
	}
	if status, _ := l.do("GET", "/healthz", nil); status != 200 {
		t.Errorf("/healthz while draining: %d", status)
	}
}

// TestMetricsCount: the counters follow what the lab does (a session, an
// instance started, a workspace that does not load, an apply, the instance
// stopped) and /metrics serves them with the routes' patterns.
func TestMetricsCount(t *testing.T) {
	l := newLab(t, "")
	l.open()
	var res applyResult
	l.json("POST", "/api/apply", workspaceJSON{Conf: "events {}\nhttp { server { listen 8080; location / { content_by_lua_block { ngx.say(1) } } } }\n"}, &res)
	if !res.OK {
		t.Fatalf("apply: %+v", res)
	}
	m := l.srv.met
	for name, tt := range map[string]struct {
		got  float64
		want float64
	}{
		"sessions created": {testutil.ToFloat64(m.sessionsCreated), 1},
		"spawns ok":        {testutil.ToFloat64(m.spawnOK), 1},
		"applies timed":    {float64(testutil.CollectAndCount(m.applySeconds)), 1},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: %v, want %v", name, tt.got, tt.want)
		}
	}
	sess := l.srv.session(l.open().Session)
	in := sess.running()
	if in == nil {
		t.Fatal("no instance")
	}
	in.Stop()
	deadline := time.Now().Add(10 * time.Second)
	for testutil.ToFloat64(m.exits["stopped"]) != 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := testutil.ToFloat64(m.exits["stopped"]); got != 1 {
		t.Errorf("exits{reason=stopped} = %v", got)
	}
	status, body := l.do("GET", "/metrics", nil)
	if status != 200 {
		t.Fatalf("/metrics: %d", status)
	}
	for _, want := range []string{
		`restylab_http_request_seconds_count{route="POST /api/apply"} 1`,
		`restylab_http_request_seconds_count{route="GET /play"} 2`,
		`restylab_instance_exits_total{reason="stopped"} 1`,
		`restylab_apply_seconds_bucket{le="+Inf"} 1`,
		"restylab_instances_running 0",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
