package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/restylab/restylab/sandbox"
	"github.com/restylab/restylab/testserver"
)

// labBinary is cmd/restylab built without -race: the race detector's
// shadow memory does not fit under the instances' RLIMIT_AS.
var labBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "web-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	labBinary = filepath.Join(dir, "restylab")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	cmd := exec.Command(gobin, "build", "-o", labBinary, "../cmd/restylab")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build restylab:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// lab is a Server under test with a browser-like client.
type lab struct {
	t      *testing.T
	srv    *Server
	ts     *httptest.Server
	client *http.Client
	data   string
}

func newLab(t *testing.T, data string) *lab {
	t.Helper()
	return newLabHosts(t, data, nil, 4)
}

// newLabWithHosts is a lab whose instances reach the testserver's
// services (redis.lab, ...) by name, as `restylab serve` sets it up.
func newLabWithHosts(t *testing.T) *lab {
	t.Helper()
	svc, err := testserver.Start(context.Background(), testserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return newLabHosts(t, "", svc.HostMap(), 4)
}

func newLabHosts(t *testing.T, data string, hosts map[string]string, maxInstances int) *lab {
	t.Helper()
	if data == "" {
		data = t.TempDir()
	}
	srv, err := New(Config{
		DataDir: data,
		// Instances at the test's priority: on CI they compete with other
		// test packages at nice 0 (sandbox tests the priorities).
		Sandbox: sandbox.Config{Binary: labBinary, TempDir: t.TempDir(), MaxInstances: maxInstances, Hosts: hosts, Nice: -1, HogNice: -1},
		Logger:  slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	jar, _ := cookiejar.New(nil)
	l := &lab{t: t, srv: srv, ts: ts, data: data, client: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	t.Cleanup(l.close)
	return l
}

func (l *lab) close() {
	l.ts.Close()
	l.srv.Close()
}

// do sends a request and returns the status and body.
func (l *lab) do(method, path string, body any) (int, []byte) {
	l.t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			l.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, l.ts.URL+path, rd)
	if err != nil {
		l.t.Fatal(err)
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
	return resp.StatusCode, data
}

// json sends a request and decodes a 200 answer into out.
func (l *lab) json(method, path string, body, out any) {
	l.t.Helper()
	status, data := l.do(method, path, body)
	if status != http.StatusOK {
		l.t.Fatalf("%s %s: %d %s", method, path, status, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		l.t.Fatalf("%s %s: %v in %s", method, path, err, data)
	}
}

var bootRE = regexp.MustCompile(`(?s)<script id="boot" type="application/json">(.*?)</script>`)

// open loads /play and returns the boot data.
func (l *lab) open() bootData {
	l.t.Helper()
	status, page := l.do("GET", "/play", nil)
	if status != http.StatusOK {
		l.t.Fatalf("/play: %d", status)
	}
	m := bootRE.FindSubmatch(page)
	if m == nil {
		l.t.Fatalf("/play has no boot data:\n%s", page)
	}
	var b bootData
	if err := json.Unmarshal(m[1], &b); err != nil {
		l.t.Fatal(err)
	}
	return b
}

type bootData struct {
	Session   string        `json:"session"`
	Workspace workspaceJSON `json:"workspace"`
	ProxyBase string        `json:"proxyBase"`
	Notice    string        `json:"notice"`
}

const sleepConf = `worker_processes 1;
events { worker_connections 1024; }
http {
    server {
        listen 8080;
        location / {
            content_by_lua_block {
                ngx.sleep(0.05)
                ngx.say("hi")
            }
        }
    }
}
`

func TestPlayCreatesSessionOnce(t *testing.T) {
	l := newLab(t, "")
	b1 := l.open()
	if !validID(b1.Session) || len(b1.Session) != 26 {
		t.Fatalf("session id %q", b1.Session)
	}
	if !strings.Contains(b1.Workspace.Conf, "content_by_lua_block") {
		t.Fatalf("new session's workspace: %q", b1.Workspace.Conf)
	}
	if !strings.HasSuffix(b1.ProxyBase, "/s/"+b1.Session+"/") {
		t.Fatalf("proxyBase %q", b1.ProxyBase)
	}
	if b2 := l.open(); b2.Session != b1.Session {
		t.Fatalf("second visit got a new session %q", b2.Session)
	}
	// Without the cookie, the API refuses.
	resp, err := http.Get(l.ts.URL + "/api/workspace")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("API without a session: %d", resp.StatusCode)
	}
}

func TestRestartKeepsWorkspace(t *testing.T) {
	data := t.TempDir()
	l := newLab(t, data)
	b := l.open()
	edited := strings.Replace(sleepConf, `"hi"`, `"edited"`, 1)
	l.json("PUT", "/api/workspace", workspaceJSON{Conf: edited, Files: map[string]string{"lua/m.lua": "return {}\n"}}, new(map[string]int64))
	l.close()

	l2 := newLab(t, data)
	l2.client.Jar = l.client.Jar
	var ws workspaceJSON
	l2.json("GET", "/api/workspace", nil, &ws)
	if ws.Conf != edited || ws.Files["lua/m.lua"] != "return {}\n" || ws.Updated == 0 {
		t.Fatalf("after restart: %+v", ws)
	}
	if b2 := l2.open(); b2.Session != b.Session || b2.Workspace.Conf != edited {
		t.Fatalf("page after restart: session %q conf %q", b2.Session, b2.Workspace.Conf)
	}
}

func TestApplySendBurst(t *testing.T) {
	l := newLab(t, "")
	l.open()
	var res applyResult
	l.json("POST", "/api/apply", workspaceJSON{Conf: sleepConf}, &res)
	if !res.OK || res.Error != nil {
		t.Fatalf("apply: %+v", res)
	}
	var sent sendResult
	l.json("POST", "/api/send", sendRequest{Method: "POST", Path: "/x?a=1", Headers: [][2]string{{"X-Test", "1"}}, Body: "abc"}, &sent)
	if sent.Status != 200 || sent.Body != "hi\n" || sent.Error != "" {
		t.Fatalf("send: %+v", sent)
	}
	if !strings.HasPrefix(sent.RawRequest, "POST /x?a=1 HTTP/1.1\r\n") || !strings.Contains(sent.RawRequest, "Content-Length: 3\r\n") {
		t.Fatalf("raw request %q", sent.RawRequest)
	}
	if !strings.HasPrefix(sent.RawResponse, "HTTP/1.1 200 OK\r\n") || sent.MS < 45 {
		t.Fatalf("raw response %q after %v ms", sent.RawResponse, sent.MS)
	}
	if !strings.Contains(sent.Curl, "-X 'POST'") || !strings.Contains(sent.Curl, "--data-binary 'abc'") {
		t.Fatalf("curl %q", sent.Curl)
	}

	var burst burstResult
	l.json("POST", "/api/burst", sendRequest{Path: "/", N: 100, C: 100}, &burst)
	if burst.N != 100 || burst.OK != 100 || burst.Statuses["200"] != 100 || len(burst.LatenciesMS) != 100 {
		t.Fatalf("burst: %+v", burst)
	}
	if len(burst.Bodies) != 1 || burst.Bodies[0].Body != "hi\n" {
		t.Fatalf("bodies %+v", burst.Bodies)
	}
	// 100 requests x 50 ms on one worker: the trace sees them all, far
	// more than one in progress at once, and a worker mostly waiting. (An
	// idle machine reads about 90 at the peak; the race detector slows
	// the lab's own client down to about 40.)
	if burst.Traced != 100 || burst.InProgressPeak < 20 || burst.Workers != 1 || burst.TraceError != "" {
		t.Fatalf("sleep burst figures: %+v", burst.burstFigures)
	}
	if burst.WorkerBusyPct > 90 || burst.InWorkerMSMean < 40 || burst.InProgressMean < 5 {
		t.Fatalf("sleep burst figures: %+v", burst.burstFigures)
	}
	t.Logf("sleep burst: wall %v ms, %+v", burst.WallMS, burst.burstFigures)

	// A loop that never yields: the requests are served one at a time, and
	// the time they wait for the worker is not time in progress.
	l.json("POST", "/api/apply", workspaceJSON{Conf: strings.Replace(sleepConf, "ngx.sleep(0.05)", "local t = os.clock() while os.clock() - t < 0.02 do end", 1)}, &res)
	if !res.OK {
		t.Fatalf("apply the busy loop: %+v", res)
	}
	burst = burstResult{}
	l.json("POST", "/api/burst", sendRequest{Path: "/", N: 10, C: 10}, &burst)
	if burst.OK != 10 || burst.Traced != 10 || burst.InProgressPeak != 1 {
		t.Fatalf("busy-loop burst: %d ok, figures %+v; want 10 traced, 1 in progress at most", burst.OK, burst.burstFigures)
	}
	// served in turn, the 10th waits for 9 others: the mean wait is about
	// 4.5 times the time in the worker
	if burst.QueuedMSMean < burst.InWorkerMSMean || burst.WorkerBusyPct < 60 {
		t.Fatalf("busy-loop burst: figures %+v; want a mean wait longer than the time in the worker, and a busy worker", burst.burstFigures)
	}
	t.Logf("busy-loop burst: wall %v ms, %+v", burst.WallMS, burst.burstFigures)

	// worker_processes 4 runs as 2 (the sandbox's cap): the burst's figures
	// per worker use the 2 that run, not nginx.conf's 4.
	l.json("POST", "/api/apply", workspaceJSON{Conf: strings.Replace(sleepConf, "worker_processes 1;", "worker_processes 4;", 1)}, &res)
	if !res.OK {
		t.Fatalf("apply worker_processes 4: %+v", res)
	}
	l.json("POST", "/api/burst", sendRequest{Path: "/", N: 10, C: 10}, &burst)
	if burst.OK != 10 || burst.Workers != sandbox.DefaultMaxWorkers {
		t.Fatalf("worker_processes 4: burst workers %d, want the %d that run (%+v)", burst.Workers, sandbox.DefaultMaxWorkers, burst)
	}
}

func TestApplyErrors(t *testing.T) {
	l := newLab(t, "")
	l.open()
	tests := []struct {
		name      string
		conf      string
		wantOK    bool
		wantLine  int
		wantInMsg string
	}{
		{"unknown directive", "events {}\nhttp {\n  server {\n    listen 80;\n    bogus_directive on;\n  }\n}\n", false, 5, `unknown directive "bogus_directive"`},
		{"lua syntax error is a warning with its line", "events {}\nhttp { server { listen 80; location / {\ncontent_by_lua_block {\n  local a = 1\n  ngx.say(a\n  local b\n}\n} } }\n", true, 6, "')' expected (to close '(' at line 3) near 'local'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res applyResult
			l.json("POST", "/api/apply", workspaceJSON{Conf: tt.conf}, &res)
			if res.OK != tt.wantOK {
				t.Fatalf("ok = %v: %+v", res.OK, res)
			}
			if !tt.wantOK {
				if res.Error == nil || res.Error.File != "nginx.conf" || res.Error.Line != tt.wantLine || !strings.Contains(res.Error.Message, tt.wantInMsg) {
					t.Fatalf("error %+v", res.Error)
				}
				return
			}
			if len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0], fmt.Sprintf("nginx.conf:%d: ", tt.wantLine)) || !strings.Contains(res.Warnings[0], tt.wantInMsg) {
				t.Fatalf("warnings %q", res.Warnings)
			}
		})
	}
	// The workspace was saved even though it did not load: nothing typed is lost.
	var ws workspaceJSON
	l.json("GET", "/api/workspace", nil, &ws)
	if !strings.Contains(ws.Conf, "local b") {
		t.Fatalf("workspace not saved: %q", ws.Conf)
	}
}

func TestProxy(t *testing.T) {
	l := newLab(t, "")
	b := l.open()
	conf := strings.Replace(sleepConf, `ngx.sleep(0.05)
                ngx.say("hi")`, `ngx.req.read_body()
                ngx.say(ngx.req.get_method(), " ", ngx.var.request_uri, " ", ngx.var.http_x_a, " ", ngx.req.get_body_data())`, 1)
	var res applyResult
	l.json("POST", "/api/apply", workspaceJSON{Conf: conf}, &res)
	if !res.OK {
		t.Fatalf("apply %+v", res)
	}
	// No cookie: the id in the path is the capability.
	req, _ := http.NewRequest("POST", l.ts.URL+"/s/"+b.Session+"/a/b?c=d", strings.NewReader("body!"))
	req.Header.Set("X-A", "hdr")
	req.Header.Set("Connection", "keep-alive, X-A") // hop-by-hop: X-A must not reach the instance
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(got) != "POST /a/b?c=d nil body!\n" {
		t.Fatalf("proxy: %d %q", resp.StatusCode, got)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") {
		t.Fatalf("proxied responses are not sandboxed from the lab's origin: CSP %q", csp)
	}
	req, _ = http.NewRequest("GET", l.ts.URL+"/s/"+b.Session+"/x", nil)
	req.Header.Set("X-A", "kept")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != "GET /x kept nil\n" {
		t.Fatalf("proxy header: %q", got)
	}

	for _, tt := range []struct{ path string }{{"/s/aaaaaaaaaaaaaaaaaaaaaaaaaa/"}, {"/s/short/"}, {"/s/" + strings.ToUpper(b.Session) + "/"}} {
		resp, err := http.Get(l.ts.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", tt.path, resp.StatusCode)
		}
	}
	big := bytes.Repeat([]byte("x"), DefaultMaxProxyBody+1)
	resp, err = http.Post(l.ts.URL+"/s/"+b.Session+"/", "text/plain", bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("big body: %d", resp.StatusCode)
	}
}

func TestShareAndFork(t *testing.T) {
	l := newLab(t, "")
	l.open()
	shared := strings.Replace(sleepConf, `"hi"`, `"shared <b>"`, 1)
	var sh struct{ ID, URL, Embed string }
	l.json("POST", "/api/share", workspaceJSON{Conf: shared, Files: map[string]string{"lua/util.lua": "local M = {}\nreturn M\n"}}, &sh)
	if !validShareID(sh.ID) || !strings.HasSuffix(sh.URL, "/share/"+sh.ID) || !strings.Contains(sh.Embed, "/embed/"+sh.ID) {
		t.Fatalf("share answer %+v", sh)
	}
	status, page := l.do("GET", "/share/"+sh.ID, nil)
	if status != 200 {
		t.Fatalf("share page %d", status)
	}
	for _, want := range []string{"lua/util.lua", "&#34;shared &lt;b&gt;&#34;", `class="chroma"`, `action="/share/` + sh.ID + `/fork"`} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("share page lacks %q", want)
		}
	}
	if bytes.Contains(page, []byte("<b>\"")) {
		t.Error("share page does not escape the code")
	}

	// A second visitor forks it: their own code is kept as a snapshot.
	jar, _ := cookiejar.New(nil)
	l.client.Jar = jar
	mine := l.open()
	status, _ = l.do("POST", "/share/"+sh.ID+"/fork", nil)
	if status != http.StatusSeeOther {
		t.Fatalf("fork: %d", status)
	}
	var ws workspaceJSON
	l.json("GET", "/api/workspace", nil, &ws)
	if ws.Conf != shared || ws.Files["lua/util.lua"] == "" {
		t.Fatalf("forked workspace %+v", ws)
	}
	req, _ := http.NewRequest("POST", l.ts.URL+"/share/"+sh.ID+"/fork", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: mine.Session})
	// Forking again changes nothing and keeps nothing new.
	resp, err := l.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/play" {
		t.Fatalf("second fork went to %q", loc)
	}

	if status, _ := l.do("GET", "/share/zzzzzzzzzzzzzzzz", nil); status != 404 {
		t.Fatalf("unknown share: %d", status)
	}
	status, page = l.do("GET", "/embed/"+sh.ID, nil)
	if status != 200 || !bytes.Contains(page, []byte(`"embed":true`)) {
		t.Fatalf("embed: %d", status)
	}
}

func TestExampleKeepsPreviousCode(t *testing.T) {
	l := newLab(t, "")
	l.open()
	mine := "# my precious code\n" + sleepConf
	l.json("PUT", "/api/workspace", workspaceJSON{Conf: mine}, new(map[string]int64))
	status, _ := l.do("POST", "/example/blocking", nil)
	if status != http.StatusSeeOther {
		t.Fatalf("example: %d", status)
	}
	b := l.open()
	if !strings.Contains(b.Workspace.Conf, "/spin") {
		t.Fatalf("example not loaded: %q", b.Workspace.Conf)
	}
	status, page := l.do("GET", "/play?kept=x", nil)
	_ = page
	if status != 200 {
		t.Fatal(status)
	}
	// The redirect named the snapshot that holds the old code.
	req, _ := http.NewRequest("POST", l.ts.URL+"/example/sleep", nil)
	resp, err := l.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	id := u.Query().Get("kept")
	if u.Path != "/play" || id == "" {
		t.Fatalf("no snapshot named in %q", loc)
	}
	status, page = l.do("GET", "/share/"+id, nil)
	if status != 200 || !bytes.Contains(page, []byte("/spin")) {
		t.Fatalf("kept snapshot %d", status)
	}
	status, page = l.do("GET", loc, nil)
	if status != 200 || !bytes.Contains(page, []byte(`href="/share/`+id+`"`)) {
		t.Fatalf("the playground does not tell where the code went")
	}
}

func TestLanguageSwitch(t *testing.T) {
	l := newLab(t, "")
	status, _ := l.do("GET", "/lang/zh?to=/play", nil)
	if status != http.StatusSeeOther {
		t.Fatal(status)
	}
	_, page := l.do("GET", "/", nil)
	if !bytes.Contains(page, []byte(`<html lang="zh"`)) || !bytes.Contains(page, []byte("打开实验场")) {
		t.Fatalf("home in Chinese:\n%s", page)
	}
	l.do("GET", "/lang/en?to=//evil.example", nil)
	_, page = l.do("GET", "/", nil)
	if !bytes.Contains(page, []byte("Open the playground")) {
		t.Fatal("home not back in English")
	}
}

func TestTidyPrunesOldEmbedsOnly(t *testing.T) {
	l := newLab(t, "")
	mine := l.open()
	var sh struct{ ID string }
	l.json("POST", "/api/share", workspaceJSON{Conf: sleepConf}, &sh)
	_, page := l.do("GET", "/embed/"+sh.ID, nil)
	m := bootRE.FindSubmatch(page)
	if m == nil {
		t.Fatal("no boot data in the embed")
	}
	var b bootData
	if err := json.Unmarshal(m[1], &b); err != nil {
		t.Fatal(err)
	}
	if _, err := l.srv.store.Workspace(b.Session); err != nil {
		t.Fatalf("embed session not stored: %v", err)
	}
	l.srv.tidy(time.Now()) // fresh: kept
	if _, err := l.srv.store.Workspace(b.Session); err != nil {
		t.Fatalf("a fresh embed was pruned: %v", err)
	}
	l.srv.tidy(time.Now().Add(DefaultEmbedTTL + time.Hour))
	if _, err := l.srv.store.Workspace(b.Session); err == nil {
		t.Fatal("an embed unused for longer than the TTL was kept")
	}
	if _, err := l.srv.store.Workspace(mine.Session); err != nil {
		t.Fatalf("the learner's own session was pruned: %v", err)
	}
	if b2 := l.open(); b2.Session != mine.Session {
		t.Fatal("the learner lost their session after tidy")
	}
}

func TestAboutSaysWhereTheLabDiffers(t *testing.T) {
	l := newLab(t, "")
	status, page := l.do("GET", "/about", nil)
	if status != 200 {
		t.Fatal(status)
	}
	for _, want := range []string{"not LuaJIT", "attempt to yield across C-call boundary", "redis.lab", `href="/about"`} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("/about lacks %q", want)
		}
	}
}

// TestFavicon: every page links the icon, and browsers that ask for
// /favicon.ico on their own get it too (it was a 404 on every page).
func TestFavicon(t *testing.T) {
	l := newLab(t, "")
	for _, path := range []string{"/favicon.ico", "/static/favicon.svg"} {
		resp, err := l.client.Get(l.ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !bytes.HasPrefix(body, []byte("<svg")) {
			t.Errorf("GET %s = %d %q %.40q", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	for _, page := range []string{"/", "/play", "/about"} {
		if _, html := l.do("GET", page, nil); !bytes.Contains(html, []byte(`<link rel="icon" href="/static/favicon.svg"`)) {
			t.Errorf("%s does not link the icon", page)
		}
	}
}

func TestOneBurstAtATime(t *testing.T) {
	l := newLab(t, "")
	l.open()
	conf := strings.Replace(sleepConf, "ngx.sleep(0.05)", "ngx.sleep(0.5)", 1)
	var res applyResult
	l.json("POST", "/api/apply", workspaceJSON{Conf: conf}, &res)
	first := make(chan int, 1)
	go func() {
		status, _ := l.do("POST", "/api/burst", sendRequest{Path: "/", N: 10, C: 10})
		first <- status
	}()
	time.Sleep(200 * time.Millisecond)
	status, body := l.do("POST", "/api/burst", sendRequest{Path: "/", N: 10, C: 10})
	if status != http.StatusTooManyRequests || !bytes.Contains(body, []byte("already running")) {
		t.Fatalf("second burst: %d %s", status, body)
	}
	if s := <-first; s != 200 {
		t.Fatalf("first burst: %d", s)
	}
	if status, _ := l.do("POST", "/api/burst", sendRequest{Path: "/", N: 2, C: 2}); status != 200 {
		t.Fatalf("burst after the first ended: %d", status)
	}
}

func TestSourceLines(t *testing.T) {
	l := newLab(t, "")
	l.open()
	files := map[string]string{"lua/util.lua": "local M = {}\nfunction M.f()\n  return ngx.sleep(0.01)\nend\nreturn M\n"}
	var res applyResult
	l.json("POST", "/api/apply", workspaceJSON{Conf: sleepConf, Files: files}, &res)
	// The editor then changes the saved copy: the source shown is what runs.
	l.json("PUT", "/api/workspace", workspaceJSON{Conf: "# edited, not applied\n" + sleepConf, Files: files}, new(map[string]int64))
	type srcAnswer struct {
		File  string `json:"file"`
		Lines []struct {
			N      int `json:"n"`
			Tokens []struct {
				C string `json:"c"`
				T string `json:"t"`
			} `json:"tokens"`
		} `json:"lines"`
	}
	var a srcAnswer
	l.json("GET", "/api/source?file=nginx.conf&line=8", nil, &a)
	if a.File != "nginx.conf" || len(a.Lines) != 5 || a.Lines[2].N != 8 {
		t.Fatalf("answer %+v", a)
	}
	var text strings.Builder
	for _, tok := range a.Lines[2].Tokens {
		text.WriteString(tok.T)
	}
	if strings.TrimSpace(text.String()) != "ngx.sleep(0.05)" {
		t.Fatalf("line 8 is %q: want the applied config's line", text.String())
	}
	l.json("GET", "/api/source?file=/tmp/restylab-sandbox-1/ws2/lua/util.lua&line=3", nil, &a)
	if a.File != "lua/util.lua" || a.Lines[2].N != 3 {
		t.Fatalf("by absolute path: %+v", a)
	}
	if status, _ := l.do("GET", "/api/source?file=nope.lua&line=1", nil); status != 404 {
		t.Fatalf("unknown file: %d", status)
	}
	if status, _ := l.do("GET", "/api/source?file=nginx.conf&line=x", nil); status != 400 {
		t.Fatalf("bad line: %d", status)
	}
}
