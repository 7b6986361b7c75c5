package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/restylab/restylab/sandbox"
)

// testBase is the base path of the lab behind newProxiedLab's proxy.
const testBase = "/lab"

// newProxiedLab is a lab with Config.BasePath /lab, reached through a
// net/http/httputil reverse proxy on another port that forwards every
// path unchanged (prefix kept, the browser's Host passed on, as nginx's
// proxy_pass with proxy_set_header Host $host does). l.ts is the proxy:
// the browser never talks to the lab directly.
func newProxiedLab(t *testing.T, joinCode, password string) *lab {
	t.Helper()
	srv, err := New(Config{
		DataDir:         t.TempDir(),
		Sandbox:         sandbox.Config{Binary: labBinary, TempDir: t.TempDir(), MaxInstances: 4, Nice: -1, HogNice: -1},
		Logger:          slog.New(slog.NewTextHandler(t.Output(), nil)),
		BasePath:        testBase,
		JoinCode:        joinCode,
		TeacherPassword: password,
	})
	if err != nil {
		t.Fatal(err)
	}
	backend := httptest.NewServer(srv.Handler())
	target, _ := url.Parse(backend.URL)
	front := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.Host = pr.In.Host
		pr.SetXForwarded()
	}})
	l := &lab{t: t, srv: srv, ts: front, client: newJarClient()}
	t.Cleanup(func() {
		front.Close()
		backend.Close()
		srv.Close()
	})
	return l
}

// urlAttrRE finds the URLs of a page: href, src, action and the base
// path's meta.
var urlAttrRE = regexp.MustCompile(`\b(href|src|action|content)="([^"]*)"`)

// rootJSRE finds what in the bundles would ask for a path at the host's
// root: a fetch, beacon or link of a literal "/...", a cookie for path=/,
// a WebSocket URL of the host and a literal path.
var rootJSRE = regexp.MustCompile("(fetch|sendBeacon)\\(\\s*[\"'`]/|href:\\s*[\"'`]/|path=/[;\"'`]|host\\s*\\+\\s*[\"'`]/")

// checkURLs fails for every URL of page that leaves the base path: a
// root-relative one not under /lab/, an absolute one to the lab's host
// not under /lab/.
func checkURLs(t *testing.T, what, page, host string) int {
	t.Helper()
	n := 0
	for _, m := range urlAttrRE.FindAllStringSubmatch(page, -1) {
		attr, v := m[1], m[2]
		switch {
		case attr == "content" && strings.Contains(page, `name="restylab-base" content="`+v+`"`):
			if v != testBase {
				t.Errorf("%s: restylab-base %q, want %q", what, v, testBase)
			}
		case attr == "content", strings.HasPrefix(v, "#"):
		case strings.HasPrefix(v, "/"):
			n++
			if !strings.HasPrefix(v, testBase+"/") {
				t.Errorf("%s: %s=%q leaves %s", what, attr, v, testBase)
			}
		case strings.HasPrefix(v, "http://"), strings.HasPrefix(v, "https://"), strings.HasPrefix(v, "ws"):
			n++
			if u, err := url.Parse(v); err != nil || u.Host == host && !strings.HasPrefix(u.Path, testBase+"/") {
				t.Errorf("%s: %s=%q leaves %s", what, attr, v, testBase)
			}
		default:
			t.Errorf("%s: %s=%q is relative to the page", what, attr, v)
		}
	}
	return n
}

// pageBoot is the boot data of a page.
func pageBoot(t *testing.T, what, page string) map[string]any {
	t.Helper()
	m := bootRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("%s has no boot data", what)
	}
	var b map[string]any
	if err := json.Unmarshal([]byte(m[1]), &b); err != nil {
		t.Fatalf("%s boot: %v", what, err)
	}
	return b
}

// TestBasePathBehindProxy runs the lab under /lab behind a reverse proxy
// and walks its routes: every page, redirect, cookie, API answer and
// bundle keeps to /lab/, the WebSocket streams the trace of a request,
// /lab/s/ID/ reaches the instance with its cookies scoped under it, and
// nothing answers outside the prefix.
func TestBasePathBehindProxy(t *testing.T) {
	l := newProxiedLab(t, "owl-42", "chalk&board")
	front, _ := url.Parse(l.ts.URL)
	host := front.Host

	// Outside the prefix: 404, and no cookie.
	for _, p := range []string{"/", "/play", "/api/workspace", "/static/app.js", "/healthz", "/teacher", "/s/abcdefghijklmnopqrstuvwxyz/", "/labx", "/lab.css"} {
		resp, _ := l.send("GET", p, nil, nil)
		if resp.StatusCode != http.StatusNotFound || len(resp.Header.Values("Set-Cookie")) > 0 {
			t.Errorf("GET %s outside the base path: %d %q", p, resp.StatusCode, resp.Header.Values("Set-Cookie"))
		}
	}
	if resp, _ := l.send("GET", testBase, nil, nil); resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != testBase+"/" {
		t.Errorf("GET %s: %d to %q", testBase, resp.StatusCode, resp.Header.Get("Location"))
	}

	// Joining: the redirects and the form stay under the prefix.
	resp, _ := l.send("GET", testBase+"/play", nil, nil)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != testBase+"/join?to=%2Fplay" {
		t.Fatalf("GET /lab/play before joining: %d to %q", resp.StatusCode, loc)
	}
	resp, page := l.send("GET", testBase+"/join?to=%2Fplay", nil, nil)
	if resp.StatusCode != http.StatusOK || checkURLs(t, "join", page, host) == 0 {
		t.Fatalf("join page: %d", resp.StatusCode)
	}
	resp, _ = l.postForm(testBase+"/join", url.Values{"code": {"owl-42"}, "name": {"Ada"}, "to": {"/play"}}, nil)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != testBase+"/play" {
		t.Fatalf("join: %d to %q", resp.StatusCode, loc)
	}
	checkCookiePaths(t, "join", resp, testBase+"/")

	// The playground: its links, its boot data.
	resp, page = l.send("GET", testBase+"/play", nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /lab/play: %d", resp.StatusCode)
	}
	checkURLs(t, "play", page, host)
	boot := pageBoot(t, "play", page)
	id, _ := boot["session"].(string)
	if want := l.ts.URL + testBase + "/s/" + id + "/"; boot["proxyBase"] != want {
		t.Errorf("proxyBase %q, want %q", boot["proxyBase"], want)
	}

	// The API through the prefix: apply, send (its curl line), share.
	conf := strings.Replace(sleepConf, `ngx.sleep(0.05)
                ngx.say("hi")`, `ngx.header["Set-Cookie"] = {"mine=1; Path=/", "other=2"}
                ngx.say("referer=", ngx.var.http_referer or "none")`, 1)
	if conf == sleepConf {
		t.Fatal("the test's conf did not change")
	}
	var applied applyResult
	l.json("POST", testBase+"/api/apply", workspaceJSON{Conf: conf}, &applied)
	if !applied.OK {
		t.Fatalf("apply: %+v", applied)
	}
	conn := l.dialBase(id)
	var hello wsIn
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	if err := conn.ReadJSON(&hello); err != nil || hello.T != "hello" || hello.Session != id {
		t.Fatalf("WebSocket hello %+v: %v", hello, err)
	}
	var sent sendResult
	l.json("POST", testBase+"/api/send", sendRequest{Method: "GET", Path: "/x"}, &sent)
	if sent.Status != 200 || !strings.Contains(sent.Curl, l.ts.URL+testBase+"/s/"+id+"/x") {
		t.Errorf("send: %d, curl %q", sent.Status, sent.Curl)
	}
	if !waitTrace(conn, "request_start") {
		t.Error("no request_start came over the WebSocket at /lab/api/ws")
	}
	var share map[string]string
	l.json("POST", testBase+"/api/share", workspaceJSON{Conf: conf}, &share)
	if !strings.HasPrefix(share["url"], l.ts.URL+testBase+"/share/") || !strings.Contains(share["embed"], l.ts.URL+testBase+"/embed/"+share["id"]) {
		t.Errorf("share: %v", share)
	}

	// The instance under /lab/s/ID/: its cookies are scoped there, and a
	// Referer from elsewhere in the lab is cut to the origin.
	resp, body := l.send("GET", testBase+"/s/"+id+"/a/b", nil, map[string]string{"Referer": l.ts.URL + testBase + "/s/" + id + "/page"})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "referer="+l.ts.URL+testBase+"/s/"+id+"/page") {
		t.Errorf("GET /lab/s/ID/a/b: %d %q", resp.StatusCode, body)
	}
	for _, c := range resp.Header.Values("Set-Cookie") {
		name, _, _ := strings.Cut(c, "=")
		want := map[string]string{"mine": "Path=" + testBase + "/s/" + id + "/", "other": "Path=" + testBase + "/s/" + id + "/a"}[name]
		if want == "" || !strings.Contains(c, want+";") && !strings.HasSuffix(c, want) {
			t.Errorf("instance cookie %q, want %s", c, want)
		}
	}
	if n := len(resp.Header.Values("Set-Cookie")); n != 2 {
		t.Errorf("%d instance cookies, want 2", n)
	}
	_, body = l.send("GET", testBase+"/s/"+id+"/", nil, map[string]string{"Referer": l.ts.URL + testBase + "/play"})
	if !strings.Contains(body, "referer="+l.ts.URL+"/\n") {
		t.Errorf("a Referer from the playground reached the instance: %q", body)
	}

	// Redirects: language, example, lesson start.
	resp, _ = l.send("GET", testBase+"/lang/zh?to=/lessons", nil, nil)
	if loc := resp.Header.Get("Location"); loc != testBase+"/lessons" {
		t.Errorf("language switch to %q", loc)
	}
	checkCookiePaths(t, "language", resp, testBase+"/")
	resp, _ = l.send("POST", testBase+"/example/sleep", nil, nil)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, testBase+"/play?") {
		t.Errorf("example to %q", loc)
	}
	resp, _ = l.send("POST", testBase+"/lessons/hello/start", nil, nil)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, testBase+"/lessons/hello") {
		t.Errorf("lesson start to %q", loc)
	}

	// The teacher: login, pages, API.
	teacher := &lab{t: t, srv: l.srv, ts: l.ts, client: newJarClient()}
	resp, page = teacher.send("GET", testBase+"/teacher", nil, nil)
	if resp.StatusCode != http.StatusUnauthorized || checkURLs(t, "teacher login", page, host) == 0 {
		t.Errorf("teacher page without login: %d", resp.StatusCode)
	}
	resp, _ = teacher.postForm(testBase+"/teacher/login", url.Values{"password": {"chalk&board"}}, nil)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != testBase+"/teacher" {
		t.Fatalf("teacher login: %d to %q", resp.StatusCode, loc)
	}
	checkCookiePaths(t, "teacher login", resp, testBase+"/")
	if status, body := teacher.teacherCall("GET", testBase+"/api/teacher/class", nil); status != 200 || !strings.Contains(body, id) {
		t.Errorf("class: %d %.200s", status, body)
	}
	if status, body := teacher.teacherCall("GET", testBase+"/api/teacher/sessions/"+id+"/trace", nil); status != 200 || !strings.Contains(body, "request_start") {
		t.Errorf("trace: %d %.200s", status, body)
	}

	// Every page and bundle.
	pages := []struct {
		who  *lab
		path string
	}{
		{l, "/"}, {l, "/lessons"}, {l, "/lessons/hello"}, {l, "/about"}, {l, "/share/" + share["id"]},
		{l, "/embed/" + share["id"]}, {l, "/nowhere"},
		{teacher, "/teacher"}, {teacher, "/teacher/sessions/" + id},
	}
	for _, p := range pages {
		resp, page := p.who.send("GET", testBase+p.path, nil, nil)
		if resp.StatusCode != http.StatusOK && p.path != "/nowhere" {
			t.Errorf("GET %s%s: %d", testBase, p.path, resp.StatusCode)
		}
		if n := checkURLs(t, p.path, page, host); n < 5 {
			t.Errorf("%s: %d URLs, the layout alone has more", p.path, n)
		}
		if m := bootRE.FindStringSubmatch(page); m != nil {
			b := pageBoot(t, p.path, page)
			if pb, _ := b["proxyBase"].(string); !strings.HasPrefix(pb, l.ts.URL+testBase+"/s/") {
				t.Errorf("%s: proxyBase %q", p.path, pb)
			}
		}
	}
	for _, p := range []string{"/static/app.js", "/static/teacher.js", "/static/app.css", "/static/site.css", "/static/chroma.css", "/static/favicon.svg", "/favicon.ico", "/healthz", "/readyz", "/metrics"} {
		resp, body := l.send("GET", testBase+p, nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s%s: %d", testBase, p, resp.StatusCode)
		}
		if strings.HasSuffix(p, ".js") {
			if m := rootJSRE.FindString(body); m != "" {
				t.Errorf("%s asks for the host's root: %q", p, m)
			}
		}
	}
}

// checkCookiePaths fails for a Set-Cookie of resp whose Path is not path.
func checkCookiePaths(t *testing.T, what string, resp *http.Response, path string) {
	t.Helper()
	if len(resp.Cookies()) == 0 {
		t.Errorf("%s: no cookie set", what)
	}
	for _, c := range resp.Cookies() {
		if c.Path != path {
			t.Errorf("%s: cookie %s has Path=%q, want %q", what, c.Name, c.Path, path)
		}
	}
}

// dialBase connects to /lab/api/ws through the proxy with the client's cookies.
func (l *lab) dialBase(session string) *websocket.Conn {
	l.t.Helper()
	u, _ := url.Parse(l.ts.URL + testBase + "/api/ws")
	h := http.Header{}
	for _, c := range l.client.Jar.Cookies(u) {
		h.Add("Cookie", c.String())
	}
	if len(h.Values("Cookie")) == 0 {
		l.t.Fatalf("no cookie for %s", u)
	}
	conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(u.String(), "http"), h)
	if err != nil {
		l.t.Fatalf("dial %s: %v (%v)", u, err, resp)
	}
	l.t.Cleanup(func() { conn.Close() })
	return conn
}

// waitTrace reads conn's messages until a trace event of kind comes
// (true) or 30 s pass.
func waitTrace(conn *websocket.Conn, kind string) bool {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		conn.SetReadDeadline(deadline)
		var m wsIn
		if err := conn.ReadJSON(&m); err != nil {
			return false
		}
		for _, e := range m.Events {
			var ev traceEvent
			if json.Unmarshal(e, &ev) == nil && ev.Kind == kind {
				return true
			}
		}
	}
	return false
}

// TestCookiesUnderBasePath: over HTTPS under /lab the session and teacher
// cookies are "__Secure-" ones with Path=/lab/ ("__Host-" demands Path=/,
// which would hand them to every application of the host); a "__Host-" or
// plain cookie with a session's id does not open it there.
func TestCookiesUnderBasePath(t *testing.T) {
	l := newProxiedLab(t, "", "chalk&board")
	tlsSrv := httptest.NewTLSServer(l.srv.Handler())
	t.Cleanup(tlsSrv.Close)
	client := tlsSrv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	do := func(method, path string, body string, cookie *http.Cookie) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, tlsSrv.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if cookie != nil {
			req.AddCookie(cookie)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var sb strings.Builder
		_, _ = io.Copy(&sb, resp.Body)
		return resp, sb.String()
	}
	resp, page := do("GET", testBase+"/play", "", nil)
	boot := pageBoot(t, "play", page)
	id, _ := boot["session"].(string)
	resp2, _ := do("POST", testBase+"/teacher/login", "password=chalk%26board", nil)
	for _, r := range []*http.Response{resp, resp2} {
		for _, c := range r.Cookies() {
			if !strings.HasPrefix(c.Name, "__Secure-restylab_") || c.Path != testBase+"/" || !c.Secure || !c.HttpOnly {
				t.Errorf("cookie %s: Path=%q Secure=%v HttpOnly=%v, want __Secure-, Path=%s/, Secure, HttpOnly", c.Name, c.Path, c.Secure, c.HttpOnly, testBase)
			}
		}
	}
	if len(resp.Cookies()) != 1 || len(resp2.Cookies()) != 1 || resp2.Cookies()[0].Name != "__Secure-"+teacherCookie {
		t.Fatalf("cookies %q and %q", resp.Header.Values("Set-Cookie"), resp2.Header.Values("Set-Cookie"))
	}
	for _, tt := range []struct {
		name  string
		opens bool
	}{
		{"__Secure-" + sessionCookie, true},
		{"__Host-" + sessionCookie, false},
		{sessionCookie, false},
	} {
		_, page := do("GET", testBase+"/play", "", &http.Cookie{Name: tt.name, Value: id})
		b := pageBoot(t, tt.name, page)
		if got := b["session"] == id; got != tt.opens {
			t.Errorf("%s=ID opens the session: %v, want %v", tt.name, got, tt.opens)
		}
	}
}
