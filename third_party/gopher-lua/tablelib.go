package lua

func OpenTable(L *LState) int {
	tabmod := L.RegisterModule(TabLibName, tableFuncs)
	L.Push(tabmod)
	return 1
}

var tableFuncs = map[string]LGFunction{
	"getn": tableGetN,
	// LuaJIT keeps Lua 5.0's foreach and foreachi
	"foreach":  tableForeach,
	"foreachi": tableForeachi,
	"concat":   tableConcat,
	"insert":   tableInsert,
	"maxn":     tableMaxN,
	"remove":   tableRemove,
	"sort":     tableSort,
}

func tableGetN(L *LState) int {
	L.Push(LNumber(L.CheckTable(1).Len()))
	return 1
}

func tableMaxN(L *LState) int {
	L.Push(LNumber(L.CheckTable(1).MaxN()))
	return 1
}

// tableRemove is Lua 5.1's and LuaJIT's table.remove: a position outside
// 1..#t (and an empty table) removes nothing and returns nothing
// (gopher-lua returned nil, and removed the last element for a position
// below 1).
func tableRemove(L *LState) int {
	luaArgMissing(L, 1, LTTable)
	tbl := L.CheckTable(1)
	n := tbl.Len()
	pos := n
	if L.Get(2) != LNil {
		pos = L.CheckInt(2)
	}
	if pos < 1 || pos > n {
		return 0
	}
	L.Push(tbl.Remove(pos))
	return 1
}

func tableConcat(L *LState) int {
	tbl := L.CheckTable(1)
	sep := LString(L.OptString(2, ""))
	i := L.OptInt(3, 1)
	j := L.OptInt(4, tbl.Len())
	if L.GetTop() == 3 {
		if i > tbl.Len() || i < 1 {
			L.Push(emptyLString)
			return 1
		}
	}
	i = intMax(intMin(i, tbl.Len()), 1)
	j = intMin(intMin(j, tbl.Len()), tbl.Len())
	if i > j {
		L.Push(emptyLString)
		return 1
	}
	//TODO should flushing?
	retbottom := L.GetTop()
	for ; i <= j; i++ {
		v := tbl.RawGetInt(i)
		if !LVCanConvToString(v) {
			L.RaiseError("invalid value (%s) at index %d in table for concat", v.Type().String(), i)
		}
		L.Push(v)
		if i != j {
			L.Push(sep)
		}
	}
	L.Push(stringConcat(L, L.GetTop()-retbottom, L.reg.Top()-1))
	return 1
}

// tableInsert is LuaJIT's table.insert: two or three arguments, anything
// else "wrong number of arguments to 'insert'" (gopher-lua ignored a
// fourth); a position outside 1..#t+1 sets t[pos] after moving
// t[pos..#t] up as LuaJIT's loop does (gopher-lua only set t[pos] below 1).
func tableInsert(L *LState) int {
	tbl := L.CheckTable(1)
	switch L.GetTop() {
	case 2:
		tbl.Append(L.Get(2))
		return 0
	case 3:
	default:
		L.raiseCallerError("wrong number of arguments to 'insert'")
	}
	pos, v := L.CheckInt(2), L.Get(3)
	n := tbl.Len()
	if pos >= 1 && pos <= n+1 {
		tbl.Insert(pos, v)
		return 0
	}
	for i := n + 1; i > pos; i-- {
		tbl.RawSetInt(i, tbl.RawGetInt(i-1))
	}
	tbl.RawSetInt(pos, v)
	return 0
}

// tableForeach is LuaJIT's table.foreach (Lua 5.0's, deprecated): f(k, v)
// for each pair in next's order, until f returns a value other than nil,
// which it returns.
func tableForeach(L *LState) int {
	luaArgMissing(L, 1, LTTable)
	tbl := L.CheckTable(1)
	luaArgMissing(L, 2, LTFunction)
	f := L.CheckFunction(2)
	for k, v := tbl.Next(LNil); k != LNil; k, v = tbl.Next(k) {
		L.Push(f)
		L.Push(k)
		L.Push(v)
		L.Call(2, 1)
		if r := L.Get(-1); r != LNil {
			return 1
		}
		L.Pop(1)
	}
	return 0
}

// tableForeachi is LuaJIT's table.foreachi: f(i, t[i]) for i = 1..#t,
// until f returns a value other than nil, which it returns.
func tableForeachi(L *LState) int {
	luaArgMissing(L, 1, LTTable)
	tbl := L.CheckTable(1)
	luaArgMissing(L, 2, LTFunction)
	f := L.CheckFunction(2)
	for i, n := 1, tbl.Len(); i <= n; i++ {
		L.Push(f)
		L.Push(LNumber(i))
		L.Push(L.GetTable(tbl, LNumber(i))) // t[i] in LuaJIT's Lua: __index applies
		L.Call(2, 1)
		if r := L.Get(-1); r != LNil {
			return 1
		}
		L.Pop(1)
	}
	return 0
}

//

// luaArgMissing raises the error of a missing argument n of type typ as
// LuaJIT's library functions written in Lua (table.remove, foreach,
// foreachi) word it: the missing argument is a nil there, "got nil"
// where C functions say "got no value".
func luaArgMissing(L *LState, n int, typ LValueType) {
	if n > L.GetTop() {
		L.ArgError(n, typ.String()+" expected, got nil")
	}
}
