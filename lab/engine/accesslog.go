package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/restylab/restylab/lab/conf"
)

// sandboxAccessLogLimit caps each access log file of a sandboxed instance:
// a request loop must not fill the lab's disk (a variable for tests).
var sandboxAccessLogLimit int64 = 16 << 20

// accessLogFile is one open access log file, shared by the workers (one
// Write per line, under mu, as nginx's unbuffered log writes one line).
type accessLogFile struct {
	mu      sync.Mutex
	f       *os.File
	size    int64
	limit   int64 // 0: none
	dropped bool  // the limit was reported
	// path is the file's name as the configuration resolved it.
	path string
	// buffer and flush are buffer= and flush= of the first access_log
	// that gave them for this file: nginx keeps one buffer per open file,
	// which every access_log naming the file writes through (0: none).
	buffer int64
	flush  time.Duration
}

// openAccessLogs opens every access_log file of the configuration once for
// appending, as nginx does at start-up; an explicit log that cannot be
// opened stops the start with nginx's message. A sandboxed instance gets
// the logs' folders made inside its workspace (conf.LoadConfined keeps
// them there).
func (e *Engine) openAccessLogs() error {
	e.accessLogs = map[string]*accessLogFile{}
	openPath := func(path string) error {
		if _, done := e.accessLogs[path]; done {
			return nil
		}
		if e.opts.Sandbox {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return fmt.Errorf("make the access log's folder: %w", err)
			}
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("open() \"%s\" failed (%s)", path, errnoNum(err))
		}
		lf := &accessLogFile{f: f, path: path}
		if st, err := f.Stat(); err == nil {
			lf.size = st.Size()
		}
		if e.opts.Sandbox {
			lf.limit = sandboxAccessLogLimit
		}
		e.accessLogs[path] = lf
		return nil
	}
	open := func(logs []*conf.AccessLog) error {
		for _, al := range logs {
			if err := openPath(al.Path); err != nil {
				return err
			}
			if lf := e.accessLogs[al.Path]; lf.buffer == 0 && al.Buffer > 0 {
				lf.buffer, lf.flush = al.Buffer, al.Flush
			}
		}
		return nil
	}
	h := e.cfg.HTTP
	for _, p := range h.AccessLogFiles { // also those turned off: nginx creates them
		if err := openPath(p); err != nil {
			return err
		}
	}
	// the http level's own list (nginx's default when it has none) is
	// opened only where a server or location uses it, as nginx creates
	// logs/access.log only when some server inherits it
	for _, s := range h.Servers {
		if err := open(s.AccessLogs); err != nil {
			return err
		}
		for l := range conf.LocationTree(s.Locations) {
			if err := open(l.AccessLogs); err != nil {
				return err
			}
		}
	}
	return nil
}

// closeAccessLogs closes the files once the workers are gone.
func (e *Engine) closeAccessLogs() {
	for _, lf := range e.accessLogs {
		lf.mu.Lock()
		lf.f.Close()
		lf.mu.Unlock()
	}
}

// errnoNum is "2: No such file or directory" as nginx prints an errno.
func errnoNum(err error) string {
	var no syscall.Errno
	if errors.As(err, &no) {
		return strconv.Itoa(int(no)) + ": " + errnoText(no)
	}
	return err.Error()
}

// writeAccessLogs writes the request's lines, after log_by_lua (which may
// set the variables a format uses), as ngx_http_log_module does in the log
// phase: only main requests, in the directives' order, none when an if=
// condition is "" or "0".
func (r *request) writeAccessLogs() {
	if r.sub != nil || r.c == nil || r.loggedAccess {
		return
	}
	r.loggedAccess = true
	logs := r.w.e.cfg.HTTP.AccessLogs
	switch {
	case r.loc != nil:
		logs = r.loc.AccessLogs
	case r.srv != nil:
		logs = r.srv.AccessLogs
	}
	for _, al := range logs {
		if al.If != nil {
			if v := r.expandTpl(*al.If); v == "" || v == "0" {
				continue
			}
		}
		lf := r.w.e.accessLogs[al.Path]
		if lf == nil {
			continue
		}
		r.w.writeAccessLine(lf, r.formatLogLine(al.Format), r.logErr)
	}
}

// formatLogLine renders one line of format f for r, newline included. A
// variable's value is escaped as the format says: "default" writes \xXX
// for '"', '\' and bytes below 0x20 or from 0x7F, and "-" for a variable
// not found; "json" escapes as JSON strings do (\uXXXX for the other
// control bytes) and writes nothing for one not found; "none" writes values
// as they are (ngx_http_log_variable, _json_variable, _unescaped_variable).
func (r *request) formatLogLine(f *conf.LogFormat) []byte {
	var b []byte
	f.Tpl.Walk(func(lit string) { b = append(b, lit...) }, func(name string) {
		v, ok := r.variable(name)
		switch f.Escape {
		case "json":
			if ok {
				b = appendJSONEscaped(b, v)
			}
		case "none":
			if ok {
				b = append(b, v...)
			}
		default:
			if !ok {
				b = append(b, '-')
				return
			}
			b = appendLogEscaped(b, v)
		}
	})
	return append(b, '\n')
}

const upperHex = "0123456789ABCDEF"

// appendLogEscaped is ngx_http_log_escape: \xXX (upper-case hex) for '"',
// '\', control bytes and bytes from 0x7F.
func appendLogEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' || c < 0x20 || c >= 0x7f {
			b = append(b, '\\', 'x', upperHex[c>>4], upperHex[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}

// appendJSONEscaped is ngx_escape_json: \" \\ \n \r \t \b \f, \u00XX for
// the other bytes below 0x20; everything else (DEL, UTF-8) as it is.
func appendJSONEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			if c < 0x20 {
				b = append(b, '\\', 'u', '0', '0', upperHex[c>>4], upperHex[c&15])
				continue
			}
			b = append(b, c)
		}
	}
	return b
}

// sizeText prints a limit in MiB when it is whole MiB, else in bytes.
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
