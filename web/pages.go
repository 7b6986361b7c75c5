package web

import (
	"fmt"
	"html"
	"html/template"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/restylab/restylab/lab/conf"
	"github.com/restylab/restylab/lab/engine"
	"github.com/restylab/restylab/web/highlight"
	"github.com/restylab/restylab/web/static"
	"github.com/restylab/restylab/web/store"
	"github.com/restylab/restylab/web/views"
)

// render writes a component; an error mid-page can only be logged.
func (s *Server) render(w http.ResponseWriter, r *http.Request, c templ.Component) {
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	if err := c.Render(r.Context(), w); err != nil {
		s.log.Warn("render a page", "path", r.URL.Path, "err", err)
	}
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "nav.home")
	s.render(w, r, views.Home(p, s.courseItems(w, r, p.Lang), localExamples(p.Lang)))
}

// about lists where the lab differs from OpenResty.
func (s *Server) about(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "about.title")
	s.render(w, r, views.About(p, directiveNotes(conf.NoEffectDirectives()), directiveNotes(conf.UnsupportedDirectives())))
}

// directiveNotes are lab/conf's notes in both languages (views.NoteZh).
func directiveNotes(notes []conf.DirectiveNote) []views.DirectiveNote {
	out := make([]views.DirectiveNote, 0, len(notes))
	for _, n := range notes {
		d := views.DirectiveNote{Name: n.Name, Why: [2]string{n.Why, views.NoteZh[n.Why]}}
		if n.Instead != "" {
			d.Instead = [2]string{n.Instead, views.NoteZh[n.Instead]}
		}
		out = append(out, d)
	}
	return out
}

// play serves the playground shell of the visitor's session.
func (s *Server) play(w http.ResponseWriter, r *http.Request) {
	sess, replaced := s.openSession(w, r, true)
	p := s.page(r, "nav.play")
	boot := s.boot(r, sess.id, p.Lang, s.workspace(sess.id))
	boot.Previous = s.previousSession(r, sess.id, replaced)
	if kept := r.URL.Query().Get("kept"); kept != "" && validShareID(kept) {
		boot.Notice, boot.NoticeURL = keptNotice(p.Lang), "/share/"+kept
	}
	if preset, ok := examplePreset(r.URL.Query().Get("example")); ok {
		boot.Preset = &preset
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, views.Play(p, boot, static.Bundle()))
}

func keptNotice(lang views.Lang) string {
	if lang == views.Chinese {
		return "你之前的代码已保存为快照："
	}
	return "Your previous code is kept as a snapshot:"
}

// boot is the playground's boot data.
func (s *Server) boot(r *http.Request, id string, lang views.Lang, ws store.Workspace) views.Boot {
	files := ws.Files
	if files == nil {
		files = map[string]string{}
	}
	return views.Boot{
		Session:   id,
		Lang:      lang,
		Workspace: views.BootWorkspace{Conf: ws.Conf, Files: files, Updated: ws.Updated},
		ProxyBase: s.baseURL(r) + "/s/" + id + "/",
		Phases:    views.Phases,
		API:       apiUses(),
	}
}

// apiUses is the engine's API table, in the views' type.
var apiUses = sync.OnceValue(func() []views.API {
	var out []views.API
	for _, u := range engine.APIUses() {
		a := views.API{Name: u.Name, Yields: u.Yields, Any: u.Any}
		if !u.Any {
			a.Phases = u.Phases
		}
		out = append(out, a)
	}
	return out
})

// baseURL is the lab's absolute URL as the browser reached it: the scheme
// and host it used, and the base path.
func (s *Server) baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + s.cfg.BasePath
}

func validShareID(id string) bool { return len(id) == 16 && validID(id) }

// share shows a snapshot read-only.
func (s *Server) share(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	snap, err := s.snapshot(id)
	if err != nil {
		s.notFound(w, r)
		return
	}
	p := s.page(r, "share.title")
	data := views.Share{
		ID:      id,
		Created: time.UnixMilli(snap.Created).UTC().Format("2006-01-02 15:04 UTC"),
		Embed:   embedSnippet(s.baseURL(r), id),
	}
	names := []string{"nginx.conf"}
	for name := range snap.Files {
		names = append(names, name)
	}
	sort.Strings(names[1:])
	for _, name := range names {
		text := snap.Conf
		if name != "nginx.conf" {
			text = snap.Files[name]
		}
		h, err := highlight.File(name, text)
		if err != nil {
			s.log.Warn("highlight a snapshot file", "file", name, "err", err)
			h = template.HTML("<pre>" + templ.EscapeString(text) + "</pre>")
		}
		data.Files = append(data.Files, views.SharedFile{Name: name, HTML: h})
	}
	s.render(w, r, views.SharePage(p, data))
}

func embedSnippet(base, id string) string {
	return fmt.Sprintf(`<iframe src="%s/embed/%s" width="100%%" height="560" style="border:1px solid #ccc" title="RestyLab"></iframe>`, html.EscapeString(base), id)
}

func (s *Server) snapshot(id string) (store.Snapshot, error) {
	if !validShareID(id) {
		return store.Snapshot{}, store.ErrNotFound
	}
	return s.store.Snapshot(id)
}

// fork copies a snapshot into the caller's session.
func (s *Server) fork(w http.ResponseWriter, r *http.Request) {
	snap, err := s.snapshot(r.PathValue("id"))
	if err != nil {
		s.notFound(w, r)
		return
	}
	s.replaceWorkspace(w, r, snap.Workspace, "")
}

// embed serves a compact playground starting from a snapshot, in a session
// of its own per visitor and snapshot (the id travels in the boot data and
// the X-Restylab-Session header: third-party iframes often get no cookies).
func (s *Server) embed(w http.ResponseWriter, r *http.Request) {
	snap, err := s.snapshot(r.PathValue("id"))
	if err != nil {
		s.notFound(w, r)
		return
	}
	id := newID(16)
	ws, err := s.store.SaveWorkspace(id, store.Workspace{Conf: snap.Conf, Files: snap.Files, Embed: true})
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	p := s.page(r, "RestyLab")
	p.Embed = true
	boot := s.boot(r, id, p.Lang, ws)
	boot.Embed = true
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, views.Play(p, boot, static.Bundle()))
}
