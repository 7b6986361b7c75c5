package conf

import (
	"strconv"
	"strings"
)

// ThreadPool is a thread_pool directive (main context): the pool that
// ngx.run_worker_thread names, with its number of threads and the longest
// queue of tasks waiting for one (max_queue, 65536 by default).
type ThreadPool struct {
	Name     string
	Threads  int
	MaxQueue int
	Pos      Pos
}

// threadPool handles thread_pool NAME threads=N [max_queue=N] with
// nginx's checks and messages (ngx_thread_pool.c): threads at least 1,
// max_queue a number, one pool per name; other parameters are ignored as
// nginx 1.22 ignores them.
func (b *builder) threadPool(_ *scope, d *directive) error {
	tp := ThreadPool{Name: d.arg(0), MaxQueue: 65536, Pos: d.pos}
	for i := 1; i < len(d.args); i++ {
		v := d.arg(i)
		switch {
		case strings.HasPrefix(v, "threads="):
			n, err := strconv.Atoi(v[len("threads="):])
			if err != nil || n <= 0 {
				return errf(d.pos, "invalid threads value \"%s\"", v)
			}
			tp.Threads = n
		case strings.HasPrefix(v, "max_queue="):
			n, err := strconv.Atoi(v[len("max_queue="):])
			if err != nil || n < 0 {
				return errf(d.pos, "invalid max_queue value \"%s\"", v)
			}
			tp.MaxQueue = n
		}
	}
	if tp.Threads == 0 {
		return errf(d.pos, "\"thread_pool\" must have \"threads\" parameter")
	}
	for _, p := range b.cfg.ThreadPools {
		if p.Name == tp.Name {
			return errf(d.pos, "duplicate thread pool \"%s\"", tp.Name)
		}
	}
	b.cfg.ThreadPools = append(b.cfg.ThreadPools, tp)
	return nil
}
