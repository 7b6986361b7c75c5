package web

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/web/views"
)

// TestDirectiveNotesTranslated: every reason and alternative lab/conf
// gives for a refused or no-effect directive has its Chinese text, so the
// /about page never shows a blank cell.
func TestDirectiveNotesTranslated(t *testing.T) {
	for _, n := range append(conf.NoEffectDirectives(), conf.UnsupportedDirectives()...) {
		for _, s := range []string{n.Why, n.Instead} {
			if s != "" && views.NoteZh[s] == "" {
				t.Errorf("%s: no Chinese text for %q in views.NoteZh", n.Name, s)
			}
		}
	}
}

// TestAboutListsDirectives: /about lists the refused directives with the
// reason and the alternative lab/conf gives, and the accepted tuning ones.
func TestAboutListsDirectives(t *testing.T) {
	l := newLab(t, "")
	resp, err := http.Get(l.ts.URL + "/about")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	page := string(b)
	for _, want := range []string{"<code>fastcgi_pass</code>", "the lab has no FastCGI backends", "<code>open_file_cache</code>", "<code>gzip_static</code>"} {
		if !strings.Contains(page, want) {
			t.Errorf("/about lacks %q", want)
		}
	}
}
