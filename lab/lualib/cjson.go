package lualib

import (
	"errors"
	"math"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// Defaults of openresty/lua-cjson 2.1.0.x (lua_cjson.c, DEFAULT_* macros).
const (
	cjsonDefaultSparseRatio = 2
	cjsonDefaultSparseSafe  = 10
	cjsonDefaultMaxDepth    = 1000
	cjsonDefaultPrecision   = 14
	cjsonMaxPrecision       = 16 // the OpenResty fork allows 16 (mpx/lua-cjson: 14)
)

// MaxSparseArray is the largest array index cjson.encode expands into a
// JSON array. OpenResty would allocate any size the sparse-array settings
// allow; the lab refuses beyond this to keep one learner from exhausting
// memory.
const MaxSparseArray = 1 << 22

// Values of encode_invalid_numbers.
const (
	invalidNumbersOff  = 0
	invalidNumbersOn   = 1
	invalidNumbersNull = 2
)

// cjsonConfig is the configuration of one cjson module table (cjson.new()
// makes a fresh one; cjson and cjson.safe loaded by require each have
// their own, as in lua-cjson).
type cjsonConfig struct {
	shared *cjsonShared

	sparseConvert        bool
	sparseRatio          int
	sparseSafe           int
	encodeMaxDepth       int
	decodeMaxDepth       int
	encodeInvalidNumbers int
	decodeInvalidNumbers bool
	keepBuffer           bool
	precision            int
	emptyTableAsObject   bool
	decodeArrayWithMT    bool
}

// cjsonShared holds what lua-cjson keeps per process (per LState here):
// the array metatables, the empty_array sentinel and the "/" escaping
// switch (a global table in the C code).
type cjsonShared struct {
	null         lua.LValue
	emptyArray   *lua.LUserData
	arrayMT      *lua.LTable
	emptyArrayMT *lua.LTable
	escapeSlash  bool
}

func newCJSONConfig(sh *cjsonShared) *cjsonConfig {
	return &cjsonConfig{
		shared:               sh,
		sparseRatio:          cjsonDefaultSparseRatio,
		sparseSafe:           cjsonDefaultSparseSafe,
		encodeMaxDepth:       cjsonDefaultMaxDepth,
		decodeMaxDepth:       cjsonDefaultMaxDepth,
		decodeInvalidNumbers: true,
		keepBuffer:           true,
		precision:            cjsonDefaultPrecision,
		emptyTableAsObject:   true,
	}
}

// cjsonState returns the LState's shared cjson values, creating them once.
func cjsonState(L *lua.LState) *cjsonShared {
	reg := L.G.Registry
	if ud, ok := reg.RawGetString(regCJSON).(*lua.LUserData); ok {
		if sh, ok := ud.Value.(*cjsonShared); ok {
			return sh
		}
	}
	sh := &cjsonShared{
		null:         Null(L),
		emptyArray:   L.NewUserData(),
		arrayMT:      L.NewTable(),
		emptyArrayMT: L.NewTable(),
		escapeSlash:  true,
	}
	ud := L.NewUserData()
	ud.Value = sh
	reg.RawSetString(regCJSON, ud)
	return sh
}

// OpenCJSON preloads the modules "cjson" and "cjson.safe", so that
// require "cjson" works as in OpenResty. The package library must be open
// first; without it OpenCJSON does nothing.
func OpenCJSON(L *lua.LState) {
	preload(L, "cjson", func(L *lua.LState) int {
		L.Push(newCJSONModule(L, false))
		return 1
	})
	preload(L, "cjson.safe", func(L *lua.LState) int {
		L.Push(newCJSONModule(L, true))
		return 1
	})
}

// newCJSONModule builds one cjson module table with its own configuration.
// safe selects the cjson.safe flavour, whose encode and decode return
// nil, err instead of raising.
func newCJSONModule(L *lua.LState, safe bool) *lua.LTable {
	sh := cjsonState(L)
	cfg := newCJSONConfig(sh)
	m := L.NewTable()

	encode := func(L *lua.LState) int {
		if L.GetTop() != 1 {
			argError(L, 1, "expected 1 argument")
		}
		s, err := cfg.encode(L, L.Get(1))
		return pushResult(L, safe, lua.LString(s), err)
	}
	decode := func(L *lua.LState) int {
		if L.GetTop() != 1 {
			argError(L, 1, "expected 1 argument")
		}
		text, ok := argString(L.Get(1))
		if !ok {
			msg := "bad argument #1 to 'decode' (string expected, got " + typeNameAt(L, 1) + ")"
			if safe {
				// json_protect_conversion catches every error of the
				// protected call, argument errors included.
				return pushResult(L, true, nil, errCJSON(msg))
			}
			L.RaiseError("%s", msg)
		}
		v, err := cfg.decode(L, text)
		return pushResult(L, safe, v, err)
	}
	newFn := func(L *lua.LState) int {
		L.Push(newCJSONModule(L, safe))
		return 1
	}
	setFuncs(L, m, map[string]lua.LGFunction{
		"encode":                       encode,
		"decode":                       decode,
		"new":                          newFn,
		"encode_sparse_array":          cfg.luaSparseArray,
		"encode_max_depth":             intOption("encode_max_depth", &cfg.encodeMaxDepth, 1, math.MaxInt32),
		"decode_max_depth":             intOption("decode_max_depth", &cfg.decodeMaxDepth, 1, math.MaxInt32),
		"encode_number_precision":      intOption("encode_number_precision", &cfg.precision, 1, cjsonMaxPrecision),
		"encode_keep_buffer":           boolOption("encode_keep_buffer", &cfg.keepBuffer),
		"encode_invalid_numbers":       cfg.luaInvalidNumbers,
		"decode_invalid_numbers":       boolOption("decode_invalid_numbers", &cfg.decodeInvalidNumbers),
		"encode_empty_table_as_object": boolOption("encode_empty_table_as_object", &cfg.emptyTableAsObject),
		"decode_array_with_array_mt":   boolOption("decode_array_with_array_mt", &cfg.decodeArrayWithMT),
		"encode_escape_forward_slash":  boolOption("encode_escape_forward_slash", &sh.escapeSlash),
	})
	m.RawSetString("null", sh.null)
	m.RawSetString("empty_array", sh.emptyArray)
	m.RawSetString("array_mt", sh.arrayMT)
	m.RawSetString("empty_array_mt", sh.emptyArrayMT)
	m.RawSetString("_NAME", lua.LString("cjson"))
	m.RawSetString("_VERSION", lua.LString("2.1.0.10"))
	return m
}

// pushResult returns v, or raises err; in safe mode it returns nil, err.
func pushResult(L *lua.LState, safe bool, v lua.LValue, err error) int {
	if err == nil {
		L.Push(v)
		return 1
	}
	if safe {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.RaiseError("%s", err.Error())
	return 0
}

// errCJSON is a lua-cjson error message (no wrapping: the text is what the
// Lua caller sees).
func errCJSON(msg string) error { return errors.New(msg) }

// checkOptionArgs is json_arg_init: at most max arguments.
func checkOptionArgs(L *lua.LState, fname string, max int) {
	if L.GetTop() > max {
		argError(L, max+1, "found too many arguments")
	}
}

// intOption is json_integer_option for a one-argument setter/getter.
func intOption(fname string, setting *int, min, max int) lua.LGFunction {
	return func(L *lua.LState) int {
		checkOptionArgs(L, fname, 1)
		setIntOption(L, 1, fname, setting, min, max)
		L.Push(lua.LNumber(*setting))
		return 1
	}
}

func setIntOption(L *lua.LState, n int, fname string, setting *int, min, max int) {
	if L.Get(n) == lua.LNil {
		return
	}
	v := checkInt(L, n)
	if v < min || v > max {
		// lua-cjson always blames argument #1 here.
		argError(L, 1, "expected integer between "+itoa(min)+" and "+itoa(max))
	}
	*setting = v
}

// boolOption is json_enum_option with the default "off"/"on" options.
func boolOption(fname string, setting *bool) lua.LGFunction {
	return func(L *lua.LState) int {
		checkOptionArgs(L, fname, 1)
		setBoolOption(L, 1, fname, setting)
		L.Push(lua.LBool(*setting))
		return 1
	}
}

func setBoolOption(L *lua.LState, n int, fname string, setting *bool) {
	switch v := L.Get(n).(type) {
	case *lua.LNilType:
	case lua.LBool:
		*setting = bool(v)
	default:
		*setting = checkOption(L, n, fname, []string{"off", "on"}) == 1
	}
}

// checkOption is luaL_checkoption without a default.
func checkOption(L *lua.LState, n int, fname string, options []string) int {
	s := checkString(L, n)
	for i, o := range options {
		if s == o {
			return i
		}
	}
	argError(L, n, "invalid option '"+s+"'")
	return 0
}

func (c *cjsonConfig) luaSparseArray(L *lua.LState) int {
	const fname = "encode_sparse_array"
	checkOptionArgs(L, fname, 3)
	setBoolOption(L, 1, fname, &c.sparseConvert)
	setIntOption(L, 2, fname, &c.sparseRatio, 0, math.MaxInt32)
	setIntOption(L, 3, fname, &c.sparseSafe, 0, math.MaxInt32)
	L.Push(lua.LBool(c.sparseConvert))
	L.Push(lua.LNumber(c.sparseRatio))
	L.Push(lua.LNumber(c.sparseSafe))
	return 3
}

func (c *cjsonConfig) luaInvalidNumbers(L *lua.LState) int {
	const fname = "encode_invalid_numbers"
	checkOptionArgs(L, fname, 1)
	switch v := L.Get(1).(type) {
	case *lua.LNilType:
	case lua.LBool:
		c.encodeInvalidNumbers = invalidNumbersOff
		if v {
			c.encodeInvalidNumbers = invalidNumbersOn
		}
	default:
		c.encodeInvalidNumbers = checkOption(L, 1, fname, []string{"off", "on", "null"})
	}
	if c.encodeInvalidNumbers == invalidNumbersNull {
		L.Push(lua.LString("null"))
	} else {
		L.Push(lua.LBool(c.encodeInvalidNumbers == invalidNumbersOn))
	}
	return 1
}

func itoa(i int) string { return strconv.Itoa(i) }
