package engine

import (
	"strings"
	"testing"

	"github.com/restylab/restylab/lab/trace"
)

// TestServerRewriteTrace: server_rewrite_by_lua is traced as a phase of its
// own, "server_rewrite", with an entry coroutine that may yield, before the
// location's rewrite_by_lua; a request it ends (ngx.exit) enters no
// location phase.
func TestServerRewriteTrace(t *testing.T) {
	tr := trace.New(1, 1<<16)
	sub := tr.Subscribe()
	defer sub.Close()
	_, base, _ := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        server_rewrite_by_lua_block {
            ngx.sleep(0.01)
            if ngx.var.uri == "/refused" then return ngx.exit(403) end
        }
        location / {
            rewrite_by_lua_block { ngx.ctx.r = ngx.get_phase() }
            content_by_lua_block { ngx.say(ngx.ctx.r) }
        }
    }`, Options{Tracer: tr})

	cases := []struct {
		path   string
		status int
		want   []string
	}{
		{"/a", 200, []string{
			"phase_enter server_rewrite", "co_create c1 server_rewrite", "co_resume c1", "co_yield c1 sleep 10ms",
			"co_resume c1", "co_exit c1 ok", "phase_exit server_rewrite",
			"phase_enter rewrite", "co_create c2 rewrite", "co_resume c2", "co_exit c2 ok", "phase_exit rewrite",
			"phase_enter content", "co_create c3 content", "co_resume c3", "co_exit c3 ok", "phase_exit content",
		}},
		{"/refused", 403, []string{
			"phase_enter server_rewrite", "co_create c1 server_rewrite", "co_resume c1", "co_yield c1 sleep 10ms",
			"co_resume c1", "co_exit c1 exit", "phase_exit server_rewrite",
		}},
	}
	for _, tc := range cases {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			st, body := get(t, base+tc.path)
			if st != tc.status {
				t.Fatalf("GET %s: status %d (body %q), want %d", tc.path, st, body, tc.status)
			}
			evs := requestEvents(t, sub, tc.path)
			got := phaseSequence(evs)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("GET %s: trace\n  %s\nwant\n  %s", tc.path, strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			checkPhasePairs(t, evs)
		})
	}
}
