package engine

import (
	"fmt"

	"github.com/restylab/restylab/lab/event"
)

// accessLogBuffer is one worker's buffer for one access log file
// (access_log ... buffer=SIZE [flush=TIME]): as an nginx worker process has
// its own, lines reach the file when the buffer is full, when its flush
// timer fires and when the worker exits (ngx_http_log_module's
// ngx_http_log_handler and ngx_http_log_flush; the exit flush is the cycle
// pool's cleanup, ngx_conf_flush_files).
type accessLogBuffer struct {
	buf   []byte
	timer *event.Timer // the flush= timer, armed when the buffer gets its first line
}

// writeAccessLine writes one formatted line to lf, through this worker's
// buffer when the file has one. logErr reports a failed write.
func (w *worker) writeAccessLine(lf *accessLogFile, line []byte, logErr func(level int, msg string)) {
	if lf.buffer <= 0 {
		w.writeAccessFile(lf, line, logErr)
		return
	}
	if w.accessBufs == nil {
		w.accessBufs = map[*accessLogFile]*accessLogBuffer{}
	}
	b := w.accessBufs[lf]
	if b == nil {
		b = &accessLogBuffer{buf: make([]byte, 0, lf.buffer)}
		w.accessBufs[lf] = b
	}
	size := int(lf.buffer)
	if len(line) > size-len(b.buf) && len(b.buf) > 0 {
		w.writeAccessFile(lf, b.buf, logErr)
		b.buf = b.buf[:0]
	}
	if len(line) <= size-len(b.buf) {
		if lf.flush > 0 && len(b.buf) == 0 {
			// nginx re-arms the timer when a line starts an empty buffer,
			// also one a full buffer just emptied
			w.loop.StopTimer(b.timer)
			b.timer = w.loop.AddTimer(lf.flush, func() { w.flushAccessBuffer(lf, b) })
			b.timer.Desc = "access_log flush " + lf.path
		}
		b.buf = append(b.buf, line...)
		return
	}
	// a line longer than the whole buffer is written on its own
	w.loop.StopTimer(b.timer)
	w.writeAccessFile(lf, line, logErr)
}

// flushAccessBuffer writes what b holds (the flush= timer).
func (w *worker) flushAccessBuffer(lf *accessLogFile, b *accessLogBuffer) {
	w.loop.StopTimer(b.timer)
	if len(b.buf) == 0 {
		return
	}
	w.writeAccessFile(lf, b.buf, func(level int, msg string) { w.log(level, 0, msg) })
	b.buf = b.buf[:0]
}

// flushAccessBuffers writes every buffer of the worker (it is exiting).
func (w *worker) flushAccessBuffers() {
	for lf, b := range w.accessBufs {
		w.flushAccessBuffer(lf, b)
	}
}

// writeAccessFile appends data (whole lines) to the file, within a
// sandbox's size limit, and hands what it wrote to Options.OnAccessLog.
func (w *worker) writeAccessFile(lf *accessLogFile, data []byte, logErr func(level int, msg string)) {
	lf.mu.Lock()
	if lf.limit > 0 && lf.size+int64(len(data)) > lf.limit {
		report := !lf.dropped
		lf.dropped = true
		lf.mu.Unlock()
		if report {
			logErr(LevelErr, fmt.Sprintf("access log \"%s\" reached the lab's limit of %s: further lines are dropped", lf.path, sizeText(lf.limit)))
		}
		return
	}
	n, err := lf.f.Write(data)
	lf.size += int64(n)
	lf.mu.Unlock()
	if n > 0 && w.e.opts.OnAccessLog != nil {
		w.e.opts.OnAccessLog(lf.path, data[:n])
	}
	if err != nil {
		logErr(LevelAlert, fmt.Sprintf("write() to \"%s\" failed (%s)", lf.path, errnoNum(err)))
	}
}
