package engine

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Log levels, numbered as ngx.STDERR .. ngx.DEBUG.
const (
	LevelStderr = iota
	LevelEmerg
	LevelAlert
	LevelCrit
	LevelErr
	LevelWarn
	LevelNotice
	LevelInfo
	LevelDebug
)

// levelNames are the words in brackets; ngx.STDERR prints as "[]" in nginx.
var levelNames = [...]string{"", "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"}

// ParseLevel maps an error_log level word to its number (default error).
func ParseLevel(s string) int {
	for i, n := range levelNames {
		if n == s && i > 0 && n != "" {
			return i
		}
	}
	return LevelErr
}

// ErrorLog writes lines in nginx's error_log format:
//
//	2026/11/27 03:36:05 [error] 3431#3431: *2 message, client: ..., server: ..., request: "...", host: "..."
//
// It is safe for concurrent use by all workers.
type ErrorLog struct {
	mu    sync.Mutex
	w     io.Writer
	close io.Closer
	level int
	// Sink, when set, also receives every line written (tracing, the lab UI).
	Sink func(level int, line string)
}

// OpenErrorLog opens path ("stderr" for standard error) for appending.
func OpenErrorLog(path string, level int) (*ErrorLog, error) {
	el := &ErrorLog{level: level}
	if path == "" || path == "stderr" {
		el.w = os.Stderr
		return el, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open error_log: %w", err)
	}
	el.w, el.close = f, f
	return el, nil
}

// Enabled reports whether a message at level would be written.
func (el *ErrorLog) Enabled(level int) bool { return level <= el.level }

// Write logs msg at level for worker tid (the OS thread id nginx prints
// after the pid) and connection number conn (0: none).
func (el *ErrorLog) Write(level, tid int, conn int64, msg string) {
	if el == nil || level > el.level {
		return
	}
	var b strings.Builder
	b.Grow(len(msg) + 64)
	b.WriteString(time.Now().Format("2006/01/02 15:04:05"))
	b.WriteString(" [")
	b.WriteString(levelNames[level])
	b.WriteString("] ")
	// nginx prints pid#tid; a worker's pid is its thread's id here
	// (ngx.worker.pid()), the engine's own lines print the process's pid
	fmt.Fprintf(&b, "%d#%d: ", tid, tid)
	if conn > 0 {
		fmt.Fprintf(&b, "*%d ", conn)
	}
	b.WriteString(msg)
	b.WriteByte('\n')
	line := b.String()
	el.mu.Lock()
	_, _ = io.WriteString(el.w, line)
	sink := el.Sink
	el.mu.Unlock()
	if sink != nil {
		sink(level, strings.TrimSuffix(line, "\n"))
	}
}

// Close closes the log file.
func (el *ErrorLog) Close() error {
	if el.close != nil {
		return el.close.Close()
	}
	return nil
}
