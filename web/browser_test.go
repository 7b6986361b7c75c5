package web

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/restylab/restylab/web/static"
)

// The browser tests drive Debian's chromium with chromedp against a real
// lab. Without chromium they skip, unless RESTYLAB_REQUIRE_BROWSER is set
// (CI sets it: there a missing browser is a failure). Screenshots go to
// RESTYLAB_SCREENSHOTS (default: a folder in the system's temp dir), whose
// path the tests log and CI prints.

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("RESTYLAB_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("RESTYLAB_REQUIRE_BROWSER") != "" {
		t.Fatal("chromium not found (apt-get install chromium)")
	}
	t.Skip("chromium not found: apt-get install chromium (set RESTYLAB_REQUIRE_BROWSER=1 to make this a failure)")
	return ""
}

// browser starts a headless chromium for the test and returns a tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	if !static.Bundle() {
		t.Fatal("the front end is not built into the test binary: run `make web` first")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel3)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("RESTYLAB_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "restylab-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot saves the page as <dir>/<name>.png.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(screenshotDir(t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// run runs chromedp actions, failing the test with a screenshot on error.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		screenshot(t, ctx, "failed-"+strings.ReplaceAll(t.Name(), "/", "-"))
		t.Fatalf("%s: %v", what, err)
	}
}

// value runs an action that returns a value, failing the test on error.
func value[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		screenshot(t, ctx, "failed-"+strings.ReplaceAll(t.Name(), "/", "-"))
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// instanceRunning is the page's condition for a running instance.
const instanceRunning = `document.querySelector('#instance-state').dataset.state === 'running'`

// navigatePlay opens the session's playground and waits for the editor.
func navigatePlay(t *testing.T, ctx context.Context, l *lab) {
	t.Helper()
	run(t, ctx, "open the playground",
		chromedp.Navigate(l.ts.URL+"/play"),
		chromedp.WaitVisible(chromedp.CSS(`.cm-content`)),
	)
}

// fireBurst fires n requests at concurrency n from the burst panel and
// waits for that burst's summary.
func fireBurst(t *testing.T, ctx context.Context, n string) {
	t.Helper()
	_ = value(t, ctx, "forget the last summary", chromedp.Evaluate[bool](`(() => { const s = document.querySelector('#burst-summary'); if (s) s.removeAttribute('data-n'); return true; })()`))
	run(t, ctx, "a burst of "+n,
		chromedp.Click(chromedp.CSS(`#tab-burst`)),
		chromedp.WaitVisible(chromedp.CSS(`#burst-n`)),
		chromedp.SetValue(chromedp.CSS(`#burst-n`), n),
		chromedp.SetValue(chromedp.CSS(`#burst-c`), n),
		chromedp.Click(chromedp.CSS(`#burst-go`)),
	)
	waitJS(t, ctx, "the burst summary", `!!document.querySelector('#burst-summary') && document.querySelector('#burst-summary').dataset.n === '`+n+`'`, 60*time.Second)
}

// diagnostic is an editor marker as window.restylab.diagnostics() lists it.
type diagnostic struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Message  string `json:"message"`
	Severity string `json:"severity"`
}

// waitJS polls a JavaScript expression until it is true.
func waitJS(t *testing.T, ctx context.Context, what, expr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			screenshot(t, ctx, "failed-"+strings.ReplaceAll(t.Name(), "/", "-"))
			t.Fatalf("timed out waiting for %s (%s)", what, expr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// clickOn waits until the page at path shows selector and clicks it from
// inside the page: the element is found and clicked in one evaluation, so
// a navigation or a re-render between finding and clicking (chromedp's
// "Could not find node with given id") cannot break the click.
func clickOn(t *testing.T, ctx context.Context, what, path, selector string) {
	t.Helper()
	expr := fmt.Sprintf(`(() => { if (location.pathname !== %q) return false; const e = document.querySelector(%q); if (!e) return false; e.click(); return true; })()`, path, selector)
	waitJS(t, ctx, what, expr, 20*time.Second)
}

// typeConf replaces the editor's text by typing conf as a learner would.
func typeConf(t *testing.T, ctx context.Context, conf string) {
	t.Helper()
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible(chromedp.CSS(`.cm-content`)),
		chromedp.Click(chromedp.CSS(`.cm-content`)),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.KeyEvent(kb.Delete),
	}
	// One Enter key per line break: SendKeys's "\n", and an Enter key
	// event that carries text, give CodeMirror two line breaks (its keymap
	// handles the keydown, then the text is inserted too).
	for i, line := range strings.Split(conf, "\n") {
		if i > 0 {
			steps = append(steps, chromedp.KeyEvent(kb.Enter, noText))
		}
		if line != "" {
			steps = append(steps, chromedp.SendKeys(chromedp.CSS(`.cm-content`), line))
		}
	}
	// Brackets the editor closed by itself after a line break stay after
	// the cursor: cut them, as a learner would.
	steps = append(steps,
		chromedp.KeyEvent(kb.End, chromedp.KeyModifiers(chromedp.ModifierCtrl, chromedp.ModifierShift), noText),
		chromedp.KeyEvent(kb.Delete, noText))
	run(t, ctx, "type into the editor", steps...)
}

// applied is true once the last apply has an answer.
const applied = `['ok', 'warn', 'error'].includes((document.querySelector('#apply-status') || {dataset: {}}).dataset.state)`

// noText strips the text from a key event, so only the keymap sees it.
func noText(p *input.DispatchKeyEventParams) {
	p.Text, p.UnmodifiedText = "", ""
}

// burstConf is the burst test's config, typed line by line without
// indentation: the editor indents, as it does for a learner.
const burstConf = "worker_processes 1;\nevents { worker_connections 1024; }\nhttp {\nserver {\nlisten 8080;\nlocation / {\ncontent_by_lua_block {\nngx.sleep(0.05)\nngx.say(\"hi\")\n}\n}\n}\n}"

// TestBrowserBurst is the product's promise, checked from the page: edit
// the handler, apply, burst 100 requests at concurrency 100, and see 100
// coroutines on one worker lane with every response 200 "hi".
func TestBrowserBurst(t *testing.T) {
	l := newLab(t, "")
	ctx := browser(t)
	navigatePlay(t, ctx, l)
	waitJS(t, ctx, "the WebSocket hello", `!!window.restylab && document.querySelector('#instance-state') !== null`, 15*time.Second)
	typeConf(t, ctx, burstConf)
	run(t, ctx, "apply with Ctrl+Enter",
		chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl), noText),
	)
	waitJS(t, ctx, "the apply result", applied, 20*time.Second)
	status := value(t, ctx, "read the apply status", chromedp.Text(chromedp.CSS(`#apply-status`)))
	if state := value(t, ctx, "read the apply state", chromedp.Evaluate[string](`document.querySelector('#apply-status').dataset.state`)); state != "ok" {
		t.Fatalf("apply: %s: %s", state, status)
	}

	run(t, ctx, "start the burst",
		chromedp.Click(chromedp.CSS(`#tab-burst`)),
		chromedp.WaitVisible(chromedp.CSS(`#burst-n`)),
		chromedp.SetValue(chromedp.CSS(`#burst-n`), "100"),
		chromedp.SetValue(chromedp.CSS(`#burst-c`), "100"),
		chromedp.SetValue(chromedp.CSS(`#burst-path`), "/"),
		chromedp.Click(chromedp.CSS(`#burst-go`)),
	)
	waitJS(t, ctx, "the burst summary", `document.querySelector('#burst-summary') && document.querySelector('#burst-summary').dataset.n === '100'`, 60*time.Second)
	summary := value(t, ctx, "read the summary", chromedp.Evaluate[map[string]string](`Object.assign({text: document.querySelector('#burst-summary').textContent, table: (document.querySelector('#burst-table')||{}).textContent||''}, document.querySelector('#burst-summary').dataset)`))
	if summary["ok"] != "100" {
		t.Fatalf("summary: %+v", summary)
	}
	var peak int
	fmt.Sscan(summary["peak"], &peak)
	// Served one after another, 100 sleeps of 50 ms would read 1 at the
	// peak; an idle machine reads about 90, the race detector's slower
	// client about 40.
	if peak <= 20 || !strings.Contains(summary["text"], "in progress at once") {
		t.Fatalf("peak in progress %v, want > 20 (%s)", peak, summary["text"])
	}
	if !strings.Contains(summary["table"], "hi") || !strings.Contains(summary["table"], "200") {
		t.Fatalf("the results table does not show 200 \"hi\": %q", summary["table"])
	}
	// The trace arrives over the WebSocket: wait until the timeline has
	// drawn all 100 request coroutines, then check they share one lane.
	waitJS(t, ctx, "100 coroutines on the timeline", `(() => { const s = document.querySelector('#timeline-stats'); if (!s) return false; const lanes = JSON.parse(s.dataset.lanes || '{}'); return Object.values(lanes).some(n => n >= 100); })()`, 20*time.Second)
	lanesJSON := value(t, ctx, "read the lanes", chromedp.Evaluate[string](`document.querySelector('#timeline-stats').dataset.lanes`))
	var lanes map[string]int
	if err := json.Unmarshal([]byte(lanesJSON), &lanes); err != nil {
		t.Fatal(err)
	}
	// keys are worker keys: the Apply above was a reload, so worker 0 of a
	// later generation (the page's GEN_STRIDE: 1000 per reload) serves
	for key, n := range lanes {
		k, err := strconv.Atoi(key)
		if len(lanes) != 1 || err != nil || k%1000 != 0 || n < 100 {
			t.Fatalf("lanes %v: want 100 coroutines on worker 0 and no other worker", lanes)
		}
	}
	t.Logf("summary: %s", summary["text"])
	screenshot(t, ctx, "playground-burst")
}

// TestBrowserSyntaxErrorMarker: a Lua syntax error is marked on its line.
func TestBrowserSyntaxErrorMarker(t *testing.T) {
	l := newLab(t, "")
	ctx := browser(t)
	navigatePlay(t, ctx, l)
	// Line 1 holds the whole config; the broken call is on it.
	typeConf(t, ctx, `events { } http { server { listen 8080; location / { content_by_lua_block { ngx.say("a") local = 1 } } } }`)
	run(t, ctx, "apply", chromedp.Click(chromedp.CSS(`#apply`)))
	waitJS(t, ctx, "a diagnostic", `window.restylab.diagnostics().length > 0`, 20*time.Second)
	diags := value(t, ctx, "read the diagnostics", chromedp.Evaluate[[]diagnostic](`window.restylab.diagnostics()`))
	if len(diags) != 1 || diags[0].File != "nginx.conf" || diags[0].Line != 1 || !strings.Contains(diags[0].Message, "'<name>' expected near '='") {
		t.Fatalf("diagnostics %+v", diags)
	}
	// And it is drawn: a lint marker in the gutter and an underlined range.
	waitJS(t, ctx, "the inline marker", `document.querySelectorAll('.cm-lintRange, .cm-lint-marker').length > 0`, 5*time.Second)
	screenshot(t, ctx, "syntax-error")

	// A second error on another line moves the marker there.
	typeConf(t, ctx, "events { }\nhttp { server { listen 8080; } }\nbogus_directive on;")
	run(t, ctx, "apply", chromedp.Click(chromedp.CSS(`#apply`)))
	waitJS(t, ctx, "the apply result", applied, 20*time.Second)
	diags = value(t, ctx, "read the diagnostics", chromedp.Evaluate[[]diagnostic](`window.restylab.diagnostics()`))
	if len(diags) != 1 || diags[0].Line != 3 || !strings.Contains(diags[0].Message, `unknown directive "bogus_directive"`) || diags[0].Severity != "error" {
		text := value(t, ctx, "read the editor", chromedp.Evaluate[[]string](`[...document.querySelectorAll('.cm-line')].map(l => l.textContent)`))
		t.Fatalf("diagnostics after the second apply: %+v; editor lines %q", diags, text)
	}
}

// TestBrowserReloadKeepsCode: what was typed survives a reload of the page.
func TestBrowserReloadKeepsCode(t *testing.T) {
	l := newLab(t, "")
	ctx := browser(t)
	navigatePlay(t, ctx, l)
	typed := `events { } http { server { listen 8080; location / { content_by_lua_block { ngx.say("kept across reloads") } } } }`
	typeConf(t, ctx, typed)
	// No apply: autosave alone must keep it.
	time.Sleep(2 * time.Second)
	run(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`.cm-content`)))
	text := value(t, ctx, "read the editor", chromedp.Text(chromedp.CSS(`.cm-content`)))
	if !strings.Contains(text, `ngx.say("kept across reloads")`) {
		t.Fatalf("after reload the editor holds %q", text)
	}
	// And the server has it too (a new browser on the same session).
	// (The session cookie is HttpOnly: read the session id from the page.)
	id := value(t, ctx, "read the session", chromedp.Evaluate[string](`JSON.parse(document.getElementById('boot').textContent).session`))
	if ws := l.srv.workspace(id); !strings.Contains(ws.Conf, "kept across reloads") {
		t.Fatalf("the server's copy of session %s: %q", id, ws.Conf)
	}
}

// openPlayground opens /play in a new browser with conf applied.
func openPlayground(t *testing.T, conf string) (*lab, context.Context) {
	t.Helper()
	l := newLab(t, "")
	ctx := browser(t)
	navigatePlay(t, ctx, l)
	typeConf(t, ctx, conf)
	run(t, ctx, "apply", chromedp.Click(chromedp.CSS(`#apply`)))
	waitJS(t, ctx, "the apply result", applied, 20*time.Second)
	waitJS(t, ctx, "a running instance", instanceRunning, 10*time.Second)
	return l, ctx
}

// TestBrowserStepMode: Pause holds a request, the page shows what is
// pending, Step lets it through one dispatch at a time, Resume runs free.
func TestBrowserStepMode(t *testing.T) {
	_, ctx := openPlayground(t, `events { } http { server { listen 8080; location / { content_by_lua_block { ngx.say("stepped") } } } }`)
	run(t, ctx, "pause", chromedp.Click(chromedp.CSS(`#pause`)))
	waitJS(t, ctx, "the paused state", `document.querySelector('#instance-state').dataset.state === 'paused'`, 10*time.Second)
	run(t, ctx, "send a request",
		chromedp.Click(chromedp.CSS(`#tab-request`)),
		chromedp.WaitVisible(chromedp.CSS(`#send`)),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	waitJS(t, ctx, "the connection pending", `/readable/.test(document.querySelector('#pending').textContent)`, 10*time.Second)
	if st := value(t, ctx, "read the send state", chromedp.Evaluate[string](`document.querySelector('#send-result').dataset.status || ''`)); st == "200" {
		t.Fatal("the request was answered while paused")
	}
	screenshot(t, ctx, "step-mode-paused")
	answered := `document.querySelector('#send-result').dataset.status === '200'`
	for i := 0; ; i++ {
		if i == 20 {
			t.Fatal("20 steps did not answer the request")
		}
		run(t, ctx, "step", chromedp.Click(chromedp.CSS(`#step`)))
		time.Sleep(300 * time.Millisecond)
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](answered)); err == nil && ok {
			t.Logf("answered after %d steps", i+1)
			break
		}
	}
	run(t, ctx, "resume", chromedp.Click(chromedp.CSS(`#resume`)))
	waitJS(t, ctx, "the running state", instanceRunning, 10*time.Second)
}

// TestBrowserEventLogJumpsToSource: clicking an event that carries a Lua
// line selects that line in the editor.
func TestBrowserEventLogJumpsToSource(t *testing.T) {
	conf := "events { }\nhttp { server { listen 8080; location / {\ncontent_by_lua_block {\nngx.sleep(0.01)\nngx.say(\"x\")\n}\n} } }"
	_, ctx := openPlayground(t, conf)
	run(t, ctx, "send a request",
		chromedp.Click(chromedp.CSS(`#tab-request`)),
		chromedp.WaitVisible(chromedp.CSS(`#send`)),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	waitJS(t, ctx, "the response", `document.querySelector('#send-result').dataset.status === '200'`, 10*time.Second)
	run(t, ctx, "open the event log", chromedp.Click(chromedp.CSS(`#tab-events`)))
	waitJS(t, ctx, "a co_yield row with its source", `!!document.querySelector('#event-log .vrow.k-co_yield.has-src')`, 10*time.Second)
	src := value(t, ctx, "read the row's source", chromedp.Evaluate[string](`document.querySelector('#event-log .vrow.k-co_yield.has-src .c-source').textContent`))
	if !strings.HasSuffix(src, ":4") {
		t.Fatalf("the sleep's co_yield is at %q, want nginx.conf line 4", src)
	}
	run(t, ctx, "click the row", chromedp.Click(chromedp.CSS(`#event-log .vrow.k-co_yield.has-src`)))
	waitJS(t, ctx, "line 4 flashed in the editor", `(() => { const lines = [...document.querySelectorAll('.cm-line')]; const i = lines.findIndex(l => l.classList.contains('cm-flash')); return i === 3; })()`, 5*time.Second)
	// Under the table, the server's chroma tokens of lines 2..6, line 4 marked.
	waitJS(t, ctx, "the highlighted source line", `(() => { const hl = document.querySelector('#event-source .line.hl'); return !!hl && hl.textContent.includes('ngx.sleep(0.01)') && hl.querySelector('.ln').textContent === '4' && !!hl.querySelector('.cl span'); })()`, 5*time.Second)
}

// TestBrowserPhaseMap: a learner opens the phases example from the home
// page; the phase map marks the phases that have code, and one request
// lights them up in the order the request passes them.
func TestBrowserPhaseMap(t *testing.T) {
	l := newLab(t, "")
	ctx := browser(t)
	run(t, ctx, "open the phases example from the home page",
		chromedp.Navigate(l.ts.URL+"/"),
		chromedp.Click(chromedp.CSS(`form[action="/example/phases"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.cm-content`)),
	)
	waitJS(t, ctx, "the phases with code marked", `['rewrite','access','content','header_filter','body_filter','log'].every(p => document.querySelector('#phase-' + p).classList.contains('has-code')) && !document.querySelector('#phase-balancer').classList.contains('has-code')`, 10*time.Second)
	run(t, ctx, "apply", chromedp.Click(chromedp.CSS(`#apply`)))
	waitJS(t, ctx, "the apply result", applied, 20*time.Second)
	waitJS(t, ctx, "the WebSocket", instanceRunning, 10*time.Second)
	// Record the order in which phases light up.
	_ = value(t, ctx, "watch the phase map", chromedp.Evaluate[bool](`(() => {
		window.__lit = [];
		new MutationObserver(ms => { for (const m of ms) { const el = m.target; if (el.classList.contains('lit') && el.id.startsWith('phase-')) { const p = el.id.slice(6); if (window.__lit[window.__lit.length - 1] !== p) window.__lit.push(p); } } })
			.observe(document.querySelector('#phase-content').parentNode, {subtree: true, attributes: true, attributeFilter: ['class']});
		return true; })()`))
	run(t, ctx, "send a request",
		chromedp.Click(chromedp.CSS(`#tab-request`)),
		chromedp.WaitVisible(chromedp.CSS(`#send`)),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	waitJS(t, ctx, "the log phase lit", `window.__lit.includes('log')`, 10*time.Second)
	lit := value(t, ctx, "read the order", chromedp.Evaluate[[]string](`window.__lit`))
	want := []string{"rewrite", "access", "content", "header_filter", "body_filter", "log"}
	i := 0
	for _, p := range lit {
		if i < len(want) && p == want[i] {
			i++
		}
	}
	if i != len(want) {
		t.Fatalf("phases lit in the order %v, want %v in that order", lit, want)
	}
	t.Logf("phases lit: %v", lit)
}

// TestBrowserPhaseAPIs: pointing at a phase of the map says what its Lua
// may call, from the engine's API table: content may wait (ngx.sleep is
// among the calls that yield), header_filter may not, ssl runs no Lua.
func TestBrowserPhaseAPIs(t *testing.T) {
	l := newLab(t, "")
	ctx := browser(t)
	run(t, ctx, "open the phases example from the home page",
		chromedp.Navigate(l.ts.URL+"/"),
		chromedp.Click(chromedp.CSS(`form[action="/example/phases"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#phase-api`)),
	)
	read := func(phase string) string {
		t.Helper()
		return value(t, ctx, "point at "+phase, chromedp.Evaluate[string](`(() => {
			document.querySelector('#phase-`+phase+`').dispatchEvent(new MouseEvent('mouseenter'));
			return document.querySelector('#phase-api').textContent; })()`))
	}
	if got := read("content"); !strings.Contains(got, "may yield") || !strings.Contains(got, "ngx.sleep") || !strings.Contains(got, "tcpsock:receive") {
		t.Errorf("content: %q, want the calls that yield with ngx.sleep and tcpsock:receive", got)
	}
	got := read("header_filter")
	listed := value(t, ctx, "the listed calls", chromedp.Evaluate[string](`[...document.querySelectorAll('#phase-api li')].map(li => li.textContent).join(' ')`))
	if !strings.Contains(got, "None of them yields") || strings.Contains(listed, "ngx.sleep") || !strings.Contains(listed, "ngx.header") {
		t.Errorf("header_filter: %q, want no yielding call, ngx.header and no ngx.sleep", got)
	}
	if got := read("ssl"); !strings.Contains(got, "may yield") || !strings.Contains(got, "ngx.sleep") || !strings.Contains(got, "tcpsock:receive") {
		t.Errorf("ssl: %q, want ssl_certificate_by_lua's calls, ngx.sleep and the cosockets yielding", got)
	}
	if pointed := value(t, ctx, "the pointed node", chromedp.Evaluate[string](`document.querySelector('.pm-node.pointed').id`)); pointed != "phase-ssl" {
		t.Errorf("the pointed node is %q, want phase-ssl", pointed)
	}
}

// TestBrowserExamplesSendAtOnce: a learner opens each example from the home
// page, one after another, and presses Send at once (no Apply): the
// request line holds a path the example serves, and the answer is that
// example's, not the previous one's (three examples serve no "/", and the
// instance used to keep serving the previous example until Apply).
func TestBrowserExamplesSendAtOnce(t *testing.T) {
	l := newLab(t, "")
	ctx := browser(t)
	want := map[string]string{
		"sleep": "hello from a coroutine", "blocking": "spun", "phases": "hello", "globals": "user alice",
		"log_phase_io": "bad: see error_log", "say_then_exit": "partial output", "spawn_waits": "hello",
	}
	if len(want) != len(examples) {
		t.Fatalf("%d examples, %d checked", len(examples), len(want))
	}
	for _, ex := range examples {
		run(t, ctx, "open the "+ex.Name+" example from the home page",
			chromedp.Navigate(l.ts.URL+"/"),
			chromedp.Click(chromedp.CSS(`form[action="/example/`+ex.Name+`"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`.cm-content`)),
			chromedp.Click(chromedp.CSS(`#tab-request`)),
			chromedp.WaitVisible(chromedp.CSS(`#send`)),
		)
		if path := value(t, ctx, "read the request path", chromedp.Evaluate[string](`document.querySelector('#req-path').value`)); path != ex.preset.Path {
			t.Fatalf("%s: the request path is %q, want the example's %q", ex.Name, path, ex.preset.Path)
		}
		if n := value(t, ctx, "read the burst size", chromedp.Evaluate[string](`document.querySelector('#burst-n').value`)); n != fmt.Sprint(ex.preset.N) {
			t.Fatalf("%s: burst n is %s, want %d", ex.Name, n, ex.preset.N)
		}
		run(t, ctx, "send at once", chromedp.Click(chromedp.CSS(`#send`)))
		waitJS(t, ctx, ex.Name+"'s answer", `(() => { const r = document.querySelector('#send-result'); return !!r.dataset.status && !!r.querySelector('.resp-body'); })()`, 20*time.Second)
		status := value(t, ctx, "read the status", chromedp.Evaluate[string](`document.querySelector('#send-result').dataset.status`))
		body := value(t, ctx, "read the body", chromedp.Evaluate[string](`document.querySelector('#send-result .resp-body').textContent`))
		if status != "200" || !strings.Contains(body, want[ex.Name]) {
			t.Fatalf("%s: Send answered %s %q, want 200 with %q", ex.Name, status, body, want[ex.Name])
		}
		t.Logf("%s: %s %s %q", ex.Name, ex.preset.Path, status, body)
	}
}

// TestBrowserBlockingFigures: the blocking example's busy loop reads one
// request in progress at a time, however many clients wait; its sleep
// reads many at once. The figures come from the burst's trace.
func TestBrowserBlockingFigures(t *testing.T) {
	l := newLab(t, "")
	ctx := browser(t)
	run(t, ctx, "open the blocking example",
		chromedp.Navigate(l.ts.URL+"/"),
		chromedp.Click(chromedp.CSS(`form[action="/example/blocking"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.cm-content`)),
		chromedp.Click(chromedp.CSS(`#tab-burst`)),
		chromedp.WaitVisible(chromedp.CSS(`#burst-go`)),
	)
	if path := value(t, ctx, "read the burst path", chromedp.Evaluate[string](`document.querySelector('#burst-path').value`)); path != "/spin" {
		t.Fatalf("burst path %q, want the example's /spin", path)
	}
	figures := func(what string) map[string]string {
		t.Helper()
		return value(t, ctx, "read the "+what+" summary", chromedp.Evaluate[map[string]string](`Object.assign({text: document.querySelector('#burst-summary').textContent}, document.querySelector('#burst-summary').dataset)`))
	}
	fireBurst(t, ctx, "20")
	spin := figures("spin")
	t.Logf("spin: %s", spin["text"])
	if spin["ok"] != "20" || spin["traced"] != "20" || spin["peak"] != "1" || !strings.Contains(spin["text"], "in progress at once: 1 at most") {
		t.Fatalf("the busy loop's burst: %+v; want 20 answered and traced, at most 1 in progress", spin)
	}
	screenshot(t, ctx, "burst-spin-figures")

	run(t, ctx, "burst the sleep", chromedp.SetValue(chromedp.CSS(`#burst-path`), "/sleep"))
	fireBurst(t, ctx, "100")
	sleep := figures("sleep")
	t.Logf("sleep: %s", sleep["text"])
	var peak int
	fmt.Sscan(sleep["peak"], &peak)
	if sleep["ok"] != "100" || peak <= 20 {
		t.Fatalf("the sleep's burst: %+v; want 100 answered, more than 20 in progress at once", sleep)
	}
}

// TestBrowserResponseInView: at 1280x800, after Send the response body is
// on screen without the learner scrolling, also with the headers/body form
// open (it used to push the response below the fold).
func TestBrowserResponseInView(t *testing.T) {
	l := newLab(t, "")
	ctx := browser(t)
	// on screen, and not clipped by its pane: what is at its top-left corner is the body itself
	inView := `(() => { const b = document.querySelector('#send-result .resp-body'); if (!b) return false; const r = b.getBoundingClientRect(); if (r.height === 0 || r.top < 0 || r.top + 8 > window.innerHeight) return false; const hit = document.elementFromPoint(r.left + 4, r.top + 4); return !!hit && (hit === b || b.contains(hit)); })()`
	sendVisible := `(() => { const s = document.querySelector('#send'); const r = s.getBoundingClientRect(); const hit = document.elementFromPoint(r.left + r.width/2, r.top + r.height/2); return !!hit && (hit === s || s.contains(hit)); })()`
	run(t, ctx, "open the playground at 1280x800",
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(l.ts.URL+"/play"),
		chromedp.WaitVisible(chromedp.CSS(`.cm-content`)),
		chromedp.Click(chromedp.CSS(`#tab-request`)),
		chromedp.WaitVisible(chromedp.CSS(`#send`)),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	waitJS(t, ctx, "the response", `document.querySelector('#send-result').dataset.status === '200'`, 20*time.Second)
	if !value(t, ctx, "is the body in view", chromedp.Evaluate[bool](inView)) {
		t.Fatal("after Send the response body is not in view")
	}
	if !value(t, ctx, "is Send in view", chromedp.Evaluate[bool](sendVisible)) {
		t.Fatal("after Send the request line scrolled away")
	}
	_ = value(t, ctx, "open the headers/body form", chromedp.Evaluate[bool](`(() => { document.querySelector('.req-more').open = true; document.querySelector('#send-result').removeAttribute('data-status'); window.scrollTo(0, 0); return true; })()`))
	run(t, ctx, "type a body, send again",
		chromedp.SendKeys(chromedp.CSS(`#req-body`), "a body\nof two lines"),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	waitJS(t, ctx, "the second response", `document.querySelector('#send-result').dataset.status === '200'`, 20*time.Second)
	if !value(t, ctx, "is the body in view", chromedp.Evaluate[bool](inView)) {
		t.Fatal("with the headers/body form open, the response body is not in view after Send")
	}
	screenshot(t, ctx, "response-in-view")
}

// TestBrowserToolbarOneLine: at 1280x800 and 1440x900 the toolbar stays one
// line, also with a long apply error in it (checked from element boxes: one
// row of items, nothing overflowing); the full message is in the title.
func TestBrowserToolbarOneLine(t *testing.T) {
	l := newLab(t, "")
	ctx := browser(t)
	oneLine := `(() => {
		const bar = document.querySelector('.toolbar');
		const items = [...bar.children].filter(e => e.getBoundingClientRect().width > 0);
		const mids = items.map(e => { const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; });
		const spread = Math.max(...mids) - Math.min(...mids);
		const right = Math.max(...items.map(e => e.getBoundingClientRect().right));
		return JSON.stringify({spread, right, width: bar.clientWidth, overflow: bar.scrollWidth - bar.clientWidth, height: bar.getBoundingClientRect().height});
	})()`
	type box struct {
		Spread, Right, Width, Overflow, Height float64
	}
	check := func(when string) {
		t.Helper()
		var b box
		if err := json.Unmarshal([]byte(value(t, ctx, "measure the toolbar", chromedp.Evaluate[string](oneLine))), &b); err != nil {
			t.Fatal(err)
		}
		if b.Spread > 4 || b.Overflow > 0 || b.Right > b.Width+20 || b.Height > 60 {
			t.Fatalf("%s: the toolbar is not one line: %+v", when, b)
		}
	}
	for _, size := range [][2]int64{{1280, 800}, {1440, 900}} {
		name := fmt.Sprintf("%dx%d", size[0], size[1])
		run(t, ctx, "open the playground at "+name,
			chromedp.EmulateViewport(size[0], size[1]),
			chromedp.Navigate(l.ts.URL+"/play"),
			chromedp.WaitVisible(chromedp.CSS(`.cm-content`)),
		)
		waitJS(t, ctx, "the instance", instanceRunning, 20*time.Second)
		check(name)
		typeConf(t, ctx, `events { } http { server { listen 8080; location / { `+strings.Repeat("a_very_long_directive_name_", 12)+` on; } } }`)
		run(t, ctx, "apply", chromedp.Click(chromedp.CSS(`#apply`)))
		waitJS(t, ctx, "the apply error", `document.querySelector('#apply-status').dataset.state === 'error'`, 20*time.Second)
		check(name + " with a long apply error")
		if title := value(t, ctx, "read the status title", chromedp.Evaluate[string](`document.querySelector('#apply-status').title`)); !strings.Contains(title, "a_very_long_directive_name_a_very") {
			t.Errorf("the status's title %q lacks the full message", title)
		}
		screenshot(t, ctx, "toolbar-"+name)
	}
}

// TestBrowserReplayCaptionFollows: the replay caption speaks of the current
// recording: after a second burst it is the new recording's end, not what
// the learner scrubbed to in the first one.
func TestBrowserReplayCaptionFollows(t *testing.T) {
	l := newLab(t, "")
	ctx := browser(t)
	navigatePlay(t, ctx, l)
	waitJS(t, ctx, "the instance", instanceRunning, 20*time.Second)
	burstOf := func(n string) {
		t.Helper()
		fireBurst(t, ctx, n)
		waitJS(t, ctx, "the replay row", `!document.querySelector('.replay-row').hidden && document.querySelector('#replay-state').textContent !== ''`, 10*time.Second)
	}
	caption := func() string {
		return value(t, ctx, "read the caption", chromedp.Evaluate[string](`document.querySelector('#replay-state').textContent`))
	}
	scrub := func(v string) string {
		return value(t, ctx, "scrub to "+v, chromedp.Evaluate[string](`(() => { const r = document.querySelector('#replay'); r.value = '`+v+`'; r.dispatchEvent(new Event('input')); return document.querySelector('#replay-state').textContent; })()`))
	}
	burstOf("20")
	first := caption()
	if atEnd := scrub("1000"); first != atEnd {
		t.Fatalf("after the first burst the caption is %q, want the recording's end %q", first, atEnd)
	}
	scrubbed := scrub("200")
	burstOf("5")
	second := caption()
	if second == scrubbed {
		t.Fatalf("after the second burst the caption still says %q (the first recording)", second)
	}
	if atEnd := scrub("1000"); second != atEnd {
		t.Fatalf("after the second burst the caption is %q, want the new recording's end %q", second, atEnd)
	}
}

// TestBrowserEpollAtReplayTime: after a burst the epoll panel is not empty
// (the listening socket stays in the interest list), and scrubbed back to
// the middle of the burst it lists the connections open then.
func TestBrowserEpollAtReplayTime(t *testing.T) {
	l := newLab(t, "")
	ctx := browser(t)
	navigatePlay(t, ctx, l)
	waitJS(t, ctx, "the instance", instanceRunning, 20*time.Second)
	fireBurst(t, ctx, "20") // of sleeping requests
	waitJS(t, ctx, "the replay row", `!document.querySelector('.replay-row').hidden`, 10*time.Second)
	rows := `[...document.querySelectorAll('#epoll-interest tbody tr')].map(r => r.textContent)`
	run(t, ctx, "open the epoll panel", chromedp.Click(chromedp.CSS(`#tab-epoll`)))
	waitJS(t, ctx, "the interest list at the end", `document.querySelectorAll('#epoll-interest tbody tr').length > 0`, 10*time.Second)
	end := value(t, ctx, "read the list", chromedp.Evaluate[[]string](rows))
	if len(end) != 1 || !strings.Contains(end[0], "listening socket") {
		t.Fatalf("after the burst the interest list is %q, want the listening socket", end)
	}
	// the middle of the recording: every connection was accepted, none closed yet
	_ = value(t, ctx, "scrub to the middle", chromedp.Evaluate[bool](`(() => { document.querySelector('#tab-timeline').click(); const r = document.querySelector('#replay'); r.value = '500'; r.dispatchEvent(new Event('input')); document.querySelector('#tab-epoll').click(); return true; })()`))
	waitJS(t, ctx, "the list at the scrubbed time", `document.querySelector('.epoll-panel').dataset.at !== 'now' && document.querySelectorAll('#epoll-interest tbody tr').length > 1`, 10*time.Second)
	mid := value(t, ctx, "read the list", chromedp.Evaluate[[]string](rows))
	accepted := 0
	for _, r := range mid {
		if strings.Contains(r, "accept 127.0.0.1:") {
			accepted++
		}
	}
	if accepted < 10 {
		t.Fatalf("in the middle of the burst the interest list holds %d connections: %q", accepted, mid)
	}
	t.Logf("end %q; middle: %d rows, %d connections", end, len(mid), accepted)
}

// TestBrowserOneRequestFitsTheAxis: the request just sent fills the
// timeline's axis (it was a few slivers on a 150 ms axis until Fit).
func TestBrowserOneRequestFitsTheAxis(t *testing.T) {
	_, ctx := openPlayground(t, `events { } http { server { listen 8080; location / { content_by_lua_block { ngx.say("quick") } } } }`)
	run(t, ctx, "send one request",
		chromedp.Click(chromedp.CSS(`#tab-request`)),
		chromedp.WaitVisible(chromedp.CSS(`#send`)),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	waitJS(t, ctx, "the response", `document.querySelector('#send-result').dataset.status === '200'`, 20*time.Second)
	type view struct{ Span, Visible, From, To, ReqStart, ReqEnd float64 }
	waitJS(t, ctx, "the axis fitted to the request", `(() => { const v = window.restylab.view(); const d = v.reqEnd - v.reqStart; return d > 0 && v.from <= v.reqStart && v.to >= v.reqEnd && v.visible <= 2 * d; })()`, 5*time.Second)
	v := value(t, ctx, "read the view", chromedp.Evaluate[view](`window.restylab.view()`))
	t.Logf("a %.2f ms request shown on a %.2f ms axis (the recording spans %.2f ms)", (v.ReqEnd-v.ReqStart)/1e6, v.Visible/1e6, v.Span/1e6)
}

// TestBrowserEmbed: the embed page runs without a session cookie (as in a
// third-party iframe): its API calls and WebSocket carry the embed's own
// session, and a burst works.
func TestBrowserEmbed(t *testing.T) {
	l := newLab(t, "")
	l.open()
	var sh struct{ ID string }
	l.json("POST", "/api/share", workspaceJSON{Conf: strings.Replace(sleepConf, `"hi"`, `"embedded"`, 1)}, &sh)
	ctx := browser(t)
	run(t, ctx, "open the embed",
		chromedp.Navigate(l.ts.URL+"/embed/"+sh.ID),
		chromedp.WaitVisible(chromedp.CSS(`.cm-content`)),
	)
	if c := value(t, ctx, "read cookies", chromedp.Evaluate[string](`document.cookie`)); strings.Contains(c, sessionCookie) {
		t.Fatalf("the embed set a session cookie: %q", c)
	}
	waitJS(t, ctx, "a running instance", instanceRunning, 15*time.Second)
	run(t, ctx, "burst",
		chromedp.Click(chromedp.CSS(`#tab-burst`)),
		chromedp.WaitVisible(chromedp.CSS(`#burst-n`)),
		chromedp.SetValue(chromedp.CSS(`#burst-n`), "20"),
		chromedp.SetValue(chromedp.CSS(`#burst-c`), "20"),
		chromedp.Click(chromedp.CSS(`#burst-go`)),
	)
	waitJS(t, ctx, "the burst summary", `document.querySelector('#burst-summary').dataset.n === '20'`, 30*time.Second)
	if ok := value(t, ctx, "read ok", chromedp.Evaluate[string](`document.querySelector('#burst-summary').dataset.ok`)); ok != "20" {
		t.Fatalf("ok = %s", ok)
	}
	if table := value(t, ctx, "read the table", chromedp.Evaluate[string](`document.querySelector('#burst-table').textContent`)); !strings.Contains(table, "embedded") {
		t.Fatalf("the embed ran another workspace: %q", table)
	}
	screenshot(t, ctx, "embed")
}

// browserCookies are the cookies chromium would send to url, by name.
func browserCookies(t *testing.T, ctx context.Context, url string) map[string]string {
	t.Helper()
	res := value(t, ctx, "read the cookies", func(ctx context.Context, tg *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	})
	m := map[string]string{}
	for _, c := range res.Cookies {
		m[c.Name] = c.Value
	}
	return m
}

// TestBrowserCookiePlanting: a visitor opens /play, then a learner's page
// under /s/{attacker}/ that tries to plant the attacker's session id in
// the lab's session cookie (every spelling), then one that floods the
// cookie jar past chromium's 180 cookies per host. The lab's cookies in the
// browser are unchanged, the learner's cookie stays under its /s/ path, and
// /play still opens the visitor's own session.
func TestBrowserCookiePlanting(t *testing.T) {
	l := newLab(t, "")
	evil := attacker(l)
	ctx := browser(t)
	navigatePlay(t, ctx, l)
	bootSession := `JSON.parse(document.getElementById('boot').textContent).session`
	mine := value(t, ctx, "read the session", chromedp.Evaluate[string](bootSession))
	before := browserCookies(t, ctx, l.ts.URL+"/play")
	if before[sessionCookie] != mine {
		t.Fatalf("cookies for /play %v, want %s=%s", before, sessionCookie, mine)
	}
	for _, page := range []string{"plant", "flood"} {
		run(t, ctx, "visit the learner's /"+page, chromedp.Navigate(l.ts.URL+"/s/"+evil+"/"+page))
		waitJS(t, ctx, "the learner's page", `document.body && document.body.innerText.endsWith('ed\n')`, 10*time.Second)
		after := browserCookies(t, ctx, l.ts.URL+"/play")
		if len(after) != len(before) || after[sessionCookie] != mine {
			t.Fatalf("after /s/%s/%s the cookies for /play are %v, want %v", evil, page, after, before)
		}
		// (The flood evicts the learner's own older cookies.)
		if own := browserCookies(t, ctx, l.ts.URL+"/s/"+evil+"/x"); page == "plant" && own["mine"] != "1" {
			t.Errorf("the learner's own cookie is not kept for its pages: %v", own)
		}
	}
	run(t, ctx, "open the playground again",
		chromedp.Navigate(l.ts.URL+"/play"),
		chromedp.WaitVisible(chromedp.CSS(`.cm-content`)),
	)
	if got := value(t, ctx, "read the session", chromedp.Evaluate[string](bootSession)); got != mine {
		t.Fatalf("/play opened session %s, want the visitor's %s (the attacker's is %s)", got, mine, evil)
	}
}

// requestLane is a lane of the timeline as its data-request-lanes attribute describes it.
type requestLane struct {
	Req    int    `json:"req"`
	Kind   string `json:"kind"`
	Label  string `json:"label"`
	Worker string `json:"worker"`
	Phases []struct {
		Phase string  `json:"phase"`
		Depth int     `json:"depth"`
		Waits int     `json:"waits"`
		X0    float64 `json:"x0"`
		X1    float64 `json:"x1"`
		Y     float64 `json:"y"`
	} `json:"phases"`
	Coroutines []struct {
		Co    int    `json:"co"`
		Kind  string `json:"kind"`
		Phase string `json:"phase"`
	} `json:"coroutines"`
	// TLS: a handshake lane's ClientHello and outcome (kind "tls")
	TLS *struct {
		FD       int    `json:"fd"`
		SNI      string `json:"sni"`
		Versions string `json:"versions"`
		Result   string `json:"result"`
	} `json:"tls"`
}

// TestBrowserRequestLanes: one request through the phases example is one
// lane of the timeline, its phases named segments in the order the request
// passed them (set, rewrite, access, content, header_filter, body_filter,
// log), and only the coroutines ngx_lua makes: the entry coroutines of
// rewrite, access and content (the other phases are plain calls). Hovering
// the content segment tells the phase, its source line and its durations.
func TestBrowserRequestLanes(t *testing.T) {
	l := newLab(t, "")
	ctx := browser(t)
	run(t, ctx, "open the phases example from the home page",
		chromedp.Navigate(l.ts.URL+"/"),
		chromedp.Click(chromedp.CSS(`form[action="/example/phases"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.cm-content`)),
	)
	waitJS(t, ctx, "a running instance", instanceRunning, 20*time.Second)
	run(t, ctx, "clear the recording, send one request",
		chromedp.Click(chromedp.CSS(`#tl-clear`)),
		chromedp.Click(chromedp.CSS(`#tab-request`)),
		chromedp.WaitVisible(chromedp.CSS(`#send`)),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	waitJS(t, ctx, "the response", `document.querySelector('#send-result').dataset.status === '200'`, 20*time.Second)
	// the request ended (its log phase is there) and the axis was fitted to it (content is wide)
	lanesJS := `JSON.parse(document.querySelector('.timeline-wrap').dataset.requestLanes || '[]')`
	waitJS(t, ctx, "the request's lane, fitted", `(() => { const ls = `+lanesJS+`.filter(l => l.kind === 'request'); if (ls.length !== 1) return false; const ps = ls[0].phases; const c = ps.find(p => p.phase === 'content'); const v = window.restylab.view(); const d = v.reqEnd - v.reqStart; return ps.some(p => p.phase === 'log') && !!c && c.x1 - c.x0 >= 4 && d > 0 && v.visible <= 2 * d; })()`, 10*time.Second)
	var lanes []requestLane
	if err := json.Unmarshal([]byte(value(t, ctx, "read the lanes", chromedp.Evaluate[string](`document.querySelector('.timeline-wrap').dataset.requestLanes`))), &lanes); err != nil {
		t.Fatalf("data-request-lanes: %v", err)
	}
	var reqs []requestLane
	for _, ln := range lanes {
		if ln.Kind == "request" {
			reqs = append(reqs, ln)
		}
	}
	if len(reqs) != 1 {
		t.Fatalf("%d request lanes, want 1: %+v", len(reqs), lanes)
	}
	lane := reqs[0]
	if lane.Label != "GET /" {
		t.Errorf("the lane is labelled %q, want the request line GET /", lane.Label)
	}
	// phases in the order they were entered, each named once (body_filter runs once per chunk)
	var order []string
	seen := map[string]bool{}
	for _, p := range lane.Phases {
		if !seen[p.Phase] {
			seen[p.Phase] = true
			order = append(order, p.Phase)
		}
	}
	wantPhases := []string{"set", "rewrite", "access", "content", "header_filter", "body_filter", "log"}
	if strings.Join(order, " ") != strings.Join(wantPhases, " ") {
		t.Fatalf("phase segments %v, want the %d phases %v in that order", order, len(wantPhases), wantPhases)
	}
	var cos []string
	for _, c := range lane.Coroutines {
		cos = append(cos, c.Kind+" "+c.Phase)
	}
	if want := "entry rewrite,entry access,entry content"; strings.Join(cos, ",") != want {
		t.Fatalf("coroutines %q, want %q", cos, want)
	}
	if n := value(t, ctx, "read the coroutine count", chromedp.Evaluate[string](`document.querySelector('#timeline-stats').dataset.coroutines`)); n != "3" {
		t.Fatalf("the timeline counts %s coroutines, want 3", n)
	}
	// hover the content segment
	var content struct{ X, Y float64 }
	for _, p := range lane.Phases {
		if p.Phase == "content" {
			content.X, content.Y = (p.X0+p.X1)/2, p.Y
		}
	}
	type box struct{ X, Y float64 }
	b := value(t, ctx, "read the canvas box", chromedp.Evaluate[box](`(() => { const r = document.querySelector('.timeline-canvas').getBoundingClientRect(); return {x: r.left, y: r.top}; })()`))
	run(t, ctx, "hover the content segment", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, b.X+content.X, b.Y+content.Y))
	waitJS(t, ctx, "the tooltip", `(() => { const tip = document.querySelector('.tl-tip'); return !tip.hidden && tip.textContent.length > 0; })()`, 5*time.Second)
	tip := value(t, ctx, "read the tooltip", chromedp.Evaluate[string](`[...document.querySelectorAll('.tl-tip > div')].map(d => d.textContent).join('\n')`))
	for _, want := range []string{"content", "nginx.conf:19", "running", "waiting", " ms", "GET /"} {
		if !strings.Contains(tip, want) {
			t.Errorf("the tooltip over content says %q, want %q in it", tip, want)
		}
	}
	screenshot(t, ctx, "request-lanes-phases")
	t.Logf("phases %v, coroutines %v; tooltip %q", order, cos, tip)
}

// TestBrowserRequestLaneWait: a request whose content sleeps shows the
// sleep inside its content segment; hovering it tells the yield's reason,
// the Lua line that yielded and how long the phase waited.
func TestBrowserRequestLaneWait(t *testing.T) {
	conf := "events { }\nhttp { server { listen 8080; location / {\ncontent_by_lua_block {\nngx.sleep(0.05)\nngx.say(\"x\")\n}\n} } }"
	_, ctx := openPlayground(t, conf)
	run(t, ctx, "clear the recording, send one request",
		chromedp.Click(chromedp.CSS(`#tl-clear`)),
		chromedp.Click(chromedp.CSS(`#tab-request`)),
		chromedp.WaitVisible(chromedp.CSS(`#send`)),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	waitJS(t, ctx, "the response", `document.querySelector('#send-result').dataset.status === '200'`, 20*time.Second)
	lanesJS := `JSON.parse(document.querySelector('.timeline-wrap').dataset.requestLanes || '[]')`
	waitJS(t, ctx, "the content segment with its wait, fitted", `(() => { const ls = `+lanesJS+`.filter(l => l.kind === 'request'); if (ls.length !== 1) return false; const c = ls[0].phases.find(p => p.phase === 'content'); const v = window.restylab.view(); const d = v.reqEnd - v.reqStart; return !!c && c.waits === 1 && c.x1 - c.x0 > 100 && d > 0 && v.visible <= 2 * d; })()`, 10*time.Second)
	type point struct{ X, Y float64 }
	p := value(t, ctx, "find the middle of content", chromedp.Evaluate[point](`(() => { const c = `+lanesJS+`.find(l => l.kind === 'request').phases.find(p => p.phase === 'content'); const r = document.querySelector('.timeline-canvas').getBoundingClientRect(); return {x: r.left + (c.x0 + c.x1) / 2, y: r.top + c.y}; })()`))
	run(t, ctx, "hover the wait", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, p.X, p.Y))
	waitJS(t, ctx, "the tooltip", `(() => { const tip = document.querySelector('.tl-tip'); return !tip.hidden && tip.textContent.length > 0; })()`, 5*time.Second)
	tip := value(t, ctx, "read the tooltip", chromedp.Evaluate[string](`[...document.querySelectorAll('.tl-tip > div')].map(d => d.textContent).join('\n')`))
	for _, want := range []string{"content: waiting (sleep 50ms)", "nginx.conf:4", "GET /"} {
		if !strings.Contains(tip, want) {
			t.Errorf("the tooltip over the sleep says %q, want %q in it", tip, want)
		}
	}
	var running, waiting float64
	for _, line := range strings.Split(tip, "\n") {
		if _, err := fmt.Sscanf(line, "running %f ms · waiting %f ms", &running, &waiting); err == nil {
			break
		}
	}
	if waiting < 50 || running <= 0 || running > waiting {
		t.Errorf("the tooltip says running %.3f ms, waiting %.3f ms; want the 50 ms sleep as waiting (%q)", running, waiting, tip)
	}
	screenshot(t, ctx, "request-lane-wait")
	t.Logf("tooltip %q", tip)
}

// TestBrowserRequestLanesFold: a crowd of requests (fed through the page's
// trace hook) folds the entry coroutines into their requests' rows; a light
// thread keeps a row of its own.
func TestBrowserRequestLanesFold(t *testing.T) {
	l := newLab(t, "")
	ctx := browser(t)
	navigatePlay(t, ctx, l)
	_ = value(t, ctx, "feed 100 requests", chromedp.Evaluate[bool](`(() => {
		const evs = []; let ts = 1e9;
		for (let r = 1; r <= 100; r++) {
			evs.push({ts: ts += 1000, kind: 'request_start', worker: 0, req: r, detail: 'GET /r' + r});
			evs.push({ts: ts += 1000, kind: 'phase_enter', worker: 0, req: r, phase: 'content', source: 'content_by_lua(nginx.conf:3)'});
			evs.push({ts: ts += 1000, kind: 'co_create', worker: 0, req: r, co: r, phase: 'content'});
			evs.push({ts: ts += 1000, kind: 'co_resume', worker: 0, req: r, co: r, phase: 'content'});
			evs.push({ts: ts += 1000, kind: 'co_yield', worker: 0, req: r, co: r, phase: 'content', detail: 'sleep 50ms', source: 'nginx.conf', line: 4});
		}
		evs.push({ts: ts += 1000, kind: 'co_resume', worker: 0, req: 1, co: 1, phase: 'content'});
		evs.push({ts: ts += 1000, kind: 'co_create', worker: 0, req: 1, co: 1000, phase: 'content', arg: 1, detail: 'ngx.thread.spawn'});
		for (let r = 1; r <= 100; r++) {
			if (r > 1) evs.push({ts: ts += 1000, kind: 'co_resume', worker: 0, req: r, co: r, phase: 'content'});
			evs.push({ts: ts += 1000, kind: 'co_exit', worker: 0, req: r, co: r, phase: 'content', detail: 'ok'});
			evs.push({ts: ts += 1000, kind: 'phase_exit', worker: 0, req: r, phase: 'content'});
			evs.push({ts: ts += 1000, kind: 'phase_enter', worker: 0, req: r, phase: 'log'});
			evs.push({ts: ts += 1000, kind: 'phase_exit', worker: 0, req: r, phase: 'log'});
			evs.push({ts: ts += 1000, kind: 'request_end', worker: 0, req: r, arg: 200});
		}
		window.restylab.ingest(evs);
		document.querySelector('#tl-fit').click();
		return true; })()`))
	waitJS(t, ctx, "100 request lanes, folded", `(() => { const d = document.querySelector('.timeline-wrap').dataset; return d.requests === '100' && d.folded === 'true'; })()`, 10*time.Second)
	if n := value(t, ctx, "read the coroutine count", chromedp.Evaluate[string](`document.querySelector('#timeline-stats').dataset.coroutines`)); n != "101" {
		t.Fatalf("the timeline counts %s coroutines, want the 100 entry coroutines and the light thread", n)
	}
	screenshot(t, ctx, "request-lanes-folded")
}

// TestBrowserReloadLanes: Apply while a request is in flight, as lesson 2
// asks. The request is answered by the code it started with, and the
// timeline shows it to its end on the old worker's lane, while the request
// sent after Apply runs on the new worker's lane, named after the reload.
func TestBrowserReloadLanes(t *testing.T) {
	conf := "events { }\nhttp { server { listen 8080;\nlocation /slow { content_by_lua_block { ngx.sleep(1.5) ngx.say(\"old code\") } }\nlocation / { content_by_lua_block { ngx.say(\"VERSION\") } }\n} }"
	_, ctx := openPlayground(t, strings.Replace(conf, "VERSION", "v1", 1))
	run(t, ctx, "clear the recording, send /slow",
		chromedp.Click(chromedp.CSS(`#tl-clear`)),
		chromedp.Click(chromedp.CSS(`#tab-request`)),
		chromedp.WaitVisible(chromedp.CSS(`#send`)),
		chromedp.SetValue(chromedp.CSS(`#req-path`), "/slow"),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	lanesJS := `JSON.parse(document.querySelector('.timeline-wrap').dataset.requestLanes || '[]')`
	waitJS(t, ctx, "/slow in flight on the timeline", `(() => `+lanesJS+`.some(l => l.label === 'GET /slow'))()`, 10*time.Second)
	typeConf(t, ctx, strings.Replace(conf, "VERSION", "v2", 1))
	run(t, ctx, "apply while /slow runs", chromedp.Click(chromedp.CSS(`#apply`)))
	waitJS(t, ctx, "the /slow response", `document.querySelector('#send-result').dataset.status === '200'`, 20*time.Second)
	if body := value(t, ctx, "read the response", chromedp.Text(chromedp.CSS(`#send-result`))); !strings.Contains(body, "old code") {
		t.Fatalf("the request in flight across Apply got %q, want the old code's answer", body)
	}
	// The reload may still be going on when /slow's answer comes (a loaded
	// machine types and applies slowly): "/" must wait for it, or the old
	// worker serves it too.
	waitJS(t, ctx, "the apply's answer", applied, 20*time.Second)
	run(t, ctx, "send / on the new code",
		chromedp.SetValue(chromedp.CSS(`#req-path`), "/"),
		chromedp.Click(chromedp.CSS(`#send`)),
	)
	waitJS(t, ctx, "the answer of the new code", `(document.querySelector('#send-result').textContent || '').includes('v2')`, 20*time.Second)
	waitJS(t, ctx, "both requests' lanes", `(() => { const ls = `+lanesJS+`; return ls.some(l => l.label === 'GET /slow') && ls.some(l => l.label === 'GET /'); })()`, 20*time.Second)
	var lanes []requestLane
	if err := json.Unmarshal([]byte(value(t, ctx, "read the lanes", chromedp.Evaluate[string](`document.querySelector('.timeline-wrap').dataset.requestLanes`))), &lanes); err != nil {
		t.Fatal(err)
	}
	workers := map[string]string{}
	for _, ln := range lanes {
		workers[ln.Label] = ln.Worker
	}
	old, fresh := workers["GET /slow"], workers["GET /"]
	if !strings.HasPrefix(old, "worker 0") || !strings.HasPrefix(fresh, "worker 0 · reload ") || old == fresh {
		t.Fatalf("/slow ran on %q and / on %q: want the old worker and a new one named after the reload", old, fresh)
	}
	screenshot(t, ctx, "reload-lanes")
	t.Logf("/slow on %q, / on %q", old, fresh)
}

// TestBrowserAccessLog: a request sent from the page shows its access log
// lines in the access_log tab, one per log of its location with the file
// it went to; an apply keeps the lines and the next request's follow; the
// panel's text is translated.
func TestBrowserAccessLog(t *testing.T) {
	conf := `events { } http { log_format short '$request_method $uri $status'; server { listen 8080; location / { access_log logs/a.log short; access_log logs/b.log; content_by_lua_block { ngx.say("logged") } } } }`
	_, ctx := openPlayground(t, conf)
	send := func(path string) {
		t.Helper()
		run(t, ctx, "send "+path,
			chromedp.Click(chromedp.CSS(`#tab-request`)),
			chromedp.WaitVisible(chromedp.CSS(`#send`)),
			chromedp.SetValue(chromedp.CSS(`#req-path`), path),
			chromedp.Click(chromedp.CSS(`#send`)),
		)
	}
	run(t, ctx, "open the access_log tab", chromedp.Click(chromedp.CSS(`#tab-accesslog`)))
	send("/first")
	// the lines as the rows show them: "file line"
	rows := `[...document.querySelectorAll('#access-log .al')].map(r => r.dataset.file + ' ' + r.textContent.slice(r.querySelector('.al-file').textContent.length + 1))`
	waitJS(t, ctx, "two lines for /first", `(() => { const r = `+rows+`; return r.length === 2 && r[0] === 'logs/a.log GET /first 200' && /^logs\/b\.log 127\.0\.0\.1 - - \[[^\]]+\] "GET \/first HTTP\/1\.1" 200 \d+ "[^"]*" "[^"]+"$/.test(r[1]); })()`, 15*time.Second)
	screenshot(t, ctx, "access-log")

	// apply (a reload of the instance): the lines stay, the next come
	_ = value(t, ctx, "forget the last apply", chromedp.Evaluate[bool](`(() => { document.querySelector('#apply-status').dataset.state = ''; return true; })()`))
	run(t, ctx, "apply again", chromedp.Click(chromedp.CSS(`#apply`)))
	waitJS(t, ctx, "the apply result", applied, 20*time.Second)
	send("/second")
	waitJS(t, ctx, "four lines after the apply", `(() => { const r = `+rows+`; return r.length === 4 && r[0] === 'logs/a.log GET /first 200' && r[2] === 'logs/a.log GET /second 200'; })()`, 15*time.Second)

	// the file filter shows one file's lines
	_ = value(t, ctx, "filter by logs/a.log", chromedp.Evaluate[bool](`(() => { const s = document.querySelector('#access-log-file'); s.value = 'logs/a.log'; return s.dispatchEvent(new Event('change')); })()`))
	if n := value(t, ctx, "count the shown rows", chromedp.Evaluate[int](`[...document.querySelectorAll('#access-log .al')].filter(r => !r.hidden).length`)); n != 2 {
		t.Errorf("%d rows shown for logs/a.log, want 2", n)
	}

	// a burst of 1000 requests writes 2000 more lines: the panel keeps the
	// last 2000 (the first request's are gone), in the order written
	_ = value(t, ctx, "filter: all files", chromedp.Evaluate[bool](`(() => { const s = document.querySelector('#access-log-file'); s.value = ''; return s.dispatchEvent(new Event('change')); })()`))
	_ = value(t, ctx, "burst 1000", chromedp.Evaluate[bool](`(() => { const b = JSON.parse(document.getElementById('boot').textContent); fetch('/api/burst', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-Restylab-Session': b.session}, body: JSON.stringify({method: 'GET', path: '/many', n: 1000, c: 20})}); return true; })()`))
	waitJS(t, ctx, "the burst's 2000 lines", `+document.querySelector('#access-log').dataset.total >= 2004`, 60*time.Second)
	if n := value(t, ctx, "count the rows", chromedp.Evaluate[int](`document.querySelectorAll('#access-log .al').length`)); n != 2000 {
		t.Errorf("%d rows after 2004 lines, want the last 2000", n)
	}
	if last := value(t, ctx, "read the first and last rows", chromedp.Evaluate[string](`(() => { const r = `+rows+`; return r[0] + '|' + r[r.length - 2]; })()`)); !strings.HasPrefix(last, "logs/a.log GET /many 200|logs/a.log GET /many 200") {
		t.Errorf("first and last a.log rows after the burst: %q", last)
	}

	_ = value(t, ctx, "choose Chinese", chromedp.Evaluate[bool](`(() => { document.cookie = 'restylab_lang=zh; path=/'; return true; })()`))
	run(t, ctx, "reload in Chinese",
		chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`.cm-content`)),
		chromedp.Click(chromedp.CSS(`#tab-accesslog`)))
	if text := value(t, ctx, "read the panel", chromedp.Text(chromedp.CSS(`.accesslog-panel`))); !strings.Contains(text, "还没有访问日志") || !strings.Contains(text, "清空") {
		t.Errorf("the access_log panel in Chinese reads %q", text)
	}
}

// TestBrowserHealthShown: the instance's usage is on the page, also for a
// page opened while the instance is idle (the lab sends a figure only when
// it changes; a new page has it in its "hello").
func TestBrowserHealthShown(t *testing.T) {
	_, ctx := openPlayground(t, `events { } http { server { listen 8080; location / { content_by_lua_block { ngx.say("ok") } } } }`)
	hasHealth := `/conns \d+/.test(document.getElementById('health').textContent)`
	waitJS(t, ctx, "the instance's usage", hasHealth, 15*time.Second)
	time.Sleep(3 * time.Second) // idle: the figures stop changing
	run(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`.cm-content`)))
	waitJS(t, ctx, "the instance's usage after a reload", hasHealth, 3*time.Second)
}
