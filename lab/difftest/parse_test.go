package difftest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"testing"
)

func TestParseCase(t *testing.T) {
	src := "shows parsing\n\n-- http --\nserver { listen 127.0.0.1:{{PORT}}; }\n" +
		"-- lua/m.lua --\nreturn 1\n" +
		"-- request --\nPOST /p?x=1\nX-A: b\n\nhello\n\n" +
		"-- raw --\nGET / HTTP/1.0\\r\\n\n\\r\\n\n" +
		"-- errlog --\nfoo{{ANY}}bar\n!baz\n"
	c, err := ParseCase("a/b", []byte(src))
	if err != nil {
		t.Fatalf("ParseCase: %v", err)
	}
	if c.Comment != "shows parsing" {
		t.Errorf("comment %q", c.Comment)
	}
	if c.Files["lua/m.lua"] != "return 1" {
		t.Errorf("file %q", c.Files["lua/m.lua"])
	}
	if len(c.Requests) != 2 {
		t.Fatalf("%d requests, want 2", len(c.Requests))
	}
	want := "POST /p?x=1 HTTP/1.1\r\nX-A: b\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"
	if got := string(c.Requests[0].Data); got != want {
		t.Errorf("simple request\n got %q\nwant %q", got, want)
	}
	if got := string(c.Requests[1].Data); got != "GET / HTTP/1.0\r\n\r\n" || !c.Requests[1].Raw {
		t.Errorf("raw request %q", got)
	}
	if len(c.Errlog) != 2 {
		t.Errorf("errlog %q", c.Errlog)
	}
	conf := c.BuildConfig(8080, 0)
	if got := strings.Split(conf, "\n")[httpBodyFirstLine-1]; got != "server { listen 127.0.0.1:8080; }" {
		t.Errorf("line %d of nginx.conf is %q", httpBodyFirstLine, got)
	}
}

func TestParseCaseErrors(t *testing.T) {
	for _, src := range []string{
		"no sections",
		"-- http --\nserver { listen 80; }\n-- request --\nGET /\n",
		"-- http --\nserver { listen {{PORT}}; }\n",
		"-- http --\nserver { listen {{PORT}}; }\n-- bogus --\n",
		"-- http --\nserver { listen {{PORT}}; }\n-- raw --\n\\q\n",
	} {
		if _, err := ParseCase("x/y", []byte(src)); err == nil {
			t.Errorf("ParseCase(%q) succeeded, want an error", src)
		}
	}
}

func TestPatterns(t *testing.T) {
	log := "2026/11/27 03:36:05 [error] 1#1: *2 lua entry thread aborted: runtime error: x on port 8080\n"
	for p, want := range map[string]bool{
		"[error] {{ANY}} lua entry thread aborted": true,
		"!lua entry thread aborted":                true, // found; the "!" only states the expectation
		"port {{PORT}}":                            true,
		"[error]{{ANY}}\n{{ANY}}aborted":           false,
		"[warn]":                                   false,
	} {
		if got := patternRE(p, 8080).MatchString(log); got != want {
			t.Errorf("pattern %q matched=%v, want %v", p, got, want)
		}
	}
}

func TestParseResponse(t *testing.T) {
	raw := "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nX-B: 1\r\nDate: Fri\r\nx-a: 2\r\nX-B: 0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
	r := parseResponse([]byte(raw), false)
	if r.Status != 200 || r.Body != "abcde" || r.Note != "" {
		t.Errorf("got %+v", r)
	}
	want := []string{"Date: *", "Server: *", "Transfer-Encoding: chunked", "x-a: 2", "X-B: 1", "X-B: 0"}
	if strings.Join(r.Headers, "|") != strings.Join(want, "|") {
		t.Errorf("headers %q, want %q", r.Headers, want)
	}
}

// TestParseGzipResponse: a gzip-encoded body (chunked or not) is recorded
// decoded, and a body that is not gzip is kept with a note.
func TestParseGzipResponse(t *testing.T) {
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write([]byte("hello, compressed world\n"))
	zw.Close()
	z := zb.String()
	cases := []struct {
		name, raw       string
		body, dec, note string
	}{
		{"chunked", "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" +
			fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(z), z), "hello, compressed world\n", "gzip", ""},
		{"closed", "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n" + z, "hello, compressed world\n", "gzip", ""},
		{"not gzip", "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\nplain", "plain", "", "bad gzip body"},
		{"other encoding", "HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n\r\nxyz", "xyz", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := parseResponse([]byte(tc.raw), false)
			if r.Body != tc.body || r.Decoded != tc.dec || r.Note != tc.note {
				t.Errorf("body %q decoded %q note %q, want %q %q %q", r.Body, r.Decoded, r.Note, tc.body, tc.dec, tc.note)
			}
		})
	}
}
