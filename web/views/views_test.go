package views

import (
	"bytes"
	"context"
	"flag"
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
	tests := []struct {
		name string
		c    templ.Component
	}{
		{"home_en", Home(en, examples)},
		{"home_zh", Home(zh, examples)},
		{"play", Play(Page{Lang: English, Title: "Playground", Path: "/play"}, boot, true)},
		{"play_notice", Play(Page{Lang: English, Title: "Playground", Path: "/play"}, Boot{Notice: "Your previous code is kept as a snapshot:", NoticeURL: "/share/abcdefghijklmnop"}, true)},
		{"play_nobundle", Play(Page{Lang: Chinese, Title: "实验场", Path: "/play"}, boot, false)},
		{"share", SharePage(en, Share{ID: "abcdefghijklmnop", Created: "2026-11-27 08:00 UTC",
			Files: []SharedFile{{Name: "nginx.conf", HTML: `<pre class="chroma">x</pre>`}}, Embed: `<iframe src="x"></iframe>`})},
		{"notfound", NotFound(en)},
		{"about_zh", About(zh)},
		{"embed", Play(Page{Lang: English, Title: "RestyLab", Path: "/embed/x", Embed: true}, Boot{Embed: true}, true)},
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
