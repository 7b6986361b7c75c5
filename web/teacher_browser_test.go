package web

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/restylab/restylab/lessons"
)

// TestBrowserTeacherPage: two learners start the first lesson, one passes
// its checks with the solution, the other checks the starter; the teacher
// logs in in chromium and the page lists both with their progress, then
// the class's progress per lesson, in English and in Chinese.
func TestBrowserTeacherPage(t *testing.T) {
	l := newClassLab(t, "", "chalk&board", false)
	hello, ok := lessons.ByID("hello")
	if !ok {
		t.Fatal("no lesson hello")
	}
	a, b := l.browser(), l.browser()
	ba, bb := a.open(), b.open()
	for _, who := range []*lab{a, b} {
		if status, body := who.do("POST", "/lessons/hello/start", nil); status != http.StatusSeeOther {
			t.Fatalf("start the lesson: %d %s", status, body)
		}
	}
	var res struct {
		Score int `json:"score"`
	}
	a.json("POST", "/api/lessons/hello/check", workspaceJSON{Conf: hello.Solution.Conf, Files: hello.Solution.Files}, &res)
	if res.Score != 100 {
		t.Fatalf("the solution scores %d", res.Score)
	}
	b.json("POST", "/api/lessons/hello/check", workspaceJSON{Conf: hello.Starter.Conf, Files: hello.Starter.Files}, &res)
	if res.Score == 100 {
		t.Fatal("the starter passes every check")
	}

	ctx := browser(t)
	run(t, ctx, "log in as the teacher",
		chromedp.Navigate(l.ts.URL+"/teacher"),
		chromedp.WaitVisible(chromedp.CSS(`#teacher-password`)),
		chromedp.SendKeys(chromedp.CSS(`#teacher-password`), "chalk&board"),
		chromedp.Submit(chromedp.CSS(`#teacher-password`)),
		chromedp.WaitVisible(chromedp.CSS(`#teacher`)),
	)
	rowA := `document.querySelector('#learners tr[data-session="` + logID(ba.Session) + `"]')`
	rowB := `document.querySelector('#learners tr[data-session="` + logID(bb.Session) + `"]')`
	waitJS(t, ctx, "both learners listed", `document.querySelectorAll('#learners tbody tr').length === 2`, 20*time.Second)
	waitJS(t, ctx, "learner a passed hello", rowA+`.dataset.lesson === 'hello' && `+rowA+`.dataset.done === 'true' && `+rowA+`.dataset.state === 'running'`, 10*time.Second)
	waitJS(t, ctx, "learner b tried hello", rowB+`.dataset.lesson === 'hello' && `+rowB+`.dataset.done === 'false' && Number(`+rowB+`.dataset.score) < 100`, 10*time.Second)
	waitJS(t, ctx, "the class's progress in hello", `document.querySelector('#class-progress tr[data-lesson="hello"]').dataset.passed === '1'`, 10*time.Second)
	// The table refreshes itself: a third learner appears without a reload.
	l.browser().open()
	waitJS(t, ctx, "a new learner appears", `document.querySelectorAll('#learners tbody tr').length === 3`, 20*time.Second)
	screenshot(t, ctx, "teacher-page")

	run(t, ctx, "switch to Chinese", chromedp.Click(chromedp.CSS(`#lang-switch`)), chromedp.WaitVisible(chromedp.CSS(`#learners`)))
	waitJS(t, ctx, "the table in Chinese", `document.querySelector('#learners th').textContent === '学员' && document.querySelector('#teacher h1').textContent === '教师'`, 10*time.Second)
}

// TestBrowserTeacherPush: a learner's open playground (chromium) is told
// of the teacher's push: it drops the learner's pending edits, loads the
// pushed lesson's code and names the snapshot that keeps the old code,
// even though this browser's own copy of the workspace is newer.
func TestBrowserTeacherPush(t *testing.T) {
	l := newClassLab(t, "", "chalk&board", false)
	hello, ok := lessons.ByID("hello")
	if !ok {
		t.Fatal("no lesson hello")
	}
	ctx := browser(t)
	run(t, ctx, "open the playground",
		chromedp.Navigate(l.ts.URL+"/play"),
		chromedp.WaitVisible(chromedp.CSS(`.cm-content`)),
		chromedp.Click(chromedp.CSS(`.cm-content`)),
		chromedp.KeyEvent("# LEARNER-EDIT\n"),
	)
	waitJS(t, ctx, "the edit is in the editor", `document.querySelector('.cm-content').textContent.includes('LEARNER-EDIT')`, 10*time.Second)
	waitJS(t, ctx, "the page's WebSocket is up", `document.getElementById('ws-status').dataset.connected === 'true'`, 20*time.Second)
	teacher := l.browser()
	teacher.loginTeacher("chalk&board")
	if status, body := teacher.teacherCall("POST", "/api/teacher/push", map[string]string{"lesson": "hello"}); status != 200 {
		t.Fatalf("push: %d %s", status, body)
	}
	first := hello.Starter.Conf
	if i := strings.IndexByte(first, '\n'); i > 0 {
		first = first[:i]
	}
	waitJS(t, ctx, "the pushed lesson's code replaces the learner's", `(() => { const c = document.querySelector('.cm-content'); return c && c.textContent.includes(`+strconv.Quote(strings.TrimSpace(first))+`) && !c.textContent.includes('LEARNER-EDIT'); })()`, 20*time.Second)
	waitJS(t, ctx, "the page names the snapshot of the old code", `(() => { const a = document.querySelector('#notice a'); return a && a.getAttribute('href').startsWith('/share/'); })()`, 10*time.Second)
}

// TestBrowserTeacherSeesLastTrace: a learner sends a request from the
// playground (chromium); the teacher logs in, opens the learner from the
// class table and sees that request on the timeline of their last trace;
// Refresh loads it again.
func TestBrowserTeacherSeesLastTrace(t *testing.T) {
	l := newClassLab(t, "", "chalk&board", false)
	ctx := browser(t)
	run(t, ctx, "the learner sends GET /traced-by-teacher",
		chromedp.Navigate(l.ts.URL+"/play"),
		chromedp.WaitVisible(chromedp.CSS(`.cm-content`)),
	)
	waitJS(t, ctx, "the page's WebSocket is up", `document.getElementById('ws-status').dataset.connected === 'true'`, 20*time.Second)
	waitJS(t, ctx, "a running instance", instanceRunning, 20*time.Second)
	run(t, ctx, "send",
		chromedp.Click(chromedp.CSS(`#tab-request`)),
		chromedp.WaitVisible(chromedp.CSS(`#req-path`)),
		chromedp.SetValue(chromedp.CSS(`#req-path`), "/traced-by-teacher"),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	waitJS(t, ctx, "the response", `!!document.querySelector('#send-result').dataset.status`, 20*time.Second)
	waitJS(t, ctx, "the request on the learner's timeline", `Number(document.querySelector('#timeline-stats').dataset.coroutines) > 0`, 20*time.Second)

	run(t, ctx, "log in as the teacher",
		chromedp.Navigate(l.ts.URL+"/teacher"),
		chromedp.WaitVisible(chromedp.CSS(`#teacher-password`)),
		chromedp.SendKeys(chromedp.CSS(`#teacher-password`), "chalk&board"),
		chromedp.Submit(chromedp.CSS(`#teacher-password`)),
		chromedp.WaitVisible(chromedp.CSS(`#learners tbody tr a`)),
	)
	href := value(t, ctx, "the learner's link", chromedp.Evaluate[string](`document.querySelector('#learners tbody tr a').getAttribute('href')`))
	run(t, ctx, "open the learner", chromedp.Navigate(l.ts.URL+href), chromedp.WaitVisible(chromedp.CSS(`#learner-trace canvas`)))
	hasRequest := `JSON.parse(document.querySelector('#learner-trace').dataset.labels || '[]').includes('GET /traced-by-teacher')`
	waitJS(t, ctx, "the learner's request on the teacher's timeline", hasRequest, 20*time.Second)
	run(t, ctx, "refresh", chromedp.Click(chromedp.CSS(`#learner-trace-refresh`)))
	waitJS(t, ctx, "loaded again, the request still there", `document.querySelector('#learner-trace').dataset.loads === '2' && `+hasRequest, 20*time.Second)
	screenshot(t, ctx, "teacher-learner-trace")
}
