package lua

// raiseCompareError raises the error of an order comparison (<, <=, >, >=)
// between values that have no order, worded as LuaJIT's lj_err_comp:
// "attempt to compare two table values" for two values of one type,
// "attempt to compare number with nil" for two types (gopher-lua said
// "table with table").
func raiseCompareError(L *LState, lhs, rhs LValue) {
	lt, rt := lhs.Type().String(), rhs.Type().String()
	if lt == rt {
		L.RaiseError("attempt to compare two %v values", lt)
	}
	L.RaiseError("attempt to compare %v with %v", lt, rt)
}
