package shdict

import (
	"math"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// OpenLua builds the ngx.shared table for one LState: ngx.shared.NAME is a
// zone object (a table holding the *Dict in a userdata at index 1, as in
// ngx_lua) whose methods are called with ":". Return values and error
// messages follow what real nginx with lua-resty-core shows; the methods that
// resty.core implements with FFI (get, set, incr, ttl, ...) and those ngx_lua
// implements with the Lua C API (lpush, get_keys, flush_expired, ...) differ
// in argument checking, and each group is reproduced as it behaves.
func OpenLua(L *lua.LState, dicts []*Dict) *lua.LTable {
	methods := L.NewTable()
	L.SetFuncs(methods, map[string]lua.LGFunction{
		"get":           luaGet,
		"get_stale":     luaGetStale,
		"set":           storeFunc(ModeSet),
		"safe_set":      storeFunc(ModeSafeSet),
		"add":           storeFunc(ModeAdd),
		"safe_add":      storeFunc(ModeSafeAdd),
		"replace":       storeFunc(ModeReplace),
		"delete":        luaDelete,
		"incr":          luaIncr,
		"ttl":           luaTTL,
		"expire":        luaExpire,
		"flush_all":     luaFlushAll,
		"flush_expired": luaFlushExpired,
		"get_keys":      luaGetKeys,
		"capacity":      luaCapacity,
		"free_space":    luaFreeSpace,
		"lpush":         pushFunc(true),
		"rpush":         pushFunc(false),
		"lpop":          popFunc(true),
		"rpop":          popFunc(false),
		"llen":          luaLlen,
	})
	mt := L.NewTable()
	mt.RawSetString("__index", methods)
	shared := L.NewTable()
	for _, d := range dicts {
		ud := L.NewUserData()
		ud.Value = d
		zone := L.NewTable()
		zone.RawSetInt(1, ud)
		L.SetMetatable(zone, mt)
		shared.RawSetString(d.Name(), zone)
	}
	return shared
}

// checkZone returns the dict behind argument 1 or raises like resty.core.
func checkZone(L *lua.LState) *Dict {
	if t, ok := L.Get(1).(*lua.LTable); ok {
		if ud, ok := t.RawGetInt(1).(*lua.LUserData); ok {
			if d, ok := ud.Value.(*Dict); ok {
				return d
			}
		}
	}
	L.RaiseError(`bad "zone" argument`)
	return nil
}

// checkZoneC is the zone check of ngx_lua's C functions: a type check first.
func checkZoneC(L *lua.LState) *Dict {
	if L.Get(1).Type() != lua.LTTable {
		argTypeError(L, 1, "table")
	}
	return checkZone(L)
}

// argTypeError raises luaL_checktype's message. Called through a method the
// function name is unknown to LuaJIT, hence '?'.
func argTypeError(L *lua.LState, n int, want string) {
	L.RaiseError("bad argument #%d to '?' (%s expected, got %s)", n, want, typeName(L.Get(n)))
}

func typeName(v lua.LValue) string {
	if v == lua.LNil {
		return "no value"
	}
	return v.Type().String()
}

// argKey converts argument 2 to a key as resty.core does (tostring on
// non-strings). ok is false after pushing nil, err.
func argKey(L *lua.LState) (string, bool) {
	v := L.Get(2)
	if v == lua.LNil {
		return pushErr(L, ErrNilKey)
	}
	key := L.ToStringMeta(v).String()
	if err := checkKey(key); err != nil {
		return pushErr(L, err)
	}
	return key, true
}

// argKeyC converts argument 2 like the C functions do (lua_tolstring).
func argKeyC(L *lua.LState) (string, bool) {
	switch v := L.Get(2).(type) {
	case *lua.LNilType:
		return pushErr(L, ErrNilKey)
	case lua.LString, lua.LNumber:
		key := v.String()
		if err := checkKey(key); err != nil {
			return pushErr(L, err)
		}
		return key, true
	}
	return pushErr(L, ErrEmptyKey)
}

func pushErr(L *lua.LState, err error) (string, bool) {
	L.Push(lua.LNil)
	L.Push(lua.LString(err.Error()))
	return "", false
}

func checkArgCount(L *lua.LState, want int) {
	if n := L.GetTop(); n != want {
		L.RaiseError("expecting %d arguments, but only seen %d", want, n)
	}
}

// toNumber is Lua's tonumber on a value: numbers and numeric strings.
func toNumber(v lua.LValue) (float64, bool) {
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v), true
	case lua.LString:
		s := strings.TrimSpace(string(v))
		if h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"); h != s && h != "" {
			n, err := strconv.ParseUint(h, 16, 64)
			return float64(n), err == nil
		}
		if s == "" || strings.ContainsAny(s, "xXnN_") { // reject Go-only syntax, inf, nan
			return 0, false
		}
		n, err := strconv.ParseFloat(s, 64)
		return n, err == nil
	}
	return 0, false
}

// msDuration converts seconds to a Duration truncated to milliseconds, as
// resty.core passes exptime * 1000 to a C long.
func msDuration(sec float64) time.Duration {
	ms := sec * 1000
	if ms >= float64(math.MaxInt64/int64(time.Millisecond)) {
		return math.MaxInt64
	}
	return time.Duration(int64(ms)) * time.Millisecond
}

// toInt32 converts like LuaJIT's FFI double -> int: truncation, and the
// "integer indefinite" value for anything out of range.
func toInt32(f float64) int32 {
	if f != f || f >= 1<<31 || f <= -(1<<31)-1 {
		return math.MinInt32
	}
	return int32(f)
}

func pushValue(L *lua.LState, v Value) {
	switch v.Kind {
	case Boolean:
		L.Push(lua.LBool(v.Bool))
	case Number:
		L.Push(lua.LNumber(v.Num))
	case String:
		L.Push(lua.LString(v.Str))
	default:
		L.Push(lua.LNil)
	}
}

func luaGet(L *lua.LState) int {
	d := checkZone(L)
	key, ok := argKey(L)
	if !ok {
		return 2
	}
	v, flags, err := d.Get(key)
	if err != nil {
		pushErr(L, err)
		return 2
	}
	pushValue(L, v)
	if v.Kind == Nil {
		return 1
	}
	if flags != 0 {
		L.Push(lua.LNumber(int32(flags)))
		return 2
	}
	return 1
}

func luaGetStale(L *lua.LState) int {
	d := checkZone(L)
	key, ok := argKey(L)
	if !ok {
		return 2
	}
	v, flags, stale, err := d.GetStale(key)
	if err != nil {
		pushErr(L, err)
		return 2
	}
	pushValue(L, v)
	if v.Kind == Nil {
		return 1
	}
	if flags != 0 {
		L.Push(lua.LNumber(int32(flags)))
	} else {
		L.Push(lua.LNil)
	}
	L.Push(lua.LBool(stale))
	return 3
}

func storeFunc(mode StoreMode) lua.LGFunction {
	return func(L *lua.LState) int {
		d := checkZone(L)
		var ttl time.Duration
		switch ex := L.Get(4).(type) {
		case *lua.LNilType:
		case lua.LBool:
			if ex {
				L.RaiseError("attempt to compare boolean with number")
			}
		case lua.LNumber:
			if ex < 0 {
				L.RaiseError(`bad "exptime" argument`)
			}
			ttl = msDuration(float64(ex))
		default:
			L.RaiseError("attempt to compare %s with number", ex.Type().String())
		}
		var flags uint32
		switch fl := L.Get(5).(type) {
		case *lua.LNilType:
		case lua.LNumber:
			flags = uint32(toInt32(float64(fl)))
		case lua.LBool:
			if fl { // the FFI converts true to 1
				flags = 1
			}
		default:
			{
				L.RaiseError("bad argument #10 to 'ngx_lua_ffi_shdict_store' (cannot convert '%s' to 'int')", fl.Type().String())
			}
		}
		key, ok := argKey(L)
		if !ok {
			return 2
		}
		var v Value
		switch lv := L.Get(3).(type) {
		case *lua.LNilType:
			if mode == ModeAdd || mode == ModeSafeAdd || mode == ModeReplace {
				// lua-resty-core refuses a nil value for these
				// (difftest shdict/add_nil)
				L.Push(lua.LFalse)
				L.Push(lua.LString("attempt to add or replace nil values"))
				L.Push(lua.LFalse)
				return 3
			}
		case lua.LBool:
			v = BoolValue(bool(lv))
		case lua.LNumber:
			v = NumberValue(float64(lv))
		case lua.LString:
			v = StringValue(string(lv))
		default:
			pushErr(L, ErrBadValueType)
			return 2
		}
		forcible, err := d.Store(mode, key, v, ttl, flags)
		if err != nil {
			L.Push(lua.LFalse)
			L.Push(lua.LString(err.Error()))
		} else {
			L.Push(lua.LTrue)
			L.Push(lua.LNil)
		}
		L.Push(lua.LBool(forcible))
		return 3
	}
}

// luaDelete is set(key, nil): it returns what set returns.
func luaDelete(L *lua.LState) int {
	L.SetTop(2)
	return storeFunc(ModeSet)(L)
}

func luaIncr(L *lua.LState) int {
	d := checkZone(L)
	key, ok := argKey(L)
	if !ok {
		return 2
	}
	delta, ok := toNumber(L.Get(3))
	if !ok {
		// resty.core runs tonumber first, so the FFI always sees nil.
		L.RaiseError("cannot convert 'nil' to 'double'")
	}
	var init float64
	hasInit := lua.LVAsBool(L.Get(4))
	if hasInit {
		if init, ok = toNumber(L.Get(4)); !ok {
			L.RaiseError("bad init arg: number expected, got %s", L.Get(4).Type().String())
		}
	}
	var initTTL time.Duration
	if v := L.Get(5); v != lua.LNil {
		sec, ok := toNumber(v)
		if !ok {
			L.RaiseError("bad init_ttl arg: number expected, got %s", v.Type().String())
		}
		if sec < 0 {
			L.RaiseError(`bad "init_ttl" argument`)
		}
		if !hasInit {
			L.RaiseError(`must provide "init" when providing "init_ttl"`)
		}
		initTTL = msDuration(sec)
	}
	n, forcible, err := d.Incr(key, delta, hasInit, init, initTTL)
	if err != nil {
		pushErr(L, err)
		return 2
	}
	L.Push(lua.LNumber(n))
	if !hasInit {
		return 1
	}
	L.Push(lua.LNil)
	L.Push(lua.LBool(forcible))
	return 3
}

func luaTTL(L *lua.LState) int {
	d := checkZone(L)
	key, ok := argKey(L)
	if !ok {
		return 2
	}
	ttl, err := d.TTL(key)
	if err != nil {
		pushErr(L, err)
		return 2
	}
	L.Push(lua.LNumber(float64(ttl.Milliseconds()) / 1000))
	return 1
}

func luaExpire(L *lua.LState) int {
	d := checkZone(L)
	ex := L.Get(3)
	if !lua.LVAsBool(ex) {
		L.RaiseError(`bad "exptime" argument`)
	}
	key, ok := argKey(L)
	if !ok {
		return 2
	}
	sec, ok := toNumber(ex)
	if !ok {
		L.RaiseError("attempt to perform arithmetic on local 'exptime' (a %s value)", ex.Type().String())
	}
	if err := d.Expire(key, msDuration(sec)); err != nil {
		pushErr(L, err)
		return 2
	}
	L.Push(lua.LTrue)
	return 1
}

func luaFlushAll(L *lua.LState) int {
	checkZone(L).FlushAll()
	return 0
}

func luaCapacity(L *lua.LState) int {
	L.Push(lua.LNumber(checkZone(L).Capacity()))
	return 1
}

func luaFreeSpace(L *lua.LState) int {
	L.Push(lua.LNumber(checkZone(L).FreeSpace()))
	return 1
}

// optCount reads the optional count argument of get_keys / flush_expired.
func optCount(L *lua.LState, def int) (*Dict, int) {
	if n := L.GetTop(); n != 1 && n != 2 {
		L.RaiseError("expecting 1 or 2 argument(s), but saw %d", n)
	}
	d := checkZoneC(L)
	v := L.Get(2)
	if v == lua.LNil {
		return d, def
	}
	f, ok := toNumber(v)
	if !ok {
		argTypeError(L, 2, "number")
	}
	return d, int(f)
}

func luaGetKeys(L *lua.LState) int {
	d, max := optCount(L, 1024)
	keys := d.GetKeys(max)
	t := L.CreateTable(len(keys), 0)
	for i, k := range keys {
		t.RawSetInt(i+1, lua.LString(k))
	}
	L.Push(t)
	return 1
}

func luaFlushExpired(L *lua.LState) int {
	d, max := optCount(L, 0)
	L.Push(lua.LNumber(d.FlushExpired(max)))
	return 1
}

func pushFunc(left bool) lua.LGFunction {
	return func(L *lua.LState) int {
		checkArgCount(L, 3)
		d := checkZone(L)
		key, ok := argKeyC(L)
		if !ok {
			return 2
		}
		var v Value
		switch lv := L.Get(3).(type) {
		case lua.LNumber:
			v = NumberValue(float64(lv))
		case lua.LString:
			v = StringValue(string(lv))
		default:
			pushErr(L, ErrBadValueType)
			return 2
		}
		n, err := d.Push(key, v, left)
		if err == errNoMemoryNewList {
			L.Push(lua.LFalse)
			L.Push(lua.LString(err.Error()))
			return 2
		}
		if err != nil {
			pushErr(L, err)
			return 2
		}
		L.Push(lua.LNumber(n))
		return 1
	}
}

func popFunc(left bool) lua.LGFunction {
	return func(L *lua.LState) int {
		checkArgCount(L, 2)
		d := checkZone(L)
		key, ok := argKeyC(L)
		if !ok {
			return 2
		}
		v, err := d.Pop(key, left)
		if err != nil {
			pushErr(L, err)
			return 2
		}
		pushValue(L, v)
		return 1
	}
}

func luaLlen(L *lua.LState) int {
	checkArgCount(L, 2)
	d := checkZone(L)
	key, ok := argKeyC(L)
	if !ok {
		return 2
	}
	n, err := d.Len(key)
	if err != nil {
		pushErr(L, err)
		return 2
	}
	L.Push(lua.LNumber(n))
	return 1
}
