package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// twoServersConf is a course-like workspace: plain HTTP on 80 and HTTPS
// on 443 (the lab's a.test certificate), each saying which it is, and an
// origin on 127.0.0.1:8080 the :80 server proxies to.
const twoServersConf = `events {}
http {
    server {
        listen 80;
        location / { content_by_lua_block { ngx.say("plain ", ngx.var.scheme) } }
        location = /via-proxy { proxy_pass http://127.0.0.1:8080/; }
    }
    server {
        listen 443 ssl;
        ssl_certificate certs/a.test.crt;
        ssl_certificate_key certs/a.test.key;
        location / {
            content_by_lua_block {
                ngx.header["Set-Cookie"] = "k=v; Path=/"
                ngx.say("tls ", ngx.var.scheme)
            }
        }
    }
    server {
        listen 127.0.0.1:8080;
        location / { content_by_lua_block { ngx.say("origin") } }
    }
}
`

// TestSeveralAddressesThroughLab: the request and burst endpoints and the
// /s/ proxy reach each listen address of a workspace by the name apply
// lists, over TLS for the ssl one; the first is the default; a name
// nginx.conf does not declare is refused with what it declares.
func TestSeveralAddressesThroughLab(t *testing.T) {
	l := newLab(t, "")
	b := l.open()
	var res applyResult
	l.json("POST", "/api/apply", workspaceJSON{Conf: twoServersConf}, &res)
	if !res.OK {
		t.Fatalf("apply: %+v", res)
	}
	var names []string
	for _, a := range res.Addresses {
		names = append(names, fmt.Sprintf("%s=%s/%v", a.Name, a.Declared, a.SSL))
	}
	if got, want := strings.Join(names, " "), "80=0.0.0.0:80/false 443=0.0.0.0:443/true 127.0.0.1:8080=127.0.0.1:8080/false"; got != want {
		t.Fatalf("addresses %s, want %s", got, want)
	}

	for _, tt := range []struct {
		listen, path, body, curl string
		tls                      bool
	}{
		{"", "/", "plain http\n", "/s/" + b.Session + "/", false},
		{"80", "/", "plain http\n", "/s/" + b.Session + "/", false},
		{"443", "/", "tls https\n", "/s/" + b.Session + "@443/", true},
		{"0.0.0.0:443", "/", "tls https\n", "/s/" + b.Session + "@443/", true},
		{"127.0.0.1:8080", "/", "origin\n", "/s/" + b.Session + "@127.0.0.1:8080/", false},
		{"8080", "/", "origin\n", "/s/" + b.Session + "@127.0.0.1:8080/", false},
		{"80", "/via-proxy", "origin\n", "/s/" + b.Session + "/via-proxy", false},
	} {
		t.Run("send "+tt.listen+tt.path, func(t *testing.T) {
			var sent sendResult
			l.json("POST", "/api/send", sendRequest{Path: tt.path, Listen: tt.listen, SNI: "a.test"}, &sent)
			if sent.Error != "" || sent.Status != 200 || sent.Body != tt.body || (sent.TLS != nil) != tt.tls {
				t.Fatalf("send: %d %q %q tls %+v, want %q (tls %v)", sent.Status, sent.Body, sent.Error, sent.TLS, tt.body, tt.tls)
			}
			if !strings.Contains(sent.Curl, tt.curl) {
				t.Errorf("curl %q, want %q in it", sent.Curl, tt.curl)
			}
		})
	}
	for _, tt := range []struct{ listen, want string }{
		{"9999", `no listen address "9999": nginx.conf declares 80, 443, 127.0.0.1:8080`},
		{"127.0.0.2:8080", `no listen address "127.0.0.2:8080"`},
		{"a b", `bad listen "a b"`},
		{"80@1", `bad listen`},
	} {
		if status, msg := l.apiError("/api/send", sendRequest{Path: "/", Listen: tt.listen}); status != http.StatusBadRequest || !strings.Contains(msg, tt.want) {
			t.Errorf("listen %q: %d %s, want 400 %q", tt.listen, status, msg, tt.want)
		}
	}

	// bursts, to each address
	for _, tt := range []struct {
		listen, body string
		tls          bool
	}{{"", "plain http\n", false}, {"443", "tls https\n", true}, {"127.0.0.1:8080", "origin\n", false}} {
		var burst burstResult
		l.json("POST", "/api/burst", sendRequest{Path: "/", Listen: tt.listen, N: 20, C: 4}, &burst)
		if burst.OK != 20 || len(burst.Bodies) != 1 || burst.Bodies[0].Body != tt.body || (burst.TLS != nil) != tt.tls {
			t.Errorf("burst to %q: ok %d bodies %+v tls %+v, want %q", tt.listen, burst.OK, burst.Bodies, burst.TLS, tt.body)
		}
	}
	if status, msg := l.apiError("/api/burst", sendRequest{Path: "/", Listen: "81", N: 2, C: 1}); status != http.StatusBadRequest || !strings.Contains(msg, `no listen address "81"`) {
		t.Errorf("burst to 81: %d %s", status, msg)
	}

	// the proxy: /s/ID/ is the first address, /s/ID@NAME/ the one named
	for _, tt := range []struct {
		path   string
		status int
		body   string
		cookie string
	}{
		{"/s/" + b.Session + "/x", 200, "plain http\n", ""},
		{"/s/" + b.Session + "@80/x", 200, "plain http\n", ""},
		{"/s/" + b.Session + "@443/x", 200, "tls https\n", "k=v; Path=/s/" + b.Session + "@443/"},
		{"/s/" + b.Session + "@127.0.0.1:8080/x", 200, "origin\n", ""},
		{"/s/" + b.Session + "@9999/x", 404, `no listen address "9999"`, ""},
		{"/s/nosuch@443/x", 404, "no such session", ""},
	} {
		resp, err := http.Get(l.ts.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(got), tt.body) || resp.Header.Get("Set-Cookie") != tt.cookie {
			t.Errorf("GET %s: %d %q cookie %q, want %d %q cookie %q", tt.path, resp.StatusCode, got, resp.Header.Get("Set-Cookie"), tt.status, tt.body, tt.cookie)
		}
	}

	// a reload that removes an address: it is gone from the list and the
	// endpoints
	one := strings.Replace(twoServersConf, "listen 443 ssl;", "listen 80;", 1)
	l.json("POST", "/api/apply", workspaceJSON{Conf: one}, &res)
	if !res.OK || len(res.Addresses) != 2 || res.Addresses[1].Name != "127.0.0.1:8080" {
		t.Fatalf("apply without 443: %+v", res)
	}
	if status, msg := l.apiError("/api/send", sendRequest{Path: "/", Listen: "443"}); status != http.StatusBadRequest || !strings.Contains(msg, "nginx.conf declares 80, 127.0.0.1:8080") {
		t.Errorf("443 after its removal: %d %s", status, msg)
	}
}

// apiError POSTs body to path and returns the status and the API's error
// sentence.
func (l *lab) apiError(path string, body any) (int, string) {
	l.t.Helper()
	status, data := l.do("POST", path, body)
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(data, &e); err != nil {
		l.t.Fatalf("POST %s: %d %s: %v", path, status, data, err)
	}
	return status, e.Error
}
