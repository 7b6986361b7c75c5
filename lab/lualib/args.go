package lualib

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// FormatNumber formats a Lua number the way LuaJIT's tostring does: "%.14g",
// with "inf", "-inf" and "nan" for the special values. gopher-lua prints
// more digits; every string conversion in this package uses this one.
func FormatNumber(f float64) string {
	return formatG(f, 14)
}

// formatG is C's "%.<prec>g" for finite numbers, and LuaJIT's spelling of
// inf and nan (glibc prints "-nan" for a NaN with the sign bit; LuaJIT
// normalises all NaNs to "nan").
func formatG(f float64, prec int) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', prec, 64)
}

// argString converts argument-like values as lua_tolstring does: strings as
// they are, numbers formatted like LuaJIT. ok is false for other types.
func argString(v lua.LValue) (string, bool) {
	switch x := v.(type) {
	case lua.LString:
		return string(x), true
	case lua.LNumber:
		return FormatNumber(float64(x)), true
	}
	return "", false
}

// ToNumber is tonumber(v) as Lua code calls it: numbers, and strings
// holding a number; ok false for anything else.
func ToNumber(v lua.LValue) (float64, bool) { return argNumber(v) }

// argNumber converts v as lua_tonumber does: numbers, and strings holding a
// decimal or hexadecimal number (surrounding whitespace allowed).
func argNumber(v lua.LValue) (float64, bool) {
	switch x := v.(type) {
	case lua.LNumber:
		return float64(x), true
	case lua.LString:
		return parseLuaNumber(string(x))
	}
	return 0, false
}

// parseLuaNumber parses a number the way Lua's string coercion accepts it.
// Unlike gopher-lua's parser it refuses Go-only syntax (underscores, 0b, 0o)
// and the words inf and nan.
func parseLuaNumber(s string) (float64, bool) {
	s = strings.Trim(s, " \t\n\v\f\r")
	if s == "" {
		return 0, false
	}
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 {
		return 0, false
	}
	if len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') {
		u, err := strconv.ParseUint(body[2:], 16, 64)
		if err != nil {
			return 0, false
		}
		if s[0] == '-' {
			return -float64(u), true
		}
		return float64(u), true
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	return f, true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// typeNameAt is the Lua type name of argument n, or "no value" past the top.
func typeNameAt(L *lua.LState, n int) string {
	if n > L.GetTop() {
		return "no value"
	}
	return L.Get(n).Type().String()
}

// argError raises "bad argument #n to 'name' (msg)" like luaL_argerror,
// the function named as the calling code wrote it (LuaJIT's lj_err_argmsg):
// '?' when C code (pcall) called it.
func argError(L *lua.LState, n int, msg string) {
	L.ArgError(n, msg)
}

// typeError raises "bad argument #n to 'name' (want expected, got T)".
func typeError(L *lua.LState, n int, want string) {
	argError(L, n, want+" expected, got "+typeNameAt(L, n))
}

// checkString is luaL_checklstring: a string or a number.
func checkString(L *lua.LState, n int) string {
	s, ok := argString(L.Get(n))
	if !ok {
		typeError(L, n, "string")
	}
	return s
}

// optString is luaL_optlstring.
func optString(L *lua.LState, n int, def string) string {
	if L.Get(n) == lua.LNil {
		return def
	}
	return checkString(L, n)
}

// checkNumber is luaL_checknumber.
func checkNumber(L *lua.LState, n int) float64 {
	f, ok := argNumber(L.Get(n))
	if !ok {
		typeError(L, n, "number")
	}
	return f
}

// checkInt is luaL_checkinteger: the number truncated toward zero, as the C
// cast in LuaJIT's lua_tointeger does; out-of-range values saturate.
func checkInt(L *lua.LState, n int) int {
	return truncInt(checkNumber(L, n))
}

// optInt is luaL_optinteger.
func optInt(L *lua.LState, n int, def int) int {
	if L.Get(n) == lua.LNil {
		return def
	}
	return checkInt(L, n)
}

func truncInt(f float64) int {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt32*2:
		return math.MaxInt32 * 2
	case f <= math.MinInt32*2:
		return math.MinInt32 * 2
	}
	return int(f)
}

// checkTable is luaL_checktype(L, n, LUA_TTABLE).
func checkTable(L *lua.LState, n int) *lua.LTable {
	t, ok := L.Get(n).(*lua.LTable)
	if !ok {
		typeError(L, n, "table")
	}
	return t
}

// coerceString is how lua-resty-core's string helpers treat a non-string
// argument: nil and false become "", anything else goes through tostring
// (with __tostring), numbers formatted like LuaJIT.
func coerceString(L *lua.LState, v lua.LValue) string {
	switch x := v.(type) {
	case lua.LString:
		return string(x)
	case lua.LNumber:
		return FormatNumber(float64(x))
	case *lua.LNilType:
		return ""
	case lua.LBool:
		if !x {
			return ""
		}
	}
	return L.ToStringMeta(v).String()
}

// setFuncs sets each function of fns as a field of t.
func setFuncs(L *lua.LState, t *lua.LTable, fns map[string]lua.LGFunction) {
	for name, fn := range fns {
		t.RawSetString(name, L.NewFunction(fn))
	}
}

// preload registers loader under package.preload[name]. It does nothing
// when the package library is not open.
func preload(L *lua.LState, name string, loader lua.LGFunction) {
	pkg, ok := L.GetGlobal("package").(*lua.LTable)
	if !ok {
		return
	}
	pre, ok := pkg.RawGetString("preload").(*lua.LTable)
	if !ok {
		return
	}
	pre.RawSetString(name, L.NewFunction(loader))
}

// setLoaded stores v as package.loaded[name] so require returns it at once.
func setLoaded(L *lua.LState, name string, v lua.LValue) {
	pkg, ok := L.GetGlobal("package").(*lua.LTable)
	if !ok {
		return
	}
	if loaded, ok := pkg.RawGetString("loaded").(*lua.LTable); ok {
		loaded.RawSetString(name, v)
	}
}
