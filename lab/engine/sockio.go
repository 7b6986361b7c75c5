package engine

import (
	"unsafe"

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
		n, err := rawWrite(fd, b[done:])
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

// rawRead and rawWrite are read(2) and write(2) on a non-blocking socket
// without Go's syscall bookkeeping (entersyscall/exitsyscall): such a call
// never blocks, so the worker thread keeps its P throughout. With
// unix.Read and unix.Write, each of the two syscalls a keep-alive request
// costs puts the P in the syscall state, and the runtime's sysmon thread,
// finding a P in a syscall, keeps polling at its shortest interval (20 µs):
// 6-7% of the engine's CPU on the hello benchmark (docs/benchmarks.md).
// Never use them on a blocking descriptor.
func rawRead(fd int, b []byte) (int, error) {
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(p), uintptr(len(b)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

func rawWrite(fd int, b []byte) (int, error) {
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	n, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(p), uintptr(len(b)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
