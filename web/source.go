package web

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/restylab/restylab/web/highlight"
)

// sourceContext is how many lines around the asked one /api/source shows.
const sourceContext = 2

// source answers GET /api/source?file=F&line=N: lines N-2..N+2 of the
// file the session's instance serves, highlighted on the server (chroma),
// for the source line of a trace event. file may be a trace event's
// source: an absolute path inside the instance's workspace is matched to
// the workspace file it ends with.
func (s *Server) source(w http.ResponseWriter, r *http.Request) {
	sess := s.apiSession(w, r)
	if sess == nil {
		return
	}
	line, err := strconv.Atoi(r.URL.Query().Get("line"))
	if err != nil || line < 1 {
		jsonError(w, http.StatusBadRequest, "line must be a number from 1")
		return
	}
	sess.mu.Lock()
	applied := sess.applied
	sess.mu.Unlock()
	ws := s.workspace(sess.id)
	if applied != nil {
		ws = *applied
	}
	name, text, ok := workspaceFile(ws.Conf, ws.Files, r.URL.Query().Get("file"))
	if !ok {
		jsonError(w, http.StatusNotFound, "no such file in the workspace")
		return
	}
	lines, err := highlight.Lines(name, text, line-sourceContext, line+sourceContext)
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"file": name, "line": line, "lines": lines})
}

// workspaceFile finds the file a trace source names: "nginx.conf", a
// workspace path, or a path ending in one (longest match wins).
func workspaceFile(conf string, files map[string]string, source string) (name, text string, ok bool) {
	source = strings.TrimPrefix(source, "@")
	if source == "" || source == "nginx.conf" || strings.HasSuffix(source, "/nginx.conf") {
		return "nginx.conf", conf, true
	}
	if text, ok := files[source]; ok {
		return source, text, true
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	for _, n := range names {
		if strings.HasSuffix(source, "/"+n) {
			return n, files[n], true
		}
	}
	return "", "", false
}
