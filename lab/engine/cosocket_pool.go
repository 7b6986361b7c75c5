package engine

import (
	"time"
)

// The cosocket connection pool: per worker (as in nginx, where each worker
// process has its own), keyed by "ip:port" or the connect()'s pool option.
// Connections wait here watched by epoll: data or a close from the peer
// while idle drops them, as does their idle timeout.

// putPooled moves cs's connection into the pool; cs becomes closed for Lua.
func (w *worker) putPooled(cs *cosock, idle time.Duration, size int) {
	if w.pools == nil {
		w.pools = make(map[string][]*cosock)
	}
	pc := &cosock{w: w, fd: cs.fd, peer: cs.peer, pool: cs.pool, state: sockPooled, reused: cs.reused}
	// the fd stays in epoll (no epoll_ctl per pooling): only its handler changes
	w.loop.SetHandler(pc.fd, pc)
	cs.fd, cs.state = -1, sockClosed
	for size > 0 && len(w.pools[pc.pool]) >= size {
		w.dropPooled(w.pools[pc.pool][0]) // the least recently used goes
	}
	pc.poolIdle = w.loop.AddTimer(idle, func() {
		pc.poolIdle = nil
		w.dropPooled(pc)
	})
	w.pools[pc.pool] = append(w.pools[pc.pool], pc)
}

// pooledConn takes the most recently kept connection of pool, or nil.
func (w *worker) pooledConn(pool string) *cosock {
	list := w.pools[pool]
	if len(list) == 0 {
		return nil
	}
	pc := list[len(list)-1]
	w.pools[pool] = list[:len(list)-1]
	w.loop.StopTimer(pc.poolIdle)
	pc.poolIdle = nil
	return pc
}

// dropPooled closes a pooled connection and removes it from its pool.
func (w *worker) dropPooled(pc *cosock) {
	list := w.pools[pc.pool]
	for i, c := range list {
		if c == pc {
			w.pools[pc.pool] = append(list[:i], list[i+1:]...)
			break
		}
	}
	w.loop.StopTimer(pc.poolIdle)
	pc.poolIdle = nil
	pc.closeFD("pool: idle connection dropped")
}
