package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/restylab/restylab/sandbox"
	"github.com/restylab/restylab/web/loadgen"
	"github.com/restylab/restylab/web/store"
)

// maxJSONBody caps a JSON request body (a workspace is at most 1 MiB).
const maxJSONBody = 2 << 20

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readJSON decodes the request body into v, answering 400 itself on error.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			jsonError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d KiB", maxJSONBody>>10))
		} else {
			jsonError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		}
		return false
	}
	return true
}

// apiSession is the session of an API call, or a 401 answer.
func (s *Server) apiSession(w http.ResponseWriter, r *http.Request) *session {
	sess := s.sessionFor(w, r, false)
	if sess == nil {
		jsonError(w, http.StatusUnauthorized, "no session: open /play first")
	}
	return sess
}

// workspaceJSON is a workspace on the wire.
type workspaceJSON struct {
	Conf    string            `json:"conf"`
	Files   map[string]string `json:"files"`
	Updated int64             `json:"updated,omitempty"`
}

func (s *Server) getWorkspace(w http.ResponseWriter, r *http.Request) {
	sess := s.apiSession(w, r)
	if sess == nil {
		return
	}
	ws := s.workspace(sess.id)
	if ws.Files == nil {
		ws.Files = map[string]string{}
	}
	writeJSON(w, http.StatusOK, workspaceJSON{Conf: ws.Conf, Files: ws.Files, Updated: ws.Updated})
}

// save stores the posted workspace; false when it answered an error.
func (s *Server) save(w http.ResponseWriter, r *http.Request, sess *session) (store.Workspace, bool) {
	var in workspaceJSON
	if !readJSON(w, r, &in) {
		return store.Workspace{}, false
	}
	old := s.workspace(sess.id)
	ws, err := s.store.SaveWorkspace(sess.id, store.Workspace{Conf: in.Conf, Files: in.Files, Updated: time.Now().UnixMilli(), Embed: old.Embed, Lesson: old.Lesson})
	if err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return ws, false
	}
	return ws, true
}

func (s *Server) putWorkspace(w http.ResponseWriter, r *http.Request) {
	sess := s.apiSession(w, r)
	if sess == nil {
		return
	}
	ws, ok := s.save(w, r, sess)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]int64{"updated": ws.Updated})
}

// applyResult is the answer of /api/apply and the "applied" message.
type applyResult struct {
	OK       bool        `json:"ok"`
	Warnings []string    `json:"warnings"`
	Error    *applyError `json:"error,omitempty"`
	// Addresses are the listen addresses served now (after a refused
	// workspace, the old one's).
	Addresses []addressJSON `json:"addresses,omitempty"`
}

type applyError struct {
	Message string `json:"message"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
}

// apply saves the workspace and reloads (or starts) the instance with it.
func (s *Server) apply(w http.ResponseWriter, r *http.Request) {
	sess := s.apiSession(w, r)
	if sess == nil {
		return
	}
	ws, ok := s.save(w, r, sess)
	if !ok {
		return
	}
	start := time.Now()
	res, err := s.reload(r.Context(), sess, ws)
	s.met.applySeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		status, msg := startError(err)
		jsonError(w, status, msg)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// reload serves ws in the session's instance: a graceful reload of a
// running one, else a fresh start. A workspace that does not load is an
// applyResult with Error, not an error.
func (s *Server) reload(ctx context.Context, sess *session, ws store.Workspace) (*applyResult, error) {
	sess.startMu.Lock()
	defer sess.startMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var err error
	in := sess.running()
	if in != nil {
		err = in.Reload(ctx, sandbox.Workspace{Conf: ws.Conf, Files: ws.Files})
		if err == nil {
			sess.mu.Lock()
			sess.applied = &ws
			sess.mu.Unlock()
		}
	} else {
		in, err = s.startLocked(ctx, sess)
	}
	res := &applyResult{OK: true, Warnings: []string{}}
	var lerr *sandbox.LoadError
	switch {
	case errors.As(err, &lerr):
		res.OK = false
		res.Error = &applyError{Message: lerr.Message, File: lerr.File, Line: lerr.Line}
	case err != nil:
		return nil, err
	default:
		if wr := in.Warnings(); wr != nil {
			res.Warnings = wr
		}
	}
	res.Addresses = addressList(sess.running())
	sess.mu.Lock()
	sess.lastLoad = res
	sess.mu.Unlock()
	sess.broadcast(wsMessage{T: "applied", OK: &res.OK, Warnings: res.Warnings, Error: res.Error, Addresses: res.Addresses})
	return res, nil
}

// createShare stores a snapshot of the posted workspace.
func (s *Server) createShare(w http.ResponseWriter, r *http.Request) {
	if s.apiSession(w, r) == nil {
		return
	}
	var in workspaceJSON
	if !readJSON(w, r, &in) {
		return
	}
	id := newID(10)
	if _, err := s.store.SaveSnapshot(id, store.Workspace{Conf: in.Conf, Files: in.Files}); err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	base := s.baseURL(r)
	writeJSON(w, http.StatusOK, map[string]string{
		"id":    id,
		"url":   base + "/share/" + id,
		"embed": embedSnippet(base, id),
	})
}

// drain discards the rest of a body (up to loadgen.DrainBody, as the burst's
// load generator does) so the connection can be reused.
func drain(r io.Reader) { _, _ = io.Copy(io.Discard, io.LimitReader(r, loadgen.DrainBody)) }
