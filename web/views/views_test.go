package views

import (
	"bytes"
	"context"
	"flag"
	"html/template"
	"os"
	"path/filepath"
	"testing"

	"github.com/a-h/templ"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden renders each page and compares it with testdata/<name>.html;
// a difference writes testdata/<name>.actual.html next to it.
func TestGolden(t *testing.T) {
	en := Page{Lang: English, Title: "Home", Path: "/"}
	zh := Page{Lang: Chinese, Theme: "dark", Title: "首页", Path: "/"}
	boot := Boot{
		Session:   "abcdefghijklmnopqrstuvwxyz",
		Lang:      English,
		Workspace: BootWorkspace{Conf: "events {}\n</script><script>alert(1)</script>", Files: map[string]string{"lua/a.lua": "return 1"}, Updated: 1},
		ProxyBase: "http://localhost:8080/s/abcdefghijklmnopqrstuvwxyz/",
		Phases:    Phases,
	}
	examples := []Example{{Name: "sleep", Title: "Synchronous non-blocking", About: "100 requests <fast>"}}
	course := []LessonItem{
		{ID: "hello", Order: 1, Title: "Hello <OpenResty>", Summary: "say hi", Ready: true, Done: true, Score: 100, Tried: true},
		{ID: "nonblocking", Order: 3, Title: "Synchronous non-blocking", Summary: "wait", Ready: true, Score: 66, Tried: true},
		{ID: "certificates", Order: 15, Title: "Dynamic certificates", Summary: "SNI"},
	}
	lesson := LessonView{LessonItem: course[1], Text: "<p>text <code>x</code></p>", Task: "<p>task</p>",
		Hints:       []template.HTML{"<p>hint 1</p>", "<p>hint 2</p>"},
		Experiments: []LessonExperiment{{Label: "Echo", Method: "POST", Path: "/echo?a=1&b=<2>", Headers: "Content-Type: text/plain\n", Body: "hi", N: 1, C: 1, SNI: "a.test", Listen: "443"}, {Label: "Burst", Method: "GET", Path: "/wait", N: 100, C: 100}},
		Prev:        &course[0]}
	lessonBoot := boot
	lessonBoot.Lesson = &BootLesson{ID: "nonblocking"}
	tests := []struct {
		name string
		c    templ.Component
	}{
		{"home_en", Home(en, course, examples)},
		{"home_zh", Home(zh, course, examples)},
		{"lessons_en", Lessons(en, course)},
		{"lesson_zh_notcurrent", LessonPage(zh, lesson, lessonBoot, true)},
		{"lesson_en_current", LessonPage(en, LessonView{LessonItem: course[0], Text: "<p>t</p>", Task: "<p>k</p>", Current: true}, lessonBoot, false)},
		{"play", Play(Page{Lang: English, Title: "Playground", Path: "/play"}, boot, true)},
		{"play_notice", Play(Page{Lang: English, Title: "Playground", Path: "/play"}, Boot{Notice: "Your previous code is kept as a snapshot:", NoticeURL: "/share/abcdefghijklmnop"}, true)},
		{"play_nobundle", Play(Page{Lang: Chinese, Title: "实验场", Path: "/play"}, boot, false)},
		{"share", SharePage(en, Share{ID: "abcdefghijklmnop", Created: "2026-11-27 08:00 UTC",
			Files: []SharedFile{{Name: "nginx.conf", HTML: `<pre class="chroma">x</pre>`}}, Embed: `<iframe src="x"></iframe>`})},
		{"notfound", NotFound(en)},
		{"join_unknown_zh", JoinPage(zh, Join{To: "/play", Error: "join.wrong", Unknown: "dwibs5z5j6h2lgb2v6psorxn74"})},
		{"about_zh", About(zh, []DirectiveNote{{Name: "gzip_static", Why: [2]string{"files are sent as they are (no .gz files are looked for)", "文件按原样发送（不查找 .gz 文件）"}}},
			[]DirectiveNote{{Name: "fastcgi_pass", Why: [2]string{"no FastCGI", "没有 FastCGI"}, Instead: [2]string{"proxy_pass", "proxy_pass"}}})},
		{"embed", Play(Page{Lang: English, Title: "RestyLab", Path: "/embed/x", Embed: true}, Boot{Embed: true}, true)},
		// under a base path: every link, form and asset carries it
		{"lesson_en_base", LessonPage(Page{Lang: English, Title: "Lesson", Path: "/lessons/nonblocking", Base: "/lab"}, lesson, Boot{Notice: "kept:", NoticeURL: "/share/abcdefghijklmnop"}, true)},
		{"teacher_base", TeacherPage(Page{Lang: English, Title: "Teacher", Path: "/teacher", Base: "/lab"}, []TeacherLesson{{ID: "hello", Title: "Hello"}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.c.Render(context.Background(), &buf); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.name+".html")
			actual := filepath.Join("testdata", tt.name+".actual.html")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./web/views -update)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				_ = os.WriteFile(actual, buf.Bytes(), 0o644)
				t.Fatalf("%s differs from %s (see %s)", tt.name, golden, actual)
			}
			_ = os.Remove(actual)
		})
	}
}

func TestBootDataCannotCloseItsScript(t *testing.T) {
	var buf bytes.Buffer
	boot := Boot{Workspace: BootWorkspace{Conf: "</script><script>alert(1)</script>"}}
	if err := Play(Page{Lang: English}, boot, true).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("<script>alert(1)")) {
		t.Fatalf("learner code breaks out of the boot script:\n%s", buf.Bytes())
	}
}
