package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// loginTeacher logs the browser in as the teacher.
func (l *lab) loginTeacher(password string) {
	l.t.Helper()
	resp, page := l.postForm("/teacher/login", url.Values{"password": {password}}, nil)
	if resp.StatusCode != http.StatusSeeOther || l.cookie(teacherCookie) == "" {
		l.t.Fatalf("teacher login: %d\n%s", resp.StatusCode, page)
	}
}

// teacherCall is a teacher API call as teacher.js makes it.
func (l *lab) teacherCall(method, path string, body any) (int, string) {
	l.t.Helper()
	var data []byte
	if body != nil {
		data, _ = json.Marshal(body)
	}
	resp, out := l.send(method, path, bytes.NewReader(data), map[string]string{"Content-Type": "application/json", teacherHeader: "1"})
	return resp.StatusCode, out
}

// teacherEndpoints are every teacher page and API call, for id.
func teacherEndpoints(id string) []struct{ method, path, body string } {
	return []struct{ method, path, body string }{
		{"GET", "/teacher", ""},
		{"GET", "/teacher/sessions/" + id, ""},
		{"GET", "/api/teacher/class", ""},
		{"POST", "/api/teacher/sessions/" + id + "/reset", ""},
		{"GET", "/api/teacher/sessions/" + id + "/trace", ""},
		{"POST", "/api/teacher/push", `{"lesson":"hello"}`},
	}
}

func TestTeacherPagesWithoutPassword(t *testing.T) {
	l := newClassLab(t, "", "", false)
	b := l.open()
	for _, e := range teacherEndpoints(b.Session) {
		resp, body := l.send(e.method, e.path, strings.NewReader(e.body), map[string]string{teacherHeader: "1"})
		// The page's language link repeats the path asked for: nothing else
		// may name the session.
		if resp.StatusCode != http.StatusNotFound || strings.Contains(strings.ReplaceAll(body, e.path, ""), b.Session) {
			t.Errorf("%s %s without a teacher password: %d\n%s", e.method, e.path, resp.StatusCode, body)
		}
	}
	if resp, _ := l.postForm("/teacher/login", url.Values{"password": {""}}, nil); resp.StatusCode != http.StatusNotFound || l.cookie(teacherCookie) != "" {
		t.Fatalf("login without a teacher password: %d", resp.StatusCode)
	}
}

func TestTeacherLogin(t *testing.T) {
	l := newClassLab(t, "", "chalk&board", false)
	learner := l.browser()
	b := learner.open()

	// Without the teacher cookie: the login form or 401, never data.
	for _, e := range teacherEndpoints(b.Session) {
		resp, body := learner.send(e.method, e.path, strings.NewReader(e.body), map[string]string{teacherHeader: "1", "Content-Type": "application/json"})
		if resp.StatusCode != http.StatusUnauthorized || strings.Contains(strings.ReplaceAll(body, e.path, ""), b.Session) || strings.Contains(body, "content_by_lua") {
			t.Errorf("learner %s %s: %d\n%s", e.method, e.path, resp.StatusCode, body)
		}
	}

	// A wrong password: refused, no cookie; Chinese page too.
	resp, page := l.postForm("/teacher/login", url.Values{"password": {"chalk"}}, map[string]string{"Accept-Language": "zh"})
	if resp.StatusCode != http.StatusForbidden || l.cookie(teacherCookie) != "" || !strings.Contains(page, "密码错误") {
		t.Fatalf("wrong password: %d %q\n%s", resp.StatusCode, l.cookie(teacherCookie), page)
	}

	// The right one: an HttpOnly, SameSite=Strict cookie apart from the session's.
	resp, _ = l.postForm("/teacher/login", url.Values{"password": {"chalk&board"}}, nil)
	set := resp.Header.Get("Set-Cookie")
	for _, want := range []string{teacherCookie + "=", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(set, want) {
			t.Errorf("teacher cookie %q lacks %q", set, want)
		}
	}
	token := l.cookie(teacherCookie)
	if len(token) < 40 || l.cookie(sessionCookie) != "" {
		t.Fatalf("teacher token %q, session cookie %q", token, l.cookie(sessionCookie))
	}
	status, body := l.teacherCall("GET", "/api/teacher/class", nil)
	if status != 200 || !strings.Contains(body, b.Session) {
		t.Fatalf("class as the teacher: %d %s", status, body)
	}
	// A call that acts needs the header (a form or a sandboxed page cannot set it).
	if resp, body := l.send("POST", "/api/teacher/push", strings.NewReader(`{"lesson":"hello"}`), nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("push without %s: %d %s", teacherHeader, resp.StatusCode, body)
	}

	// Forged, a session id as a token, expired, logged out: refused.
	u, _ := url.Parse(l.ts.URL)
	for _, c := range []struct{ name, value string }{
		{"forged", newID(32)},
		{"session id", b.Session},
		{"empty", ""},
	} {
		forger := l.browser()
		forger.client.Jar.SetCookies(u, []*http.Cookie{{Name: teacherCookie, Value: c.value, Path: "/"}})
		if status, body := forger.teacherCall("GET", "/api/teacher/class", nil); status != http.StatusUnauthorized {
			t.Errorf("%s teacher cookie: %d %s", c.name, status, body)
		}
	}
	l.srv.class.mu.Lock()
	l.srv.class.tokens[token] = time.Now().Add(-time.Second)
	l.srv.class.mu.Unlock()
	if status, _ := l.teacherCall("GET", "/api/teacher/class", nil); status != http.StatusUnauthorized {
		t.Fatalf("expired teacher cookie: %d", status)
	}
	l.loginTeacher("chalk&board")
	if status, _ := l.teacherCall("GET", "/api/teacher/class", nil); status != 200 {
		t.Fatalf("after logging in again: %d", status)
	}
	stale := l.cookie(teacherCookie)
	if resp, _ := l.send("POST", "/teacher/logout", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	replay := l.browser()
	replay.client.Jar.SetCookies(u, []*http.Cookie{{Name: teacherCookie, Value: stale, Path: "/"}})
	if status, _ := replay.teacherCall("GET", "/api/teacher/class", nil); status != http.StatusUnauthorized {
		t.Fatalf("a logged-out token: %d", status)
	}
}

func TestTeacherPasswordRateLimit(t *testing.T) {
	l := newClassLab(t, "", "chalk&board", false)
	for i := range maxFails {
		if resp, _ := l.postForm("/teacher/login", url.Values{"password": {"guess"}}, nil); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("guess %d: %d", i+1, resp.StatusCode)
		}
	}
	resp, _ := l.postForm("/teacher/login", url.Values{"password": {"chalk&board"}}, nil)
	if resp.StatusCode != http.StatusTooManyRequests || l.cookie(teacherCookie) != "" {
		t.Fatalf("right password after %d guesses: %d, cookie %q", maxFails, resp.StatusCode, l.cookie(teacherCookie))
	}
	// The join code's limit is its own.
	if b, _ := l.srv.class.joinFails.blocked("127.0.0.1", time.Now()); b {
		t.Fatal("teacher guesses blocked the join code")
	}
}

// TestLearnerCannotReachOthers: a learner reaches no other session by
// guessing ids, through the API's header, the proxy or the WebSocket.
func TestLearnerCannotReachOthers(t *testing.T) {
	l := newClassLab(t, "", "chalk&board", false)
	a, b := l.browser(), l.browser()
	ba := a.open()
	bb := b.open()
	if ba.Session == bb.Session {
		t.Fatal("two browsers share a session")
	}
	guesses := []string{newID(16), strings.ToUpper(bb.Session), bb.Session[:20], bb.Session + "a", "../" + bb.Session}
	for _, g := range guesses {
		other := l.browser()
		if resp, body := other.send("GET", "/api/workspace", nil, map[string]string{sessionHeader: g}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("workspace with a guessed id %q: %d %s", g, resp.StatusCode, body)
		}
		if resp, body := other.send("GET", "/s/"+url.PathEscape(g)+"/", nil, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("proxy with a guessed id %q: %d %s", g, resp.StatusCode, body)
		}
		_, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(l.ts.URL, "http")+"/api/ws?session="+url.QueryEscape(g), nil)
		if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("WebSocket with a guessed id %q: %v %v", g, err, resp)
		}
	}
	// Learner a, with its own session, does not see the teacher's API either.
	if status, body := a.teacherCall("GET", "/api/teacher/class", nil); status != http.StatusUnauthorized || strings.Contains(body, bb.Session) {
		t.Fatalf("learner on the teacher API: %d %s", status, body)
	}
}

// TestTeacherActions: the teacher sees two learners' real instances and
// progress, reads a workspace without a way to change it, resets an
// instance and pushes a lesson to everyone, each learner's code kept.
func TestTeacherActions(t *testing.T) {
	l := newClassLab(t, "", "chalk&board", false)
	a, b := l.browser(), l.browser()
	ba, bb := a.open(), b.open()
	marked := strings.Replace(sleepConf, `ngx.say("hi")`, `ngx.say("ALPHA-MARK")`, 1)
	var res applyResult
	a.json("POST", "/api/apply", workspaceJSON{Conf: marked}, &res)
	if !res.OK {
		t.Fatalf("apply: %+v", res)
	}
	b.json("POST", "/api/apply", workspaceJSON{Conf: "events {}\nhttp { server { listen 8080; location / { nope; } } }\n"}, &res)
	if res.OK || res.Error == nil {
		t.Fatalf("a broken workspace applied: %+v", res)
	}
	if _, err := l.srv.store.RecordCheck(bb.Session, "hello", 100); err != nil {
		t.Fatal(err)
	}

	teacher := l.browser()
	teacher.loginTeacher("chalk&board")
	var class classJSON
	if status, body := teacher.teacherCall("GET", "/api/teacher/class", nil); status != 200 || json.Unmarshal([]byte(body), &class) != nil {
		t.Fatalf("class: %d %s", status, body)
	}
	rows := map[string]learnerRow{}
	for _, r := range class.Sessions {
		rows[r.ID] = r
	}
	ra, rb := rows[ba.Session], rows[bb.Session]
	if len(rows) != 2 || ra.State != "running" || !ra.Instance || ra.CPUms <= 0 || ra.Short != logID(ba.Session) || ra.LastMs == 0 {
		t.Fatalf("learner a: %+v (of %d)", ra, len(rows))
	}
	if !strings.Contains(rb.Error, "nginx.conf:2") || !strings.Contains(rb.Error, "nope") || rb.Passed != 1 {
		t.Fatalf("learner b: %+v", rb)
	}
	lessonRows := map[string]lessonRow{}
	for _, lr := range class.Lessons {
		lessonRows[lr.ID] = lr
	}
	if h := lessonRows["hello"]; h.Passed != 1 || h.Tried != 1 || h.Title == "" {
		t.Fatalf("class progress in hello: %+v", h)
	}

	// The read-only view: the code, no form that could change it.
	resp, page := teacher.send("GET", "/teacher/sessions/"+ba.Session, nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "ALPHA-MARK") || strings.Contains(page, "<textarea") || strings.Contains(page, `method="post"`) || strings.Contains(page, "app.js") {
		t.Fatalf("workspace view: %d\n%s", resp.StatusCode, page)
	}
	if resp, _ := teacher.send("GET", "/teacher/sessions/"+newID(16), nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("view of an unknown session: %d", resp.StatusCode)
	}

	// Reset: a new instance, serving the same code.
	before := l.srv.mgr.Instance(ba.Session)
	if before == nil {
		t.Fatal("learner a has no instance")
	}
	status, body := teacher.teacherCall("POST", "/api/teacher/sessions/"+ba.Session+"/reset", nil)
	if status != 200 || !strings.Contains(body, `"state":"running"`) {
		t.Fatalf("reset: %d %s", status, body)
	}
	after := l.srv.mgr.Instance(ba.Session)
	if after == nil || after.PID() == before.PID() || before.Exited() == "" {
		t.Fatalf("reset: instance before pid %d (exited %q), after %v", before.PID(), before.Exited(), after)
	}
	if status, body := a.do("GET", "/s/"+ba.Session+"/", nil); status != 200 || !strings.Contains(string(body), "ALPHA-MARK") {
		t.Fatalf("after the reset: %d %s", status, body)
	}
	if status, _ := teacher.teacherCall("POST", "/api/teacher/sessions/"+newID(16)+"/reset", nil); status != http.StatusNotFound {
		t.Fatalf("reset of an unknown session: %d", status)
	}

	// Push: every workspace becomes the lesson's starter; the old code is kept.
	if status, _ := teacher.teacherCall("POST", "/api/teacher/push", map[string]string{"lesson": "no-such"}); status != http.StatusNotFound {
		t.Fatalf("push of an unknown lesson: %d", status)
	}
	// learner a's open page (its WebSocket) is told, with its snapshot
	conn := a.dialWS()
	var pushed pushResult
	status, body = teacher.teacherCall("POST", "/api/teacher/push", map[string]string{"lesson": "hello"})
	if status != 200 || json.Unmarshal([]byte(body), &pushed) != nil || pushed.Sessions != 2 || pushed.Kept != 2 || pushed.Applied < 1 {
		t.Fatalf("push: %d %s", status, body)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var m struct {
			T    string `json:"t"`
			Kept string `json:"kept"`
		}
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatalf("learner a's page heard of no push: %v", err)
		}
		if m.T == "workspace" {
			if "/share/"+m.Kept != pushed.Snapshots[ba.Session] {
				t.Fatalf("the push message names snapshot %q, the push kept %q", m.Kept, pushed.Snapshots[ba.Session])
			}
			break
		}
	}
	for _, id := range []string{ba.Session, bb.Session} {
		if ws := l.srv.workspace(id); ws.Lesson != "hello" {
			t.Errorf("%s after the push: lesson %q", logID(id), ws.Lesson)
		}
	}
	if status, body := a.do("GET", pushed.Snapshots[ba.Session], nil); status != 200 || !strings.Contains(string(body), "ALPHA-MARK") {
		t.Fatalf("a's kept snapshot %q: %d %s", pushed.Snapshots[ba.Session], status, body)
	}
	var boot bootData
	a.json("GET", "/api/workspace", nil, &boot.Workspace)
	if strings.Contains(boot.Workspace.Conf, "ALPHA-MARK") {
		t.Fatal("learner a's workspace still holds the old code")
	}
	// The instance serves the starter now (which has nothing at /).
	if status, body := a.do("GET", "/s/"+ba.Session+"/", nil); strings.Contains(string(body), "ALPHA-MARK") {
		t.Fatalf("a's instance after the push: %d %s", status, body)
	}
}

// TestTeacherCookieStaysWithTheLab: the teacher cookie is Secure and
// "__Host-" behind a TLS proxy, and never reaches a learner's instance
// through /s/.
func TestTeacherCookieStaysWithTheLab(t *testing.T) {
	l := newClassLab(t, "", "chalk&board", true)
	resp, _ := l.postForm("/teacher/login", url.Values{"password": {"chalk&board"}}, map[string]string{"X-Forwarded-Proto": "https"})
	set := resp.Header.Get("Set-Cookie")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(set, secureTeacherCookie+"=") || !strings.Contains(set, "Secure") {
		t.Fatalf("login over HTTPS: %d %q", resp.StatusCode, set)
	}
	// Over HTTPS a plain-named cookie is not the teacher's.
	token := strings.TrimPrefix(strings.SplitN(set, ";", 2)[0], secureTeacherCookie+"=")
	for _, c := range []struct {
		name   string
		status int
	}{{teacherCookie, http.StatusUnauthorized}, {secureTeacherCookie, http.StatusOK}} {
		resp, body := l.browser().send("GET", "/api/teacher/class", nil, map[string]string{"X-Forwarded-Proto": "https", "Cookie": c.name + "=" + token})
		if resp.StatusCode != c.status {
			t.Errorf("%s over HTTPS: %d, want %d: %s", c.name, resp.StatusCode, c.status, body)
		}
	}

	learner := l.browser()
	b := learner.open()
	echo := "events {}\nhttp { server { listen 8080; location / { content_by_lua_block { ngx.say(\"cookie=\", ngx.var.http_cookie or \"\") } } } }\n"
	var res applyResult
	learner.json("POST", "/api/apply", workspaceJSON{Conf: echo}, &res)
	if !res.OK {
		t.Fatalf("apply: %+v", res)
	}
	teacher := l.browser()
	teacher.loginTeacher("chalk&board")
	u, _ := url.Parse(l.ts.URL)
	teacher.client.Jar.SetCookies(u, []*http.Cookie{{Name: "mine", Value: "1", Path: "/"}})
	status, body := teacher.do("GET", "/s/"+b.Session+"/", nil)
	if status != 200 || !strings.Contains(string(body), "mine=1") || strings.Contains(string(body), "restylab_teacher") || strings.Contains(string(body), teacher.cookie(teacherCookie)) {
		t.Fatalf("the instance saw: %d %s", status, body)
	}
}

// secureTeacherCookie is the teacher cookie's name on HTTPS at the root of the host.
const secureTeacherCookie = "__Host-" + teacherCookie
