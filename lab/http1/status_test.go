package http1

import (
	"encoding/json"
	"os"
	"strconv"
	"testing"
	"time"
)

// testdata/errorpages.golden.json holds the bodies real nginx 1.22.1 sent for
// ngx.exit(code), keyed by code.
func TestErrorPageGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/errorpages.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden map[string]string
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	for code := 100; code < 600; code++ {
		want, has := golden[strconv.Itoa(code)]
		got := ErrorPage(code)
		if has && string(got) != want {
			t.Errorf("ErrorPage(%d) = %q, want %q", code, got, want)
		}
		if !has && got != nil && code != 408 {
			t.Errorf("ErrorPage(%d) = %q, nginx sends no body", code, got)
		}
	}
	if len(golden) < 30 {
		t.Fatalf("golden file has only %d pages", len(golden))
	}
}

func TestStatusLine(t *testing.T) {
	cases := []struct {
		code int
		want string
	}{
		{200, "HTTP/1.1 200 OK\r\n"}, {302, "HTTP/1.1 302 Moved Temporarily\r\n"}, {405, "HTTP/1.1 405 Not Allowed\r\n"},
		{299, "HTTP/1.1 299 \r\n"}, {418, "HTTP/1.1 418 \r\n"}, {494, "HTTP/1.1 494 \r\n"},
		{503, "HTTP/1.1 503 Service Temporarily Unavailable\r\n"}, {101, "HTTP/1.1 101 Switching Protocols\r\n"},
	}
	for _, tc := range cases {
		if got := string(AppendStatusLine(nil, 1, 1, tc.code)); got != tc.want {
			t.Errorf("AppendStatusLine(%d) = %q, want %q", tc.code, got, tc.want)
		}
	}
	// the prebuilt HTTP/1.1 lines match the general formatting for every
	// code, and codes outside them and other versions are formatted
	for code := 0; code < 1000; code++ {
		for _, v := range [][2]int{{1, 1}, {1, 0}, {2, 0}} {
			want := "HTTP/" + strconv.Itoa(v[0]) + "." + strconv.Itoa(v[1]) + " " + strconv.Itoa(code) + " " + StatusText(code) + "\r\n"
			if got := string(AppendStatusLine([]byte("x"), v[0], v[1], code)); got != "x"+want {
				t.Errorf("AppendStatusLine(%d.%d, %d) = %q, want %q", v[0], v[1], code, got, "x"+want)
			}
		}
	}
	if ErrorPageStatus(494) != 400 || ErrorPageStatus(404) != 404 {
		t.Error("ErrorPageStatus")
	}
}

func TestWriteHelpers(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	if got := string(AppendHTTPDate(nil, time.Date(2026, 11, 27, 4, 40, 44, 0, loc))); got != "Fri, 27 Nov 2026 03:40:44 GMT" {
		t.Errorf("AppendHTTPDate = %q", got)
	}
	if got := string(AppendChunk([]byte("x"), make([]byte, 26))); got != "x1a\r\n"+string(make([]byte, 26))+"\r\n" {
		t.Errorf("AppendChunk = %q", got)
	}
	if got := AppendChunk(nil, nil); len(got) != 0 {
		t.Errorf("AppendChunk(empty) = %q", got)
	}
	if got := string(AppendLastChunk(nil)); got != "0\r\n\r\n" {
		t.Errorf("AppendLastChunk = %q", got)
	}
}

func TestNormalizeURI(t *testing.T) {
	cases := []struct{ raw, want string }{
		{"/a/..", "/"}, {"/a/.", "/a/"}, {"/a//b///c", "/a/b/c"}, {"/a%2F%2Fb", "/a/b"}, {"/a/%2e%2e", "/"},
		{"/a/b/..%2f", "/a/"}, {"/a/.../b", "/a/.../b"}, {"/a/..b", "/a/..b"}, {"/a%2e/b", "/a./b"},
		{"/%C3%A9", "/\xc3\xa9"}, {"/a%252e", "/a%2e"}, {"/a%3Fb=1", "/a?b=1"}, {"/a+b", "/a+b"}, {"/.", "/"},
		{"/a/.%2e/b", "/b"}, {"/a%23%3F", "/a#?"}, {"/plain", "/plain"},
		{"/..", ""}, {"//a/../../b", ""}, {"/%00", ""}, {"/%zz", ""}, {"/a%2", ""}, {"/a/b/../../..", ""},
	}
	for _, tc := range cases {
		got, err := NormalizeURI(tc.raw)
		if tc.want == "" {
			if err == nil {
				t.Errorf("NormalizeURI(%q) = %q, want error", tc.raw, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeURI(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
		}
	}
}
