package lessons

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/restylab/restylab/testserver/labca"
)

// multiWorkspace serves plain HTTP on 80, HTTPS on 443 (the lab's a.test
// certificate) and an origin on 127.0.0.1:8080 the :80 server proxies to.
func multiWorkspace(t *testing.T) Workspace {
	t.Helper()
	ca, err := labca.Shared()
	if err != nil {
		t.Fatal(err)
	}
	return Workspace{Files: ca.Files(), Conf: `events {}
http {
    server {
        listen 80;
        location / { content_by_lua_block { ngx.say("plain") } }
        location = /via-proxy { proxy_pass http://127.0.0.1:8080/; }
    }
    server {
        listen 443 ssl;
        ssl_certificate certs/a.test.crt;
        ssl_certificate_key certs/a.test.key;
        location / { content_by_lua_block { ngx.say("tls ", ngx.var.scheme) } }
    }
    server {
        listen 127.0.0.1:8080;
        location / { content_by_lua_block { ngx.say("origin") } }
    }
}
`}
}

// TestEngineAddresses: every listen address is served on a loopback port
// of its own, BaseURL is the first one's, the servers reach each other by
// their declared addresses.
func TestEngineAddresses(t *testing.T) {
	e, err := StartEngine(multiWorkspace(t))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	addrs := e.Addresses()
	var got []string
	for _, a := range addrs {
		got = append(got, fmt.Sprintf("%s %v", a.Declared, a.SSL))
	}
	if want := "0.0.0.0:80 false, 0.0.0.0:443 true, 127.0.0.1:8080 false"; strings.Join(got, ", ") != want {
		t.Fatalf("addresses = %s, want %s", strings.Join(got, ", "), want)
	}
	if e.BaseURL() != addrs[0].URL || !strings.HasPrefix(addrs[1].URL, "https://127.0.0.1:") {
		t.Fatalf("BaseURL %s, addresses %+v", e.BaseURL(), addrs)
	}
	for _, tt := range []struct{ url, want string }{
		{addrs[0].URL + "/", "plain\n"},
		{addrs[1].URL + "/", "tls https\n"},
		{addrs[2].URL + "/", "origin\n"},
		{addrs[0].URL + "/via-proxy", "origin\n"},
	} {
		c := &http.Client{Timeout: 10 * time.Second, Transport: insecureTransport()}
		resp, err := c.Get(tt.url)
		if err != nil {
			t.Fatalf("GET %s: %v", tt.url, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != tt.want {
			t.Errorf("GET %s = %d %q, want %q", tt.url, resp.StatusCode, b, tt.want)
		}
	}
}

func insecureTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig.InsecureSkipVerify = true
	tr.DisableKeepAlives = true
	return tr
}

// TestEngineAddressLimit: one address past MaxAddresses is refused at its
// file:line.
func TestEngineAddressLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("events {}\nhttp {\n")
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, " server {\n  listen %d;\n }\n", 9001+i)
	}
	b.WriteString("}\n")
	_, err := StartEngine(Workspace{Conf: b.String()})
	var le *LoadError
	line := 4 + 3*MaxAddresses
	if !errors.As(err, &le) || le.File != "nginx.conf" || le.Line != line || !strings.Contains(le.Message, fmt.Sprintf("listen 0.0.0.0:%d is address number %d", 9001+MaxAddresses, MaxAddresses+1)) {
		t.Fatalf("20 addresses: %v, want a LoadError at nginx.conf:%d", err, line)
	}
}

// TestCheckListen: "--- listen" sends a check to the address it names, over
// TLS for an ssl one; without it a check goes to the first; a name
// nginx.conf does not declare fails the check and says what it declares.
func TestCheckListen(t *testing.T) {
	fsys := minimal()
	checks := `=== first
--- name_zh: 第一个
--- request
GET /
--- response_body
plain
--- hint
h
--- hint_zh: 提示
=== ssl
--- name_zh: 加密
--- request
GET /
--- listen: 443
--- response_body
tls https
--- hint
h
--- hint_zh: 提示
=== origin
--- name_zh: 源站
--- request
GET /
--- listen: 127.0.0.1:8080
--- response_body
origin
--- hint
h
--- hint_zh: 提示
=== missing
--- name_zh: 没有
--- request
GET /
--- listen: 9999
--- response_body
x
--- hint
h
--- hint_zh: 提示
`
	fsys["c/01-demo/checks.txt"] = &fstest.MapFile{Data: []byte(checks)}
	ls, err := Load(fsys, "c")
	if err != nil {
		t.Fatal(err)
	}
	e, err := StartEngine(multiWorkspace(t))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	r := ls[0].Check(context.Background(), e, English)
	var got []string
	for _, c := range r.Checks {
		got = append(got, fmt.Sprintf("%s=%v", c.Name, c.OK))
	}
	if strings.Join(got, " ") != "first=true ssl=true origin=true missing=false" {
		t.Fatalf("checks: %s (%+v)", strings.Join(got, " "), r.Checks)
	}
	if msg := r.Checks[3].Message; !strings.Contains(msg, `no listen address "9999": nginx.conf declares 80, 443, 127.0.0.1:8080`) {
		t.Fatalf("missing address: %q", msg)
	}
	fsys["c/01-demo/checks.txt"] = &fstest.MapFile{Data: []byte("=== bad\n--- name_zh: 坏\n--- request\nGET /\n--- listen: a b\n--- hint\nh\n--- hint_zh\n提示\n")}
	if _, err := Load(fsys, "c"); err == nil || !strings.Contains(err.Error(), "checks.txt:5: bad listen") {
		t.Fatalf("bad listen: %v", err)
	}
}

// TestMatchAddress: how a learner or a check names an address.
func TestMatchAddress(t *testing.T) {
	declared := []string{"127.0.0.1:80", "0.0.0.0:80", "[::]:80", "127.0.0.1:8080", "0.0.0.0:443"}
	for _, tt := range []struct {
		name string
		want int
		err  bool
	}{
		{"", 0, false}, {"80", 1, false}, {"127.0.0.1:80", 0, false}, {"[::]:80", 2, false}, {"8080", 3, false},
		{"127.0.0.1:8080", 3, false}, {"443", 4, false}, {"0.0.0.0:443", 4, false}, {"localhost:80", 0, true},
		{"127.0.0.2:8080", 0, true}, {"81", 0, true}, {"x", 0, true},
	} {
		got, err := MatchAddress(declared, tt.name)
		if (err != nil) != tt.err || (!tt.err && got != tt.want) {
			t.Errorf("MatchAddress(%q) = %d, %v; want %d (error %v)", tt.name, got, err, tt.want, tt.err)
		}
	}
	for d, want := range map[string]string{"0.0.0.0:80": "80", "[::]:80": "[::]:80", "127.0.0.1:8080": "127.0.0.1:8080"} {
		if got := AddressName(d); got != want {
			t.Errorf("AddressName(%s) = %s, want %s", d, got, want)
		}
	}
}
