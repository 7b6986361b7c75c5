package lualib

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// maxPrealloc caps what table.new pre-sizes per part; the table returned
// is empty either way, so only memory use differs from LuaJIT.
const maxPrealloc = 1 << 16

// OpenTableExt installs LuaJIT's table extensions used by OpenResty code:
// require "table.new" (a function new(narr, nrec) returning an empty
// table) and require "table.clear" (clear(t) removing every key); both are
// also set as table.new and table.clear, as they are once lua-resty-core
// is loaded. It also replaces table.concat with a Go implementation:
// gopher-lua's pushes every item onto the registry and overflows at about
// 2600 items. The table library must be open first.
func OpenTableExt(L *lua.LState) {
	newFn := L.NewFunction(tableNew)
	clearFn := L.NewFunction(tableClear)
	preload(L, "table.new", func(L *lua.LState) int {
		L.Push(newFn)
		return 1
	})
	preload(L, "table.clear", func(L *lua.LState) int {
		L.Push(clearFn)
		return 1
	})
	if tbl, ok := L.GetGlobal("table").(*lua.LTable); ok {
		tbl.RawSetString("new", newFn)
		tbl.RawSetString("clear", clearFn)
		tbl.RawSetString("concat", L.NewFunction(tableConcat))
	}
}

func tableNew(L *lua.LState) int {
	narr := checkInt(L, 1)
	nrec := checkInt(L, 2)
	if narr < 0 || nrec < 0 {
		// LuaJIT reads the sizes as unsigned: a negative one is huge.
		L.RaiseError("table overflow")
	}
	L.Push(L.CreateTable(min(narr, maxPrealloc), min(nrec, maxPrealloc)))
	return 1
}

func tableClear(L *lua.LState) int {
	t := checkTable(L, 1)
	var keys []lua.LValue
	t.ForEach(func(k, _ lua.LValue) { keys = append(keys, k) })
	for _, k := range keys {
		t.RawSet(k, lua.LNil)
	}
	return 0
}

// tableConcat is table.concat(t [, sep [, i [, j]]]) with LuaJIT 2.1's
// semantics and messages: raw reads, numbers formatted like tostring, and
// "invalid value (T) at index N in table for 'concat'" for anything else.
func tableConcat(L *lua.LState) int {
	const fname = "concat"
	t := checkTable(L, 1)
	sep := optString(L, 2, "")
	i := optInt(L, 3, 1)
	var j int
	if L.Get(4) == lua.LNil {
		j = t.Len()
	} else {
		j = checkInt(L, 4)
	}
	if i > j {
		L.Push(lua.LString(""))
		return 1
	}
	limit := stringLimit(L)
	var b strings.Builder
	for k := i; ; k++ {
		v := t.RawGet(lua.LNumber(k))
		s, ok := argString(v)
		if !ok {
			L.RaiseError("invalid value (%s) at index %d in table for '%s'", v.Type().String(), k, fname)
		}
		grow := len(s)
		if k != j {
			grow += len(sep)
		}
		if limit > 0 && b.Len()+grow > limit {
			L.RaiseError("table.concat: result of more than %d bytes exceeds the lab's limit of %d bytes", limit, limit)
		}
		b.WriteString(s)
		if k == j {
			break
		}
		b.WriteString(sep)
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// LimitStringRep replaces string.rep with one that refuses results larger
// than maxBytes, raising "string.rep: result of N bytes exceeds the lab's
// limit of M bytes". gopher-lua can neither interrupt one long Go call nor
// limit memory, so an unbounded string.rep can stall a worker or kill the
// process. The same limit then applies to the table.concat of
// OpenTableExt. The replacement also takes LuaJIT 2.1's separator argument:
// string.rep(s, n [, sep]). The string library must be open first.
func LimitStringRep(L *lua.LState, maxBytes int) {
	L.G.Registry.RawSetString(regStringLimit, lua.LNumber(maxBytes))
	strTbl, ok := L.GetGlobal("string").(*lua.LTable)
	if !ok {
		return
	}
	strTbl.RawSetString("rep", L.NewFunction(stringRep))
}

// stringLimit is the limit set by LimitStringRep, 0 for none.
func stringLimit(L *lua.LState) int {
	if n, ok := L.G.Registry.RawGetString(regStringLimit).(lua.LNumber); ok && n > 0 {
		return int(n)
	}
	return 0
}

func stringRep(L *lua.LState) int {
	const fname = "rep"
	s := checkString(L, 1)
	n := checkInt(L, 2)
	sep := optString(L, 3, "")
	if n <= 0 {
		L.Push(lua.LString(""))
		return 1
	}
	total := uint64(n)*uint64(len(s)) + uint64(n-1)*uint64(len(sep))
	if limit := stringLimit(L); limit > 0 && total > uint64(limit) {
		L.RaiseError("string.rep: result of %d bytes exceeds the lab's limit of %d bytes", total, limit)
	}
	if sep == "" {
		L.Push(lua.LString(strings.Repeat(s, n)))
		return 1
	}
	var b strings.Builder
	b.Grow(int(total))
	for k := 0; k < n; k++ {
		if k > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s)
	}
	L.Push(lua.LString(b.String()))
	return 1
}
