package shdict

// Memory accounting.
//
// A zone is accounted like nginx 1.22's slab allocator on amd64 with 4 KiB
// pages (src/core/ngx_slab.c), because the number of entries a zone holds is
// something learners measure:
//
//   - The zone starts with the pool header and one 24-byte descriptor per page
//     (plus 9 size-class slots and stats); the rest, rounded down to whole
//     pages, is usable: a 1m zone has 254 pages, a 12k zone 2.
//   - An allocation of up to 2048 bytes takes one slot of its power-of-two size
//     class (8 bytes minimum) in a page dedicated to that class; classes under
//     64 bytes lose a few slots to the page's bitmap. Larger allocations take
//     whole pages (contiguity is not modelled). A page whose slots are all free
//     returns to the free pool at once.
//   - An entry costs 68 bytes (the rbtree node up to its colour, 32, plus the
//     shdict node header, 36) + key bytes + value bytes (8 for a number, 1 for
//     a boolean). A list head costs 68 + key + 16 rounded up to 8, and each list
//     element 21 + value bytes.
//   - Creating the zone allocates ngx_lua's context (80 bytes) and its log
//     string (27 + name bytes).
//
// Measured on real nginx with entries "k1".."kN" = number (78 bytes, the
// 128-byte class, 32 per page): a 1m zone takes 8095 before evicting, 12k takes
// 31, 16k 63, 32k 191; an 8k zone fails at start. This model gives the same
// numbers. free_space reports free pages x 4096, as nginx does.
const (
	pageSize      = 4096
	pageShift     = 12
	minShift      = 3 // 8-byte smallest class
	exactShift    = 6 // classes below 64 bytes keep a bitmap in the page
	maxSmall      = pageSize / 2
	poolHeader    = 200 // sizeof(ngx_slab_pool_t), amd64
	pageDescSize  = 24  // sizeof(ngx_slab_page_t)
	statSize      = 32  // sizeof(ngx_slab_stat_t)
	nodeOverhead  = 32 + 36
	listHeadSize  = 16 // ngx_queue_t
	listNodeExtra = 21 // ngx_queue_t + uint32 len + uint8 type
	shctxSize     = 80
	logCtxBase    = 27 // len(" in lua_shared_dict zone \"\"") + NUL
)

// entrySize is the slab allocation size of a scalar entry.
func entrySize(key string, v Value) int { return nodeOverhead + len(key) + v.size() }

// listHeadAlloc is the slab allocation size of a list's head node.
func listHeadAlloc(key string) int { return (nodeOverhead + len(key) + listHeadSize + 7) &^ 7 }

// listElemAlloc is the slab allocation size of one list element.
func listElemAlloc(v Value) int { return listNodeExtra + v.size() }

// slabPage is one page (or, for large allocations, a run of pages) of a pool.
type slabPage struct {
	shift      int // size class; 0 for a multi-page allocation
	npages     int
	used       int
	slots      int
	prev, next *slabPage // in the class's list of pages with free slots
	listed     bool
}

// slabPool tracks the pages of one zone.
type slabPool struct {
	pages   int
	free    int
	partial [pageShift]*slabPage // per class: pages with a free slot, most recently freed first
}

// usablePages computes how many pages a zone of capacity bytes offers.
func usablePages(capacity int64) int {
	classes := int64(pageShift - minShift)
	size := capacity - poolHeader - classes*(pageDescSize+statSize)
	if size <= 0 {
		return 0
	}
	pages := size / (pageSize + pageDescSize)
	// Pages start at the first page boundary after the descriptors.
	start := (poolHeader + classes*(pageDescSize+statSize) + pages*pageDescSize + pageSize - 1) &^ (pageSize - 1)
	if over := pages - (capacity-start)/pageSize; over > 0 {
		pages -= over
	}
	if pages < 0 {
		return 0
	}
	return int(pages)
}

func newSlabPool(capacity int64) slabPool {
	n := usablePages(capacity)
	return slabPool{pages: n, free: n}
}

// slotsPerPage is how many allocations of class shift fit in one page.
func slotsPerPage(shift int) int {
	size := 1 << shift
	n := pageSize >> shift
	if shift < exactShift {
		bitmap := n / 8
		n -= (bitmap + size - 1) / size
	}
	return n
}

// alloc reserves size bytes; nil means no memory.
func (p *slabPool) alloc(size int) *slabPage {
	if size > maxSmall {
		n := (size + pageSize - 1) / pageSize
		if p.free < n {
			return nil
		}
		p.free -= n
		return &slabPage{npages: n, used: 1, slots: 1}
	}
	shift := minShift
	for 1<<shift < size {
		shift++
	}
	pg := p.partial[shift]
	if pg == nil {
		if p.free < 1 {
			return nil
		}
		p.free--
		pg = &slabPage{shift: shift, npages: 1, slots: slotsPerPage(shift)}
		p.push(pg)
	}
	pg.used++
	if pg.used == pg.slots {
		p.unlink(pg)
	}
	return pg
}

// release returns one allocation made from pg.
func (p *slabPool) release(pg *slabPage) {
	if pg == nil {
		return
	}
	if pg.used <= 0 {
		return // already released: never double-count free pages
	}
	pg.used--
	if pg.shift == 0 {
		p.free += pg.npages
		return
	}
	if pg.used == 0 {
		if pg.listed {
			p.unlink(pg)
		}
		p.free++
		return
	}
	if !pg.listed {
		p.push(pg)
	}
}

func (p *slabPool) push(pg *slabPage) {
	head := p.partial[pg.shift]
	pg.prev, pg.next = nil, head
	if head != nil {
		head.prev = pg
	}
	p.partial[pg.shift] = pg
	pg.listed = true
}

func (p *slabPool) unlink(pg *slabPage) {
	if pg.prev != nil {
		pg.prev.next = pg.next
	} else {
		p.partial[pg.shift] = pg.next
	}
	if pg.next != nil {
		pg.next.prev = pg.prev
	}
	pg.prev, pg.next, pg.listed = nil, nil, false
}
