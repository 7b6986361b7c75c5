package lessons

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Limits of a check's or an experiment's requests.
const (
	// MaxBurst is the largest n of a burst (the web lab's own limit).
	MaxBurst = 1000
	// MaxWait is the longest "--- wait".
	MaxWait = 10 * time.Second
)

// request is what a check or an experiment sends.
type request struct {
	method, target string
	headers        http.Header
	body           string
	n, c           int
	// sni: "--- sni: NAME" sends the request over TLS with that SNI name
	// ("-": TLS without SNI); "" is plain HTTP.
	sni string
	// listen: "--- listen: 443" sends to that listen address of nginx.conf
	// (MatchAddress), over TLS when it is an ssl one; "" is the first.
	listen string
}

// line is "GET /path", as the trace's request_start shows it.
func (r *request) line() string { return r.method + " " + r.target }

// describe names the request in a message: "GET /x" or "100 x GET /x".
func (r *request) describe() string {
	if r.n > 1 {
		return fmt.Sprintf("%d x %s", r.n, r.line())
	}
	return r.line()
}

var (
	methodRe = regexp.MustCompile(`^[A-Z]+$`)
	headerRe = regexp.MustCompile(`^[!#$%&'*+.^_|~0-9A-Za-z-]+$`)
)

// requestSections are the sections that describe a request.
var requestSections = map[string]bool{"request": true, "more_headers": true, "request_body": true, "burst": true, "sni": true, "listen": true}

// parseRequest reads the request sections of b; nil when it has none.
func parseRequest(file string, b block) (*request, error) {
	var req *request
	var extra []section
	for _, s := range b.sections {
		if !requestSections[s.name] {
			continue
		}
		if s.name != "request" {
			extra = append(extra, s)
			continue
		}
		lines := strings.Split(strings.TrimSuffix(s.value, "\n"), "\n")
		if len(lines) != 1 {
			return nil, errAt(file, s.line, "--- request takes one line, e.g. \"GET /hello\"; put a body in --- request_body")
		}
		f := strings.Fields(lines[0])
		if len(f) != 2 || !methodRe.MatchString(f[0]) || !strings.HasPrefix(f[1], "/") {
			return nil, errAt(file, s.line, "bad request line %q: want a method and a path, e.g. \"POST /echo\"", lines[0])
		}
		req = &request{method: f[0], target: f[1], headers: http.Header{}, n: 1, c: 1}
	}
	if req == nil {
		if len(extra) > 0 {
			return nil, errAt(file, extra[0].line, "--- %s without a --- request", extra[0].name)
		}
		return nil, nil
	}
	for _, s := range extra {
		switch s.name {
		case "more_headers":
			for i, ln := range strings.Split(strings.TrimSuffix(s.value, "\n"), "\n") {
				name, value, ok := strings.Cut(ln, ":")
				name = strings.TrimSpace(name)
				if !ok || !headerRe.MatchString(name) {
					return nil, errAt(file, s.line+1+i, "bad header line %q: want \"Name: value\"", ln)
				}
				req.headers.Add(name, strings.TrimSpace(value))
			}
		case "request_body":
			req.body = s.value
		case "sni":
			req.sni = strings.TrimSpace(s.value)
			if req.sni == "" || strings.ContainsAny(req.sni, " /:") {
				return nil, errAt(file, s.line, "bad sni %q: want a host name such as a.test (or - for TLS without SNI)", s.value)
			}
		case "listen":
			req.listen = strings.TrimSpace(s.value)
			if req.listen == "" || strings.ContainsAny(req.listen, " /") {
				return nil, errAt(file, s.line, "bad listen %q: want a port (443) or an address (127.0.0.1:8080) nginx.conf listens on", s.value)
			}
		case "burst":
			f := strings.Fields(s.value)
			n, err1 := strconv.Atoi(at(f, 0))
			c, err2 := strconv.Atoi(at(f, 1))
			if len(f) != 2 || err1 != nil || err2 != nil || n < 1 || n > MaxBurst || c < 1 || c > n {
				return nil, errAt(file, s.line, "bad burst %q: want \"N C\", N requests (1..%d) at concurrency C (1..N)", s.value, MaxBurst)
			}
			req.n, req.c = n, c
		}
	}
	return req, nil
}

func at(f []string, i int) string {
	if i < len(f) {
		return f[i]
	}
	return ""
}

// translated returns the required one-line sections named en and zh.
func translated(file string, b block, en, zh string) (Text, error) {
	var t Text
	zhLine := b.line
	for _, s := range b.sections {
		switch s.name {
		case en:
			t.En = strings.TrimSpace(s.value)
		case zh:
			t.Zh, zhLine = strings.TrimSpace(s.value), s.line
		}
	}
	if en == "" {
		t.En = b.name
	}
	if t.En == "" {
		return t, errAt(file, b.line, "block %q has no --- %s", b.name, en)
	}
	if t.Zh == "" {
		return t, errAt(file, b.line, "block %q has no Chinese translation: add --- %s", b.name, zh)
	}
	if !hasHan(t.Zh) {
		return t, errAt(file, zhLine, "--- %s of block %q has no Chinese in it: translate it", zh, b.name)
	}
	return t, nil
}

// parseExperiment reads one block of experiments.txt.
func parseExperiment(file string, b block) (Experiment, error) {
	status := 200
	for _, s := range b.sections {
		if s.name == "error_code" {
			n, err := strconv.Atoi(strings.TrimSpace(s.value))
			if err != nil || n < 100 || n > 599 {
				return Experiment{}, errAt(file, s.line, "bad error_code %q: want a status such as 401", s.value)
			}
			status = n
			continue
		}
		if !requestSections[s.name] && s.name != "name_zh" {
			return Experiment{}, errAt(file, s.line, "unknown section %q in an experiment (want request, more_headers, request_body, burst, sni, listen, error_code, name_zh)", s.name)
		}
	}
	name, err := translated(file, b, "", "name_zh")
	if err != nil {
		return Experiment{}, err
	}
	req, err := parseRequest(file, b)
	if err != nil {
		return Experiment{}, err
	}
	if req == nil {
		return Experiment{}, errAt(file, b.line, "experiment %q has no --- request", b.name)
	}
	return Experiment{Name: name, Method: req.method, Path: req.target, Headers: req.headers, Body: req.body, N: req.n, C: req.c, Status: status, SNI: req.sni, Listen: req.listen}, nil
}

// request is the request the experiment sends.
func (ex Experiment) request() *request {
	return &request{method: ex.Method, target: ex.Path, headers: ex.Headers, body: ex.Body, n: ex.N, c: ex.C, sni: ex.SNI, listen: ex.Listen}
}

// parseCheck reads one block of checks.txt.
func parseCheck(file string, b block) (Check, error) {
	ck := Check{file: file, line: b.line}
	var err error
	if ck.req, err = parseRequest(file, b); err != nil {
		return ck, err
	}
	for _, s := range b.sections {
		a, err := parseAssertion(file, s)
		if err != nil {
			return ck, err
		}
		switch {
		case s.name == "wait":
			d, err := time.ParseDuration(s.value)
			if err != nil || d < 0 || d > MaxWait {
				return ck, errAt(file, s.line, "bad wait %q: want a duration such as 500ms (at most %s)", s.value, MaxWait)
			}
			ck.wait = int(d / time.Millisecond)
		case a != nil:
			ck.asserts = append(ck.asserts, a...)
			ck.needTrace = ck.needTrace || s.name == "trace"
		}
	}
	if ck.Name, err = translated(file, b, "", "name_zh"); err != nil {
		return ck, err
	}
	if ck.Hint, err = translated(file, b, "hint", "hint_zh"); err != nil {
		return ck, err
	}
	if ck.req == nil && ck.wait == 0 {
		return ck, errAt(file, b.line, "check %q sends nothing: give it a --- request (or a --- wait to only watch the trace)", b.name)
	}
	for _, a := range ck.asserts {
		switch a.(type) {
		case sliceUnder, yieldOn, timerEveryWorker, timerFires, logHas:
		default:
			if ck.req == nil {
				return ck, errAt(file, b.line, "check %q asserts on responses or its own requests but sends no --- request", b.name)
			}
		}
	}
	if len(ck.asserts) == 0 {
		return ck, errAt(file, b.line, "check %q asserts nothing: add --- error_code, --- response_body, --- trace ...", b.name)
	}
	return ck, nil
}

// NeedsTrace reports whether the check asserts on the trace (it has a
// "--- trace" section). A Target that records no trace events, such as real
// nginx, can run only its other assertions.
func (ck *Check) NeedsTrace() bool { return ck.needTrace }

// parseAssertion turns a section into assertions; nil for the sections
// that are not assertions (request, names, hints, wait); an error for an
// unknown section.
func parseAssertion(file string, s section) ([]assertion, error) {
	lines := func() []string {
		var out []string
		for _, ln := range strings.Split(strings.TrimSuffix(s.value, "\n"), "\n") {
			out = append(out, strings.TrimSpace(ln))
		}
		return out
	}
	switch s.name {
	case "request", "more_headers", "request_body", "burst", "sni", "listen", "name_zh", "hint", "hint_zh", "wait":
		return nil, nil
	case "tls_cert":
		name := strings.TrimSpace(s.value)
		if name == "" {
			return nil, errAt(file, s.line, "bad tls_cert: want the name (subject CN) of the certificate the server must send")
		}
		return []assertion{certIs{name}}, nil
	case "error_code":
		code, err := strconv.Atoi(s.value)
		if err != nil || code < 100 || code > 999 {
			return nil, errAt(file, s.line, "bad error_code %q: want a status such as 200", s.value)
		}
		return []assertion{statusIs{code}}, nil
	case "response_body":
		return []assertion{bodyIs{s.value}}, nil
	case "response_body_like":
		src := strings.TrimSuffix(s.value, "\n")
		re, err := regexp.Compile(src)
		if err != nil {
			return nil, errAt(file, s.line, "bad response_body_like pattern: %v", err)
		}
		return []assertion{bodyLike{re}}, nil
	case "response_bodies":
		switch strings.TrimSpace(s.value) {
		case "distinct":
			return []assertion{bodiesAre{distinct: true}}, nil
		case "same":
			return []assertion{bodiesAre{}}, nil
		}
		return nil, errAt(file, s.line, "bad response_bodies %q: want \"distinct\" (every body differs) or \"same\"", strings.TrimSpace(s.value))
	case "response_headers":
		var out []assertion
		for i, ln := range lines() {
			if name, ok := strings.CutPrefix(ln, "!"); ok && headerRe.MatchString(name) {
				out = append(out, headerIs{name: name, absent: true})
				continue
			}
			name, value, ok := strings.Cut(ln, ":")
			if !ok || !headerRe.MatchString(strings.TrimSpace(name)) {
				return nil, errAt(file, s.line+1+i, "bad response header line %q: want \"Name: value\" or \"!Name\" (absent)", ln)
			}
			out = append(out, headerIs{name: strings.TrimSpace(name), value: strings.TrimSpace(value)})
		}
		return out, nil
	case "error_log", "no_error_log":
		var out []assertion
		for i, ln := range lines() {
			if ln == "" {
				return nil, errAt(file, s.line+1+i, "empty line in --- %s: every line is a text to look for", s.name)
			}
			out = append(out, logHas{text: ln, want: s.name == "error_log"})
		}
		return out, nil
	case "trace":
		var out []assertion
		for i, ln := range lines() {
			a, err := parseTraceLine(ln)
			if err != nil {
				return nil, errAt(file, s.line+1+i, "%v", err)
			}
			out = append(out, a)
		}
		return out, nil
	}
	return nil, errAt(file, s.line, "unknown section %q (want request, more_headers, request_body, burst, sni, listen, wait, tls_cert, error_code, response_body, response_body_like, response_bodies, response_headers, error_log, no_error_log, trace, name_zh, hint, hint_zh)", s.name)
}
