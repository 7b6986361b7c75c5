package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/a-h/templ"
	"github.com/restylab/restylab/lessons"
	"github.com/restylab/restylab/sandbox"
	"github.com/restylab/restylab/web/highlight"
	"github.com/restylab/restylab/web/store"
	"github.com/restylab/restylab/web/views"
)

// The teacher's cookie: a random token the lab keeps in memory (a restart
// of the lab logs the teacher out), separate from the learner's session
// cookie, HttpOnly, SameSite=Strict; "__Host-" and Secure on HTTPS, as the
// session cookie. Its name starts with "restylab_", so the proxy never
// hands it to an instance (cookie.go).
const (
	teacherCookie = "restylab_teacher" // "__Host-"/"__Secure-" on HTTPS (cookieName)
	// teacherTTL is how long a teacher login lasts.
	teacherTTL = 12 * time.Hour
	// teacherHeader must be on every teacher API call that acts: a page
	// of another origin (a learner's, sandboxed under /s/) cannot send it
	// without a CORS preflight the lab never grants.
	teacherHeader = "X-Restylab-Teacher"
)

func (s *Server) teacherCookieName(r *http.Request) string {
	return s.cookieName(r, teacherCookie)
}

// isTeacher reports whether r carries a teacher token the lab issued and
// that has not expired.
func (s *Server) isTeacher(r *http.Request) bool {
	if s.cfg.TeacherPassword == "" {
		return false
	}
	c, err := r.Cookie(s.teacherCookieName(r))
	if err != nil || c.Value == "" {
		return false
	}
	s.class.mu.Lock()
	defer s.class.mu.Unlock()
	exp, ok := s.class.tokens[c.Value]
	if ok && time.Now().After(exp) {
		delete(s.class.tokens, c.Value)
		return false
	}
	return ok
}

// teacherPage guards a teacher page: 404 when no password is configured,
// the login form without a valid teacher cookie.
func (s *Server) teacherPage(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch {
		case s.cfg.TeacherPassword == "":
			s.notFound(w, r)
		case !s.isTeacher(r):
			s.renderTeacherLogin(w, r, http.StatusUnauthorized, "")
		default:
			w.Header().Set("Cache-Control", "no-store")
			h(w, r)
		}
	}
}

// teacherAPI guards a teacher API endpoint: 404 without a password
// configured, 401 without a valid teacher cookie, 403 for a call that acts
// without the X-Restylab-Teacher header.
func (s *Server) teacherAPI(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch {
		case s.cfg.TeacherPassword == "":
			jsonError(w, http.StatusNotFound, "no such endpoint")
		case !s.isTeacher(r):
			jsonError(w, http.StatusUnauthorized, "teacher login required: POST /teacher/login")
		case r.Method != http.MethodGet && r.Header.Get(teacherHeader) != "1":
			jsonError(w, http.StatusForbidden, "a teacher action needs the "+teacherHeader+": 1 header")
		default:
			h(w, r)
		}
	}
}

func (s *Server) renderTeacherLogin(w http.ResponseWriter, r *http.Request, status int, errKey string) {
	p := s.page(r, "teacher.title")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	s.render(w, r, views.TeacherLogin(p, errKey))
}

// teacherLogin is POST /teacher/login (form field password).
func (s *Server) teacherLogin(w http.ResponseWriter, r *http.Request) {
	if s.cfg.TeacherPassword == "" {
		s.notFound(w, r)
		return
	}
	addr, now := s.clientAddr(r), time.Now()
	if blocked, wait := s.class.teacherFails.blocked(addr, now); blocked {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		s.renderTeacherLogin(w, r, http.StatusTooManyRequests, "join.limited")
		return
	}
	if !secretEqual(r.FormValue("password"), s.cfg.TeacherPassword) {
		s.class.teacherFails.fail(addr, now)
		s.log.Warn("wrong teacher password", "client", addr)
		s.renderTeacherLogin(w, r, http.StatusForbidden, "teacher.wrong")
		return
	}
	token := newID(32)
	s.class.mu.Lock()
	for t, exp := range s.class.tokens {
		if now.After(exp) {
			delete(s.class.tokens, t)
		}
	}
	s.class.tokens[token] = now.Add(teacherTTL)
	s.class.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: s.teacherCookieName(r), Value: token, Path: s.cookiePath(), MaxAge: int(teacherTTL.Seconds()),
		HttpOnly: true, Secure: s.https(r), SameSite: http.SameSiteStrictMode})
	s.log.Info("teacher logged in", "client", addr)
	s.redirect(w, r, "/teacher", http.StatusSeeOther)
}

// teacherLogout is POST /teacher/logout: the token is forgotten.
func (s *Server) teacherLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.teacherCookieName(r)); err == nil {
		s.class.mu.Lock()
		delete(s.class.tokens, c.Value)
		s.class.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: s.teacherCookieName(r), Value: "", Path: s.cookiePath(), MaxAge: -1,
		HttpOnly: true, Secure: s.https(r), SameSite: http.SameSiteStrictMode})
	s.redirect(w, r, "/teacher", http.StatusSeeOther)
}

// teacherDashboard is GET /teacher: the page's shell; the front end
// (teacher.js) polls /api/teacher/class and draws the tables.
func (s *Server) teacherDashboard(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "teacher.title")
	s.render(w, r, views.TeacherPage(p, s.pushChoices(p.Lang)))
}

// pushChoices are the lessons a teacher may push (the ready ones).
func (s *Server) pushChoices(lang views.Lang) []views.TeacherLesson {
	all, err := lessons.All()
	if err != nil {
		s.log.Error("load the course", "err", err)
		return nil
	}
	var out []views.TeacherLesson
	for _, l := range all {
		if l.Status == lessons.Ready {
			out = append(out, views.TeacherLesson{ID: l.ID, Title: l.Title.In(lessonLang(lang))})
		}
	}
	return out
}

// learnerRow is one session in /api/teacher/class.
type learnerRow struct {
	ID        string `json:"id"`
	Short     string `json:"short"`
	Name      string `json:"name,omitempty"`
	Lesson    string `json:"lesson,omitempty"`
	Score     int    `json:"score"` // best score of the current lesson's checks, 0..100
	Done      bool   `json:"done"`  // every check of the current lesson passed
	Passed    int    `json:"passed"`
	State     string `json:"state"`
	Error     string `json:"error,omitempty"`
	CPUms     int64  `json:"cpu_ms"`
	RSS       int64  `json:"rss"`
	LastMs    int64  `json:"last_ms"`
	Instance  bool   `json:"instance"`
	Connected int    `json:"tabs"`
}

// lessonRow is the class's progress in one lesson.
type lessonRow struct {
	ID      string `json:"id"`
	Order   int    `json:"order"`
	Title   string `json:"title"`
	Current int    `json:"current"` // learners whose workspace began from it
	Tried   int    `json:"tried"`   // learners who ran its checks
	Passed  int    `json:"passed"`  // learners who passed every check
}

// classJSON answers GET /api/teacher/class.
type classJSON struct {
	Now      int64        `json:"now"`
	Sessions []learnerRow `json:"sessions"`
	Lessons  []lessonRow  `json:"lessons"`
}

// apiClass is GET /api/teacher/class: every learner session and the
// class's progress per lesson.
func (s *Server) apiClass(w http.ResponseWriter, r *http.Request) {
	infos, err := s.store.Sessions()
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	lang := s.page(r, "").Lang
	all, _ := lessons.All()
	out := classJSON{Now: time.Now().UnixMilli(), Sessions: []learnerRow{}, Lessons: []lessonRow{}}
	byID := map[string]int{}
	for _, l := range all {
		if l.Status != lessons.Ready {
			continue
		}
		byID[l.ID] = len(out.Lessons)
		out.Lessons = append(out.Lessons, lessonRow{ID: l.ID, Order: l.Order, Title: l.Title.In(lessonLang(lang))})
	}
	for _, info := range infos {
		row := s.learner(info)
		if i, ok := byID[info.Lesson]; ok {
			out.Lessons[i].Current++
		}
		for id, p := range info.Progress {
			if i, ok := byID[id]; ok {
				out.Lessons[i].Tried++
				if p.Done {
					out.Lessons[i].Passed++
				}
			}
		}
		out.Sessions = append(out.Sessions, row)
	}
	sort.SliceStable(out.Sessions, func(i, j int) bool { return out.Sessions[i].LastMs > out.Sessions[j].LastMs })
	writeJSON(w, http.StatusOK, out)
}

// learner is a session's row: the store's record and, when the lab holds
// the session in memory, its instance.
func (s *Server) learner(info store.SessionInfo) learnerRow {
	row := learnerRow{ID: info.ID, Short: logID(info.ID), Name: info.Name, Lesson: info.Lesson, State: "stopped"}
	if p, ok := info.Progress[info.Lesson]; ok {
		row.Score, row.Done = p.Score, p.Done
	}
	for _, p := range info.Progress {
		if p.Done {
			row.Passed++
		}
	}
	if t := info.LastActive(); !t.IsZero() {
		row.LastMs = t.UnixMilli()
	}
	s.mu.Lock()
	sess := s.sessions[info.ID]
	s.mu.Unlock()
	if sess == nil {
		return row
	}
	sess.mu.Lock()
	row.State, row.Connected = sess.state, len(sess.subs)
	in, reason, load := sess.in, sess.reason, sess.lastLoad
	sess.mu.Unlock()
	switch {
	case load != nil && !load.OK && load.Error != nil:
		row.Error = loadErrorText(load.Error)
	case row.State == "exited" && reason != "":
		row.Error = reason
	}
	if in != nil && in.Exited() == "" {
		h := in.Health()
		row.Instance, row.RSS, row.CPUms = true, h.RSS, h.CPUTime/int64(time.Millisecond)
		if d, err := in.CPUTime(); err == nil {
			row.CPUms = d.Milliseconds()
		}
	}
	return row
}

// loadErrorText is a load error as file:line: message.
func loadErrorText(e *applyError) string {
	switch {
	case e.File != "" && e.Line > 0:
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Message
	case e.File != "":
		return e.File + ": " + e.Message
	}
	return e.Message
}

// knownSession returns the session of the path's {id} when the store holds
// it as a learner's, answering 404 itself otherwise.
func (s *Server) knownSession(w http.ResponseWriter, r *http.Request, api bool) *session {
	id := r.PathValue("id")
	if validID(id) {
		if ws, err := s.store.Workspace(id); err == nil && !ws.Embed {
			return s.session(id)
		}
	}
	if api {
		jsonError(w, http.StatusNotFound, "no learner session "+strconv.Quote(id))
	} else {
		s.notFound(w, r)
	}
	return nil
}

// teacherWorkspace is GET /teacher/sessions/{id}: the learner's workspace,
// read-only, highlighted on the server, with the instance's state and last
// error. The page has no form and no editor.
func (s *Server) teacherWorkspace(w http.ResponseWriter, r *http.Request) {
	sess := s.knownSession(w, r, false)
	if sess == nil {
		return
	}
	p := s.page(r, "teacher.workspace")
	ws := s.workspace(sess.id)
	infos, _ := s.store.Sessions()
	var row learnerRow
	for _, info := range infos {
		if info.ID == sess.id {
			row = s.learner(info)
		}
	}
	data := views.TeacherWorkspace{ID: sess.id, Short: row.Short, Name: row.Name, Lesson: ws.Lesson, State: row.State, Error: row.Error}
	if ws.Updated > 0 {
		data.Updated = time.UnixMilli(ws.Updated).UTC().Format("2006-01-02 15:04:05 UTC")
	}
	names := []string{"nginx.conf"}
	for name := range ws.Files {
		names = append(names, name)
	}
	sort.Strings(names[1:])
	for _, name := range names {
		text := ws.Conf
		if name != "nginx.conf" {
			text = ws.Files[name]
		}
		h, err := highlight.File(name, text)
		if err != nil {
			h = template.HTML("<pre>" + templ.EscapeString(text) + "</pre>")
		}
		data.Files = append(data.Files, views.SharedFile{Name: name, HTML: h})
	}
	s.render(w, r, views.TeacherWorkspacePage(p, data))
}

// resetResult answers POST /api/teacher/sessions/{id}/reset.
type resetResult struct {
	State string      `json:"state"`
	Error *applyError `json:"error,omitempty"`
}

// apiResetLearner is POST /api/teacher/sessions/{id}/reset: the learner's
// instance is stopped and started again from the stored workspace.
func (s *Server) apiResetLearner(w http.ResponseWriter, r *http.Request) {
	sess := s.knownSession(w, r, true)
	if sess == nil {
		return
	}
	if in := sess.running(); in != nil {
		in.Stop()
		select {
		case <-in.Done():
		case <-time.After(10 * time.Second):
			jsonError(w, http.StatusGatewayTimeout, "the instance did not stop within 10 s")
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	_, err := s.instance(ctx, sess)
	var lerr *sandbox.LoadError
	switch {
	case errors.As(err, &lerr):
		res := &applyResult{Error: &applyError{Message: lerr.Message, File: lerr.File, Line: lerr.Line}}
		sess.mu.Lock()
		sess.lastLoad = res
		sess.mu.Unlock()
		writeJSON(w, http.StatusOK, resetResult{State: "stopped", Error: res.Error})
		return
	case err != nil:
		status, msg := startError(err)
		jsonError(w, status, msg)
		return
	}
	s.log.Info("teacher reset an instance", "session", logID(sess.id))
	writeJSON(w, http.StatusOK, resetResult{State: "running"})
}

// pushRequest is POST /api/teacher/push: a lesson's starter or a share's
// snapshot, for every learner.
type pushRequest struct {
	Lesson string `json:"lesson"`
	Share  string `json:"share"`
}

// pushResult answers POST /api/teacher/push.
type pushResult struct {
	Sessions int `json:"sessions"` // learners whose workspace it replaced
	Kept     int `json:"kept"`     // of them, whose code was kept as a snapshot
	// Snapshots are the kept snapshots' links by session id, so that the
	// teacher can hand a learner back the code the push replaced.
	Snapshots map[string]string `json:"snapshots"`
	Applied   int               `json:"applied"` // running instances that now serve it
	Errors    []string          `json:"errors"`
}

// apiPush is POST /api/teacher/push: every learner's workspace becomes the
// lesson's starter (or the snapshot); the code it replaces is kept as a
// snapshot first (the learner's own share link, as when a learner opens a
// lesson), and a running instance is reloaded with it.
func (s *Server) apiPush(w http.ResponseWriter, r *http.Request) {
	var req pushRequest
	if !readJSON(w, r, &req) {
		return
	}
	var ws store.Workspace
	switch {
	case req.Lesson != "" && req.Share == "":
		l, ok := lessons.ByID(req.Lesson)
		if !ok || l.Status != lessons.Ready {
			jsonError(w, http.StatusNotFound, "no ready lesson "+strconv.Quote(req.Lesson))
			return
		}
		ws = starterWorkspace(l)
	case req.Share != "" && req.Lesson == "":
		snap, err := s.snapshot(req.Share)
		if err != nil {
			jsonError(w, http.StatusNotFound, "no snapshot "+strconv.Quote(req.Share))
			return
		}
		ws = store.Workspace{Conf: snap.Conf, Files: snap.Files}
	default:
		jsonError(w, http.StatusBadRequest, `push wants one of {"lesson":"ID"} or {"share":"ID"}`)
		return
	}
	infos, err := s.store.Sessions()
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	res := pushResult{Errors: []string{}, Snapshots: map[string]string{}}
	for _, info := range infos {
		sess := s.session(info.ID)
		kept, err := s.keepAndSave(sess, ws)
		if err != nil {
			res.Errors = append(res.Errors, logID(info.ID)+": "+err.Error())
			continue
		}
		res.Sessions++
		if kept != "" {
			res.Kept++
			res.Snapshots[info.ID] = s.url("/share/" + kept)
		}
		// an open page drops its pending edits and loads the pushed code
		sess.broadcast(wsMessage{T: "workspace", Kept: kept})
		if sess.running() != nil {
			if a, err := s.reload(r.Context(), sess, s.workspace(sess.id)); err != nil {
				res.Errors = append(res.Errors, logID(info.ID)+": "+err.Error())
			} else if a.OK {
				res.Applied++
			}
		}
	}
	s.log.Info("teacher pushed a workspace", "lesson", req.Lesson, "share", req.Share, "sessions", res.Sessions, "kept", res.Kept)
	writeJSON(w, http.StatusOK, res)
}
