package testserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// httpClient never follows redirects and keeps no idle connections, so that
// tests see raw answers and leave no goroutines.
func httpClient(t *testing.T) *http.Client {
	tr := &http.Transport{DisableKeepAlives: true, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{
		Transport:     tr,
		Timeout:       15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// decodeJSON decodes body into a fresh value of v's type.
func decodeJSON[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
	return v
}

func TestHTTPEndpoints(t *testing.T) {
	s := start(t, Config{})
	base := "http://" + s.Addrs()[ServiceHTTP]
	host := s.Addrs()[ServiceHTTP]
	lastMod := CacheLastModified.Format(http.TimeFormat)
	cases := []struct {
		name    string
		method  string
		target  string
		body    string
		header  map[string]string // request headers
		status  int
		headers map[string]string // expected response headers ("" = absent)
		body200 string            // expected body when set
		check   func(t *testing.T, resp *http.Response, body []byte, took time.Duration)
	}{
		{name: "index", method: "GET", target: "/", status: 200,
			headers: map[string]string{"Content-Type": "text/plain; charset=utf-8"}, body200: indexText},
		{name: "unknown path", method: "GET", target: "/nope", status: 404},
		{name: "echo GET", method: "GET", target: "/echo?a=1&b=2&b=3&empty=", header: map[string]string{"X-Lab": "yes"},
			status: 200, headers: map[string]string{"Content-Type": "application/json"},
			check: func(t *testing.T, _ *http.Response, body []byte, _ time.Duration) {
				got := decodeJSON[EchoReply](t, body)
				want := EchoReply{Method: "GET", Path: "/echo", URI: "/echo?a=1&b=2&b=3&empty=",
					Args:    map[string]any{"a": "1", "b": []any{"2", "3"}, "empty": ""},
					Headers: map[string]string{"X-Lab": "yes", "Host": host}}
				// The client's own headers (User-Agent, ...) come too; keep ours.
				got.Headers = map[string]string{"X-Lab": got.Headers["X-Lab"], "Host": got.Headers["Host"]}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("echo = %+v\nwant %+v", got, want)
				}
			}},
		{name: "echo POST subpath", method: "POST", target: "/echo/sub/path", body: "hello body",
			header: map[string]string{"Content-Type": "text/plain"}, status: 200,
			check: func(t *testing.T, _ *http.Response, body []byte, _ time.Duration) {
				got := decodeJSON[EchoReply](t, body)
				if got.Method != "POST" || got.Path != "/echo/sub/path" || got.Body != "hello body" ||
					got.Headers["Content-Type"] != "text/plain" || got.Headers["Content-Length"] != "10" || len(got.Args) != 0 {
					t.Errorf("echo = %+v", got)
				}
			}},
		{name: "echo body too large", method: "PUT", target: "/echo", body: strings.Repeat("x", MaxEchoBody+1), status: 413},
		{name: "delay", method: "GET", target: "/delay/150", status: 200, body200: "{\n  \"delay_ms\": 150\n}\n",
			check: func(t *testing.T, _ *http.Response, _ []byte, took time.Duration) {
				if took < 140*time.Millisecond || took > 3*time.Second {
					t.Errorf("took %v, want about 150ms", took)
				}
			}},
		{name: "delay not a number", method: "GET", target: "/delay/soon", status: 400},
		{name: "delay negative", method: "GET", target: "/delay/-1", status: 400},
		{name: "status 418", method: "GET", target: "/status/418", status: 418, body200: "{\n  \"status\": 418\n}\n"},
		{name: "status 503 on POST", method: "POST", target: "/status/503", status: 503},
		{name: "status 302 has Location", method: "GET", target: "/status/302", status: 302,
			headers: map[string]string{"Location": "/echo"}},
		{name: "status 204 has no body", method: "GET", target: "/status/204", status: 204, body200: "",
			headers: map[string]string{"Content-Type": ""}},
		{name: "status 200 has no Location", method: "GET", target: "/status/200", status: 200,
			headers: map[string]string{"Location": ""}},
		{name: "status 199", method: "GET", target: "/status/199", status: 400},
		{name: "status 600", method: "GET", target: "/status/600", status: 400},
		{name: "headers", method: "GET", target: "/headers", header: map[string]string{"X-Lab": "h"}, status: 200,
			check: func(t *testing.T, _ *http.Response, body []byte, _ time.Duration) {
				got := decodeJSON[map[string]map[string]string](t, body)
				if got["headers"]["X-Lab"] != "h" || got["headers"]["Host"] != host {
					t.Errorf("headers = %v", got)
				}
			}},
		{name: "bytes", method: "GET", target: "/bytes/64?seed=7", status: 200,
			headers: map[string]string{"Content-Length": "64", "Content-Type": "application/octet-stream"},
			body200: string(SeededBytes(7, 64))},
		{name: "bytes default seed", method: "GET", target: "/bytes/5", status: 200, body200: string(SeededBytes(0, 5))},
		{name: "bytes clamped", method: "GET", target: "/bytes/99999999", status: 200,
			headers: map[string]string{"Content-Length": strconv.Itoa(MaxBytes)}},
		{name: "bytes bad seed", method: "GET", target: "/bytes/5?seed=x", status: 400},
		{name: "stream", method: "GET", target: "/stream/3", status: 200,
			headers: map[string]string{"Content-Type": "application/x-ndjson", "Content-Length": ""},
			check: func(t *testing.T, resp *http.Response, body []byte, _ time.Duration) {
				if !reflect.DeepEqual(resp.TransferEncoding, []string{"chunked"}) {
					t.Errorf("Transfer-Encoding = %v, want chunked", resp.TransferEncoding)
				}
				lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
				if len(lines) != 3 {
					t.Fatalf("%d lines, want 3:\n%s", len(lines), body)
				}
				for i, l := range lines {
					if got := decodeJSON[StreamLine](t, []byte(l)); got != (StreamLine{ID: i, N: 3, Path: "/stream/3"}) {
						t.Errorf("line %d = %+v", i, got)
					}
				}
			}},
		{name: "stream clamped", method: "GET", target: "/stream/1000", status: 200,
			check: func(t *testing.T, _ *http.Response, body []byte, _ time.Duration) {
				if n := bytes.Count(body, []byte("\n")); n != MaxStreamLines {
					t.Errorf("%d lines, want %d", n, MaxStreamLines)
				}
			}},
		{name: "drip", method: "GET", target: "/drip?bytes=5&duration=0.5", status: 200, body200: "*****",
			headers: map[string]string{"Content-Length": "5"},
			check: func(t *testing.T, _ *http.Response, _ []byte, took time.Duration) {
				if took < 400*time.Millisecond || took > 4*time.Second {
					t.Errorf("took %v, want about 500ms", took)
				}
			}},
		{name: "drip with delay", method: "GET", target: "/drip?bytes=2&duration=0&delay=0.3", status: 200, body200: "**",
			check: func(t *testing.T, _ *http.Response, _ []byte, took time.Duration) {
				if took < 280*time.Millisecond || took > 4*time.Second {
					t.Errorf("took %v, want about 300ms", took)
				}
			}},
		{name: "drip bad duration", method: "GET", target: "/drip?duration=long", status: 400},
		{name: "json", method: "GET", target: "/json", status: 200, body200: JSONDocument,
			headers: map[string]string{"Content-Type": "application/json"},
			check: func(t *testing.T, _ *http.Response, body []byte, _ time.Duration) {
				doc := decodeJSON[map[string]any](t, body)
				if doc["lab"] != "restylab" || len(doc["lessons"].([]any)) != 3 {
					t.Errorf("json = %v", doc)
				}
			}},
		{name: "cache", method: "GET", target: "/cache", status: 200, body200: cacheBody,
			headers: map[string]string{"ETag": CacheETag, "Last-Modified": lastMod, "Cache-Control": "public, max-age=60"}},
		{name: "cache If-None-Match", method: "GET", target: "/cache", header: map[string]string{"If-None-Match": CacheETag},
			status: 304, body200: "", headers: map[string]string{"ETag": CacheETag}},
		{name: "cache If-None-Match list", method: "GET", target: "/cache", header: map[string]string{"If-None-Match": `"old", ` + CacheETag},
			status: 304, body200: ""},
		{name: "cache If-None-Match other", method: "GET", target: "/cache", header: map[string]string{"If-None-Match": `"old"`},
			status: 200, body200: cacheBody},
		{name: "cache If-Modified-Since same", method: "GET", target: "/cache", header: map[string]string{"If-Modified-Since": lastMod},
			// Go drops Last-Modified from a 304 that has an ETag (RFC 9110 15.4.5).
			status: 304, body200: "", headers: map[string]string{"ETag": CacheETag, "Last-Modified": ""}},
		{name: "cache If-Modified-Since earlier", method: "GET", target: "/cache",
			header: map[string]string{"If-Modified-Since": CacheLastModified.Add(-time.Hour).Format(http.TimeFormat)},
			status: 200, body200: cacheBody},
		{name: "cache If-None-Match wins", method: "GET", target: "/cache",
			header: map[string]string{"If-None-Match": `"old"`, "If-Modified-Since": lastMod}, status: 200, body200: cacheBody},
	}
	client := httpClient(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(tc.method, base+tc.target, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			begin := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			took := time.Since(begin)
			if err != nil {
				t.Fatalf("reading body: %v", err)
			}
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d; body %.200q", resp.StatusCode, tc.status, body)
			}
			for k, v := range tc.headers {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			if (tc.body200 != "" || tc.status == 204 || tc.status == 304) && string(body) != tc.body200 {
				t.Errorf("body %.200q, want %.200q", body, tc.body200)
			}
			if tc.check != nil {
				tc.check(t, resp, body, took)
			}
		})
	}
}

// TestHTTPFlushes checks that /stream and /drip send their parts as they go,
// not at the end.
func TestHTTPFlushes(t *testing.T) {
	s := start(t, Config{})
	base := "http://" + s.Addrs()[ServiceHTTP]
	cases := []struct {
		target   string
		split    byte
		parts    int
		firstMax time.Duration // the first part arrives before this
		totalMin time.Duration // the last part not before this
	}{
		{"/stream/3?interval=300", '\n', 3, 250 * time.Millisecond, 550 * time.Millisecond},
		{"/drip?bytes=3&duration=0.9", '*', 3, 700 * time.Millisecond, 850 * time.Millisecond},
	}
	client := httpClient(t)
	for _, tc := range cases {
		t.Run(tc.target, func(t *testing.T) {
			t.Parallel()
			begin := time.Now()
			resp, err := client.Get(base + tc.target)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			r := bufio.NewReader(resp.Body)
			var first time.Duration
			for i := range tc.parts {
				if _, err := r.ReadBytes(tc.split); err != nil {
					t.Fatalf("part %d: %v", i, err)
				}
				if i == 0 {
					first = time.Since(begin)
				}
			}
			total := time.Since(begin)
			if first > tc.firstMax || total < tc.totalMin {
				t.Errorf("first part after %v (want < %v), last after %v (want >= %v)", first, tc.firstMax, total, tc.totalMin)
			}
		})
	}
}

func TestSeededBytes(t *testing.T) {
	a, b, c := SeededBytes(1, 32), SeededBytes(1, 32), SeededBytes(2, 32)
	if !bytes.Equal(a, b) || bytes.Equal(a, c) {
		t.Errorf("SeededBytes: same seed %x vs %x, other seed %x", a, b, c)
	}
	if !bytes.Equal(SeededBytes(1, 8), a[:8]) {
		t.Error("SeededBytes(1, 8) is not a prefix of SeededBytes(1, 32)")
	}
}
