package shdict

import "time"

// StoreMode selects how Store treats an existing key.
type StoreMode uint8

// Store modes, matching the ngx.shared.DICT methods of the same names.
const (
	ModeSet     StoreMode = iota // set: insert or overwrite; evict when full
	ModeSafeSet                  // safe_set: like set, but "no memory" instead of evicting
	ModeAdd                      // add: only when the key is absent (or expired), else ErrExists
	ModeSafeAdd                  // safe_add: add without evicting
	ModeReplace                  // replace: only when the key is present and valid, else ErrNotFound
)

func (m StoreMode) safe() bool { return m == ModeSafeSet || m == ModeSafeAdd }

// Get returns the value of key and its user flags. A missing or expired key
// gives a Nil value. A list gives ErrIsList.
func (d *Dict) Get(key string) (v Value, flags uint32, err error) {
	v, flags, _, err = d.get(key, false)
	return v, flags, err
}

// GetStale is Get that also returns expired entries not yet removed, with
// stale = true.
func (d *Dict) GetStale(key string) (v Value, flags uint32, stale bool, err error) {
	return d.get(key, true)
}

func (d *Dict) get(key string, allowStale bool) (Value, uint32, bool, error) {
	if err := checkKey(key); err != nil {
		return Value{}, 0, false, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.nowMS()
	if !allowStale {
		d.expireTail(now, false)
	}
	e, expired := d.lookup(key, now)
	if e == nil || (expired && !allowStale) {
		return Value{}, 0, false, nil
	}
	if e.val.Kind == List {
		return Value{}, 0, false, ErrIsList
	}
	return e.val, e.flags, expired, nil
}

// Store writes key according to mode. A Nil value deletes the key. ttl is
// truncated to milliseconds; 0 means no expiry. forcible reports that valid
// entries were evicted to make room.
func (d *Dict) Store(mode StoreMode, key string, v Value, ttl time.Duration, flags uint32) (forcible bool, err error) {
	if err := checkKey(key); err != nil {
		return false, err
	}
	if v.Kind == List {
		return false, ErrBadValueType
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.nowMS()
	d.expireTail(now, false)
	e, expired := d.lookup(key, now)
	switch mode {
	case ModeReplace:
		if e == nil || expired {
			return false, ErrNotFound
		}
	case ModeAdd, ModeSafeAdd:
		if e != nil && !expired {
			return false, ErrExists
		}
	}
	if e != nil {
		// Same-sized scalar values are overwritten in place (no allocation).
		if v.Kind != Nil && e.val.Kind != List && v.size() == e.val.size() {
			e.val, e.flags, e.expires = v, flags, expiresAt(now, ttl)
			return false, nil
		}
		d.remove(e)
	}
	if v.Kind == Nil {
		return false, nil
	}
	size := entrySize(key, v)
	var pg *slabPage
	if mode.safe() {
		pg = d.pool.alloc(size)
	} else {
		pg, forcible = d.allocEvicting(size, now)
	}
	if pg == nil {
		return forcible, ErrNoMemory
	}
	e = &entry{key: key, val: v, flags: flags, expires: expiresAt(now, ttl), mem: pg}
	d.items[key] = e
	d.pushFront(e)
	return forcible, nil
}

// Set is Store(ModeSet, ...).
func (d *Dict) Set(key string, v Value, ttl time.Duration, flags uint32) (forcible bool, err error) {
	return d.Store(ModeSet, key, v, ttl, flags)
}

// Delete removes key; deleting a missing key is not an error.
func (d *Dict) Delete(key string) error {
	_, err := d.Store(ModeSet, key, Value{}, 0, 0)
	return err
}

// Incr adds delta to the number at key and returns the new value. When the
// key is missing or expired: without hasInit it fails with ErrNotFound; with
// hasInit it stores init+delta with initTTL (0 = none), possibly evicting
// (forcible). An existing key keeps its TTL. A non-number gives ErrNotNumber.
func (d *Dict) Incr(key string, delta float64, hasInit bool, init float64, initTTL time.Duration) (n float64, forcible bool, err error) {
	if err := checkKey(key); err != nil {
		return 0, false, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.nowMS()
	d.expireTail(now, false)
	e, expired := d.lookup(key, now)
	if e == nil || expired {
		if !hasInit {
			return 0, false, ErrNotFound
		}
		n = init + delta
		v := NumberValue(n)
		if e != nil {
			if e.val.Kind != List && e.val.size() == v.size() {
				e.val, e.flags, e.expires = v, 0, expiresAt(now, initTTL)
				return n, false, nil
			}
			d.remove(e)
		}
		pg, forcible := d.allocEvicting(entrySize(key, v), now)
		if pg == nil {
			return 0, forcible, ErrNoMemory
		}
		e = &entry{key: key, val: v, expires: expiresAt(now, initTTL), mem: pg}
		d.items[key] = e
		d.pushFront(e)
		return n, forcible, nil
	}
	if e.val.Kind != Number {
		return 0, false, ErrNotNumber
	}
	e.val.Num += delta
	return e.val.Num, false, nil
}

// TTL returns the time left before key expires: 0 for no expiry, negative
// for an expired entry not yet removed (as nginx reports it).
func (d *Dict) TTL(key string) (time.Duration, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.nowMS()
	e, _ := d.lookup(key, now)
	if e == nil {
		return 0, ErrNotFound
	}
	if e.expires == 0 {
		return 0, nil
	}
	return time.Duration(e.expires-now) * time.Millisecond, nil
}

// Expire sets key's TTL (0 or less: never expires). It works on expired
// entries not yet removed too, reviving them, as nginx does.
func (d *Dict) Expire(key string, ttl time.Duration) error {
	if err := checkKey(key); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.nowMS()
	e, _ := d.lookup(key, now)
	if e == nil {
		return ErrNotFound
	}
	e.expires = expiresAt(now, ttl)
	return nil
}

// FlushAll marks every entry expired, then removes up to three from the
// least recently used end, like nginx: the memory of the rest is reclaimed
// lazily (by FlushExpired or by later stores).
func (d *Dict) FlushAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for e := d.lru.next; e != &d.lru; e = e.next {
		e.expires = 1
	}
	d.expireTail(d.nowMS(), true)
}

// FlushExpired removes expired entries, at most max (0 = all), starting from
// the least recently used end, and returns how many it removed.
func (d *Dict) FlushExpired(max int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.nowMS()
	freed := 0
	for e := d.lru.prev; e != &d.lru; {
		prev := e.prev
		if e.expires != 0 && e.expires <= now {
			d.remove(e)
			freed++
			if max > 0 && freed == max {
				break
			}
		}
		e = prev
	}
	return freed
}

// GetKeys returns up to max valid keys (max <= 0: all), least recently used
// first (the order nginx returns them in). ngx_lua's default max is 1024.
func (d *Dict) GetKeys(max int) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.nowMS()
	var keys []string
	for e := d.lru.prev; e != &d.lru; e = e.prev {
		if e.expires != 0 && e.expires <= now {
			continue
		}
		keys = append(keys, e.key)
		if max > 0 && len(keys) == max {
			break
		}
	}
	return keys
}
