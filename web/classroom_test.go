package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/restylab/restylab/sandbox"
)

// newClassLab is a lab with the classroom mode's settings (one real
// sandbox, as newLab's).
func newClassLab(t *testing.T, joinCode, password string, trustProxy bool) *lab {
	t.Helper()
	srv, err := New(Config{
		DataDir:         t.TempDir(),
		Sandbox:         sandbox.Config{Binary: labBinary, TempDir: t.TempDir(), MaxInstances: 4, Nice: -1, HogNice: -1},
		Logger:          slog.New(slog.NewTextHandler(t.Output(), nil)),
		JoinCode:        joinCode,
		TeacherPassword: password,
		TrustProxy:      trustProxy,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	l := &lab{t: t, srv: srv, ts: ts, client: newJarClient()}
	t.Cleanup(l.close)
	return l
}

// newJarClient is a browser of its own: a cookie jar, no redirects followed.
func newJarClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// browser is another visitor of l's lab.
func (l *lab) browser() *lab {
	return &lab{t: l.t, srv: l.srv, ts: l.ts, client: newJarClient()}
}

// send makes a request with headers and returns the response with its body read.
func (l *lab) send(method, path string, body io.Reader, hdr map[string]string) (*http.Response, string) {
	l.t.Helper()
	req, err := http.NewRequest(method, l.ts.URL+path, body)
	if err != nil {
		l.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		l.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		l.t.Fatal(err)
	}
	return resp, string(data)
}

// postForm posts form values (with extra headers).
func (l *lab) postForm(path string, vals url.Values, hdr map[string]string) (*http.Response, string) {
	l.t.Helper()
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for k, v := range hdr {
		h[k] = v
	}
	return l.send("POST", path, strings.NewReader(vals.Encode()), h)
}

// cookie returns the value of the browser's cookie name ("" without one).
func (l *lab) cookie(name string) string {
	u, _ := url.Parse(l.ts.URL)
	for _, c := range l.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func TestJoinCode(t *testing.T) {
	l := newClassLab(t, "owl-42", "", false)

	// Every way to a new session leads to /join first.
	for _, c := range []struct{ method, path, to string }{
		{"GET", "/play", "/play"},
		{"GET", "/play?example=blocking", "/play?example=blocking"},
		{"GET", "/lessons/hello", "/lessons/hello"},
		{"POST", "/lessons/hello/start", "/play"},
		{"POST", "/example/blocking", "/play"},
		{"GET", "/embed/abcdefghijklmnop", "/embed/abcdefghijklmnop"},
	} {
		resp, _ := l.send(c.method, c.path, nil, nil)
		want := "/join?to=" + url.QueryEscape(c.to)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("%s %s without a session: %d %q, want 303 %q", c.method, c.path, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
	if l.cookie(sessionCookie) != "" {
		t.Fatal("a session cookie was set before joining")
	}

	// The page, in both languages.
	resp, page := l.send("GET", "/join?to=/lessons/hello", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(page, `name="code"`) || !strings.Contains(page, "Join the class") || !strings.Contains(page, `value="/lessons/hello"`) {
		t.Fatalf("join page: %d\n%s", resp.StatusCode, page)
	}
	if _, zh := l.send("GET", "/join", nil, map[string]string{"Accept-Language": "zh-CN"}); !strings.Contains(zh, "加入课堂") {
		t.Fatalf("join page in Chinese:\n%s", zh)
	}

	// A wrong code: refused, no session.
	resp, page = l.postForm("/join", url.Values{"code": {"owl-41"}, "to": {"/play"}}, nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "not right") || l.cookie(sessionCookie) != "" {
		t.Fatalf("wrong code: %d, cookie %q\n%s", resp.StatusCode, l.cookie(sessionCookie), page)
	}
	if status, _ := l.do("GET", "/api/workspace", nil); status != http.StatusUnauthorized {
		t.Fatalf("API after a wrong code: %d", status)
	}

	// The right code (spaces around it are forgiven): a session, the name kept,
	// back to the page asked for; an off-site "to" is not followed.
	resp, _ = l.postForm("/join", url.Values{"code": {" owl-42 "}, "name": {"  Ada\tLovelace\n"}, "to": {"/lessons/hello"}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/lessons/hello" {
		t.Fatalf("right code: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	id := l.cookie(sessionCookie)
	if !validID(id) {
		t.Fatalf("session cookie after joining: %q", id)
	}
	infos, err := l.srv.store.Sessions()
	if err != nil || len(infos) != 1 || infos[0].ID != id || infos[0].Name != "Ada Lovelace" {
		t.Fatalf("store after joining: %+v, %v", infos, err)
	}
	// The session works everywhere from now on, and stays the same.
	if b := l.open(); b.Session != id {
		t.Fatalf("/play after joining: session %q, want %q", b.Session, id)
	}
	if status, _ := l.do("GET", "/lessons/hello", nil); status != 200 {
		t.Fatalf("/lessons/hello after joining: %d", status)
	}
	if resp, _ := l.send("GET", "/join?to=/lessons", nil, nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/lessons" {
		t.Fatalf("/join with a session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	other := l.browser()
	for _, to := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		resp, _ := other.postForm("/join", url.Values{"code": {"owl-42"}, "to": {to}}, nil)
		if resp.Header.Get("Location") != "/play" {
			t.Errorf("join with to=%q goes to %q, want /play", to, resp.Header.Get("Location"))
		}
	}
}

func TestNoJoinCodeChangesNothing(t *testing.T) {
	l := newClassLab(t, "", "", false)
	if b := l.open(); !validID(b.Session) {
		t.Fatalf("/play without a join code: session %q", b.Session)
	}
	resp, _ := l.browser().send("GET", "/join?to=/lessons", nil, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/lessons" {
		t.Fatalf("/join without a join code: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestJoinRateLimit: the sixth wrong code within a minute from one address
// is refused with 429, even when it is the right one; another address
// (through a trusted proxy's X-Forwarded-For) is not affected.
func TestJoinRateLimit(t *testing.T) {
	l := newClassLab(t, "owl-42", "", true)
	guess := func(code, addr string) *http.Response {
		resp, _ := l.browser().postForm("/join", url.Values{"code": {code}}, map[string]string{"X-Forwarded-For": "198.51.100.7, " + addr})
		return resp
	}
	for i := range maxFails {
		if resp := guess("wrong", "203.0.113.1"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("wrong guess %d: %d, want 403", i+1, resp.StatusCode)
		}
	}
	resp := guess("owl-42", "203.0.113.1")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("right code after %d wrong ones: %d (Retry-After %q), want 429", maxFails, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp := guess("owl-42", "203.0.113.2"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("another address: %d, want 303", resp.StatusCode)
	}
}

func TestFailLimiterWindow(t *testing.T) {
	l := newFailLimiter(3, time.Minute)
	t0 := time.Unix(1000, 0)
	for i := range 3 {
		if b, _ := l.blocked("a", t0); b {
			t.Fatalf("blocked after %d failures", i)
		}
		l.fail("a", t0.Add(time.Duration(i)*time.Second))
	}
	tests := []struct {
		at      time.Duration
		blocked bool
	}{
		{3 * time.Second, true},
		{59 * time.Second, true},
		{60 * time.Second, false}, // the first failure is a minute old
	}
	for _, tt := range tests {
		b, wait := l.blocked("a", t0.Add(tt.at))
		if b != tt.blocked {
			t.Errorf("at +%v: blocked %v, want %v", tt.at, b, tt.blocked)
		}
		if b && wait != 60*time.Second-tt.at {
			t.Errorf("at +%v: wait %v, want %v", tt.at, wait, 60*time.Second-tt.at)
		}
	}
	if b, _ := l.blocked("b", t0); b {
		t.Error("another address is blocked")
	}
}
