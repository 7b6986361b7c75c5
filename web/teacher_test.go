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
