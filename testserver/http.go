package testserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits of the HTTP endpoints. Larger requests are clamped to them.
const (
	MaxDelay       = 10 * time.Second // /delay, /stream interval, /drip duration and delay, slow.lab
	MaxBytes       = 1 << 20          // /bytes/{n}
	MaxStreamLines = 100              // /stream/{n}
	MaxDripBytes   = 10 * 1024        // /drip?bytes=
	MaxEchoBody    = 1 << 20          // /echo request body; larger gets 413
	maxHeaderBytes = 64 << 10
	readHeaderTime = 10 * time.Second
)

// Fixed validators of /cache.
const (
	CacheETag = `"restylab-cache-1"`
)

// CacheLastModified is the Last-Modified time of /cache.
var CacheLastModified = time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)

// JSONDocument is the body of /json: a fixed document with nested objects,
// an array, numbers, a boolean, null and non-ASCII text, for cjson lessons.
const JSONDocument = `{
  "lab": "restylab",
  "version": 1,
  "ok": true,
  "pi": 3.14159,
  "nothing": null,
  "greeting": "héllo, wörld ✓",
  "lessons": [
    {"id": 1, "title": "Hello, content_by_lua", "tags": ["basics"]},
    {"id": 2, "title": "Cosockets", "tags": ["tcp", "redis"]},
    {"id": 3, "title": "Proxying", "tags": ["http", "upstream"]}
  ],
  "server": {"name": "httpbin.lab", "limits": {"max_delay_ms": 10000, "max_bytes": 1048576}}
}
`

// cacheBody is the body of /cache.
const cacheBody = `{"cached": "this body changes never; revalidate with If-None-Match or If-Modified-Since"}` + "\n"

// httpServer is httpbin.lab: a net/http server whose handlers are counted so
// that close can wait for them.
type httpServer struct {
	srv    *http.Server
	cancel context.CancelFunc // cancels every request's context
	served chan struct{}      // closed when Serve returned

	mu       sync.Mutex
	closed   bool
	handlers sync.WaitGroup
}

func startHTTP(ln net.Listener, logger *log.Logger) *httpServer {
	base, cancel := context.WithCancel(context.Background())
	h := &httpServer{cancel: cancel, served: make(chan struct{})}
	errLog := logger
	if errLog == nil {
		errLog = log.New(io.Discard, "", 0)
	}
	h.srv = &http.Server{
		Handler:           h.track(logRequests(logger, newMux())),
		ReadHeaderTimeout: readHeaderTime,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          errLog,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	go func() {
		defer close(h.served)
		h.srv.Serve(ln) // returns http.ErrServerClosed after close
	}()
	return h
}

// track counts running handlers; after close, requests get 503.
func (h *httpServer) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		h.handlers.Add(1)
		h.mu.Unlock()
		defer h.handlers.Done()
		next.ServeHTTP(w, r)
	})
}

// close closes the listener and every connection, cancels every request and
// waits for the handlers.
func (h *httpServer) close() error {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	err := h.srv.Close()
	<-h.served
	h.handlers.Wait()
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	return nil
}

func newMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", handleIndex)
	mux.HandleFunc("/echo", handleEcho)
	mux.HandleFunc("/echo/", handleEcho)
	mux.HandleFunc("/delay/{ms}", handleDelay)
	mux.HandleFunc("/status/{code}", handleStatus)
	mux.HandleFunc("/headers", handleHeaders)
	mux.HandleFunc("/bytes/{n}", handleBytes)
	mux.HandleFunc("/stream/{n}", handleStream)
	mux.HandleFunc("/drip", handleDrip)
	mux.HandleFunc("/json", handleJSON)
	mux.HandleFunc("/cache", handleCache)
	return mux
}

const indexText = `httpbin.lab (restylab testserver)

/echo, /echo/...          method, path, uri, args, headers and body back as JSON
/delay/{ms}               answer after ms milliseconds (at most 10000)
/status/{code}            answer with that status (200-599)
/headers                  the request headers as JSON
/bytes/{n}?seed=S         n deterministic pseudo-random bytes (at most 1048576)
/stream/{n}?interval=ms   n JSON lines, chunked, flushed one by one (at most 100)
/drip?bytes=&duration=&delay=
                          a slow body: bytes '*' spread over duration seconds
/json                     a fixed JSON document
/cache                    ETag and Last-Modified, 304 when they match
`

func handleIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, indexText)
}

// writeJSON sends v as indented JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, "encoding JSON: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// headerMap flattens request headers, Host included, into name -> value;
// repeated headers are joined with ", ".
func headerMap(r *http.Request) map[string]string {
	m := make(map[string]string, len(r.Header)+1)
	for k, v := range r.Header {
		m[k] = strings.Join(v, ", ")
	}
	m["Host"] = r.Host
	return m
}

// EchoReply is the JSON body of /echo.
type EchoReply struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	URI     string            `json:"uri"`
	Args    map[string]any    `json:"args"` // a string, or an array of strings when repeated
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

func handleEcho(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxEchoBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, fmt.Sprintf("body larger than %d bytes", MaxEchoBody), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	args := make(map[string]any)
	for k, v := range r.URL.Query() {
		if len(v) == 1 {
			args[k] = v[0]
		} else {
			args[k] = v
		}
	}
	writeJSON(w, http.StatusOK, EchoReply{
		Method:  r.Method,
		Path:    r.URL.Path,
		URI:     r.RequestURI,
		Args:    args,
		Headers: headerMap(r),
		Body:    string(body),
	})
}

func handleHeaders(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"headers": headerMap(r)})
}

// intParam parses a non-negative integer path or query value; def when the
// query value is absent.
func intParam(w http.ResponseWriter, name, s string, def int64) (int64, bool) {
	if s == "" {
		return def, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		http.Error(w, fmt.Sprintf("%s: want a non-negative integer, got %q", name, s), http.StatusBadRequest)
		return 0, false
	}
	return n, true
}

// secondsParam parses a non-negative number of seconds, clamped to MaxDelay.
func secondsParam(w http.ResponseWriter, name, s string, def time.Duration) (time.Duration, bool) {
	if s == "" {
		return def, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsNaN(f) {
		http.Error(w, fmt.Sprintf("%s: want a non-negative number of seconds, got %q", name, s), http.StatusBadRequest)
		return 0, false
	}
	if f >= MaxDelay.Seconds() {
		return MaxDelay, true
	}
	return time.Duration(f * float64(time.Second)), true
}

// sleepCtx waits d or until ctx is done; false when ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func handleDelay(w http.ResponseWriter, r *http.Request) {
	ms, ok := intParam(w, "ms", r.PathValue("ms"), 0)
	if !ok {
		return
	}
	d := time.Duration(min(ms, MaxDelay.Milliseconds())) * time.Millisecond
	if !sleepCtx(r.Context(), d) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"delay_ms": d.Milliseconds()})
}

func handleStatus(w http.ResponseWriter, r *http.Request) {
	code, err := strconv.Atoi(r.PathValue("code"))
	if err != nil || code < 200 || code > 599 {
		http.Error(w, fmt.Sprintf("status: want a code from 200 to 599, got %q", r.PathValue("code")), http.StatusBadRequest)
		return
	}
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		w.Header().Set("Location", "/echo")
	}
	if code == http.StatusNoContent || code == http.StatusNotModified {
		w.WriteHeader(code)
		return
	}
	writeJSON(w, code, map[string]any{"status": code})
}

func handleBytes(w http.ResponseWriter, r *http.Request) {
	n, ok := intParam(w, "n", r.PathValue("n"), 0)
	if !ok {
		return
	}
	seed, ok := intParam(w, "seed", r.URL.Query().Get("seed"), 0)
	if !ok {
		return
	}
	n = min(n, MaxBytes)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	w.Write(SeededBytes(uint64(seed), int(n)))
}

// SeededBytes returns the n bytes /bytes/{n}?seed=seed sends: a ChaCha8
// stream keyed by the seed, the same on every run and Go version.
func SeededBytes(seed uint64, n int) []byte {
	var key [32]byte
	for i := range 8 {
		key[i] = byte(seed >> (8 * i))
	}
	b := make([]byte, n)
	rand.NewChaCha8(key).Read(b)
	return b
}

// StreamLine is one line of /stream/{n}.
type StreamLine struct {
	ID   int    `json:"id"`
	N    int    `json:"n"`
	Path string `json:"path"`
}

func handleStream(w http.ResponseWriter, r *http.Request) {
	n, ok := intParam(w, "n", r.PathValue("n"), 0)
	if !ok {
		return
	}
	ms, ok := intParam(w, "interval", r.URL.Query().Get("interval"), 0)
	if !ok {
		return
	}
	n = min(n, MaxStreamLines)
	interval := time.Duration(min(ms, MaxDelay.Milliseconds())) * time.Millisecond
	w.Header().Set("Content-Type", "application/x-ndjson")
	rc := http.NewResponseController(w)
	for i := range int(n) {
		if i > 0 && !sleepCtx(r.Context(), interval) {
			return
		}
		line, _ := json.Marshal(StreamLine{ID: i, N: int(n), Path: r.URL.Path})
		if _, err := w.Write(append(line, '\n')); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func handleDrip(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n, ok := intParam(w, "bytes", q.Get("bytes"), 10)
	if !ok {
		return
	}
	duration, ok := secondsParam(w, "duration", q.Get("duration"), 2*time.Second)
	if !ok {
		return
	}
	delay, ok := secondsParam(w, "delay", q.Get("delay"), 0)
	if !ok {
		return
	}
	n = min(n, MaxDripBytes)
	if !sleepCtx(r.Context(), delay) {
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		return
	}
	if n == 0 {
		return
	}
	// One byte per interval, the first after one interval, so that the body
	// ends at duration.
	interval := duration / time.Duration(n)
	for range n {
		if !sleepCtx(r.Context(), interval) {
			return
		}
		if _, err := w.Write([]byte{'*'}); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func handleJSON(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(JSONDocument)))
	io.WriteString(w, JSONDocument)
}

// handleCache serves cacheBody with fixed validators; http.ServeContent
// answers If-None-Match and If-Modified-Since (If-None-Match wins) with 304.
func handleCache(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("ETag", CacheETag)
	w.Header().Set("Cache-Control", "public, max-age=60")
	http.ServeContent(w, r, "", CacheLastModified, bytes.NewReader([]byte(cacheBody)))
}

// statusRecorder remembers the status and size of a response for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	size   int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(p)
	s.size += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer (Flush).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// logRequests logs one line per request when logger is set.
func logRequests(logger *log.Logger, next http.Handler) http.Handler {
	if logger == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		logger.Printf("http: %s %s %q %d %d bytes %v", r.RemoteAddr, r.Method, r.RequestURI, status, rec.size, time.Since(start).Round(time.Millisecond))
	})
}
