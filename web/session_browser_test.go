package web

import (
	"errors"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/restylab/restylab/web/store"
)

// replicas stands for an ingress in front of two replicas: one origin
// (so one cookie jar and one localStorage, as for the learners of a
// Kubernetes Ingress) whose requests go to the replica route names.
type replicas struct {
	front *httptest.Server
	route atomic.Pointer[url.URL]
}

func newReplicas(t *testing.T, first *lab) *replicas {
	t.Helper()
	r := &replicas{}
	r.moveTo(first)
	r.front = httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(r.route.Load())
		pr.Out.Host = pr.In.Host
	}})
	t.Cleanup(r.front.Close)
	return r
}

// moveTo sends every request from now on to l, as the ingress does when
// the replica a learner's route cookie names is gone.
func (r *replicas) moveTo(l *lab) {
	u, _ := url.Parse(l.ts.URL)
	r.route.Store(u)
}

// TestBrowserMovedToAnotherReplica: a learner edits code on replica A; A
// is lost and the ingress moves them to B, whose page says B does not
// know their session (with its id), shows the new session's id, and
// carries the code over from the browser's localStorage in one click.
func TestBrowserMovedToAnotherReplica(t *testing.T) {
	a, b := newLab(t, ""), newLab(t, "")
	rs := newReplicas(t, a)
	ctx := browser(t)
	run(t, ctx, "open the playground on A",
		chromedp.Navigate(rs.front.URL+"/play"),
		chromedp.WaitVisible(chromedp.CSS(`.cm-content`)),
	)
	if n := value(t, ctx, "look for a notice", chromedp.Evaluate[int](`document.querySelectorAll('#earlier').length`)); n != 0 {
		t.Fatal("a first visit shows the earlier-session notice")
	}
	idA := value(t, ctx, "read A's session", chromedp.Evaluate[string](`JSON.parse(document.getElementById('boot').textContent).session`))
	if shown := value(t, ctx, "read the shown id", chromedp.Text(chromedp.CSS(`#session-id code`))); shown != idA {
		t.Fatalf("the playground shows session %q, want %q", shown, idA)
	}
	const marker = "carried from replica A"
	typeConf(t, ctx, `events { } http { server { listen 8080; location / { content_by_lua_block { ngx.say("`+marker+`") } } } }`)
	waitJS(t, ctx, "the edit saved on A and in localStorage",
		`document.querySelector('#save-status').dataset.ok === 'true' && (localStorage.getItem('restylab:ws:`+idA+`') || '').includes('`+marker+`')`, 20*time.Second)
	if ws := a.srv.workspace(idA); !strings.Contains(ws.Conf, marker) {
		t.Fatalf("A's copy: %q", ws.Conf)
	}
	// Cookies are per host, not per port: the browser would send A's
	// session cookie to a lab on another port of 127.0.0.1 too (its
	// localStorage, per origin, it would not: hence the one front).
	if c := browserCookies(t, ctx, b.ts.URL+"/play"); c[sessionCookie] != idA {
		t.Fatalf("cookies for B's own port: %v, want %s=%s", c, sessionCookie, idA)
	}

	rs.moveTo(b)
	run(t, ctx, "reload, now on B",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#earlier-unknown`)),
	)
	screenshot(t, ctx, "moved-to-another-replica")
	idB := value(t, ctx, "read B's session", chromedp.Evaluate[string](`JSON.parse(document.getElementById('boot').textContent).session`))
	if idB == idA || idB == "" {
		t.Fatalf("B's session %q, A's %q", idB, idA)
	}
	notice := value(t, ctx, "read the notice", chromedp.Text(chromedp.CSS(`#earlier-unknown`)))
	if !strings.Contains(notice, "does not know your earlier session "+idA) {
		t.Errorf("the notice says %q", notice)
	}
	if shown := value(t, ctx, "read the shown id", chromedp.Text(chromedp.CSS(`#session-id code`))); shown != idB {
		t.Errorf("the playground shows session %q, want B's %q", shown, idB)
	}
	if c := browserCookies(t, ctx, rs.front.URL+"/play"); c[sessionCookie] != idB || c[prevCookie] != idA {
		t.Errorf("cookies on B: %v", c)
	}
	if text := value(t, ctx, "read the editor", chromedp.Text(chromedp.CSS(`.cm-content`))); strings.Contains(text, marker) {
		t.Fatal("B's new session opened with A's code before the learner asked")
	}

	// One click carries the code over: into the editor and B's session.
	run(t, ctx, "carry the code over", chromedp.Click(chromedp.CSS(`#carry-over`)), chromedp.WaitVisible(chromedp.CSS(`#earlier-carried`)))
	if text := value(t, ctx, "read the editor", chromedp.Text(chromedp.CSS(`.cm-content`))); !strings.Contains(text, marker) {
		t.Fatalf("after carrying over the editor holds %q", text)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(b.srv.workspace(idB).Conf, marker) {
		if time.Now().After(deadline) {
			t.Fatalf("B's session %s never got the carried code: %q", idB, b.srv.workspace(idB).Conf)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := b.srv.store.Workspace(idA); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("B's store has A's session: %v", err)
	}

	// A reload still names the earlier session (for the teacher) but
	// offers nothing more: this session has its own copy now.
	run(t, ctx, "reload on B", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#earlier-unknown`)))
	if n := value(t, ctx, "look for the offer", chromedp.Evaluate[int](`document.querySelectorAll('#carry-over').length`)); n != 0 {
		t.Error("the offer is made again after carrying over")
	}
	// In Chinese too.
	_ = value(t, ctx, "choose Chinese", chromedp.Evaluate[bool](`(() => { document.cookie = 'restylab_lang=zh; path=/'; return true; })()`))
	run(t, ctx, "reload in Chinese", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#earlier-unknown`)))
	if notice := value(t, ctx, "read the notice", chromedp.Text(chromedp.CSS(`#earlier-unknown`))); !strings.Contains(notice, "本实验室不认识你之前的会话 "+idA) {
		t.Errorf("the notice in Chinese says %q", notice)
	}
	// Dismissed, the browser forgets A's id and the notice is gone.
	run(t, ctx, "dismiss", chromedp.Click(chromedp.CSS(`#earlier-dismiss`)))
	waitJS(t, ctx, "the notice gone", `!document.querySelector('#earlier')`, 5*time.Second)
	deadline = time.Now().Add(10 * time.Second)
	for browserCookies(t, ctx, rs.front.URL+"/play")[prevCookie] != "" {
		if time.Now().After(deadline) {
			t.Fatal("the previous-session cookie is still there after dismissing")
		}
		time.Sleep(100 * time.Millisecond)
	}
	run(t, ctx, "reload after dismissing", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`.cm-content`)))
	if n := value(t, ctx, "look for a notice", chromedp.Evaluate[int](`document.querySelectorAll('#earlier').length`)); n != 0 {
		t.Error("the notice is back after dismissing")
	}
}
