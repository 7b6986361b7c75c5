package web

import (
	"embed"
	"fmt"
	"net/http"
	"strings"

	"github.com/restylab/restylab/web/store"
	"github.com/restylab/restylab/web/views"
)

//go:embed examples/*.conf
var exampleFiles embed.FS

// examples are the starter workspaces of the home page, in order.
var examples = []struct {
	views.Example
	zh     [2]string    // title and description in Chinese
	preset views.Preset // what Send and Fire burst ask first: a path the example serves
}{
	{views.Example{Name: "sleep", Title: "Synchronous non-blocking", About: "100 requests that each sleep 50 ms, served by one worker in about 50 ms."},
		[2]string{"同步非阻塞", "100 个各睡眠 50 毫秒的请求，一个 worker 约 50 毫秒全部完成。"}, views.Preset{Path: "/", N: 100, C: 100}},
	{views.Example{Name: "blocking", Title: "Blocking vs yielding", About: "A CPU loop holds the worker's only thread; ngx.sleep gives it back."},
		[2]string{"阻塞与让出", "CPU 循环占住 worker 唯一的线程；ngx.sleep 则把它让出来。"}, views.Preset{Path: "/spin", N: 20, C: 20}},
	{views.Example{Name: "phases", Title: "The phases of a request", About: "set, rewrite, access, content, header_filter, body_filter and log, in order."},
		[2]string{"请求的各个阶段", "set、rewrite、access、content、header_filter、body_filter 和 log，依次执行。"}, views.Preset{Path: "/", N: 1, C: 1}},
	{views.Example{Name: "globals", Title: "Globals are per worker", About: "A yield between write and read lets another request overwrite a global."},
		[2]string{"全局变量属于 worker", "写入和读取之间的一次让出，会让另一个请求覆盖全局变量。"}, views.Preset{Path: "/?u=alice", N: 20, C: 20}},
	{views.Example{Name: "log_phase_io", Title: "No I/O in the log phase", About: "A cosocket in log_by_lua is refused; a 0-delay timer does the work instead."},
		[2]string{"log 阶段不能做 I/O", "log_by_lua 中的 cosocket 会被拒绝；改用 0 延迟的定时器来完成。"}, views.Preset{Path: "/bad", N: 10, C: 10}},
	{views.Example{Name: "say_then_exit", Title: "ngx.say, then ngx.exit(403)", About: "The first output sends status 200: the later 403 cannot change it."},
		[2]string{"先 ngx.say 再 ngx.exit(403)", "第一次输出就发送了 200 状态，之后的 403 无法改变它。"}, views.Preset{Path: "/", N: 1, C: 1}},
	{views.Example{Name: "spawn_waits", Title: "Light threads are waited for", About: "The request lasts until its threads end, unless ngx.exit kills them."},
		[2]string{"请求会等待轻线程", "请求会持续到它的线程都结束，除非 ngx.exit 把它们杀掉。"}, views.Preset{Path: "/wait", N: 10, C: 10}},
}

// examplePreset returns the named example's request preset.
func examplePreset(name string) (views.Preset, bool) {
	for _, ex := range examples {
		if ex.Name == name {
			return ex.preset, true
		}
	}
	return views.Preset{}, false
}

// exampleWorkspace returns the named example's workspace.
func exampleWorkspace(name string) (store.Workspace, bool) {
	data, err := exampleFiles.ReadFile("examples/" + name + ".conf")
	if err != nil {
		return store.Workspace{}, false
	}
	return store.Workspace{Conf: string(data), Files: map[string]string{}}, true
}

// defaultWorkspace is a new session's workspace.
func defaultWorkspace() store.Workspace {
	ws, _ := exampleWorkspace("sleep")
	return ws
}

// localExamples returns the examples in lang.
func localExamples(lang views.Lang) []views.Example {
	out := make([]views.Example, len(examples))
	for i, ex := range examples {
		out[i] = ex.Example
		if lang == views.Chinese {
			out[i].Title, out[i].About = ex.zh[0], ex.zh[1]
		}
	}
	return out
}

// example replaces the session's workspace with an example, keeping the
// old one as a snapshot the learner is told about.
func (s *Server) example(w http.ResponseWriter, r *http.Request) {
	ws, ok := exampleWorkspace(r.PathValue("name"))
	if !ok {
		s.notFound(w, r)
		return
	}
	s.replaceWorkspace(w, r, ws, "example="+r.PathValue("name"))
}

// sameCode reports whether two workspaces hold the same text.
func sameCode(a, b store.Workspace) bool {
	if strings.TrimSpace(a.Conf) != strings.TrimSpace(b.Conf) || len(a.Files) != len(b.Files) {
		return false
	}
	for name, text := range a.Files {
		if other, ok := b.Files[name]; !ok || other != text {
			return false
		}
	}
	return true
}

// replaceWorkspace makes ws the session's workspace, keeps the previous one
// as a snapshot, and sends the browser to the playground.
func (s *Server) replaceWorkspace(w http.ResponseWriter, r *http.Request, ws store.Workspace, query string) {
	s.replaceWorkspaceTo(w, r, ws, "/play", query)
}

// replaceWorkspaceTo is replaceWorkspace with the page to open after it.
func (s *Server) replaceWorkspaceTo(w http.ResponseWriter, r *http.Request, ws store.Workspace, page, query string) {
	sess := s.sessionFor(w, r, true)
	kept, err := s.keepAndSave(sess, ws)
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	// The instance serves what the editor shows from now on: a running one
	// is reloaded at once (one that is not running starts with it). A
	// workspace that does not load leaves the old one serving, and the
	// page shows the error as after any Apply.
	if sess.running() != nil {
		if _, err := s.reload(r.Context(), sess, s.workspace(sess.id)); err != nil {
			s.log.Warn("apply the replaced workspace", "session", logID(sess.id), "err", err)
		}
	}
	var params []string
	if kept != "" {
		params = append(params, "kept="+kept)
	}
	if query != "" {
		params = append(params, query)
	}
	target := page
	if len(params) > 0 {
		target += "?" + strings.Join(params, "&")
	}
	s.redirect(w, r, target, http.StatusSeeOther)
}

// keepAndSave makes ws the session's workspace; the code it replaces is
// first kept as a snapshot, whose id it returns ("" when the code was the
// same).
func (s *Server) keepAndSave(sess *session, ws store.Workspace) (string, error) {
	old := s.workspace(sess.id)
	kept := ""
	if !sameCode(old, ws) {
		id := newID(10)
		if _, err := s.store.SaveSnapshot(id, old); err != nil {
			return "", fmt.Errorf("could not keep your current code: %w", err)
		}
		kept = id
	}
	ws.Updated = 0
	ws.Embed = old.Embed
	if _, err := s.store.SaveWorkspace(sess.id, ws); err != nil {
		return "", err
	}
	return kept, nil
}
