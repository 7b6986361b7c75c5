package lualib

import lua "github.com/yuin/gopher-lua"

// registry keys of the per-LState values this package keeps.
const (
	regNull        = "restylab.lualib.null"
	regCJSON       = "restylab.lualib.cjson"
	regStringLimit = "restylab.lualib.stringlimit"
)

// Null returns the LState's ngx.null / cjson.null value, creating it on
// first use. It is one userdata per LState, cached in the registry, so
// ngx.null == cjson.null holds; tostring gives "userdata: NULL" as
// OpenResty's NULL light userdata does.
func Null(L *lua.LState) lua.LValue {
	reg := L.G.Registry
	if v, ok := reg.RawGetString(regNull).(*lua.LUserData); ok {
		return v
	}
	ud := L.NewUserData()
	mt := L.NewTable()
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("userdata: NULL"))
		return 1
	}))
	ud.Metatable = mt
	reg.RawSetString(regNull, ud)
	return ud
}

// isNull reports whether v is the LState's null value.
func isNull(L *lua.LState, v lua.LValue) bool {
	ud, ok := v.(*lua.LUserData)
	return ok && L.G.Registry.RawGetString(regNull) == ud
}

// IsNull reports whether v is L's ngx.null.
func IsNull(L *lua.LState, v lua.LValue) bool { return isNull(L, v) }
