package engine

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// accessWrite is one OnAccessLog call.
type accessWrite struct {
	path, data string
	at         time.Time
}

// accessWrites collects OnAccessLog calls.
type accessWrites struct {
	mu     sync.Mutex
	writes []accessWrite
}

func (a *accessWrites) hook(path string, data []byte) {
	a.mu.Lock()
	a.writes = append(a.writes, accessWrite{path: path, data: string(data), at: time.Now()})
	a.mu.Unlock()
}

// of returns the writes to the file named base.
func (a *accessWrites) of(base string) []accessWrite {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []accessWrite
	for _, w := range a.writes {
		if filepath.Base(w.path) == base {
			out = append(out, w)
		}
	}
	return out
}

// waitFor polls until the file named base has had n writes.
func (a *accessWrites) waitFor(t *testing.T, base string, n int) []accessWrite {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := a.of(base)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d writes after 10 s, want %d: %+v", base, len(got), n, got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestAccessLogBuffer: an access log with buffer= reaches its file (and
// OnAccessLog) only when the next line does not fit, a line longer than
// the buffer is written on its own, flush= writes a buffer its time after
// the line that started it, and a worker that exits writes what it holds;
// a log without buffer= is written as each request ends.
func TestAccessLogBuffer(t *testing.T) {
	var got accessWrites
	e, base, prefix := startEngine(t, 1, `
    log_format u '$uri';
    server {
        listen 127.0.0.1:{{PORT}};
        access_log logs/plain.log u;
        location /b/ { access_log logs/buf.log u buffer=64; return 200 "ok\n"; }
        location /f/ { access_log logs/flush.log u buffer=4k flush=300ms; return 200 "ok\n"; }
        location / { return 200 "ok\n"; }
    }`, Options{OnAccessLog: got.hook})
	b1 := "/b/" + strings.Repeat("1", 26) // 30 bytes with its newline
	b2 := "/b/" + strings.Repeat("2", 26)
	b3 := "/b/" + strings.Repeat("3", 26)
	long := "/b/" + strings.Repeat("L", 72) // 76 bytes: more than the buffer
	step := 0
	fetch := func(path string) {
		t.Helper()
		if st, body := get(t, base+path); st != 200 || body != "ok\n" {
			t.Fatalf("GET %s: %d %q", path, st, body)
		}
		// a plain log line after it: its log phase has run (one worker)
		step++
		if st, _ := get(t, base+"/p"); st != 200 {
			t.Fatalf("GET /p: %d", st)
		}
		got.waitFor(t, "plain.log", step)
	}
	fetch(b1)
	fetch(b2)
	if w := got.of("buf.log"); len(w) != 0 {
		t.Fatalf("buf.log written before its buffer was full: %+v", w)
	}
	if data := readFile(t, filepath.Join(prefix, "logs/buf.log")); data != "" {
		t.Fatalf("logs/buf.log holds %q before its buffer was full", data)
	}
	fetch(b3) // does not fit: the first two are written
	if w := got.of("buf.log"); len(w) != 1 || w[0].data != b1+"\n"+b2+"\n" || w[0].path != filepath.Join(prefix, "logs/buf.log") {
		t.Fatalf("after the third line, buf.log writes: %+v", w)
	}
	fetch(long) // flushes the third, then goes out on its own
	if w := got.of("buf.log"); len(w) != 3 || w[1].data != b3+"\n" || w[2].data != long+"\n" {
		t.Fatalf("after the long line, buf.log writes: %+v", w)
	}

	sent := time.Now()
	fetch("/f/one")
	fw := got.waitFor(t, "flush.log", 1)
	if fw[0].data != "/f/one\n" {
		t.Errorf("flush.log: %q", fw[0].data)
	}
	if d := fw[0].at.Sub(sent); d < 300*time.Millisecond {
		t.Errorf("flush.log written %v after the request, before flush=300ms", d)
	}

	fetch(b1) // held in the buffer until the worker exits
	fetch("/f/two")
	e.Quit()
	if err := e.Wait(); err != nil {
		t.Fatal(err)
	}
	if w := got.of("buf.log"); len(w) != 4 || w[3].data != b1+"\n" {
		t.Errorf("buf.log writes after the exit: %+v", w)
	}
	if data := readFile(t, filepath.Join(prefix, "logs/flush.log")); data != "/f/one\n/f/two\n" {
		t.Errorf("logs/flush.log after the exit: %q", data)
	}
	want := b1 + "\n" + b2 + "\n" + b3 + "\n" + long + "\n" + b1 + "\n"
	if data := readFile(t, filepath.Join(prefix, "logs/buf.log")); data != want {
		t.Errorf("logs/buf.log: %q, want %q", data, want)
	}
	if w := got.of("plain.log"); len(w) != step || w[0].data != "/p\n" {
		t.Errorf("plain.log: %d writes (want %d, one per request): %+v", len(w), step, w)
	}
}
