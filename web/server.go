package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/restylab/restylab/sandbox"
	"github.com/restylab/restylab/testserver/labca"
	"github.com/restylab/restylab/web/highlight"
	"github.com/restylab/restylab/web/static"
	"github.com/restylab/restylab/web/store"
	"github.com/restylab/restylab/web/views"
)

// Limits of the web server; Config fields change them.
const (
	// DefaultMaxBurst caps the requests of one burst.
	DefaultMaxBurst = 1000
	// DefaultMaxProxyBody caps a request body through /s/{session}/.
	DefaultMaxProxyBody = 1 << 20
	// DefaultMaxShownBody caps the response bytes /api/send returns.
	DefaultMaxShownBody = 256 << 10
	// DefaultSubscriberQueue is the number of messages a WebSocket
	// subscriber may have queued before batches are dropped.
	DefaultSubscriberQueue = 256
	// DefaultRequestTimeout bounds one request sent to an instance.
	DefaultRequestTimeout = 30 * time.Second
	// DefaultEmbedTTL is how long an embedded playground's session is kept
	// after its last save.
	DefaultEmbedTTL = 24 * time.Hour
	// janitorEvery is how often old embeds and idle session states are dropped.
	janitorEvery = time.Hour
)

// Config configures a Server.
type Config struct {
	// DataDir holds the store (default "restylab-data").
	DataDir string
	// Sandbox configures the instances' manager.
	Sandbox sandbox.Config
	// Logger logs operations (default slog.Default()); the sandbox's
	// Manager logs through it too unless Sandbox.Logger is set.
	Logger *slog.Logger
	// MaxBurst, MaxProxyBody, RequestTimeout default to the constants.
	MaxBurst       int
	MaxProxyBody   int64
	RequestTimeout time.Duration
	EmbedTTL       time.Duration
	// TrustProxy says the lab is reached through a reverse proxy that
	// terminates TLS and sets X-Forwarded-Proto: only then does that
	// header make the lab name its session cookie "__Host-" and mark it
	// Secure (TLS on the connection itself always does).
	TrustProxy bool
	// CA is the lab's certificate authority: its certificates go into
	// every workspace (certs/NAME.crt, certs/NAME.key, certs/ca.crt, unless
	// Sandbox.LabFiles is set) and the request panel checks the
	// certificate an HTTPS instance picked against it. Nil uses
	// labca.Shared, the CA the lab's testserver (redis.lab) uses too.
	CA *labca.CA
	// BasePath is the path prefix the lab is served under behind a
	// reverse proxy that forwards it unchanged ("/lab"; "" for the root).
	// Handler strips it from requests and answers 404 outside it; every
	// URL the lab hands out carries it (Server.url, the pages' <meta
	// name="restylab-base">, cookie paths: basepath.go).
	BasePath string
	// JoinCode, when set, must be entered at /join before a browser gets
	// a learner session (sessions that exist keep working); wrong codes
	// are rate-limited per client address (classroom.go).
	JoinCode string
	// TeacherPassword, when set, opens the teacher's pages (/teacher,
	// /api/teacher/...); without it they answer 404 (teacher.go).
	TeacherPassword string
}

// Server is the lab's web server. Create it with New, serve Handler, and
// Close it to stop every instance.
type Server struct {
	cfg   Config
	store *store.Store
	mgr   *sandbox.Manager
	mux   *http.ServeMux
	log   *slog.Logger
	met   *metrics
	ready readiness
	class *classroom // the join code's and teacher's state

	draining atomic.Bool // /readyz answers 503: the lab is shutting down

	mu       sync.Mutex
	sessions map[string]*session

	quit      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// New opens the store and starts the sandbox manager.
func New(cfg Config) (*Server, error) {
	if cfg.DataDir == "" {
		cfg.DataDir = "restylab-data"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBurst == 0 {
		cfg.MaxBurst = DefaultMaxBurst
	}
	if cfg.MaxProxyBody == 0 {
		cfg.MaxProxyBody = DefaultMaxProxyBody
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.EmbedTTL == 0 {
		cfg.EmbedTTL = DefaultEmbedTTL
	}
	if cfg.Sandbox.Logger == nil {
		cfg.Sandbox.Logger = cfg.Logger
	}
	if cfg.Sandbox.MaxInstances == 0 {
		cfg.Sandbox.MaxInstances = sandbox.DefaultMaxInstances
	}
	if err := validBasePath(cfg.BasePath); err != nil {
		return nil, err
	}
	if cfg.CA == nil {
		ca, err := labca.Shared()
		if err != nil {
			return nil, err
		}
		cfg.CA = ca
	}
	if cfg.Sandbox.LabFiles == nil {
		cfg.Sandbox.LabFiles = cfg.CA.Files()
	}
	st, err := store.Open(filepath.Clean(cfg.DataDir))
	if err != nil {
		return nil, err
	}
	mgr, err := sandbox.NewManager(cfg.Sandbox)
	if err != nil {
		st.Close()
		return nil, err
	}
	s := &Server{cfg: cfg, store: st, mgr: mgr, log: cfg.Logger, sessions: map[string]*session{}, quit: make(chan struct{}), class: newClassroom()}
	s.met = newMetrics(s)
	s.routes()
	s.wg.Add(1)
	go s.janitor()
	return s, nil
}

// Handler is the server's HTTP handler: the routes, timed by route for
// /metrics, under Config.BasePath.
func (s *Server) Handler() http.Handler {
	h := s.met.instrument(s.mux)
	if s.cfg.BasePath == "" {
		return h
	}
	base := s.cfg.BasePath
	strip := http.StripPrefix(base, h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == base:
			http.Redirect(w, r, base+"/", http.StatusMovedPermanently)
		case strings.HasPrefix(r.URL.Path, base+"/"):
			strip.ServeHTTP(w, r)
		default:
			// "/labx" is not under "/lab" (StripPrefix alone would serve it as "x")
			http.NotFound(w, r)
		}
	})
}

// Isolation says how the instances are isolated (sandbox.Manager.Isolation).
func (s *Server) Isolation() string { return s.mgr.Isolation() }

// Drain makes /readyz answer 503 from now on, so that a load balancer
// sends no new session while the lab shuts down.
func (s *Server) Drain() { s.draining.Store(true) }

// validBasePath accepts "" or "/a/b": a leading slash, no trailing one,
// no "." or ".." segment.
func validBasePath(p string) error {
	if p == "" {
		return nil
	}
	if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//") || path.Clean(p) != p || strings.ContainsAny(p, "?#% ") {
		return fmt.Errorf("base path %q: want a path such as /lab (a leading slash, no trailing one, no . or .. segment, no query)", p)
	}
	return nil
}

// Close stops every instance and closes the store; every workspace and
// every lesson's progress was written to the store when it changed, so
// nothing is lost. Later calls do nothing.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.quit)
		s.wg.Wait()
		s.mgr.Close()
		err = s.store.Close()
	})
	return err
}

// janitor periodically drops what nobody uses any more.
func (s *Server) janitor() {
	defer s.wg.Done()
	t := time.NewTicker(janitorEvery)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
			s.tidy(time.Now())
		}
	}
}

// tidy deletes embed sessions unsaved for EmbedTTL and forgets the state
// of sessions with neither an instance nor an open tab (it is rebuilt from
// the store on the next visit).
func (s *Server) tidy(now time.Time) {
	if n, err := s.store.PruneEmbeds(now.Add(-s.cfg.EmbedTTL)); err != nil {
		s.log.Error("prune embed sessions", "err", err)
	} else if n > 0 {
		s.log.Info("pruned embed sessions", "removed", n, "unused_for", s.cfg.EmbedTTL)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, sess := range s.sessions {
		sess.mu.Lock()
		idle := len(sess.subs) == 0 && (sess.in == nil || sess.in.Exited() != "")
		sess.mu.Unlock()
		if idle && sess.startMu.TryLock() {
			delete(s.sessions, id)
			sess.startMu.Unlock()
		}
	}
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", s.home)
	m.HandleFunc("GET /play", s.needJoin(s.play))
	m.HandleFunc("GET /lessons", s.lessonsPage)
	m.HandleFunc("GET /lessons/{id}", s.needJoin(s.lessonPage))
	m.HandleFunc("POST /lessons/{id}/start", s.needJoin(s.startLesson))
	m.HandleFunc("GET /api/lessons", s.apiLessons)
	m.HandleFunc("POST /api/lessons/{id}/start", s.apiStartLesson)
	m.HandleFunc("POST /api/lessons/{id}/check", s.apiCheckLesson)
	m.HandleFunc("GET /about", s.about)
	m.HandleFunc("POST /example/{name}", s.needJoin(s.example))
	m.HandleFunc("GET /share/{id}", s.share)
	m.HandleFunc("POST /share/{id}/fork", s.needJoin(s.fork))
	m.HandleFunc("GET /embed/{id}", s.needJoin(s.embed))
	m.HandleFunc("GET /lang/{lang}", s.setLang)
	m.HandleFunc("GET /static/chroma.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fmt.Fprint(w, highlight.CSS())
	})
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static.FS())))
	m.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Cache-Control", "max-age=86400")
		w.Write(static.Favicon())
	})
	m.HandleFunc("GET /api/workspace", s.getWorkspace)
	m.HandleFunc("PUT /api/workspace", s.putWorkspace)
	m.HandleFunc("POST /api/workspace", s.putWorkspace) // navigator.sendBeacon can only POST
	m.HandleFunc("POST /api/apply", s.apply)
	m.HandleFunc("POST /api/send", s.send)
	m.HandleFunc("POST /api/burst", s.burst)
	m.HandleFunc("POST /api/share", s.createShare)
	m.HandleFunc("GET /api/source", s.source)
	m.HandleFunc("GET /api/ws", s.websocket)
	m.HandleFunc("DELETE /api/session/previous", s.forgetPrevious)
	m.HandleFunc("/s/{session}/{path...}", s.proxy)
	// The classroom mode (classroom.go, teacher.go).
	m.HandleFunc("GET /join", s.joinPage)
	m.HandleFunc("POST /join", s.join)
	m.HandleFunc("GET /teacher", s.teacherPage(s.teacherDashboard))
	m.HandleFunc("POST /teacher/login", s.teacherLogin)
	m.HandleFunc("POST /teacher/logout", s.teacherLogout)
	m.HandleFunc("GET /teacher/sessions/{id}", s.teacherPage(s.teacherWorkspace))
	m.HandleFunc("GET /api/teacher/class", s.teacherAPI(s.apiClass))
	m.HandleFunc("POST /api/teacher/sessions/{id}/reset", s.teacherAPI(s.apiResetLearner))
	m.HandleFunc("GET /api/teacher/sessions/{id}/trace", s.teacherAPI(s.apiLearnerTrace))
	m.HandleFunc("POST /api/teacher/push", s.teacherAPI(s.apiPush))
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /readyz", s.readyz)
	m.Handle("GET /metrics", s.met.handler())
	m.HandleFunc("/", s.notFound)
	s.mux = m
}

// page gathers the layout data of a request; titleKey names the title in
// the views' dictionary (a string it does not hold is used as it is).
func (s *Server) page(r *http.Request, titleKey string) views.Page {
	p := views.Page{Lang: views.English, Path: r.URL.Path, Base: s.cfg.BasePath}
	if c, err := r.Cookie("restylab_lang"); err == nil {
		p.Lang = views.ParseLang(c.Value)
	} else {
		p.Lang = views.ParseLang(r.Header.Get("Accept-Language"))
	}
	if c, err := r.Cookie("restylab_theme"); err == nil {
		p.Theme = c.Value
	}
	p.Title = views.T(p.Lang, titleKey)
	return p
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	p := s.page(r, "notfound")
	s.render(w, r, views.NotFound(p))
}

// setLang stores the language choice and returns to the page it came from.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	lang := views.ParseLang(r.PathValue("lang"))
	http.SetCookie(w, &http.Cookie{Name: "restylab_lang", Value: string(lang), Path: s.cookiePath(), MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
	to := r.URL.Query().Get("to")
	if !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") || strings.HasPrefix(to, "/\\") {
		to = "/"
	}
	s.redirect(w, r, to, http.StatusSeeOther)
}

// jsonError answers {"error": msg} with status.
func jsonError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// startError maps an error starting an instance to a status and sentence.
func startError(err error) (int, string) {
	if errors.Is(err, sandbox.ErrFull) {
		return http.StatusServiceUnavailable, "lab is full: every instance slot is in use, try again in a minute"
	}
	return http.StatusBadGateway, err.Error()
}
