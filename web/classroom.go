package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/restylab/restylab/web/store"
	"github.com/restylab/restylab/web/views"
)

// Rate limits of the classroom mode: a client address that gives a wrong
// join code or teacher password maxFails times within failWindow is
// refused (429) until the window has passed for the oldest of them.
const (
	maxFails   = 5
	failWindow = time.Minute
)

// classroom is the state of the classroom mode (issue 15, item 3): the
// guessing limits and the teacher's login tokens.
type classroom struct {
	joinFails    *failLimiter
	teacherFails *failLimiter

	mu     sync.Mutex
	tokens map[string]time.Time // teacher login token -> expiry
}

func newClassroom() *classroom {
	return &classroom{
		joinFails:    newFailLimiter(maxFails, failWindow),
		teacherFails: newFailLimiter(maxFails, failWindow),
		tokens:       map[string]time.Time{},
	}
}

// secretEqual compares a given secret with the configured one in constant
// time (the hashes have the same length whatever the inputs).
func secretEqual(given, want string) bool {
	a, b := sha256.Sum256([]byte(given)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// needJoin guards a handler that creates a session: with a join code set,
// a browser without a session is sent to /join first (it comes back to the
// page it asked for when that was a GET). A session that exists keeps
// working; without a join code nothing changes.
func (s *Server) needJoin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.JoinCode == "" || s.sessionFor(w, r, false) != nil {
			h(w, r)
			return
		}
		to := "/play"
		if r.Method == http.MethodGet {
			to = r.URL.RequestURI()
		}
		s.redirect(w, r, "/join?to="+url.QueryEscape(to), http.StatusSeeOther)
	}
}

// localTarget is to when it is a path of this lab (under the base path,
// without it), else "/play".
func localTarget(to string) string {
	if !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") || strings.HasPrefix(to, "/\\") {
		return "/play"
	}
	return to
}

// joinPage is GET /join: the join code form (without a join code, it goes
// straight on).
func (s *Server) joinPage(w http.ResponseWriter, r *http.Request) {
	to := localTarget(r.URL.Query().Get("to"))
	if s.cfg.JoinCode == "" || s.sessionFor(w, r, false) != nil {
		s.redirect(w, r, to, http.StatusSeeOther)
		return
	}
	s.renderJoin(w, r, http.StatusOK, to, "")
}

func (s *Server) renderJoin(w http.ResponseWriter, r *http.Request, status int, to, errKey string) {
	p := s.page(r, "join.title")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	j := views.Join{To: to, Error: errKey}
	if id := s.sessionFromCookie(r); validID(id) && !s.knows(id) {
		j.Unknown = id // the learner's own cookie, only shown (docs/web.md, "An earlier session")
	}
	s.render(w, r, views.JoinPage(p, j))
}

// join is POST /join (form fields code, name, to): the right code creates
// the session (and keeps the display name); a wrong one is refused and
// counted against the client's address.
func (s *Server) join(w http.ResponseWriter, r *http.Request) {
	to := localTarget(r.FormValue("to"))
	if s.cfg.JoinCode == "" {
		s.redirect(w, r, to, http.StatusSeeOther)
		return
	}
	addr, now := s.clientAddr(r), time.Now()
	if blocked, wait := s.class.joinFails.blocked(addr, now); blocked {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		s.renderJoin(w, r, http.StatusTooManyRequests, to, "join.limited")
		return
	}
	if !secretEqual(strings.TrimSpace(r.FormValue("code")), s.cfg.JoinCode) {
		s.class.joinFails.fail(addr, now)
		s.log.Warn("wrong join code", "client", addr)
		s.renderJoin(w, r, http.StatusForbidden, to, "join.wrong")
		return
	}
	sess := s.sessionFor(w, r, true)
	if name := displayName(r.FormValue("name")); name != "" {
		if err := s.store.SetName(sess.id, name); err != nil {
			s.log.Error("keep a display name", "session", logID(sess.id), "err", err)
		}
	}
	s.redirect(w, r, to, http.StatusSeeOther)
}

// displayName trims a learner's name to one line of at most
// store.MaxNameLen bytes, cut at a character boundary.
func displayName(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	for len(s) > store.MaxNameLen {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}
