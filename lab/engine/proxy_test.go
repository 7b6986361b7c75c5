package engine

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestProxyPassDoesNotBlockTheWorker: twenty requests proxied to an
// upstream that takes 200 ms each are all in flight at once on one worker
// thread, and the upstream sees nginx's default request headers.
func TestProxyPassDoesNotBlockTheWorker(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Host+" "+r.Header.Get("Connection")+" "+r.Proto+" "+r.URL.RequestURI())
		mu.Unlock()
		time.Sleep(200 * time.Millisecond)
		w.Header().Set("X-Up", "yes")
		io.WriteString(w, "up:"+r.URL.Path)
	}))
	defer up.Close()
	upAddr := strings.TrimPrefix(up.URL, "http://")
	_, base, _ := startEngine(t, 1, `
    upstream pool { server `+upAddr+`; }
    server {
        listen 127.0.0.1:{{PORT}};
        location /api/ { proxy_pass http://pool/v1/; }
    }`, Options{})
	const n = 20
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := http.Get(fmt.Sprintf("%s/api/item%d?q=1", base, i))
			if err != nil {
				errs <- err.Error()
				return
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || string(body) != fmt.Sprintf("up:/v1/item%d", i) || resp.Header.Get("X-Up") != "yes" {
				errs <- fmt.Sprintf("%d %q %v", resp.StatusCode, body, resp.Header)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("%d proxied requests of 200 ms took %v: the worker waited for the upstream", n, d)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != n || !strings.HasPrefix(seen[0], "pool close HTTP/1.0 /v1/item") || !strings.HasSuffix(seen[0], "?q=1") {
		t.Errorf("upstream saw %q", seen)
	}
}

// TestProxyPassErrors: a refused upstream gives 502 with nginx's log line; a
// silent one gives 504 after proxy_read_timeout; the worker keeps serving.
func TestProxyPassErrors(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accepts and never answers
		}
	}()
	_, base, prefix := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location /refused { proxy_pass http://127.0.0.1:1; }
        location /silent { proxy_read_timeout 100ms; proxy_pass http://`+silent.Addr().String()+`; }
        location /ok { content_by_lua_block { ngx.say("ok") } }
    }`, Options{})
	if st, _ := get(t, base+"/refused"); st != 502 {
		t.Errorf("refused upstream: %d, want 502", st)
	}
	if st, _ := get(t, base+"/silent"); st != 504 {
		t.Errorf("silent upstream: %d, want 504", st)
	}
	if st, body := get(t, base+"/ok"); st != 200 || body != "ok\n" {
		t.Errorf("after errors: %d %q", st, body)
	}
	log := readFile(t, prefix+"/logs/error.log")
	for _, want := range []string{
		`connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: , request: "GET /refused HTTP/1.1", upstream: "http://127.0.0.1:1/refused"`,
		`upstream timed out (110: Connection timed out) while reading response header from upstream`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("error.log lacks %q:\n%s", want, log)
		}
	}
}
