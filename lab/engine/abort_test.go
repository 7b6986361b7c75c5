package engine

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestClientAbort: a client closes its connection while the handler
// sleeps, as observed on nginx 1.22 + ngx_lua 0.10.23: with
// lua_check_client_abort on, the ngx.on_abort callback runs (ngx.status 0)
// and the handler goes on (status 200); without a callback the handler
// stops and the request ends with 499; with the check off the handler goes
// on and ngx.on_abort refuses.
func TestClientAbort(t *testing.T) {
	_, base, prefix := startEngine(t, 1, `
    lua_shared_dict d 1m;
    server {
        listen 127.0.0.1:{{PORT}};
        location /on { lua_check_client_abort on; content_by_lua_block {
            local ok, err = ngx.on_abort(function() ngx.shared.d:set("on", "abort handler ran, status " .. tostring(ngx.status)) end)
            ngx.shared.d:set("reg", tostring(ok) .. " " .. tostring(err) .. " dup=" .. tostring(select(2, ngx.on_abort(function() end))))
            ngx.sleep(0.5)
            ngx.shared.d:set("after", "entry went on")
        } log_by_lua_block { ngx.shared.d:set("log_on", "log status " .. ngx.var.status) } }
        location /nohandler { lua_check_client_abort on; content_by_lua_block {
            ngx.sleep(0.5)
            ngx.shared.d:set("nh_after", "entry went on")
        } log_by_lua_block { ngx.shared.d:set("log_nh", "log status " .. ngx.var.status) } }
        location /off { content_by_lua_block {
            ngx.shared.d:set("off_reg", tostring(select(2, ngx.on_abort(function() end))))
            ngx.sleep(0.5)
            ngx.shared.d:set("off_after", "entry went on")
        } log_by_lua_block { ngx.shared.d:set("log_off", "log status " .. ngx.var.status) } }
        location /dump { content_by_lua_block {
            for _, k in ipairs{"reg", "on", "after", "log_on", "nh_after", "log_nh", "off_reg", "off_after", "log_off"} do
                ngx.say(k, ": ", tostring(ngx.shared.d:get(k)))
            end
        } }
    }`, Options{})
	addr := strings.TrimPrefix(base, "http://")
	for _, p := range []string{"/on", "/nohandler", "/off"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write([]byte("GET " + p + " HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		c.Close()
	}
	time.Sleep(time.Second)
	_, body := get(t, base+"/dump")
	want := `reg: 1 nil dup=duplicate call
on: abort handler ran, status 0
after: entry went on
log_on: log status 200
nh_after: nil
log_nh: log status 499
off_reg: lua_check_client_abort is off
off_after: entry went on
log_off: log status 200
`
	if body != want {
		t.Fatalf("got\n%s\nwant (nginx's)\n%s", body, want)
	}
	if log := readLog(t, prefix); strings.Count(log, "client prematurely closed connection") != 2 {
		t.Errorf("want 2 info lines \"client prematurely closed connection\" in error_log:\n%s", log)
	}
}

// readLog is the prefix's error_log.
func readLog(t *testing.T, prefix string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(prefix, "logs", "error.log"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLimitRate: limit_rate 4k holds a 10000-byte response to 4 KiB a
// second, as nginx's write filter does (nginx 1.22 took 2.0 s here): the
// body arrives whole, after at least two seconds' worth of the rate minus
// the first second's allowance.
func TestLimitRate(t *testing.T) {
	_, base, _ := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location /slow { limit_rate 4k; content_by_lua_block { ngx.print(string.rep("x", 10000)) } }
        location /fast { content_by_lua_block { ngx.print(string.rep("x", 10000)) } }
    }`, Options{})
	for _, tc := range []struct {
		path     string
		min, max time.Duration
	}{
		{"/slow", 1500 * time.Millisecond, time.Minute},
		{"/fast", 0, time.Second},
	} {
		start := time.Now()
		st, body := get(t, base+tc.path)
		took := time.Since(start)
		if st != 200 || len(body) != 10000 {
			t.Fatalf("%s: %d, %d bytes", tc.path, st, len(body))
		}
		if took < tc.min || took > tc.max {
			t.Errorf("%s took %v, want between %v and %v", tc.path, took, tc.min, tc.max)
		}
	}
}
