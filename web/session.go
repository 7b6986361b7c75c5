package web

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base32"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/restylab/restylab/sandbox"
	"github.com/restylab/restylab/web/store"
)

// sessionHeader carries the session id where cookies are not sent (an
// embed in another site's page).
const sessionHeader = "X-Restylab-Session"

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID returns n random bytes as lowercase base32: 16 bytes (128 bits)
// for sessions, which are capabilities; 10 for share ids.
func newID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return idEncoding.EncodeToString(b)
}

// validID accepts what newID makes.
func validID(id string) bool {
	if len(id) < 16 || len(id) > 32 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// session is the server's state of one learner session.
type session struct {
	id string

	startMu sync.Mutex  // one start or reload at a time
	busy    atomic.Bool // a burst or a lesson's check is running: their figures need the instance alone

	mu       sync.Mutex
	in       *sandbox.Instance
	state    string // "stopped", "starting", "running", "paused", "exited"
	reason   string // why the last instance ended
	subs     map[*subscriber]struct{}
	applied  *store.Workspace // what the running instance serves (for source lines)
	traceOn  bool
	lastLoad *applyResult
	tlsCache tls.ClientSessionCache // TLS sessions the request panel may resume (made on first use)

	trace lastTrace // the latest trace events, for the teacher (teacher_trace.go)
}

// tlsSessions is the session's TLS session cache (Send with "resume").
func (sess *session) tlsSessions() tls.ClientSessionCache {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.tlsCache == nil {
		sess.tlsCache = tls.NewLRUClientSessionCache(16)
	}
	return sess.tlsCache
}

// sessionFor returns the session of the request, creating one (and its
// cookie) when create is set; nil when there is none.
func (s *Server) sessionFor(w http.ResponseWriter, r *http.Request, create bool) *session {
	sess, _ := s.openSession(w, r, create)
	return sess
}

// openSession is sessionFor that also says which session the new one
// replaced: the well-formed id of the browser's session cookie when this
// lab does not know it (it lives on another replica, or this lab's data
// was removed). That id is kept in the previous-session cookie rather
// than overwritten silently, and is never taken as a session: only the
// learner is shown it (docs/scaling.md, "When a node dies").
func (s *Server) openSession(w http.ResponseWriter, r *http.Request, create bool) (sess *session, replaced string) {
	id := r.Header.Get(sessionHeader)
	if id == "" {
		id = s.sessionFromCookie(r)
	}
	if sess := s.labSession(id); sess != nil {
		return sess, ""
	}
	if !create {
		return nil, ""
	}
	// Only the cookie's own id is kept: one in the header is an embed's,
	// which keeps it in its page.
	if old := s.sessionFromCookie(r); validID(old) && !s.knows(old) {
		replaced = old
		s.setPrevCookie(w, r, old)
		s.log.Info("new session for an unknown session cookie", "unknown", logID(old))
	}
	id = newID(16)
	s.met.sessionsCreated.Inc()
	if _, err := s.store.SaveWorkspace(id, defaultWorkspace()); err != nil {
		s.log.Error("save a new session", "err", err)
	}
	s.setSessionCookie(w, r, id)
	return s.session(id), replaced
}

// labSession is the session of a well-formed id this lab has, or nil.
func (s *Server) labSession(id string) *session {
	if !s.knows(id) {
		return nil
	}
	return s.session(id)
}

// knows reports whether id is a session of this lab. A session in memory
// is known; otherwise the store says (reading a whole workspace, so not on
// every call of an active session).
func (s *Server) knows(id string) bool {
	if !validID(id) {
		return false
	}
	s.mu.Lock()
	known := s.sessions[id]
	s.mu.Unlock()
	if known != nil {
		return true
	}
	_, err := s.store.Workspace(id)
	return err == nil
}

// previousSession is the id to show the learner of session current as
// their earlier session: the one openSession just replaced, else the
// previous-session cookie's, as long as this lab does not know it (a
// known one is no longer "elsewhere").
func (s *Server) previousSession(r *http.Request, current, replaced string) string {
	id := replaced
	if id == "" {
		id = s.prevFromCookie(r)
	}
	if id == "" || id == current || s.knows(id) {
		return ""
	}
	return id
}

// session returns the in-memory state of session id.
func (s *Server) session(id string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sessions[id]
	if sess == nil {
		sess = &session{id: id, state: "stopped", subs: map[*subscriber]struct{}{}}
		s.sessions[id] = sess
	}
	return sess
}

// workspace returns the session's stored workspace (the default one for a
// session the store lost).
func (s *Server) workspace(id string) store.Workspace {
	ws, err := s.store.Workspace(id)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Error("read a workspace", "session", logID(id), "err", err)
		}
		return defaultWorkspace()
	}
	return ws
}

// instance returns the session's running instance, starting one from the
// stored workspace when it has none. A workspace that does not load gives
// a *sandbox.LoadError.
func (s *Server) instance(ctx context.Context, sess *session) (*sandbox.Instance, error) {
	sess.mu.Lock()
	in := sess.in
	sess.mu.Unlock()
	if in != nil && in.Exited() == "" {
		in.Touch()
		return in, nil
	}
	sess.startMu.Lock()
	defer sess.startMu.Unlock()
	return s.startLocked(ctx, sess)
}

// startLocked starts the session's instance unless one runs; the caller
// holds sess.startMu.
func (s *Server) startLocked(ctx context.Context, sess *session) (*sandbox.Instance, error) {
	sess.mu.Lock()
	in := sess.in
	sess.mu.Unlock()
	if in != nil && in.Exited() == "" {
		return in, nil
	}
	ws := s.workspace(sess.id)
	s.setState(sess, "starting", "")
	in, err := s.mgr.Start(ctx, sess.id, sandbox.Workspace{Conf: ws.Conf, Files: ws.Files})
	var lerr *sandbox.LoadError
	s.met.spawned(err, errors.As(err, &lerr), errors.Is(err, sandbox.ErrFull))
	if err == nil {
		s.ready.spawned()
	}
	if err != nil {
		s.setState(sess, "stopped", "")
		return nil, err
	}
	sess.mu.Lock()
	sess.in = in
	sess.applied = &ws
	trace := len(sess.subs) > 0
	sess.traceOn = trace
	sess.mu.Unlock()
	if trace {
		_ = in.SetTrace(true)
	}
	go s.pump(sess, in)
	s.setState(sess, "running", "")
	return in, nil
}

// running returns the session's live instance or nil.
func (sess *session) running() *sandbox.Instance {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.in != nil && sess.in.Exited() == "" {
		return sess.in
	}
	return nil
}

// setState records the instance state and tells the subscribers.
func (s *Server) setState(sess *session, state, reason string) {
	sess.mu.Lock()
	sess.state = state
	if state == "exited" {
		sess.reason = reason
	}
	in := sess.in
	sess.mu.Unlock()
	m := wsMessage{T: "state", State: state, Reason: reason}
	if state == "running" {
		m.Addresses = addressList(in)
	}
	sess.broadcast(m)
}

// logID is a session id cut for logs: enough to follow one session, not
// the capability itself.
func logID(id string) string {
	if len(id) > 6 {
		return id[:6] + "…"
	}
	return id
}

// forgetPrevious is DELETE /api/session/previous: the learner dismissed
// the notice about their earlier session, whose id the browser forgets.
// It only expires a cookie of the caller's own browser, so it needs no
// session.
func (s *Server) forgetPrevious(w http.ResponseWriter, r *http.Request) {
	s.clearPrevCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}
