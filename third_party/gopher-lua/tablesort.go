package lua

// table.sort as LuaJIT 2.1 sorts (lib_table.c, the quicksort of Lua 5.1's
// ltablib.c): the same comparisons in the same order, so equal keys end in
// the same places and a comparator that is not a strict order raises
// "invalid order function for sorting" exactly where LuaJIT does (when a
// partition scan runs off its end). gopher-lua used Go's sort.Sort on the
// table's array slice: other orders of equal elements, never the error.

// tableSorter sorts t[1..#t] in place with rawget and rawset, comparing
// with fn, or with < (metamethods included) when fn is nil.
type tableSorter struct {
	L  *LState
	t  *LTable
	fn *LFunction
}

func tableSort(L *LState) int {
	s := tableSorter{L: L, t: L.CheckTable(1)}
	if L.GetTop() >= 2 && L.Get(2) != LNil {
		s.fn = L.CheckFunction(2)
	}
	s.sort(1, s.t.Len())
	return 0
}

func (s *tableSorter) get(i int) LValue { return s.t.RawGetInt(i) }

// put stores a at i and b at j.
func (s *tableSorter) put(i int, a LValue, j int, b LValue) {
	s.t.RawSetInt(i, a)
	s.t.RawSetInt(j, b)
}

func (s *tableSorter) less(a, b LValue) bool {
	if s.fn == nil {
		return lessThan(s.L, a, b)
	}
	s.L.Push(s.fn)
	s.L.Push(a)
	s.L.Push(b)
	s.L.Call(2, 1)
	return LVAsBool(s.L.reg.Pop())
}

func (s *tableSorter) invalidOrder() {
	s.L.RaiseError("invalid order function for sorting")
}

// sort sorts t[lo..hi]: the median of t[lo], t[mid], t[hi] becomes the
// pivot, parked at hi-1; two scans move toward each other swapping what
// is on the wrong side; then the smaller side is sorted by recursion and
// the larger one by the loop, so the recursion stays O(log n) deep.
func (s *tableSorter) sort(lo, hi int) {
	for lo < hi {
		// order t[lo] and t[hi]
		if a, b := s.get(lo), s.get(hi); s.less(b, a) {
			s.put(lo, b, hi, a)
		}
		if hi-lo == 1 {
			return
		}
		// the middle one between them
		mid := (lo + hi) / 2
		if m, a := s.get(mid), s.get(lo); s.less(m, a) {
			s.put(mid, a, lo, m)
		} else if b := s.get(hi); s.less(b, m) {
			s.put(mid, b, hi, m)
		}
		if hi-lo == 2 {
			return
		}
		pivot := s.get(mid)
		s.put(mid, s.get(hi-1), hi-1, pivot)
		// t[lo] <= pivot == t[hi-1] <= t[hi]: partition lo+1..hi-2
		i, j := lo, hi-1
		for {
			var a, b LValue
			for {
				i++
				if a = s.get(i); !s.less(a, pivot) {
					break
				}
				if i >= hi { // only a comparator that is no order gets here
					s.invalidOrder()
				}
			}
			for {
				j--
				if b = s.get(j); !s.less(pivot, b) {
					break
				}
				if j <= lo {
					s.invalidOrder()
				}
			}
			if j < i {
				break
			}
			s.put(i, b, j, a)
		}
		s.put(hi-1, s.get(i), i, s.get(hi-1))
		// recurse into the smaller part, loop on the larger
		if i-lo < hi-i {
			s.sort(lo, i-1)
			lo = i + 1
		} else {
			s.sort(i+1, hi)
			hi = i - 1
		}
	}
}
