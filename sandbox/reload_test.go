package sandbox

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/restylab/restylab/lab/trace"
)

const reloadConf = `events {}
http {
    lua_shared_dict gate 1m;
    server {
        listen 8080;
        location /count {
            content_by_lua_block { ngx.say(ngx.shared.gate:get("n") or 0) }
        }
        location /go {
            content_by_lua_block { ngx.shared.gate:set("go", true) ngx.say("go") }
        }
        location / {
            content_by_lua_block {
                ngx.shared.gate:incr("n", 1, 0)
                while not ngx.shared.gate:get("go") do ngx.sleep(0.01) end
                ngx.sleep(0.2)
                ngx.say("VERSION")
            }
        }
    }
}
`

// TestReloadInFlight reloads an instance while 200 requests are in their
// ngx.sleep(0.2): every one is answered by the old code, and the next
// request sees the new code (Reload does not wait for them: the new engine
// serves on the same socket at once, see TestReloadOverlaps).
func TestReloadInFlight(t *testing.T) {
	const n = 200
	m := newManager(t, Config{})
	in, err := m.Start(context.Background(), "s", Workspace{Conf: strings.Replace(reloadConf, "VERSION", "v1", 1)})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	url := fmt.Sprintf("http://127.0.0.1:%d", in.Port())
	fetch := func(path string) (string, error) {
		resp, err := c.Get(url + path)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != 200 {
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		return string(b), err
	}
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, err := fetch("/")
			if err != nil || body != "v1\n" {
				errs <- fmt.Sprintf("%q %v", body, err)
			}
		}()
	}
	// Wait until all 200 are inside the handler, open the gate, reload.
	deadline := time.Now().Add(20 * time.Second)
	for {
		body, err := fetch("/count")
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(body) == fmt.Sprint(n) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %s requests in flight", strings.TrimSpace(body))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := fetch("/go"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	v2 := strings.Replace(strings.Replace(reloadConf, "VERSION", "v2", 1), `while not ngx.shared.gate:get("go") do ngx.sleep(0.01) end`, "", 1)
	if err := in.Reload(context.Background(), Workspace{Conf: v2}); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	wg.Wait()
	close(errs)
	var failed []string
	for e := range errs {
		failed = append(failed, e)
	}
	if len(failed) > 0 {
		t.Errorf("%d of %d requests in flight failed: %q", len(failed), n, failed[:min(5, len(failed))])
	}
	body, err := fetch("/")
	if err != nil || body != "v2\n" {
		t.Fatalf("after the reload: %q %v, want v2", body, err)
	}
	t.Logf("%d requests in flight across Reload (took %v): %d failures; the next request got %q", n, took.Round(time.Millisecond), len(failed), body)
}

// TestReloadOverlaps: as with nginx -s reload, the new configuration
// serves new connections at once (on the same listening socket) while a
// long request finishes on the old one.
func TestReloadOverlaps(t *testing.T) {
	m := newManager(t, Config{})
	conf := func(version string) string {
		return `events {}
http {
    server {
        listen 8080;
        location /slow { content_by_lua_block { ngx.sleep(2) ngx.say("slow ` + version + `") } }
        location / { content_by_lua_block { ngx.say("` + version + `") } }
    }
}
`
	}
	in, err := m.Start(context.Background(), "s", Workspace{Conf: conf("v1")})
	if err != nil {
		t.Fatal(err)
	}
	slow := make(chan string, 1)
	go func() {
		_, body := get(t, in, "/slow")
		slow <- body
	}()
	time.Sleep(200 * time.Millisecond) // the slow request is in its sleep
	t0 := time.Now()
	if err := in.Reload(context.Background(), Workspace{Conf: conf("v2")}); err != nil {
		t.Fatal(err)
	}
	code, body := get(t, in, "/")
	if code != 200 || body != "v2\n" {
		t.Fatalf("after reload: %d %q", code, body)
	}
	if d := time.Since(t0); d > time.Second {
		t.Fatalf("reload and the next request took %v: the new config waited for the old requests", d)
	}
	select {
	case body := <-slow:
		if body != "slow v1\n" {
			t.Fatalf("in-flight request: %q", body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the in-flight request never finished")
	}
	// A change between reuseport and a plain listen cannot share the
	// socket: the reload still works (the old engine stops first).
	rp := strings.Replace(conf("v3"), "listen 8080;", "listen 8080 reuseport;", 1)
	if err := in.Reload(context.Background(), Workspace{Conf: rp}); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, in, "/"); code != 200 || body != "v3\n" {
		t.Fatalf("after the reuseport reload: %d %q", code, body)
	}
	if err := in.Reload(context.Background(), Workspace{Conf: conf("v4")}); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, in, "/"); code != 200 || body != "v4\n" {
		t.Fatalf("back to a plain listen: %d %q", code, body)
	}
}

// TestReloadLosesNoNewConnection reloads again and again while a client
// opens new connections: a connection the old engine accepted just before
// it quit is served, not closed (nginx closes only idle keep-alive ones).
func TestReloadLosesNoNewConnection(t *testing.T) {
	m := newManager(t, Config{})
	conf := func(v int) string {
		return fmt.Sprintf("events {}\nhttp { server { listen 8080; location / { content_by_lua_block { ngx.say(%d) } } } }\n", v)
	}
	in, err := m.Start(context.Background(), "s", Workspace{Conf: conf(0)})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	failures := make(chan string, 1000)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/", in.Port()))
				if err != nil {
					failures <- err.Error()
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failures <- resp.Status
				}
			}
		}()
	}
	for v := 1; v <= 20; v++ {
		if err := in.Reload(context.Background(), Workspace{Conf: conf(v)}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	close(failures)
	var got []string
	for f := range failures {
		got = append(got, f)
	}
	if len(got) > 0 {
		t.Fatalf("%d requests failed across 20 reloads: %q", len(got), got[:min(5, len(got))])
	}
}

// TestReloadKeepsSharedDicts: a lua_shared_dict of the same name and size
// keeps its contents across a reload, as nginx keeps a shared memory zone;
// a zone whose size changed starts empty (checked on nginx 1.22).
func TestReloadKeepsSharedDicts(t *testing.T) {
	m := newManager(t, Config{})
	conf := func(size, version string) string {
		return `events {}
http {
    lua_shared_dict kept 1m;
    lua_shared_dict resized ` + size + `;
    server {
        listen 8080;
        location /set { content_by_lua_block { ngx.shared.kept:set("k", "v") ngx.shared.resized:set("k", "v") ngx.say("set") } }
        location /get { content_by_lua_block { ngx.say("` + version + ` ", ngx.shared.kept:get("k"), " ", tostring(ngx.shared.resized:get("k"))) } }
    }
}
`
	}
	in, err := m.Start(context.Background(), "s", Workspace{Conf: conf("1m", "v1")})
	if err != nil {
		t.Fatal(err)
	}
	get(t, in, "/set")
	if err := in.Reload(context.Background(), Workspace{Conf: conf("2m", "v2")}); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, in, "/get"); body != "v2 v nil\n" {
		t.Fatalf("after the reload: %q, want the kept zone's value and an empty resized zone", body)
	}
}

// TestReloadTraceFollowsOldEngine: a request in flight across a reload is
// seen to the end on the trace, by its old worker (gen 0), while the new
// engine's events carry gen 1, go on with the same clock and number their
// requests and connections after the old ones.
func TestReloadTraceFollowsOldEngine(t *testing.T) {
	slow := `events {}
http {
    server {
        listen 8080;
        location /slow { content_by_lua_block { ngx.sleep(0.5) ngx.say("old code") } }
        location /hello { content_by_lua_block { ngx.say("VERSION") } }
    }
}
`
	m := newManager(t, Config{})
	in, err := m.Start(context.Background(), "s", Workspace{Conf: strings.Replace(slow, "VERSION", "v1", 1)})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.SetTrace(true); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // SetTrace has no answer
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	url := fmt.Sprintf("http://127.0.0.1:%d", in.Port())
	slowBody := make(chan string, 1)
	go func() {
		resp, err := c.Get(url + "/slow")
		if err != nil {
			slowBody <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		slowBody <- string(b)
	}()
	var events []trace.Event
	collect := func(until func() bool) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for !until() {
			select {
			case <-in.Trace().Ready():
				events = append(events, takeTrace(t, in)...)
			case <-deadline:
				t.Fatalf("trace stopped short: %d events", len(events))
			}
		}
	}
	find := func(kind trace.Kind, detail string, gen int32) *trace.Event {
		for i := range events {
			if e := &events[i]; e.Kind == kind && strings.Contains(e.Detail, detail) && e.Gen == gen {
				return e
			}
		}
		return nil
	}
	collect(func() bool { return find(trace.CoYield, "sleep", 0) != nil })
	if err := in.Reload(context.Background(), Workspace{Conf: strings.Replace(slow, "VERSION", "v2", 1)}); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(url + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := <-slowBody; got != "old code\n" {
		t.Fatalf("the request in flight got %q", got)
	}
	start := find(trace.RequestStart, "/slow", 0)
	var end *trace.Event
	collect(func() bool {
		for i := range events {
			if e := &events[i]; e.Kind == trace.RequestEnd && e.Req == start.Req && e.Gen == 0 {
				end = e
			}
		}
		return end != nil && find(trace.RequestStart, "/hello", 1) != nil
	})
	hello := find(trace.RequestStart, "/hello", 1)
	if hello.TS <= start.TS || hello.Req <= start.Req {
		t.Errorf("the new engine's request (ts %d, id %d) does not follow the old one's (ts %d, id %d)", hello.TS, hello.Req, start.TS, start.Req)
	}
	if end.TS <= hello.TS-int64(time.Second) || end.TS < start.TS+int64(400*time.Millisecond) {
		t.Errorf("the old request ended at ts %d: started %d, the new engine served at %d", end.TS, start.TS, hello.TS)
	}
}

// TestReloadKeepsProxyCache: a proxy_cache zone of the same name, path and
// size keeps its entries across a reload (an apply), as nginx's keys zone
// and cache files outlive its workers; a zone name moved to another
// directory is refused with nginx's reload error and the old engine serves
// on.
func TestReloadKeepsProxyCache(t *testing.T) {
	m := newManager(t, Config{})
	conf := func(dir, version string) string {
		return `events {}
http {
    lua_shared_dict hits 1m;
    proxy_cache_path ` + dir + ` levels=1:2 keys_zone=one:1m;
    server {
        listen 8080;
        location = /origin { content_by_lua_block { ngx.say("origin ", (ngx.shared.hits:incr("n", 1, 0))) } }
        location = /c {
            proxy_pass http://127.0.0.1:8080/origin;
            proxy_cache one;
            proxy_cache_valid 200 1m;
            add_header X-Version ` + version + `;
        }
    }
}
`
	}
	in, err := m.Start(context.Background(), "s", Workspace{Conf: conf("cache", "v1")})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"origin 1\n", "origin 1\n"} {
		if _, body := get(t, in, "/c"); body != want {
			t.Fatalf("request %d before the reload: %q, want %q", i+1, body, want)
		}
	}
	if err := in.Reload(context.Background(), Workspace{Conf: conf("cache", "v2")}); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, in, "/c"); body != "origin 1\n" {
		t.Fatalf("after the reload: %q, want the cached response (the origin was asked again)", body)
	}
	err = in.Reload(context.Background(), Workspace{Conf: conf("elsewhere", "v3")})
	if err == nil || !strings.Contains(err.Error(), `cache "one" uses the "elsewhere" cache path while previously it used the "cache" cache path`) {
		t.Fatalf("moving the zone: %v, want nginx's reload error", err)
	}
	if _, body := get(t, in, "/c"); body != "origin 1\n" {
		t.Fatalf("after the refused reload: %q, want the old engine's cached response", body)
	}
}
