package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// outsideBase lists what the page fetched (documents, scripts, styles,
// API calls) from anywhere but the lab's base path.
const outsideBase = `performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation')).map(e => e.name).filter(n => !n.startsWith(location.origin + '/lab/'))`

// noneOutside fails when the page asked for anything outside /lab/.
func noneOutside(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	if out := value(t, ctx, "what "+what+" fetched", chromedp.Evaluate[[]string](outsideBase)); len(out) > 0 {
		t.Errorf("%s fetched outside %s: %q", what, testBase, out)
	}
}

// TestBrowserBasePath: chromium reaches the lab only through a reverse
// proxy that forwards /lab/: it follows the home page's link to the
// playground, applies, sends a request and sees its trace arrive over the
// WebSocket; switches the language; opens a lesson from the course list,
// starts it and checks it; then logs in as the teacher, finds the learner
// in the class table and opens their workspace, whose timeline shows that
// request. No page asks for anything outside /lab/.
func TestBrowserBasePath(t *testing.T) {
	l := newProxiedLab(t, "", "chalk&board")
	ctx := browser(t)
	run(t, ctx, "open /lab/ and follow its link to the playground",
		chromedp.Navigate(l.ts.URL+testBase+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#home-course`)),
		chromedp.Click(chromedp.CSS(`header.site nav a[href="`+testBase+`/play"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.cm-content`)),
	)
	waitJS(t, ctx, "the WebSocket at /lab/api/ws is up", `document.getElementById('ws-status').dataset.connected === 'true'`, 20*time.Second)
	run(t, ctx, "apply", chromedp.Click(chromedp.CSS(`#apply`)))
	waitJS(t, ctx, "the apply's answer", `document.querySelector('#apply-status').dataset.state === 'ok'`, 30*time.Second)
	waitJS(t, ctx, "a running instance", instanceRunning, 20*time.Second)
	run(t, ctx, "send a request",
		chromedp.Click(chromedp.CSS(`#tab-request`)),
		chromedp.WaitVisible(chromedp.CSS(`#send`)),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	waitJS(t, ctx, "the response", `document.querySelector('#send-result').dataset.status === '200'`, 20*time.Second)
	waitJS(t, ctx, "the request's trace over the WebSocket", `Number(document.querySelector('#timeline-stats').dataset.coroutines) > 0`, 20*time.Second)
	if pb := value(t, ctx, "the proxy link", chromedp.Evaluate[string](`JSON.parse(document.getElementById('boot').textContent).proxyBase`)); !strings.HasPrefix(pb, l.ts.URL+testBase+"/s/") {
		t.Errorf("proxyBase %q", pb)
	}
	noneOutside(t, ctx, "the playground")
	screenshot(t, ctx, "basepath-play")

	run(t, ctx, "switch to Chinese", chromedp.Click(chromedp.CSS(`#lang-switch`)), chromedp.WaitVisible(chromedp.CSS(`.cm-content`)))
	waitJS(t, ctx, "the playground in Chinese, still under /lab", `document.documentElement.lang === 'zh' && location.pathname === '/lab/play'`, 10*time.Second)

	// each click is found and made in the page (clickOn): a page still
	// loading or re-rendering could detach a node chromedp had found
	// (a flake in CI: "Could not find node with given id")
	clickOn(t, ctx, "the course list's link", testBase+"/play", `header.site nav a[href="`+testBase+`/lessons"]`)
	clickOn(t, ctx, "the lesson's link in the course list", testBase+"/lessons", `#lesson-list a[href="`+testBase+`/lessons/hello"]`)
	clickOn(t, ctx, "the lesson's start button", testBase+"/lessons/hello", `#lesson-start`)
	waitJS(t, ctx, "the lesson started, under /lab", `location.pathname === '/lab/lessons/hello' && !document.querySelector('#lesson-start') && !!document.querySelector('.cm-content')`, 20*time.Second)
	run(t, ctx, "check my work", chromedp.Click(chromedp.CSS(`#lesson-check`)))
	waitJS(t, ctx, "the lesson's checks answered", `document.querySelector('#lesson-results').dataset.state === 'done'`, 90*time.Second)
	noneOutside(t, ctx, "the lesson page")

	run(t, ctx, "log in as the teacher",
		chromedp.Navigate(l.ts.URL+testBase+"/teacher"),
		chromedp.WaitVisible(chromedp.CSS(`#teacher-password`)),
		chromedp.SendKeys(chromedp.CSS(`#teacher-password`), "chalk&board"),
		chromedp.Submit(chromedp.CSS(`#teacher-password`)),
		chromedp.WaitVisible(chromedp.CSS(`#teacher`)),
	)
	waitJS(t, ctx, "the learner listed", `document.querySelectorAll('#learners tbody tr').length === 1`, 20*time.Second)
	noneOutside(t, ctx, "the teacher page")
	href := value(t, ctx, "the learner's link", chromedp.Evaluate[string](`document.querySelector('#learners tbody tr a').getAttribute('href')`))
	if !strings.HasPrefix(href, testBase+"/teacher/sessions/") {
		t.Fatalf("the learner's link %q", href)
	}
	run(t, ctx, "open the learner's workspace", chromedp.Navigate(l.ts.URL+href), chromedp.WaitVisible(chromedp.CSS(`#learner-trace canvas`)))
	waitJS(t, ctx, "the learner's last trace on the timeline", `Number(document.querySelector('#learner-trace').dataset.requests) >= 1 && Number(document.querySelector('#learner-trace').dataset.events) > 0`, 20*time.Second)
	noneOutside(t, ctx, "the learner's workspace page")
	screenshot(t, ctx, "basepath-teacher-trace")
}
