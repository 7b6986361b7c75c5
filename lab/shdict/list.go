package shdict

// Push adds v (a number or a string) at the head (left) or tail of the list at
// key, creating the list when the key is missing or expired, and returns the
// new length. A non-list value gives ErrNotList. Pushing never evicts: a
// full zone gives ErrNoMemory (measured on nginx).
func (d *Dict) Push(key string, v Value, left bool) (int, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	if v.Kind != Number && v.Kind != String {
		return 0, ErrBadValueType
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.nowMS()
	d.expireTail(now, false)
	e, expired := d.lookup(key, now)
	if e != nil && expired {
		d.remove(e)
		e = nil
	}
	if e != nil && e.val.Kind != List {
		return 0, ErrNotList
	}
	if e == nil {
		pg := d.pool.alloc(listHeadAlloc(key))
		if pg == nil {
			return 0, errNoMemoryNewList
		}
		e = &entry{key: key, val: Value{Kind: List}, mem: pg}
		d.items[key] = e
		d.pushFront(e)
	}
	pg := d.pool.alloc(listElemAlloc(v))
	if pg == nil {
		if len(e.list) == 0 {
			d.remove(e)
		}
		return 0, ErrNoMemory
	}
	el := listElem{val: v, mem: pg}
	if left {
		e.list = append(e.list, listElem{})
		copy(e.list[1:], e.list)
		e.list[0] = el
	} else {
		e.list = append(e.list, el)
	}
	return len(e.list), nil
}

// errNoMemoryNewList is ErrNoMemory when the list itself could not be
// created: nginx then returns false instead of nil as the first value.
var errNoMemoryNewList error = noMemoryNewList{}

type noMemoryNewList struct{}

func (noMemoryNewList) Error() string        { return ErrNoMemory.Error() }
func (noMemoryNewList) Is(target error) bool { return target == ErrNoMemory }

// Pop removes and returns the head (left) or tail element of the list at key.
// A missing, expired or emptied list gives a Nil value; the list is removed
// when its last element is popped.
func (d *Dict) Pop(key string, left bool) (Value, error) {
	if err := checkKey(key); err != nil {
		return Value{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.nowMS()
	e, expired := d.lookup(key, now)
	if e == nil || expired {
		return Value{}, nil
	}
	if e.val.Kind != List {
		return Value{}, ErrNotList
	}
	if len(e.list) == 0 {
		d.remove(e)
		return Value{}, nil
	}
	var el listElem
	if left {
		el = e.list[0]
		e.list[0] = listElem{}
		e.list = e.list[1:]
	} else {
		el = e.list[len(e.list)-1]
		e.list = e.list[:len(e.list)-1]
	}
	d.pool.release(el.mem)
	if len(e.list) == 0 {
		d.remove(e)
	}
	return el.val, nil
}

// Len returns the length of the list at key: 0 when missing or expired.
func (d *Dict) Len(key string) (int, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	e, expired := d.lookup(key, d.nowMS())
	if e == nil || expired {
		return 0, nil
	}
	if e.val.Kind != List {
		return 0, ErrNotList
	}
	return len(e.list), nil
}
