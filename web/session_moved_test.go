package web

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/restylab/restylab/sandbox"
	"github.com/restylab/restylab/web/store"
)

// sharedBrowser makes b use a's browser: two labs on 127.0.0.1 with
// different ports share its cookies (cookies are per host, not per port,
// RFC 6265 section 8.5), as two replicas behind one ingress host do.
func sharedBrowser(t *testing.T, a, b *lab) {
	t.Helper()
	b.client = a.client
}

// setCookie finds the response's Set-Cookie named name.
func setCookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// playBoot loads /play and returns the response and its boot data.
func (l *lab) playBoot(hdr map[string]string) (*http.Response, map[string]any) {
	l.t.Helper()
	resp, page := l.send("GET", "/play", nil, hdr)
	if resp.StatusCode != http.StatusOK {
		l.t.Fatalf("/play: %d\n%s", resp.StatusCode, page)
	}
	return resp, pageBoot(l.t, "/play", page)
}

// TestUnknownSessionCookieKept: two labs with their own data folders stand
// for two replicas. A browser moved from A to B keeps A's id in the
// previous-session cookie, B's page says so, and A's id never works on B.
func TestUnknownSessionCookieKept(t *testing.T) {
	a, b := newLab(t, ""), newLab(t, "")
	sharedBrowser(t, a, b)
	idA := a.open().Session
	if got := b.cookie(sessionCookie); got != idA {
		t.Fatalf("the browser sends B the session cookie %q, want A's %q", got, idA)
	}

	resp, boot := b.playBoot(nil)
	idB, _ := boot["session"].(string)
	if idB == "" || idB == idA {
		t.Fatalf("B's session %q (A's %q)", idB, idA)
	}
	if boot["previous"] != idA {
		t.Errorf("B's page: previous %v, want A's id %q", boot["previous"], idA)
	}
	sc, prev := setCookie(resp, sessionCookie), setCookie(resp, prevCookie)
	if sc == nil || prev == nil || sc.Value != idB || prev.Value != idA {
		t.Fatalf("B's cookies: %q", resp.Header.Values("Set-Cookie"))
	}
	if prev.Path != sc.Path || prev.HttpOnly != sc.HttpOnly || prev.Secure != sc.Secure || prev.SameSite != sc.SameSite || prev.MaxAge != sc.MaxAge {
		t.Errorf("previous-session cookie %+v, want the session cookie's attributes %+v", prev, sc)
	}

	// A reload keeps the session and still names the earlier one.
	resp, boot = b.playBoot(nil)
	if boot["session"] != idB || boot["previous"] != idA || len(resp.Cookies()) != 0 {
		t.Errorf("reload on B: session %v previous %v, cookies %q", boot["session"], boot["previous"], resp.Header.Values("Set-Cookie"))
	}

	// A's id never opens anything on B, wherever it is put.
	stranger := b.browser()
	for _, c := range []struct {
		name, method, path string
		hdr                map[string]string
		want               int
	}{
		{"header", "GET", "/api/workspace", map[string]string{sessionHeader: idA}, http.StatusUnauthorized},
		{"websocket query", "GET", "/api/ws?session=" + idA, nil, http.StatusUnauthorized},
		{"proxy path", "GET", "/s/" + idA + "/", nil, http.StatusNotFound},
		{"previous cookie alone", "GET", "/api/workspace", map[string]string{"Cookie": prevCookie + "=" + idA}, http.StatusUnauthorized},
		{"previous cookie, apply", "POST", "/api/apply", map[string]string{"Cookie": prevCookie + "=" + idA}, http.StatusUnauthorized},
	} {
		resp, body := stranger.send(c.method, c.path, strings.NewReader("{}"), c.hdr)
		if resp.StatusCode != c.want {
			t.Errorf("%s: %s %s: %d, want %d\n%s", c.name, c.method, c.path, resp.StatusCode, c.want, body)
		}
	}
	if _, err := b.srv.store.Workspace(idA); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("B's store has A's session: %v", err)
	}

	// Another learner's session of B put in the previous cookie is not
	// shown: this lab knows it, so "it is elsewhere" would be false.
	other := b.browser().open().Session
	_, boot = b.playBoot(map[string]string{"Cookie": sessionCookie + "=" + idB + "; " + prevCookie + "=" + other})
	if boot["session"] != idB || boot["previous"] != nil {
		t.Errorf("a known id in the previous cookie: session %v previous %v", boot["session"], boot["previous"])
	}

	// Dismissed: the browser forgets A's id.
	resp, _ = b.send("DELETE", "/api/session/previous", nil, nil)
	if c := setCookie(resp, prevCookie); resp.StatusCode != http.StatusNoContent || c == nil || c.MaxAge >= 0 {
		t.Fatalf("DELETE /api/session/previous: %d %q", resp.StatusCode, resp.Header.Values("Set-Cookie"))
	}
	if _, boot = b.playBoot(nil); boot["session"] != idB || boot["previous"] != nil {
		t.Errorf("after dismissing: session %v previous %v", boot["session"], boot["previous"])
	}
}

// TestUnknownSessionCookieEveryWay: every request that creates a session
// keeps an unknown well-formed cookie's id; nothing else is kept.
func TestUnknownSessionCookieEveryWay(t *testing.T) {
	l := newLab(t, "")
	snap := l.browser()
	snap.open()
	var share struct{ ID string }
	snap.json("POST", "/api/share", workspaceJSON{Conf: sleepConf}, &share)
	unknown := newID(16) // as from a replica, or a data folder since reset
	for _, c := range []struct {
		name, method, path, cookie string
		kept                       string
	}{
		{"playground", "GET", "/play", unknown, unknown},
		{"lesson page", "GET", "/lessons/hello", unknown, unknown},
		{"start a lesson", "POST", "/lessons/hello/start", unknown, unknown},
		{"open an example", "POST", "/example/sleep", unknown, unknown},
		{"fork a snapshot", "POST", "/share/" + share.ID + "/fork", unknown, unknown},
		{"malformed id", "GET", "/play", "not-an-id", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, _ := l.browser().send(c.method, c.path, nil, map[string]string{"Cookie": sessionCookie + "=" + c.cookie})
			if resp.StatusCode >= 400 {
				t.Fatalf("%s %s: %d", c.method, c.path, resp.StatusCode)
			}
			sc, prev := setCookie(resp, sessionCookie), setCookie(resp, prevCookie)
			if sc == nil || sc.Value == c.cookie {
				t.Fatalf("no new session: %q", resp.Header.Values("Set-Cookie"))
			}
			got := ""
			if prev != nil {
				got = prev.Value
			}
			if got != c.kept {
				t.Errorf("previous-session cookie %q, want %q", got, c.kept)
			}
		})
	}
	// An embed's id travels in its header, not the cookie: not kept.
	resp, _ := l.browser().send("GET", "/play", nil, map[string]string{sessionHeader: unknown})
	if prev := setCookie(resp, prevCookie); prev != nil {
		t.Errorf("an unknown id in the header was kept: %q", resp.Header.Values("Set-Cookie"))
	}
}

// TestUnknownSessionCookieJoin: with a join code, the moved learner joins
// again (a wrong code still refused and keeping nothing) and then sees
// their earlier id.
func TestUnknownSessionCookieJoin(t *testing.T) {
	l := newClassLab(t, "owl-42", "", false)
	unknown := newID(16)
	u, _ := url.Parse(l.ts.URL)
	l.client.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: unknown, Path: "/"}})
	resp, _ := l.send("GET", "/play", nil, nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/join") {
		t.Fatalf("unknown session with a join code: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The join form says why the learner must join again.
	_, page := l.send("GET", resp.Header.Get("Location"), nil, nil)
	if !strings.Contains(page, `id="join-unknown"`) || !strings.Contains(page, "<code>"+unknown+"</code>") {
		t.Errorf("the join page does not name the unknown session:\n%s", page)
	}
	if _, page := l.browser().send("GET", "/join", nil, nil); strings.Contains(page, `id="join-unknown"`) {
		t.Error("the join page speaks of an earlier session to a browser without one")
	}
	resp, page = l.postForm("/join", url.Values{"code": {"owl-41"}, "to": {"/play"}}, nil)
	if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 || !strings.Contains(page, "<code>"+unknown+"</code>") {
		t.Fatalf("wrong code: %d %q", resp.StatusCode, resp.Header.Values("Set-Cookie"))
	}
	resp, _ = l.postForm("/join", url.Values{"code": {"owl-42"}, "to": {"/play"}}, nil)
	if resp.StatusCode != http.StatusSeeOther || l.cookie(prevCookie) != unknown || l.cookie(sessionCookie) == unknown {
		t.Fatalf("join: %d %q", resp.StatusCode, resp.Header.Values("Set-Cookie"))
	}
	if _, boot := l.playBoot(nil); boot["previous"] != unknown || boot["session"] != l.cookie(sessionCookie) {
		t.Errorf("after joining: session %v previous %v", boot["session"], boot["previous"])
	}
}

// TestPrevCookieHTTPS: over HTTPS the previous-session cookie takes the
// session cookie's prefix and path: "__Host-" at the root, "__Secure-"
// with Path=/lab/ under a base path.
func TestPrevCookieHTTPS(t *testing.T) {
	for _, c := range []struct{ base, name, path string }{
		{"", "__Host-" + prevCookie, "/"},
		{testBase, "__Secure-" + prevCookie, testBase + "/"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, err := New(Config{
				DataDir:  t.TempDir(),
				Sandbox:  sandbox.Config{Binary: labBinary, TempDir: t.TempDir(), MaxInstances: 1, Nice: -1, HogNice: -1},
				Logger:   slog.New(slog.NewTextHandler(t.Output(), nil)),
				BasePath: c.base,
			})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewTLSServer(srv.Handler())
			t.Cleanup(func() {
				ts.Close()
				srv.Close()
			})
			unknown := newID(16)
			get := func(cookie string) (*http.Response, map[string]any) {
				t.Helper()
				req, _ := http.NewRequest("GET", ts.URL+c.base+"/play", nil)
				req.Header.Set("Cookie", cookie)
				resp, err := ts.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				page, _ := io.ReadAll(resp.Body)
				return resp, pageBoot(t, c.name, string(page))
			}
			session := strings.Replace(c.name, prevCookie, sessionCookie, 1)
			resp, boot := get(session + "=" + unknown)
			prev := setCookie(resp, c.name)
			if prev == nil || prev.Value != unknown || prev.Path != c.path || !prev.Secure || !prev.HttpOnly || boot["previous"] != unknown {
				t.Fatalf("cookies %q, previous %v", resp.Header.Values("Set-Cookie"), boot["previous"])
			}
			// A plain-named previous cookie is not the lab's on HTTPS.
			id, _ := boot["session"].(string)
			if _, boot := get(session + "=" + id + "; " + prevCookie + "=" + unknown); boot["previous"] != nil {
				t.Errorf("a plain %s was read over HTTPS: previous %v", prevCookie, boot["previous"])
			}
		})
	}
}
