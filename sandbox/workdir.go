package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// A Manager keeps its children's workspaces under one root of its own,
// TEMP/restylab-lab-XXXX/, which holds a lock file locked (flock) for the
// Manager's life. Each child gets a fresh directory in it (--tmpdir) that
// the Manager removes once the child is reaped, whatever ended it: a child
// killed by a limit or SIGKILL cannot clean up after itself. The kernel
// drops the lock when the lab's process ends, even by SIGKILL, so a lab that
// starts removes every root whose lock it can take: the leftovers of a lab
// that is gone, never a running lab's.

// labRootPattern names the roots (os.MkdirTemp pattern).
const labRootPattern = "restylab-lab-"

// lockName is the lock file in a root.
const lockName = ".lock"

// workRoot is a Manager's root directory and its lock.
type workRoot struct {
	dir  string
	lock *os.File
}

// newWorkRoot removes dead labs' roots in temp (the system's temporary
// directory when empty) and makes and locks a new root.
func newWorkRoot(temp string) (*workRoot, error) {
	if temp == "" {
		temp = os.TempDir()
	}
	removeStaleRoots(temp)
	dir, err := os.MkdirTemp(temp, labRootPattern)
	if err != nil {
		return nil, fmt.Errorf("sandbox: workspace root: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o600)
	if err == nil {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		os.RemoveAll(dir)
		return nil, fmt.Errorf("sandbox: lock workspace root %s: %w", dir, err)
	}
	return &workRoot{dir: dir, lock: f}, nil
}

// removeStaleRoots removes the roots in temp whose lock nobody holds. A root
// without a lock file is one being made right now, or not ours: left alone.
func removeStaleRoots(temp string) {
	roots, _ := filepath.Glob(filepath.Join(temp, labRootPattern+"*"))
	for _, dir := range roots {
		f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR, 0)
		if err != nil {
			continue
		}
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
			os.RemoveAll(dir) // the lock goes with the file when f is closed
		}
		f.Close()
	}
}

// instanceDir makes a fresh directory for one child's workspaces.
func (r *workRoot) instanceDir() (string, error) {
	dir, err := os.MkdirTemp(r.dir, "instance-")
	if err != nil {
		return "", fmt.Errorf("sandbox: workspace directory: %w", err)
	}
	return dir, nil
}

// close removes the root (every child must have been reaped) and drops
// the lock.
func (r *workRoot) close() error {
	err := os.RemoveAll(r.dir)
	r.lock.Close()
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("sandbox: remove workspace root: %w", err)
	}
	return nil
}
