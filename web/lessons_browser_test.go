package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// lesson3Fix is lesson 3's task done, typed as a learner would (the editor
// indents).
const lesson3Fix = "worker_processes 1;\nevents { worker_connections 1024; }\nhttp {\nserver {\nlisten 8080;\nlocation /echo {\ncontent_by_lua_block {\nngx.req.read_body()\nngx.print(ngx.req.get_body_data() or \"\")\n}\n}\nlocation /wait {\ncontent_by_lua_block {\nngx.sleep(0.01)\nngx.say(\"done\")\n}\n}\n}\n}"

// checkLesson presses "Check my work" and returns the score it shows.
func checkLesson(t *testing.T, ctx context.Context) string {
	t.Helper()
	_ = value(t, ctx, "forget the last result", chromedp.Evaluate[bool](`(() => { document.querySelector('#lesson-results').removeAttribute('data-state'); return true; })()`))
	run(t, ctx, "check my work", chromedp.Click(chromedp.CSS(`#lesson-check`)))
	waitJS(t, ctx, "the check's result", `['done', 'error'].includes(document.querySelector('#lesson-results').dataset.state)`, 90*time.Second)
	if st := value(t, ctx, "read the state", chromedp.Evaluate[string](`document.querySelector('#lesson-results').dataset.state`)); st != "done" {
		t.Fatalf("the check failed: %s", value(t, ctx, "read the error", chromedp.Text(chromedp.CSS(`#lesson-results`))))
	}
	return value(t, ctx, "read the score", chromedp.Evaluate[string](`document.querySelector('#lesson-results').dataset.score`))
}

// TestBrowserLesson follows a new learner: open the course, open lesson 3
// and load its starter, run an experiment, fail the check, fix the code,
// pass it, and find the lesson done on the course page after a reload;
// then the same lesson in Chinese.
func TestBrowserLesson(t *testing.T) {
	l := newLab(t, "")
	ctx := browser(t)
	// each step waits for the page it leads to: the home page lists the
	// lessons too, so a selector alone could match the page being left
	run(t, ctx, "open the home page",
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(l.ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#home-course`)),
		chromedp.Click(chromedp.CSS(`#home-course`)),
	)
	waitJS(t, ctx, "the course page", `location.pathname === '/lessons' && document.readyState === 'complete' && !!document.querySelector('li[data-lesson="nonblocking"] a')`, 20*time.Second)
	run(t, ctx, "open lesson 3", chromedp.Click(chromedp.CSS(`li[data-lesson="nonblocking"] a`)))
	waitJS(t, ctx, "lesson 3's page", `location.pathname === '/lessons/nonblocking' && document.readyState === 'complete' && !!document.querySelector('#lesson-start')`, 20*time.Second)
	run(t, ctx, "load the starter", chromedp.Click(chromedp.CSS(`#lesson-start`)))
	// the lesson page again, with the starter loaded: no offer to load it
	waitJS(t, ctx, "the lesson page with its starter", `!document.querySelector('#lesson-start') && !!document.querySelector('#lesson-check') && !!document.querySelector('.cm-content')`, 20*time.Second)
	if conf := value(t, ctx, "read the editor", chromedp.Text(chromedp.CSS(`.cm-content`))); !strings.Contains(conf, "TODO: read the request body") {
		t.Fatalf("the editor does not hold lesson 3's starter: %.200q", conf)
	}
	waitJS(t, ctx, "the instance", instanceRunning, 20*time.Second)
	// the request panel starts with the lesson's first experiment
	if got := value(t, ctx, "read the request form", chromedp.Evaluate[string](`document.querySelector('#req-method').value + ' ' + document.querySelector('#req-path').value + ' ' + document.querySelector('#req-body').value`)); got != "POST /echo Hello from the request body" {
		t.Fatalf("the request panel holds %q, want the first experiment", got)
	}

	run(t, ctx, "run the first experiment (POST /echo)", chromedp.Click(chromedp.CSS(`#experiment-0`)))
	waitJS(t, ctx, "the experiment's answer", `(() => { const r = document.querySelector('#send-result'); return !!r && !!r.dataset.status && r.dataset.status !== 'pending'; })()`, 20*time.Second)
	if got := value(t, ctx, "read the response", chromedp.Text(chromedp.CSS(`#send-result .resp-body`))); !strings.Contains(got, "nothing yet") {
		t.Fatalf("the starter's /echo answered %q", got)
	}
	if m := value(t, ctx, "read the method", chromedp.Evaluate[string](`document.querySelector('#req-method').value`)); m != "POST" {
		t.Fatalf("the experiment set method %s, want POST", m)
	}

	if score := checkLesson(t, ctx); score == "100" {
		t.Fatal("the starter passed every check")
	}
	failed := value(t, ctx, "read a failure", chromedp.Text(chromedp.CSS(`#lesson-results li.fail`)))
	if !strings.Contains(failed, "Hint:") {
		t.Fatalf("a failed check without its hint: %q", failed)
	}
	screenshot(t, ctx, "lesson-failed")

	typeConf(t, ctx, lesson3Fix)
	if score := checkLesson(t, ctx); score != "100" {
		t.Fatalf("the fixed code scored %s: %s", score, value(t, ctx, "read the results", chromedp.Text(chromedp.CSS(`#lesson-results`))))
	}
	screenshot(t, ctx, "lesson-passed")

	run(t, ctx, "back to the course, reloaded",
		chromedp.Navigate(l.ts.URL+"/lessons"),
		chromedp.Reload(),
	)
	waitJS(t, ctx, "the course page", `location.pathname === '/lessons' && document.readyState === 'complete' && !!document.querySelector('li[data-lesson="nonblocking"]')`, 20*time.Second)
	if done := value(t, ctx, "read lesson 3's state", chromedp.Evaluate[string](`document.querySelector('li[data-lesson="nonblocking"]').dataset.done`)); done != "true" {
		t.Fatal("lesson 3 is not done on the course page")
	}

	run(t, ctx, "the same lesson in Chinese", chromedp.Navigate(l.ts.URL+"/lang/zh?to=/lessons/nonblocking"))
	waitJS(t, ctx, "the Chinese lesson page", `location.pathname === '/lessons/nonblocking' && document.documentElement.lang === 'zh' && !!document.querySelector('#lesson-check') && !!document.querySelector('.cm-content')`, 20*time.Second)
	if title := value(t, ctx, "read the title", chromedp.Text(chromedp.CSS(`#lesson h1`))); !strings.Contains(title, "同步非阻塞") {
		t.Fatalf("the Chinese lesson's title: %q", title)
	}
	waitJS(t, ctx, "the instance", instanceRunning, 20*time.Second)
	if score := checkLesson(t, ctx); score != "100" {
		t.Fatalf("the fixed code scored %s in Chinese", score)
	}
	if names := value(t, ctx, "read the checks", chromedp.Text(chromedp.CSS(`#lesson-results`))); !strings.Contains(names, "逐字节返回请求体") {
		t.Fatalf("the checks are not named in Chinese: %q", names)
	}
	screenshot(t, ctx, "lesson-zh")
}

// TestBrowserLessonPageFits: at 1280x800 the lesson page keeps the
// playground's toolbar on one line beside the lesson pane, and the pane's
// "Check my work" is on screen without scrolling (checked from boxes).
func TestBrowserLessonPageFits(t *testing.T) {
	l := newLab(t, "")
	ctx := browser(t)
	run(t, ctx, "open lesson 1 at 1280x800 and load its starter",
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(l.ts.URL+"/lessons/hello"),
		chromedp.WaitVisible(chromedp.CSS(`#lesson-start`)),
		chromedp.Click(chromedp.CSS(`#lesson-start`)),
	)
	waitJS(t, ctx, "the lesson page with its starter", `!document.querySelector('#lesson-start') && !!document.querySelector('.toolbar')`, 20*time.Second)
	waitJS(t, ctx, "the instance", instanceRunning, 20*time.Second)
	box := value(t, ctx, "measure", chromedp.Evaluate[map[string]float64](`(() => {
		const bar = document.querySelector('.toolbar');
		const items = [...bar.children].filter(e => e.getBoundingClientRect().width > 0);
		const mids = items.map(e => { const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; });
		const check = document.querySelector('#lesson-check').getBoundingClientRect();
		return {spread: Math.max(...mids) - Math.min(...mids), overflow: bar.scrollWidth - bar.clientWidth,
			checkBottom: check.bottom, checkTop: check.top, height: window.innerHeight};
	})()`))
	screenshot(t, ctx, "lesson-1280x800")
	if box["spread"] > 4 || box["overflow"] > 0 {
		t.Errorf("the toolbar is not one line beside the lesson: %v", box)
	}
	if box["checkTop"] < 0 || box["checkBottom"] > box["height"] {
		t.Errorf("\"Check my work\" is off screen: %v", box)
	}
}
