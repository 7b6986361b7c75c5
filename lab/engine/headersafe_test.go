package engine

import (
	"strings"
	"testing"

	"github.com/restylab/restylab/lab/lualib"
)

// TestHeaderEscapes: the byte classes observed on ngx_lua 0.10.23 (every
// byte 0..255 through ngx.header, ngx.req.set_header, ngx.redirect,
// ngx.req.set_uri and ngx.req.set_uri_args).
func TestHeaderEscapes(t *testing.T) {
	cases := []struct {
		name string
		f    func(string) string
		in   string
		want string
	}{
		{"value CRLF", escapeHeaderValue, "a\r\nSet-Cookie: x=1", "a%0D%0ASet-Cookie: x=1"},
		{"value keeps tab, high bytes, percent", escapeHeaderValue, "a\tb\x80%41", "a\tb\x80%41"},
		{"value NUL and DEL", escapeHeaderValue, "\x00\x7f", "%00%7F"},
		{"name separators", escapeHeaderName, "X-B\r\nSet-Cookie: e=1", "X-B%0D%0ASet-Cookie%3A%20e%3D1"},
		{"name token chars kept", escapeHeaderName, "X!#$%&'*+-.^_`|~9", "X!#$%&'*+-.^_`|~9"},
		{"name high byte and brackets", escapeHeaderName, "a\x80(){}[]<>@?/\\\",;", "a%80%28%29%7B%7D%5B%5D%3C%3E%40%3F%2F%5C%22%2C%3B"},
		{"args", func(s string) string { return lualib.EscapeBytes(s, unsafeArgsByte) }, "a=1\r\n x\t\x7f\x80:", "a=1%0D%0A%20x%09%7F\x80:"},
	}
	for _, tc := range cases {
		if got := tc.f(tc.in); got != tc.want {
			t.Errorf("%s: %q -> %q, want %q", tc.name, tc.in, got, tc.want)
		}
		if got := tc.f(tc.want); tc.want != tc.in && got != tc.want {
			t.Errorf("%s: escaping twice changed %q to %q", tc.name, tc.want, got)
		}
	}
	uris := []struct{ uri, want string }{
		{"/x\r\ny", `unsafe byte "0x0d" in redirect uri "/x\x0D\x0Ay"`},
		{"/a\x7fb", `unsafe byte "0x7f" in redirect uri "/a\x7Fb"`},
		{"/a\tb\x80 c", ""},
	}
	for _, u := range uris {
		if got := unsafeURIError(u.uri, "redirect uri"); got != u.want {
			t.Errorf("%q: %q, want %q", u.uri, got, u.want)
		}
	}
}

// TestHeaderCRLFNeverOnWire: whatever path a learner's CR/LF takes to a
// response header, no extra header line reaches the client.
func TestHeaderCRLFNeverOnWire(t *testing.T) {
	_, base, _ := startEngine(t, 1, `
    server {
        listen 127.0.0.1:{{PORT}};
        location /value { content_by_lua_block { ngx.header["X-A"] = "a\r\nSet-Cookie: evil=1" ngx.say("ok") } }
        location /name { content_by_lua_block { ngx.header["X-B\r\nSet-Cookie: evil=1\r\nX"] = "v" ngx.say("ok") } }
        location /table { content_by_lua_block { ngx.header["X-C"] = {"a\nSet-Cookie: evil=1", "b\rSet-Cookie: evil=2"} ngx.say("ok") } }
        location /ctype { content_by_lua_block { ngx.header.content_type = "text/html\r\nSet-Cookie: evil=1" ngx.say("ok") } }
        location /location { content_by_lua_block { ngx.header.location = "/a\r\nSet-Cookie: evil=1" ngx.status = 302 ngx.say("ok") } }
        location /filter { content_by_lua_block { ngx.say("ok") } header_filter_by_lua_block { ngx.header["X-F"] = "f\r\nSet-Cookie: evil=1" } }
        location /redirect { content_by_lua_block { ngx.redirect("/a\r\nSet-Cookie: evil=1") } }
        location /exit_after { content_by_lua_block { ngx.header["Set-Cookie"] = "ok=1\r\nSet-Cookie: evil=1" ngx.exit(403) } }
        location /proxied {
            rewrite_by_lua_block { ngx.req.set_header("X-In", "i\r\nSet-Cookie: evil=1") }
            proxy_pass http://127.0.0.1:{{PORT}}/mirror;
        }
        location /mirror { content_by_lua_block { ngx.header["X-Got"] = ngx.var.http_x_in ngx.say("ok") } }
    }`, Options{Sandbox: true})
	addr := strings.TrimPrefix(base, "http://")
	for _, path := range []string{"/value", "/name", "/table", "/ctype", "/location", "/filter", "/redirect", "/exit_after", "/proxied"} {
		resp := rawGet(t, addr, path)
		head, _, ok := strings.Cut(resp, "\r\n\r\n")
		if !ok {
			t.Errorf("%s: no complete header in %q", path, resp)
			continue
		}
		for _, line := range strings.Split(head, "\r\n") {
			if strings.HasPrefix(strings.ToLower(line), "set-cookie: evil") {
				t.Errorf("%s: injected header line %q reached the wire:\n%s", path, line, head)
			}
			if strings.ContainsAny(line, "\r\n") {
				t.Errorf("%s: a bare CR or LF inside header line %q", path, line)
			}
		}
	}
}
