package web

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/restylab/restylab/lessons"
	"github.com/restylab/restylab/sandbox"
	"github.com/restylab/restylab/web/static"
	"github.com/restylab/restylab/web/store"
	"github.com/restylab/restylab/web/views"
)

// lessonTarget is a lessons.AddressTarget served by the session's
// sandboxed instance: the checks' requests go to the port of its first
// listen address (or of the one a check's --- listen names), their trace
// and error_log lines come from a recording of the instance
// (sandbox.Instance.Record).
type lessonTarget struct{ in *sandbox.Instance }

func (t lessonTarget) BaseURL() string { return "http://127.0.0.1:" + strconv.Itoa(t.in.Port()) }
func (t lessonTarget) Workers() int    { return max(t.in.Workers(), 1) }

func (t lessonTarget) Addresses() []lessons.Address {
	var out []lessons.Address
	for _, a := range t.in.Addresses() {
		scheme := "http://"
		if a.SSL {
			scheme = "https://"
		}
		out = append(out, lessons.Address{Declared: a.Declared, URL: scheme + "127.0.0.1:" + strconv.Itoa(a.Port), SSL: a.SSL})
	}
	return out
}

func (t lessonTarget) Record(ctx context.Context) (lessons.Recording, error) {
	rec, err := t.in.Record(ctx)
	if err != nil {
		return nil, err
	}
	return lessonRecording{rec}, nil
}

type lessonRecording struct{ rec *sandbox.Recording }

func (r lessonRecording) Stop(ctx context.Context) (lessons.Window, error) {
	w, err := r.rec.Stop(ctx)
	if err != nil {
		return lessons.Window{}, err
	}
	return lessons.Window{Events: w.Events, Dropped: w.Dropped, ErrorLog: w.ErrorLog, LogDropped: w.LogDropped}, nil
}

// lessonLang is the course language of a page language.
func lessonLang(l views.Lang) lessons.Lang {
	if l == views.Chinese {
		return lessons.Chinese
	}
	return lessons.English
}

// lessonEntry is one lesson in GET /api/lessons.
type lessonEntry struct {
	ID     string `json:"id"`
	Order  int    `json:"order"`
	Title  string `json:"title"`
	Status string `json:"status"`
	Done   bool   `json:"done"`
	Score  int    `json:"score"`
}

// apiLessons is GET /api/lessons: the course with the caller's progress.
func (s *Server) apiLessons(w http.ResponseWriter, r *http.Request) {
	items := s.courseItems(w, r, s.page(r, "nav.lessons").Lang)
	if items == nil {
		jsonError(w, http.StatusInternalServerError, "the course could not be loaded")
		return
	}
	list := make([]lessonEntry, 0, len(items))
	for _, it := range items {
		status := string(lessons.Ready)
		if !it.Ready {
			status = string(lessons.Coming)
		}
		list = append(list, lessonEntry{ID: it.ID, Order: it.Order, Title: it.Title, Status: status, Done: it.Done, Score: it.Score})
	}
	writeJSON(w, http.StatusOK, list)
}

// readyLesson finds the lesson of the path; for the API it answers 404 for
// an unknown id and 409 for a lesson that is still to come (a page answers
// its own 404).
func readyLesson(w http.ResponseWriter, r *http.Request, api bool) (*lessons.Lesson, bool) {
	l, ok := lessons.ByID(r.PathValue("id"))
	switch {
	case !ok && api:
		jsonError(w, http.StatusNotFound, "no lesson "+strconv.Quote(r.PathValue("id"))+": GET /api/lessons lists them")
		return nil, false
	case !ok:
		return nil, false
	case l.Status != lessons.Ready:
		if api {
			jsonError(w, http.StatusConflict, "lesson "+l.ID+" is still being written: it has no starter or checks yet")
		}
		return nil, false
	}
	return l, true
}

// starterWorkspace is the lesson's starter as the session's workspace.
func starterWorkspace(l *lessons.Lesson) store.Workspace {
	return store.Workspace{Conf: l.Starter.Conf, Files: maps.Clone(l.Starter.Files), Lesson: l.ID}
}

// startLesson is POST /lessons/{id}/start: the lesson's starter replaces the
// session's workspace (the old code is kept as a snapshot, as a fork does)
// and is applied at once, then the lesson page opens.
func (s *Server) startLesson(w http.ResponseWriter, r *http.Request) {
	l, ok := readyLesson(w, r, false)
	if !ok {
		s.notFound(w, r)
		return
	}
	s.replaceWorkspaceTo(w, r, starterWorkspace(l), "/lessons/"+l.ID, "")
}

// lessonStartResult answers POST /api/lessons/{id}/start.
type lessonStartResult struct {
	Lesson string `json:"lesson"`
	// Kept is the share link of the code the starter replaced ("" when
	// the editor held the same code).
	Kept    string       `json:"kept,omitempty"`
	Applied *applyResult `json:"applied,omitempty"`
}

// apiStartLesson is POST /api/lessons/{id}/start.
func (s *Server) apiStartLesson(w http.ResponseWriter, r *http.Request) {
	sess := s.apiSession(w, r)
	if sess == nil {
		return
	}
	l, ok := readyLesson(w, r, true)
	if !ok {
		return
	}
	ws := starterWorkspace(l)
	kept, err := s.keepAndSave(sess, ws)
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	res := lessonStartResult{Lesson: l.ID}
	if kept != "" {
		res.Kept = s.url("/share/" + kept)
	}
	applied, err := s.reload(r.Context(), sess, s.workspace(sess.id))
	if err != nil {
		status, msg := startError(err)
		jsonError(w, status, msg)
		return
	}
	res.Applied = applied
	writeJSON(w, http.StatusOK, res)
}

// checkTimeout bounds a whole check: a lesson's checks are a few requests
// and bursts, each bounded by lessons.RequestTimeout.
const checkTimeout = 60 * time.Second

// checkExitGrace is how long a check that failed waits to learn whether
// the instance died under it.
const checkExitGrace = 300 * time.Millisecond

// apiCheckLesson is POST /api/lessons/{id}/check with the editor's
// workspace: it is saved, applied when the instance serves other code, and
// the lesson's checks run against the session's own instance.
func (s *Server) apiCheckLesson(w http.ResponseWriter, r *http.Request) {
	sess := s.apiSession(w, r)
	if sess == nil {
		return
	}
	l, ok := readyLesson(w, r, true)
	if !ok {
		return
	}
	lang := lessonLang(s.page(r, "nav.lessons").Lang)
	// The checks' figures need the instance to themselves.
	if !sess.busy.CompareAndSwap(false, true) {
		jsonError(w, http.StatusTooManyRequests, "a check or a burst is already running for this session: wait for its results")
		return
	}
	defer sess.busy.Store(false)
	start := time.Now()
	defer func() { s.met.checkSeconds.Observe(time.Since(start).Seconds()) }()
	ws, ok := s.save(w, r, sess)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), checkTimeout)
	defer cancel()
	in, err := s.servingWorkspace(ctx, sess, ws)
	var lerr *sandbox.LoadError
	switch {
	case errors.As(err, &lerr):
		res := l.NotLoaded(lerr, lang)
		writeJSON(w, http.StatusOK, s.scored(sess, res))
		return
	case err != nil:
		status, msg := startError(err)
		jsonError(w, status, msg)
		return
	}
	res := l.Check(ctx, lessonTarget{in}, lang)
	if res.Score < 100 {
		// a failing check is the common case (the learner's code is not
		// there yet): wait a moment only, not a failed Send's exitGrace
		if reason := exitReasonWithin(in, checkExitGrace); reason != "" {
			// the instance ended during the check: say so instead of blaming
			// the learner's code for refused connections
			res = l.NotLoaded(errors.New("the instance ended: "+reason), lang)
		}
	}
	writeJSON(w, http.StatusOK, s.scored(sess, res))
}

// scored records a check's score in the session's progress.
func (s *Server) scored(sess *session, res lessons.Result) lessons.Result {
	if _, err := s.store.RecordCheck(sess.id, res.Lesson, res.Score); err != nil {
		s.log.Error("record a check", "session", logID(sess.id), "lesson", res.Lesson, "err", err)
	}
	return res
}

// servingWorkspace returns the session's instance serving ws: a running
// instance that serves other code (or none) is reloaded or started first.
// A workspace that does not load is a *sandbox.LoadError.
func (s *Server) servingWorkspace(ctx context.Context, sess *session, ws store.Workspace) (*sandbox.Instance, error) {
	sess.mu.Lock()
	in, applied := sess.in, sess.applied
	sess.mu.Unlock()
	if in != nil && in.Exited() == "" && applied != nil && sameCode(*applied, ws) {
		return in, nil
	}
	res, err := s.reload(ctx, sess, ws)
	if err != nil {
		return nil, err
	}
	if !res.OK {
		return nil, &sandbox.LoadError{Message: res.Error.Message, File: res.Error.File, Line: res.Error.Line}
	}
	if in = sess.running(); in == nil {
		return nil, errors.New("the instance stopped right after it started")
	}
	return in, nil
}

// courseItems is the course list of a page with the visitor's progress
// (an empty list, logged, if the embedded course is broken: a test loads it).
func (s *Server) courseItems(w http.ResponseWriter, r *http.Request, lang views.Lang) []views.LessonItem {
	all, err := lessons.All()
	if err != nil {
		s.log.Error("load the course", "err", err)
		return nil
	}
	progress := map[string]store.LessonProgress{}
	if sess := s.sessionFor(w, r, false); sess != nil {
		if p, err := s.store.Progress(sess.id); err == nil {
			progress = p
		}
	}
	ll := lessonLang(lang)
	items := make([]views.LessonItem, 0, len(all))
	for _, l := range all {
		pr, tried := progress[l.ID]
		items = append(items, views.LessonItem{ID: l.ID, Order: l.Order, Title: l.Title.In(ll), Summary: l.Summary.In(ll),
			Ready: l.Status == lessons.Ready, Done: pr.Done, Score: pr.Score, Tried: tried})
	}
	return items
}

// lessonsPage is GET /lessons.
func (s *Server) lessonsPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "nav.lessons")
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, views.Lessons(p, s.courseItems(w, r, p.Lang)))
}

// lessonPage is GET /lessons/{id}: the lesson beside the playground.
func (s *Server) lessonPage(w http.ResponseWriter, r *http.Request) {
	l, ok := readyLesson(w, r, false)
	if !ok {
		s.notFound(w, r)
		return
	}
	sess, replaced := s.openSession(w, r, true)
	p := s.page(r, "nav.lessons")
	lang := lessonLang(p.Lang)
	p.Title = l.Title.In(lang)
	items := s.courseItems(w, r, p.Lang)
	v := views.LessonView{Text: l.Text.In(lang), Task: l.Task.In(lang)}
	for i, it := range items {
		if it.ID != l.ID {
			continue
		}
		v.LessonItem = it
		for j := i - 1; j >= 0; j-- {
			if items[j].Ready {
				v.Prev = &items[j]
				break
			}
		}
		for j := i + 1; j < len(items); j++ {
			if items[j].Ready {
				v.Next = &items[j]
				break
			}
		}
	}
	for _, h := range l.Hints {
		v.Hints = append(v.Hints, h.In(lang))
	}
	for _, ex := range l.Experiments {
		e := views.LessonExperiment{Label: ex.Name.In(lang), Method: ex.Method, Path: ex.Path, Body: ex.Body, N: ex.N, C: ex.C, SNI: ex.SNI, Listen: ex.Listen}
		var hdr strings.Builder
		for _, k := range slices.Sorted(maps.Keys(ex.Headers)) {
			for _, val := range ex.Headers[k] {
				hdr.WriteString(k + ": " + val + "\n")
			}
		}
		e.Headers = hdr.String()
		v.Experiments = append(v.Experiments, e)
	}
	ws := s.workspace(sess.id)
	v.Current = ws.Lesson == l.ID
	boot := s.boot(r, sess.id, p.Lang, ws)
	boot.Lesson = &views.BootLesson{ID: l.ID}
	boot.Previous = s.previousSession(r, sess.id, replaced)
	if kept := r.URL.Query().Get("kept"); kept != "" && validShareID(kept) {
		boot.Notice, boot.NoticeURL = keptNotice(p.Lang), "/share/"+kept
	}
	if len(l.Experiments) > 0 {
		ex := l.Experiments[0]
		boot.Preset = &views.Preset{Path: ex.Path, N: max(ex.N, 1), C: max(ex.C, 1), Method: ex.Method, Body: ex.Body}
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, views.LessonPage(p, v, boot, static.Bundle()))
}
