package engine

import (
	"golang.org/x/sys/unix"

	"github.com/restylab/restylab/lab/trace"
)

// writeNonblock writes b to a non-blocking socket until all of it is
// written or the socket would block, recording each write for request req.
// It returns how many bytes were written and, when not all of them,
// unix.EAGAIN (wait for EPOLLOUT) or the error that ended the writing.
func (w *worker) writeNonblock(fd int, b []byte, req int64) (int, error) {
	done := 0
	for done < len(b) {
		n, err := unix.Write(fd, b[done:])
		if n > 0 {
			done += n
			if w.rec.Enabled() {
				w.rec.Emit(trace.Event{Kind: trace.Write, FD: int32(fd), Arg: int64(n), Req: req})
			}
			continue
		}
		if err == unix.EINTR {
			continue
		}
		if err == nil {
			err = unix.EIO // a zero-byte write: treat as broken
		}
		return done, err
	}
	return done, nil
}
