package lessons

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/restylab/restylab/lab/trace"
)

// TestEveryLessonHasBothLanguages loads the embedded course: every lesson
// has its title and summary, and every ready one its text, task, hints,
// experiment and check names and hints, in English and in Chinese.
func TestEveryLessonHasBothLanguages(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 16 {
		t.Errorf("%d lessons, want the course's 16 (coming ones included)", len(all))
	}
	for _, l := range all {
		texts := []Text{l.Title, l.Summary}
		for _, ex := range l.Experiments {
			texts = append(texts, ex.Name)
		}
		for _, ck := range l.Checks {
			texts = append(texts, ck.Name, ck.Hint)
		}
		for _, tx := range texts {
			if tx.En == "" || !hasHan(tx.Zh) {
				t.Errorf("%s: text %q / %q lacks a language", l.ID, tx.En, tx.Zh)
			}
		}
		if l.Status != Ready {
			continue
		}
		htmls := append([]HTML{l.Text, l.Task}, l.Hints...)
		for _, h := range htmls {
			if h.En == "" || !hasHan(string(h.Zh)) {
				t.Errorf("%s: a text lacks a language: %.60q / %.60q", l.ID, h.En, h.Zh)
			}
		}
	}
}

// TestMarkdownHighlightsCode: lesson code blocks go through chroma, Lua
// inside an nginx block as Lua, and the source's raw HTML is left out.
func TestMarkdownHighlightsCode(t *testing.T) {
	out, err := renderMarkdown("t.md", "# T\n\n<script>alert(1)</script>\n\n```nginx\nlocation / {\n    content_by_lua_block {\n        local x = \"a<b\"\n    }\n}\n```\n")
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{`<pre class="chroma"><code>`, `<span class="kd">local</span>`, `&#34;a&lt;b&#34;`, `<span class="k">location</span>`} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "<script>") {
		t.Errorf("raw HTML kept:\n%s", s)
	}
}

// minimal is a ready lesson's files; tests break one at a time.
func minimal() fstest.MapFS {
	ws := "http { server { listen 8080; location / { content_by_lua_block { ngx.say('hi') } } } }\n"
	return fstest.MapFS{
		"c/01-demo/lesson.txt":           {Data: []byte("status: ready\ntitle_en: Demo\ntitle_zh: 演示\nsummary_en: A demo.\nsummary_zh: 一个演示。\n")},
		"c/01-demo/en/text.md":           {Data: []byte("Demo.\n")},
		"c/01-demo/en/task.md":           {Data: []byte("Do it.\n")},
		"c/01-demo/en/hints.md":          {Data: []byte("- one\n- two\n")},
		"c/01-demo/zh/text.md":           {Data: []byte("演示。\n")},
		"c/01-demo/zh/task.md":           {Data: []byte("做吧。\n")},
		"c/01-demo/zh/hints.md":          {Data: []byte("- 一\n- 二\n")},
		"c/01-demo/starter/nginx.conf":   {Data: []byte(ws)},
		"c/01-demo/solution/nginx.conf":  {Data: []byte(ws)},
		"c/01-demo/solution2/nginx.conf": {Data: []byte(ws)},
		"c/01-demo/experiments.txt":      {Data: []byte("=== Get\n--- name_zh: 获取\n--- request\nGET /\n")},
		"c/01-demo/checks.txt":           {Data: []byte("=== Says hi\n--- name_zh: 说你好\n--- request\nGET /\n--- response_body\nhi\n--- hint\nSay hi.\n--- hint_zh\n说你好。\n")},
	}
}

// TestLoadBadInput: each broken lesson gives one error naming the file
// and, where there is one, the line.
func TestLoadBadInput(t *testing.T) {
	if ls, err := Load(minimal(), "c"); err != nil || len(ls) != 1 || len(ls[0].Hints) != 2 || ls[0].Checks[0].req.target != "/" {
		t.Fatalf("the minimal lesson: %v", err)
	}
	for value, want := range map[string]string{"yes": "", "no (it talks to redis.lab)": "it talks to redis.lab", "no( uses echo.lab )": "uses echo.lab"} {
		fsys := minimal()
		meta := string(fsys["c/01-demo/lesson.txt"].Data) + "oracle: " + value + "\n"
		fsys["c/01-demo/lesson.txt"] = &fstest.MapFile{Data: []byte(meta)}
		ls, err := Load(fsys, "c")
		if err != nil {
			t.Errorf("oracle: %s: %v", value, err)
		} else if ls[0].LabOnly != want {
			t.Errorf("oracle: %s: LabOnly %q, want %q", value, ls[0].LabOnly, want)
		}
	}
	cases := []struct {
		name, file, data, want string
	}{
		{"missing translation", "c/01-demo/zh/task.md", "", "c/01-demo/zh/task.md: missing"},
		{"untranslated", "c/01-demo/zh/task.md", "Do it.\n", "c/01-demo/zh/task.md: the Chinese text has no Chinese in it"},
		{"hint count", "c/01-demo/zh/hints.md", "- 一\n", "c/01-demo/zh/hints.md: 1 hints, but the English hints.md has 2"},
		{"hints not a list", "c/01-demo/en/hints.md", "one hint\n", "c/01-demo/en/hints.md: want one Markdown list"},
		{"check name untranslated", "c/01-demo/checks.txt", "=== A\n--- name_zh: A\n--- request\nGET /\n--- error_code: 200\n--- hint\nh\n--- hint_zh\n提示\n", "c/01-demo/checks.txt:2: --- name_zh of block \"A\" has no Chinese"},
		{"check without hint_zh", "c/01-demo/checks.txt", "=== A\n--- name_zh: 甲\n--- request\nGET /\n--- error_code: 200\n--- hint\nh\n", "c/01-demo/checks.txt:1: block \"A\" has no Chinese translation: add --- hint_zh"},
		{"unknown section", "c/01-demo/checks.txt", "=== A\n--- name_zh: 甲\n--- request\nGET /\n--- respnse_body\nhi\n", "c/01-demo/checks.txt:5: unknown section \"respnse_body\""},
		{"bad trace line", "c/01-demo/checks.txt", "=== A\n--- name_zh: 甲\n--- request\nGET /\n--- trace\noverlap >= 10\nwall < soon\n--- hint\nh\n--- hint_zh\n提示\n", "c/01-demo/checks.txt:7: bad duration \"soon\""},
		{"bad phase", "c/01-demo/checks.txt", "=== A\n--- name_zh: 甲\n--- request\nGET /\n--- trace\nphase acces before content\n", "c/01-demo/checks.txt:6: bad trace line \"phase acces before content\""},
		{"bad request", "c/01-demo/checks.txt", "=== A\n--- name_zh: 甲\n--- request\nGET /\nbody\n", "c/01-demo/checks.txt:3: --- request takes one line"},
		{"bad burst", "c/01-demo/experiments.txt", "=== A\n--- name_zh: 甲\n--- request\nGET /\n--- burst: 10 20\n", "c/01-demo/experiments.txt:5: bad burst \"10 20\""},
		{"nothing asserted", "c/01-demo/checks.txt", "=== A\n--- name_zh: 甲\n--- request\nGET /\n--- hint\nh\n--- hint_zh\n提示\n", "c/01-demo/checks.txt:1: check \"A\" asserts nothing"},
		{"twice", "c/01-demo/checks.txt", "=== A\n--- name_zh: 甲\n--- request\nGET /\n--- request\nGET /\n", "c/01-demo/checks.txt:5: section \"request\" given twice in block \"A\" (first at line 3)"},
		{"text before a block", "c/01-demo/checks.txt", "hello\n=== A\n", "c/01-demo/checks.txt:1: text \"hello\" outside a section"},
		{"bad regex", "c/01-demo/checks.txt", "=== A\n--- name_zh: 甲\n--- request\nGET /\n--- response_body_like: (\n", "c/01-demo/checks.txt:5: bad response_body_like pattern"},
		{"title in the text", "c/01-demo/en/text.md", "# Demo\n\nText.\n", "c/01-demo/en/text.md:1: the title belongs in lesson.txt (title_en)"},
		{"missing starter", "c/01-demo/starter/nginx.conf", "", "c/01-demo/starter/nginx.conf: missing"},
		{"bad status", "c/01-demo/lesson.txt", "status: soon\n", "c/01-demo/lesson.txt:1: status \"soon\": want ready or coming"},
		{"oracle without a reason", "c/01-demo/lesson.txt", "status: ready\noracle: no\n", "c/01-demo/lesson.txt:2: oracle \"no\": want yes, or no with the reason in parentheses"},
		{"oracle maybe", "c/01-demo/lesson.txt", "status: ready\noracle: maybe (redis)\n", "c/01-demo/lesson.txt:2: oracle \"maybe (redis)\": want yes"},
		{"unknown meta", "c/01-demo/lesson.txt", "status: ready\ntitel_en: X\n", "c/01-demo/lesson.txt:2: bad line \"titel_en: X\""},
		{"stray entry", "c/01-demo/soluton/nginx.conf", "x", "c/01-demo/soluton: unknown entry of a lesson folder"},
		{"bad folder", "c/1-demo/lesson.txt", "x", "c/1-demo: not a lesson folder"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fsys := minimal()
			if tc.data == "" {
				delete(fsys, tc.file)
			} else {
				fsys[tc.file] = &fstest.MapFile{Data: []byte(tc.data)}
			}
			_, err := Load(fsys, "c")
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %v, want one starting with %q", err, tc.want)
			}
		})
	}
}

// TestCheckOnWorkspaceThatDoesNotLoad: the learner reads one sentence
// with the file and line of the problem, on every check, with its hint.
func TestCheckOnWorkspaceThatDoesNotLoad(t *testing.T) {
	l, ok := ByID("hello")
	if !ok {
		t.Fatal("lesson hello missing")
	}
	ws := Workspace{Conf: "events {}\nhttp {\n    server {\n        listen 8080;\n        locaton / { }\n    }\n}\n"}
	_, err := StartEngine(ws)
	if err == nil {
		t.Fatal("a workspace with an unknown directive loaded")
	}
	le, isLoad := err.(*LoadError)
	if !isLoad || le.File != "nginx.conf" || le.Line != 5 {
		t.Fatalf("error %#v, want a *LoadError at nginx.conf:5", err)
	}
	for _, lang := range Langs {
		r := l.NotLoaded(err, lang)
		if r.Score != 0 || len(r.Checks) != len(l.Checks) {
			t.Fatalf("%s: result %+v", lang, r)
		}
		for _, c := range r.Checks {
			if c.OK || !strings.Contains(c.Message, `unknown directive "locaton" in nginx.conf:5`) || c.Hint == "" {
				t.Errorf("%s: check %q: message %q hint %q", lang, c.Name, c.Message, c.Hint)
			}
			body := strings.TrimSuffix(strings.TrimSuffix(c.Message, "."), "。")
			if body == c.Message || strings.Contains(body, ". ") || strings.Contains(body, "。") {
				t.Errorf("%s: message %q is not one sentence", lang, c.Message)
			}
		}
	}
	if msg := l.NotLoaded(err, Chinese).Checks[0].Message; !strings.HasPrefix(msg, "你的工作区加载失败") {
		t.Errorf("Chinese message %q", msg)
	}
}

// TestCheckAgainstDeadInstance: a check whose instance is gone fails with
// the reason instead of hanging or panicking.
func TestCheckAgainstDeadInstance(t *testing.T) {
	l, _ := ByID("hello")
	e := startWorkspace(t, l.Solution)
	dead := &deadTarget{Engine: e, base: "http://127.0.0.1:1"}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := l.Check(ctx, dead, English)
	if r.Score != 0 {
		t.Fatalf("score %d against a closed port", r.Score)
	}
	if m := r.Checks[0].Message; !strings.HasPrefix(m, "GET /hello failed: ") || !strings.Contains(m, "refused") {
		t.Errorf("message %q", m)
	}
}

type deadTarget struct {
	*Engine
	base string
}

func (d *deadTarget) BaseURL() string { return d.base }

// TestTraceAssertions runs each trace assertion on a made-up window, both
// ways, and checks the words of the failure.
func TestTraceAssertions(t *testing.T) {
	req := &request{method: "GET", target: "/w", n: 3, c: 3}
	ms := int64(1e6)
	ev := func(ts int64, k trace.Kind, id int64, f func(*trace.Event)) trace.Event {
		e := trace.Event{TS: ts, Kind: k, Req: id, Co: id}
		if f != nil {
			f(&e)
		}
		return e
	}
	start := func(ts, id int64) trace.Event {
		return ev(ts, trace.RequestStart, id, func(e *trace.Event) { e.Detail = "GET /w" })
	}
	phase := func(ts, id int64, p string) trace.Event {
		return ev(ts, trace.PhaseEnter, id, func(e *trace.Event) { e.Phase = p })
	}
	code := func(ts, id int64, src string) trace.Event {
		return ev(ts, trace.PhaseEnter, id, func(e *trace.Event) { e.Phase = "content"; e.Source = src })
	}
	yield := func(ts, id int64, why string) trace.Event {
		return ev(ts, trace.CoYield, id, func(e *trace.Event) { e.Detail = why; e.Phase = "content" })
	}
	// Two requests overlap (0..20 and 5..30 ms); a third starts when the
	// second ends; a subrequest and another path overlap too but do not count.
	events := []trace.Event{
		start(0, 1), phase(1*ms, 1, "rewrite"), code(2*ms, 1, "/p/lua/hello.lua"),
		ev(2*ms, trace.CoResume, 1, nil), yield(3*ms, 1, "sleep 10ms"),
		start(5*ms, 2), code(6*ms, 2, "/p/lua/hello.lua"), phase(7*ms, 2, "rewrite"),
		ev(6*ms, trace.CoResume, 2, nil), ev(18*ms, trace.CoExit, 2, func(e *trace.Event) { e.Phase = "content" }),
		ev(8*ms, trace.RequestStart, 9, func(e *trace.Event) { e.Arg = 1; e.Detail = "subrequest GET /w" }),
		ev(9*ms, trace.RequestStart, 8, func(e *trace.Event) { e.Detail = "GET /other" }),
		ev(20*ms, trace.RequestEnd, 1, nil), start(30*ms, 3), ev(30*ms, trace.RequestEnd, 2, nil),
		phase(31*ms, 3, "rewrite"), code(32*ms, 3, "content_by_lua(nginx.conf:9)"), ev(40*ms, trace.RequestEnd, 3, nil),
		ev(41*ms, trace.TimerFire, 7, func(e *trace.Event) { e.Detail = "ngx.timer"; e.Worker = 1 }),
	}
	o := &outcome{req: req, win: Window{Events: events}, workers: 2}
	cases := []struct {
		line string
		want string // "" = passes
	}{
		{"overlap >= 2", ""},
		{"overlap >= 3", "expected at least 3 requests in progress at once, the trace shows at most 2"},
		{"wall < 41ms", ""},
		{"wall < 40ms", "expected the 3 requests to finish within 40 ms, they took 40 ms"},
		{"max_slice < 13ms", ""},
		{"max_slice < 12ms", "expected no coroutine to run 12 ms or more without yielding, one ran 12 ms (content)"},
		{"yield sleep", ""},
		{"yield read fd", `expected a coroutine to yield on "read fd", they yielded only on: sleep`},
		{"phase rewrite before content", "expected the rewrite phase before content, request 2 ran content first"},
		{"phase access before content", "expected the access phase before content, request 1 never ran access"},
		{"timer in every worker", "expected a timer to fire in each of the 2 workers, it fired in 1"},
		{"timer fires", ""},
		{"chunk lua", ""},
		{"chunk hello.lua", `expected the request to run Lua from "hello.lua", request 3 ran content_by_lua(nginx.conf:9)`},
		{"chunk nginx.conf", `expected the request to run Lua from "nginx.conf", request 1 ran /p/lua/hello.lua`},
		{"requests == 3", ""},
		{"requests == 1", "expected 1 requests GET /w on the trace, it shows 3"},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			a, err := parseTraceLine(tc.line)
			if err != nil {
				t.Fatal(err)
			}
			o.tr = nil
			m := a.check(o)
			switch {
			case tc.want == "" && m != nil:
				t.Errorf("failed: %s", m.En)
			case tc.want != "" && m == nil:
				t.Errorf("passed, want %q", tc.want)
			case tc.want != "" && (!strings.HasPrefix(m.En, tc.want) || !hasHan(m.Zh)):
				t.Errorf("message %q / %q, want %q", m.En, m.Zh, tc.want)
			}
		})
	}
	if m := (timerFires{}).check(&outcome{req: req, win: Window{Events: events[:len(events)-1]}, workers: 2}); m == nil || !strings.HasPrefix(m.En, "expected an ngx.timer callback to run") {
		t.Errorf("timer fires without a timer: %v", m)
	}
	lost := &outcome{req: req, win: Window{Events: events, Dropped: 5}}
	if m := (overlapAtLeast{2}).check(lost); m == nil || !strings.Contains(m.En, "lost 5 events") {
		t.Errorf("a window with dropped events: %v", m)
	}
	none := &outcome{req: &request{method: "GET", target: "/nope", n: 1, c: 1}, win: Window{Events: events}}
	if m := (wallUnder{time.Second}).check(none); m == nil || !strings.Contains(m.En, "none of the check's requests (GET /nope)") {
		t.Errorf("a window without the check's requests: %v", m)
	}
}

// TestResponseAssertions: a burst's failure says how many responses
// failed and shows the first.
func TestResponseAssertions(t *testing.T) {
	ok := response{status: 200, body: "done\n", header: map[string][]string{"X-A": {"1"}}}
	bad := response{status: 500, body: "oops", header: map[string][]string{}}
	o := &outcome{responses: []response{ok, bad, ok, bad}}
	cases := []struct {
		a    assertion
		want string
	}{
		{statusIs{200}, "2 of 4 responses failed, the first: expected status 200, got 500"},
		{bodyIs{"done\n"}, `2 of 4 responses failed, the first: expected the body "done\n", got "oops"`},
		{headerIs{name: "x-a", value: "1"}, "2 of 4 responses failed, the first: expected the header x-a: 1, got no x-a header"},
		{headerIs{name: "X-A", absent: true}, `2 of 4 responses failed, the first: expected no X-A header, got "1"`},
	}
	for _, tc := range cases {
		m := tc.a.check(o)
		if m == nil || m.En != tc.want || !strings.Contains(m.Zh, "4 个响应中有 2 个不符合") {
			t.Errorf("%T: %v, want %q", tc.a, m, tc.want)
		}
	}
	counted := &outcome{responses: []response{{body: "1\n"}, {body: "2\n"}, {body: "1\n"}}}
	fresh := &outcome{responses: []response{{body: "1\n"}, {body: "1\n"}}}
	for _, tc := range []struct {
		a    bodiesAre
		o    *outcome
		want string
	}{
		{bodiesAre{distinct: true}, counted, `expected a different body in every response, responses 1 and 3 both had "1\n"`},
		{bodiesAre{distinct: true}, &outcome{responses: counted.responses[:2]}, ""},
		{bodiesAre{}, fresh, ""},
		{bodiesAre{}, counted, `expected the same body in every response, response 1 had "1\n" and response 2 had "2\n"`},
		{bodiesAre{}, &outcome{responses: fresh.responses[:1]}, "expected at least 2 responses to compare, got 1"},
	} {
		m := tc.a.check(tc.o)
		switch {
		case tc.want == "" && m != nil:
			t.Errorf("%+v: failed: %s", tc.a, m.En)
		case tc.want != "" && (m == nil || m.En != tc.want || !hasHan(m.Zh)):
			t.Errorf("%+v: %v, want %q", tc.a, m, tc.want)
		}
	}
	logs := &outcome{win: Window{ErrorLog: []string{"2026/01/01 00:00:00 [error] 1#1: *3 boom"}}}
	if m := (logHas{text: "[error]", want: false}).check(logs); m == nil || !strings.Contains(m.En, "expected no error_log line containing \"[error]\"") {
		t.Errorf("no_error_log: %v", m)
	}
	if m := (logHas{text: "boom", want: true}).check(logs); m != nil {
		t.Errorf("error_log: %v", m)
	}
}

// TestLoadCommonFiles: a lesson's common/ files are in each of its
// workspaces, and a workspace's own file of the same path wins.
func TestLoadCommonFiles(t *testing.T) {
	fsys := minimal()
	fsys["c/01-demo/common/lua/data.lua"] = &fstest.MapFile{Data: []byte("return 'common'\n")}
	fsys["c/01-demo/common/certs/a.crt"] = &fstest.MapFile{Data: []byte("CERT\n")}
	fsys["c/01-demo/solution2/lua/data.lua"] = &fstest.MapFile{Data: []byte("return 'own'\n")}
	ls, err := Load(fsys, "c")
	if err != nil {
		t.Fatal(err)
	}
	l := ls[0]
	for name, ws := range map[string]Workspace{"starter": l.Starter, "solution": l.Solution, "solution2": l.Solution2} {
		if ws.Files["certs/a.crt"] != "CERT\n" {
			t.Errorf("%s lacks the common certs/a.crt: %v", name, ws.Files)
		}
		want := "return 'common'\n"
		if name == "solution2" {
			want = "return 'own'\n"
		}
		if ws.Files["lua/data.lua"] != want {
			t.Errorf("%s: lua/data.lua = %q, want %q", name, ws.Files["lua/data.lua"], want)
		}
	}
}
