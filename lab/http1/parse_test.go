package http1

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// want is what a test expects of a parse: an error status, or fields.
type want struct {
	status                  int    // 0: success
	reason                  string // substring of the error's Reason
	method, uri, args, host string
	major, minor            int
	cl                      int64
	chunked, keepAlive      bool
	expect100               bool
	headers                 int // number of kept headers, -1 = don't check
}

func ok(uri, args, host string) want {
	return want{uri: uri, args: args, host: host, method: "GET", major: 1, minor: 1, cl: -1, keepAlive: true, headers: -1}
}

func fail(status int, reason string) want { return want{status: status, reason: reason} }

var parseCases = []struct {
	name string
	raw  string
	want want
}{
	{"simple", "GET /a?x=1 HTTP/1.1\r\nHost: x\r\n\r\n", ok("/a", "x=1", "x")},
	{"bare LF", "GET /a HTTP/1.1\nHost: x\n\n", ok("/a", "", "x")},
	{"mixed endings", "GET /a HTTP/1.1\r\nHost: x\n\r\n", ok("/a", "", "x")},
	{"leading CRLF", "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", ok("/", "", "x")},
	{"many spaces", "GET  /a   HTTP/1.1 \r\nHost: x\r\n\r\n", ok("/a", "", "x")},
	{"space in URI", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", fail(400, "client sent invalid request while reading client request line")},
	{"tab in URI", "GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n", fail(400, "invalid request")},
	{"DEL in URI", "GET /a\x7fb HTTP/1.1\r\nHost: x\r\n\r\n", fail(400, "invalid request")},
	{"high byte in URI", "GET /a\x80b HTTP/1.1\r\nHost: x\r\n\r\n", ok("/a\x80b", "", "x")},
	{"no host 1.1", "GET /a HTTP/1.1\r\n\r\n", fail(400, `client sent HTTP/1.1 request without "Host" header while reading client request headers`)},
	{"no host 1.0", "GET /a HTTP/1.0\r\n\r\n", want{method: "GET", uri: "/a", major: 1, cl: -1, headers: 0}},
	{"1.0 keep-alive", "GET /a HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", want{method: "GET", uri: "/a", major: 1, cl: -1, keepAlive: true, headers: 1}},
	{"close then keep-alive", "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n", ok("/", "", "x")},
	{"xclosex", "GET / HTTP/1.1\r\nHost: x\r\nConnection: xclosex\r\n\r\n", want{method: "GET", uri: "/", host: "x", major: 1, minor: 1, cl: -1, headers: -1}},
	{"dup CL", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", fail(400, `client sent duplicate header line: "Content-Length: 3", previous value: "Content-Length: 3"`)},
	{"CL and chunked", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", fail(400, `client sent "Content-Length" and "Transfer-Encoding" headers at the same time`)},
	{"bad names ignored", "GET / HTTP/1.1\r\nHost: x\r\nFo@o: 2\r\nX_Y: 3\r\nF\xc3\xa9: 1\r\n\r\n", want{method: "GET", uri: "/", host: "x", major: 1, minor: 1, cl: -1, keepAlive: true, headers: 1}},
	{"space in name", "GET / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n", fail(400, `client sent invalid header line: "Bad\x20..."`)},
	{"colon first", "GET / HTTP/1.1\r\nHost: x\r\n: 3\r\n\r\n", fail(400, `"\x3a..."`)},
	{"folding", "GET / HTTP/1.1\r\nHost: x\r\nFoo: a\r\n b\r\n\r\n", fail(400, `"\x20..."`)},
	{"NUL in value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\x00\r\n\r\n", fail(400, `"X: a\x00..."`)},
	{"CR in value", "GET / HTTP/1.1\r\nHost: x\r\nFoo:a\rb\r\n\r\n", fail(400, `"Foo:a\x0d..."`)},
	{"CR CR LF in value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\r\n\r\n", ok("/", "", "x")},
	{"lowercase method", "get /a HTTP/1.1\r\nHost: x\r\n\r\n", fail(400, "client sent invalid method while reading client request line")},
	{"digit in method", "G1 / HTTP/1.1\r\nHost: x\r\n\r\n", fail(400, "invalid method")},
	{"odd method", "G-E_T / HTTP/1.1\r\nHost: x\r\n\r\n", want{method: "G-E_T", uri: "/", host: "x", major: 1, minor: 1, cl: -1, keepAlive: true, headers: 1}},
	{"leading space", " GET / HTTP/1.1\r\nHost: x\r\n\r\n", fail(400, "invalid method")},
	{"absolute form", "GET http://Host.Example:81/p/q?z=1 HTTP/1.1\r\nHost: other\r\n\r\n", ok("/p/q", "z=1", "host.example")},
	{"absolute no path", "GET http://h.example?a=1 HTTP/1.1\r\nHost: x\r\n\r\n", ok("/", "a=1", "h.example")},
	{"absolute no host header", "GET http://h.example/p HTTP/1.1\r\n\r\n", fail(400, `without "Host" header`)},
	{"absolute bad host", "GET http://h..example/p HTTP/1.1\r\nHost: x\r\n\r\n", fail(400, "client sent invalid host in request line")},
	{"absolute userinfo", "GET http://u@h/p HTTP/1.1\r\nHost: x\r\n\r\n", fail(400, "invalid request")},
	{"absolute fragment", "GET http://x#f HTTP/1.1\r\nHost: x\r\n\r\n", fail(400, "invalid request")},
	{"star", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", fail(400, "invalid request")},
	{"http09", "GET /a\r\n", want{method: "GET", uri: "/a", minor: 9, cl: -1, headers: 0}},
	{"http09 POST", "POST /\r\n", fail(400, "client sent invalid method in HTTP/0.9 request")},
	{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", fail(505, "client sent invalid version while reading client request line")},
	{"HTTP/10.0", "GET / HTTP/10.0\r\nHost: x\r\n\r\n", fail(505, "invalid version")},
	{"HTTP/1.2", "GET / HTTP/1.2\r\nHost: x\r\n\r\n", want{method: "GET", uri: "/", host: "x", major: 1, minor: 2, cl: -1, keepAlive: true, headers: 1}},
	{"HTTP/1.1000", "GET / HTTP/1.1000\r\nHost: x\r\n\r\n", fail(400, "invalid request")},
	{"HTTP/0.9 explicit", "GET / HTTP/0.9\r\nHost: x\r\n\r\n", fail(400, "invalid request")},
	{"lowercase http", "GET / http/1.1\r\nHost: x\r\n\r\n", fail(400, "invalid request")},
	{"version junk", "GET / HTTP/1.1x\r\nHost: x\r\n\r\n", fail(400, "invalid request")},
	{"TE gzip", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", fail(501, `client sent unknown "Transfer-Encoding": "gzip"`)},
	{"TE 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", fail(400, `client sent HTTP/1.0 request with "Transfer-Encoding" header`)},
	{"chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked \r\n\r\n", want{method: "POST", uri: "/", host: "x", major: 1, minor: 1, cl: -1, chunked: true, keepAlive: true, headers: 2}},
	{"CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 03 \r\n\r\n", want{method: "POST", uri: "/", host: "x", major: 1, minor: 1, cl: 3, keepAlive: true, headers: 2}},
	{"CL sign", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\n", fail(400, `client sent invalid "Content-Length" header`)},
	{"CL overflow", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", fail(400, `invalid "Content-Length"`)},
	{"CL too large", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", fail(413, "client intended to send too large body: 1000 bytes")},
	{"expect", "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n", want{method: "POST", uri: "/", host: "x", major: 1, minor: 1, cl: 1, keepAlive: true, expect100: true, headers: 3}},
	{"dup expect", "GET / HTTP/1.1\r\nHost: x\r\nExpect: a\r\nExpect: a\r\n\r\n", fail(400, "duplicate header line")},
	{"dup host", "GET / HTTP/1.1\r\nHost: x\r\nHost: a/b\r\n\r\n", fail(400, `client sent duplicate host header: "Host: a/b", previous value: "Host: x"`)},
	{"dup before bad", "GET / HTTP/1.1\r\nHost: x\r\nHost: x\r\nFoo: \x00\r\n\r\n", fail(400, "duplicate host header")},
	{"host upper port", "GET / HTTP/1.1\r\nHost: EXAMPLE.com:8080\r\n\r\n", ok("/", "", "example.com")},
	{"host trailing dot", "GET / HTTP/1.1\r\nHost: example.com.\r\n\r\n", ok("/", "", "example.com")},
	{"host ipv6", "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", ok("/", "", "[::1]")},
	{"host slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", fail(400, "client sent invalid host header")},
	{"host empty", "GET / HTTP/1.1\r\nHost: \r\n\r\n", fail(400, "invalid host header")},
	{"host tab", "GET / HTTP/1.1\r\nHost:\tx\t\r\n\r\n", fail(400, "invalid host header")},
	{"host dots", "GET / HTTP/1.1\r\nHost: a..b\r\n\r\n", fail(400, "invalid host header")},
	{"host colons", "GET / HTTP/1.1\r\nHost: a:b:c\r\n\r\n", ok("/", "", "a")},
	{"TRACE", "TRACE / HTTP/1.1\r\nHost: x\r\n\r\n", fail(405, "client sent TRACE method")},
	{"CONNECT", "CONNECT / HTTP/1.1\r\nHost: x\r\n\r\n", fail(405, "client sent CONNECT method")},
	{"dot dot", "GET /a/./b/../c HTTP/1.1\r\nHost: x\r\n\r\n", ok("/a/c", "", "x")},
	{"above root", "GET /../x HTTP/1.1\r\nHost: x\r\n\r\n", fail(400, "invalid request")},
	{"escaped NUL", "GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n", fail(400, "invalid request")},
	{"bad escape", "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", fail(400, "invalid request")},
	{"escaped slash", "GET /a%2F%2Fb HTTP/1.1\r\nHost: x\r\n\r\n", ok("/a/b", "", "x")},
	{"fragment", "GET /a?x=1?y#z HTTP/1.1\r\nHost: x\r\n\r\n", ok("/a", "x=1?y", "x")},
	{"control in args", "GET /a?b=\x01 HTTP/1.1\r\nHost: x\r\n\r\n", fail(400, "invalid request")},
	{"bad final CR", "GET / HTTP/1.1\r\nHost: x\r\n\r\r\n", fail(400, "invalid header line")},
	{"request line 8192", "GET /" + strings.Repeat("a", 8192-16) + " HTTP/1.1\r\nHost: x\r\n\r\n", ok("/"+strings.Repeat("a", 8192-16), "", "x")},
	{"request line 8193", "GET /" + strings.Repeat("a", 8193-16) + " HTTP/1.1\r\nHost: x\r\n\r\n", fail(414, "client sent too long URI")},
	{"header line 8192", "GET / HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", 8192-5) + "\r\n\r\n", ok("/", "", "x")},
	{"header line 8193", "GET / HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", 8193-5) + "\r\n\r\n", fail(494, "client sent too long header line")},
	{"32 x 1000", "GET / HTTP/1.1\r\nHost: x\r\n" + manyHeaders(32, 1000) + "\r\n", ok("/", "", "x")},
	{"33 x 1000", "GET / HTTP/1.1\r\nHost: x\r\n" + manyHeaders(33, 1000) + "\r\n", fail(494, "too long header line")},
	{"8 x 4000", "GET / HTTP/1.1\r\nHost: x\r\n" + manyHeaders(8, 4000) + "\r\n", ok("/", "", "x")},
	{"9 x 4000", "GET / HTTP/1.1\r\nHost: x\r\n" + manyHeaders(9, 4000) + "\r\n", fail(494, "too long header line")},
}

// manyHeaders returns n header lines of size bytes each, CRLF included.
func manyHeaders(n, size int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		name := "X" + string(rune('A'+i/26)) + string(rune('A'+i%26)) + ": "
		b.WriteString(name + strings.Repeat("a", size-len(name)-2) + "\r\n")
	}
	return b.String()
}

var testLimits = Limits{MaxBodyBytes: 100}

func checkParse(t *testing.T, raw string, req *Request, n int, err error, w want) {
	t.Helper()
	if w.status != 0 {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("err = %v (req %+v), want status %d", err, req, w.status)
		}
		if e.Status != w.status || !strings.Contains(e.Reason, w.reason) {
			t.Fatalf("err = %d %q, want %d containing %q", e.Status, e.Reason, w.status, w.reason)
		}
		return
	}
	if err != nil || req == nil {
		t.Fatalf("ParseRequest = %v, %v", req, err)
	}
	if n != len(raw) {
		t.Errorf("n = %d, want %d", n, len(raw))
	}
	got := want{method: req.Method, uri: req.URI, args: req.Args, host: req.Host, major: req.Major, minor: req.Minor,
		cl: req.ContentLength, chunked: req.Chunked, keepAlive: req.KeepAlive, expect100: req.Expect100, headers: len(req.Headers)}
	if w.headers < 0 {
		got.headers = -1
	}
	if got != w {
		t.Errorf("got  %+v\nwant %+v", got, w)
	}
	if trimmed := strings.TrimLeft(raw, "\r\n"); string(req.RawHeader) != trimmed {
		t.Errorf("RawHeader = %q, want %q", req.RawHeader, trimmed)
	}
}

func TestParseRequest(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			req, n, err := ParseRequest([]byte(tc.raw), testLimits)
			checkParse(t, tc.raw, req, n, err, tc.want)
		})
	}
}

// feedSplit feeds raw to the parser as the engine does: first buf[:cut],
// then all of it. It returns the first non-pending result.
func feedSplit(raw []byte, cut int, lim Limits) (*Request, int, error) {
	req, n, err := ParseRequest(raw[:cut], lim)
	if req != nil || err != nil {
		return req, n, err
	}
	return ParseRequest(raw, lim)
}

func TestParseRequestSplitEverywhere(t *testing.T) {
	for _, tc := range parseCases {
		if len(tc.raw) > 2000 {
			continue // the size cases are covered whole; splitting them is slow
		}
		t.Run(tc.name, func(t *testing.T) {
			raw := []byte(tc.raw)
			wreq, wn, werr := ParseRequest(raw, testLimits)
			for cut := 0; cut <= len(raw); cut++ {
				req, n, err := feedSplit(raw, cut, testLimits)
				if !reflect.DeepEqual(req, wreq) || n != wn || !reflect.DeepEqual(err, werr) {
					t.Fatalf("cut %d: got (%+v, %d, %v), whole gives (%+v, %d, %v)", cut, req, n, err, wreq, wn, werr)
				}
			}
		})
	}
}

func TestParseRequestPending(t *testing.T) {
	for _, raw := range []string{"", "\r\n", "GET", "GET /a", "GET /a HTTP/1.1\r", "GET /a HTTP/1.1\r\nHost: x\r\n", "GET /a HTTP/1.1\r\nHost: x\r\n\r", "GET http://h"} {
		req, n, err := ParseRequest([]byte(raw), Limits{})
		if req != nil || n != 0 || err != nil {
			t.Errorf("%q: got (%v, %d, %v), want pending", raw, req, n, err)
		}
	}
}

func TestParseRequestPipelined(t *testing.T) {
	raw := "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"
	req, n, err := ParseRequest([]byte(raw), Limits{})
	if err != nil || req.URI != "/1" || n != len(raw)/2 {
		t.Fatalf("first: %v %d %v", req, n, err)
	}
	req, _, err = ParseRequest([]byte(raw[n:]), Limits{})
	if err != nil || req.URI != "/2" {
		t.Fatalf("second: %v %v", req, err)
	}
}

func TestParseRequestHeaders(t *testing.T) {
	raw := "GET /h HTTP/1.1\r\nHost: x\r\nA:\tv\t\r\nB:  v  w  \r\nC\r\nD:\r\nE: \x01\x7f\xff\r\nX_Y: 1\r\n\r\n"
	req, _, err := ParseRequest([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	wantH := []Header{{"Host", "x"}, {"A", "\tv\t"}, {"B", "v  w"}, {"C", ""}, {"D", ""}, {"E", "\x01\x7f\xff"}}
	if !reflect.DeepEqual(req.Headers, wantH) {
		t.Errorf("Headers = %q, want %q", req.Headers, wantH)
	}
	if !reflect.DeepEqual(req.IgnoredHeaders, []string{"X_Y: 1"}) {
		t.Errorf("IgnoredHeaders = %q", req.IgnoredHeaders)
	}
	if v, ok := req.Header("b"); !ok || v != "v  w" {
		t.Errorf("Header(b) = %q, %v", v, ok)
	}
	req, _, err = ParseRequest([]byte(raw), Limits{UnderscoresInHeaders: true})
	if err != nil || len(req.Headers) != 7 || req.Headers[6] != (Header{"X_Y", "1"}) {
		t.Errorf("underscores_in_headers on: %q, %v", req.Headers, err)
	}
}

func TestParseRequestIntoReuse(t *testing.T) {
	var req Request
	for _, uri := range []string{"/a", "/b/../c"} {
		n, err := ParseRequestInto(&req, []byte("GET "+uri+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), Limits{})
		if err != nil || n == 0 {
			t.Fatalf("%s: %d %v", uri, n, err)
		}
	}
	if req.URI != "/c" || len(req.Headers) != 2 || req.KeepAlive || req.ContentLength != -1 {
		t.Errorf("reused request = %+v", req)
	}
}

// TestMethodAndTarget: "METHOD target" for the trace, a slice of the
// head's text (no allocation) whenever the request line holds it so.
func TestMethodAndTarget(t *testing.T) {
	for _, head := range []string{
		"GET /a%20b?x=1 HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST http://h.test/p HTTP/1.0\r\n\r\n",
		"GET  /two-spaces HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /\r\n",
		"\r\nGET /after-an-empty-line HTTP/1.1\r\nHost: a\r\n\r\n",
	} {
		req, _, err := ParseRequest([]byte(head), Limits{})
		if err != nil {
			t.Logf("%q: %v (not a request nginx takes: skipped)", head, err)
			continue
		}
		want := req.Method + " " + req.RawURI
		if got := req.MethodAndTarget(); got != want {
			t.Errorf("%q: %q, want %q", head, got, want)
		}
	}
	req, _, err := ParseRequest([]byte("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = req.MethodAndTarget() }); n != 0 {
		t.Errorf("%v allocations for a plain request line, want 0", n)
	}
}
