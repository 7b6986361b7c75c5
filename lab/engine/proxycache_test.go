package engine

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/restylab/restylab/lab/trace"
)

// slowOrigin is an upstream that counts its requests and answers after
// delay, cacheable for a minute.
func slowOrigin(t *testing.T, delay time.Duration) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		time.Sleep(delay)
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprintf(w, "origin %s %d", r.URL.Path, n)
	}))
	t.Cleanup(up.Close)
	return up, &hits
}

// burst sends n concurrent GETs and returns the X-Cache-Status values and
// bodies seen.
func burst(t *testing.T, url string, n int) (statuses map[string]int, bodies map[string]int) {
	t.Helper()
	var mu sync.Mutex
	statuses, bodies = map[string]int{}, map[string]int{}
	var wg sync.WaitGroup
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Get(url)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			mu.Lock()
			statuses[resp.Header.Get("X-Cache-Status")]++
			bodies[string(b)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return statuses, bodies
}

// TestProxyCacheLock: a burst of MISSes for one key with proxy_cache_lock
// reaches the origin once, the other requests wait for the lock and are
// HITs (two workers: the zone is shared); without the lock every request
// of the burst goes to the origin; with a short proxy_cache_lock_timeout
// the waiters give up, go to the origin and log "cache lock timeout".
func TestProxyCacheLock(t *testing.T) {
	up, hits := slowOrigin(t, 300*time.Millisecond)
	upAddr := strings.TrimPrefix(up.URL, "http://")
	_, base, prefix := startEngine(t, 2, `
    proxy_cache_path cache levels=1:2 keys_zone=one:1m;
    server {
        listen 127.0.0.1:{{PORT}};
        add_header X-Cache-Status $upstream_cache_status;
        location /lock/ { proxy_pass http://`+upAddr+`; proxy_cache one; proxy_cache_lock on; }
        location /nolock/ { proxy_pass http://`+upAddr+`; proxy_cache one; }
        location /short/ { proxy_pass http://`+upAddr+`; proxy_cache one; proxy_cache_lock on; proxy_cache_lock_timeout 100ms; }
    }`, Options{})
	if _, err := os.Stat(filepath.Join(prefix, "cache")); err != nil {
		t.Errorf("the cache directory was not created: %v", err)
	}
	const n = 8
	st, bodies := burst(t, base+"/lock/x", n)
	if hits.Load() != 1 || st["MISS"] != 1 || st["HIT"] != n-1 || bodies["origin /lock/x 1"] != n {
		t.Errorf("with the lock: origin hits %d, statuses %v, bodies %v; want 1 MISS and %d HITs of one body", hits.Load(), st, bodies, n-1)
	}
	hits.Store(0)
	st, _ = burst(t, base+"/nolock/x", n)
	if hits.Load() != n || st["MISS"] != n {
		t.Errorf("without the lock: origin hits %d, statuses %v; want %d MISSes", hits.Load(), st, n)
	}
	hits.Store(0)
	st, _ = burst(t, base+"/short/x", n)
	if hits.Load() != n || st["MISS"] != n {
		t.Errorf("lock timeout: origin hits %d, statuses %v; want %d MISSes", hits.Load(), st, n)
	}
	log, _ := os.ReadFile(filepath.Join(prefix, "logs/error.log"))
	if !strings.Contains(string(log), "[info]") || !strings.Contains(string(log), "cache lock timeout") {
		t.Errorf("error.log has no cache lock timeout:\n%s", log)
	}
}

// TestProxyCacheHitTrace: the trace of a MISS shows the upstream
// connection, the trace of a HIT shows the cache and no connection.
func TestProxyCacheHitTrace(t *testing.T) {
	up, hits := slowOrigin(t, 0)
	upAddr := strings.TrimPrefix(up.URL, "http://")
	tr := trace.New(1, 1<<16)
	sub := tr.Subscribe()
	defer sub.Close()
	_, base, _ := startEngine(t, 1, `
    proxy_cache_path cache keys_zone=one:1m;
    server {
        listen 127.0.0.1:{{PORT}};
        location /c/ { proxy_pass http://`+upAddr+`; proxy_cache one; proxy_cache_key $uri; }
    }`, Options{Tracer: tr})
	details := func(evs []trace.Event) string {
		var b strings.Builder
		for _, ev := range evs {
			if ev.Kind == trace.Log {
				b.WriteString(ev.Detail + "\n")
			}
		}
		return b.String()
	}
	if st, body := get(t, base+"/c/a"); st != 200 || body != "origin /c/a 1" {
		t.Fatalf("MISS: %d %q", st, body)
	}
	miss := details(requestEvents(t, sub, "/c/a"))
	if !strings.Contains(miss, "proxy: connecting to "+upAddr) {
		t.Errorf("MISS trace has no upstream connection:\n%s", miss)
	}
	if st, body := get(t, base+"/c/a?again"); st != 200 || body != "origin /c/a 1" || hits.Load() != 1 {
		t.Fatalf("HIT: %d %q, origin hits %d", st, body, hits.Load())
	}
	hit := details(requestEvents(t, sub, "/c/a?again"))
	if strings.Contains(hit, "connecting") || !strings.Contains(hit, "proxy cache: HIT /c/a (no upstream connection)") {
		t.Errorf("HIT trace:\n%s", hit)
	}
}

// TestProxyCacheUpdating: with proxy_cache_use_stale updating, while one
// request refreshes an expired entry (EXPIRED, at the origin), the others
// of a burst get the stale response at once (UPDATING); without it they
// all go to the origin.
func TestProxyCacheUpdating(t *testing.T) {
	up, hits := slowOrigin(t, 400*time.Millisecond)
	upAddr := strings.TrimPrefix(up.URL, "http://")
	_, base, _ := startEngine(t, 1, `
    proxy_cache_path cache keys_zone=one:1m;
    server {
        listen 127.0.0.1:{{PORT}};
        add_header X-Cache-Status $upstream_cache_status;
        proxy_cache one;
        proxy_cache_valid 200 1s;
        proxy_ignore_headers Cache-Control;
        location /stale/ { proxy_pass http://`+upAddr+`; proxy_cache_use_stale updating; }
        location /fresh/ { proxy_pass http://`+upAddr+`; }
    }`, Options{})
	for _, path := range []string{"/stale/x", "/fresh/x"} {
		if st, body := get(t, base+path); st != 200 || !strings.HasPrefix(body, "origin "+path) {
			t.Fatalf("GET %s: %d %q", path, st, body)
		}
	}
	time.Sleep(2100 * time.Millisecond) // both entries expire (whole seconds, as ngx_time)
	const n = 6
	hits.Store(10) // the refreshed body says 11, the stale one 1
	st, bodies := burst(t, base+"/stale/x", n)
	if hits.Load() != 11 || bodies["origin /stale/x 11"] != 1 || st["EXPIRED"] != 1 || st["UPDATING"] != n-1 || bodies["origin /stale/x 1"] != n-1 {
		t.Errorf("use_stale updating: origin hits %d, statuses %v, bodies %v; want 1 EXPIRED and %d UPDATING with the old body", hits.Load()-10, st, bodies, n-1)
	}
	hits.Store(0)
	st, _ = burst(t, base+"/fresh/x", n)
	if hits.Load() != n || st["EXPIRED"] != n {
		t.Errorf("without use_stale: origin hits %d, statuses %v; want %d EXPIRED", hits.Load(), st, n)
	}
}
