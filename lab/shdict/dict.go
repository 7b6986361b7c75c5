package shdict

import (
	"fmt"
	"sync"
	"time"
)

// Dict is one lua_shared_dict zone. It is safe for concurrent use.
type Dict struct {
	name     string
	capacity int64
	clock    func() time.Time

	mu    sync.Mutex
	items map[string]*entry
	// lru is a circular list through a sentinel: lru.next is the most
	// recently used entry, lru.prev the least recently used one.
	lru  entry
	pool slabPool
}

// entry is one key. Scalar values live in val; a list's elements in list.
type entry struct {
	key        string
	val        Value // Kind List for a list
	list       []listElem
	flags      uint32
	expires    int64 // unix ms; 0 = never
	mem        *slabPage
	prev, next *entry
}

type listElem struct {
	val Value
	mem *slabPage
}

// New creates a zone of capacity bytes. A nil clock means time.Now. A
// capacity too small for the zone's own bookkeeping (see CheckCapacity)
// gives a dict on which every store fails with ErrNoMemory.
func New(name string, capacity int64, clock func() time.Time) *Dict {
	if clock == nil {
		clock = time.Now
	}
	d := &Dict{name: name, capacity: capacity, clock: clock, items: make(map[string]*entry)}
	d.lru.next, d.lru.prev = &d.lru, &d.lru
	d.pool = newSlabPool(capacity)
	if d.pool.alloc(shctxSize) == nil || d.pool.alloc(logCtxBase+len(name)) == nil {
		d.pool = slabPool{}
	}
	return d
}

// CheckCapacity reports whether a zone of this name and size can start. Real
// nginx refuses to start with "ngx_slab_alloc() failed: no memory" when the
// zone cannot hold ngx_lua's own context (e.g. lua_shared_dict d 8k).
func CheckCapacity(name string, capacity int64) error {
	p := newSlabPool(capacity)
	if p.alloc(shctxSize) == nil || p.alloc(logCtxBase+len(name)) == nil {
		return fmt.Errorf("lua_shared_dict %q of %d bytes: ngx_slab_alloc() failed: %w", name, capacity, ErrNoMemory)
	}
	return nil
}

// Name returns the zone's name.
func (d *Dict) Name() string { return d.name }

// Capacity returns the zone's size in bytes, as configured.
func (d *Dict) Capacity() int64 { return d.capacity }

// FreeSpace returns the bytes in wholly free pages. As in nginx, a zone can
// accept new small entries while reporting 0: they go into partly used pages.
func (d *Dict) FreeSpace() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return int64(d.pool.free) * pageSize
}

// nowMS is the current time in milliseconds, nginx's resolution.
func (d *Dict) nowMS() int64 { return d.clock().UnixMilli() }

func (d *Dict) touch(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
	d.pushFront(e)
}

func (d *Dict) pushFront(e *entry) {
	e.prev, e.next = &d.lru, d.lru.next
	d.lru.next.prev = e
	d.lru.next = e
}

// lookup finds key, marks it most recently used and tells whether it has
// expired. nginx treats an entry as expired here only once its expiry time
// is strictly in the past.
func (d *Dict) lookup(key string, now int64) (e *entry, expired bool) {
	e = d.items[key]
	if e == nil {
		return nil, false
	}
	d.touch(e)
	return e, e.expires != 0 && e.expires < now
}

// remove deletes e and frees its memory.
func (d *Dict) remove(e *entry) {
	for i := range e.list {
		d.pool.release(e.list[i].mem)
	}
	e.list = nil
	d.pool.release(e.mem)
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
	delete(d.items, e.key)
}

// expireTail is ngx_http_lua_shdict_expire: from the least recently used
// end it removes up to two expired entries, stopping at the first valid one.
// With force it first removes the tail entry even if still valid (that is
// eviction). It returns how many it removed.
func (d *Dict) expireTail(now int64, force bool) int {
	freed, n := 0, 1
	if force {
		n = 0
	}
	for ; n < 3; n++ {
		e := d.lru.prev
		if e == &d.lru {
			break
		}
		if n > 0 {
			if e.expires == 0 || e.expires > now {
				break
			}
		}
		d.remove(e)
		freed++
	}
	return freed
}

// allocEvicting allocates size bytes, evicting like nginx: up to 30 rounds of
// "remove the least recently used entry and up to two expired ones".
func (d *Dict) allocEvicting(size int, now int64) (pg *slabPage, forcible bool) {
	if pg = d.pool.alloc(size); pg != nil {
		return pg, false
	}
	for i := 0; i < 30; i++ {
		if d.expireTail(now, true) == 0 {
			break
		}
		forcible = true
		if pg = d.pool.alloc(size); pg != nil {
			return pg, true
		}
	}
	return nil, forcible
}

// expiresAt converts a TTL to an absolute expiry; nginx works in whole
// milliseconds and treats 0 as "never".
func expiresAt(now int64, ttl time.Duration) int64 {
	ms := ttl.Milliseconds()
	if ms <= 0 {
		return 0
	}
	return now + ms
}
