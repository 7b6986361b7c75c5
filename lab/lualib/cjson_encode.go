package lualib

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// cjsonEscapes maps each byte to its JSON escape ("" = copied as is), as
// lua-cjson's char2escape table: control characters, '"', '\\', DEL, and
// '/' (unless encode_escape_forward_slash is off). Bytes >= 0x80 pass
// through untouched, so binary strings round-trip but may be invalid UTF-8.
var cjsonEscapes = func() [256]string {
	var t [256]string
	const hex = "0123456789abcdef"
	for c := 0; c < 0x20; c++ {
		t[c] = `\u00` + string(hex[c>>4]) + string(hex[c&15])
	}
	t['\b'], t['\t'], t['\n'], t['\f'], t['\r'] = `\b`, `\t`, `\n`, `\f`, `\r`
	t['"'], t['\\'], t['/'], t[0x7f] = `\"`, `\\`, `\/`, `\u007f`
	return t
}()

// cjsonEncoder holds the state of one cjson.encode call.
type cjsonEncoder struct {
	L   *lua.LState
	cfg *cjsonConfig
	buf []byte
}

type cjsonError string

// encode serialises v; the error text is lua-cjson's.
func (c *cjsonConfig) encode(L *lua.LState, v lua.LValue) (s string, err error) {
	e := &cjsonEncoder{L: L, cfg: c, buf: make([]byte, 0, 64)}
	defer func() {
		if r := recover(); r != nil {
			msg, ok := r.(cjsonError)
			if !ok {
				panic(r)
			}
			err = errCJSON(string(msg))
		}
	}()
	e.value(v, 0)
	return string(e.buf), nil
}

// fail aborts the encoding (recovered in encode) with
// "Cannot serialise <type>: <reason>".
func (e *cjsonEncoder) fail(v lua.LValue, reason string) {
	panic(cjsonError("Cannot serialise " + v.Type().String() + ": " + reason))
}

func (e *cjsonEncoder) value(v lua.LValue, depth int) {
	switch x := v.(type) {
	case lua.LString:
		e.str(string(x))
	case lua.LNumber:
		e.number(x)
	case lua.LBool:
		if x {
			e.buf = append(e.buf, "true"...)
		} else {
			e.buf = append(e.buf, "false"...)
		}
	case *lua.LNilType:
		e.buf = append(e.buf, "null"...)
	case *lua.LTable:
		e.table(x, depth+1)
	case *lua.LUserData:
		switch {
		case x == e.cfg.shared.emptyArray:
			e.buf = append(e.buf, "[]"...)
		case isNull(e.L, x):
			e.buf = append(e.buf, "null"...)
		default:
			e.fail(v, "type not supported")
		}
	default:
		e.fail(v, "type not supported")
	}
}

func (e *cjsonEncoder) str(s string) {
	e.buf = append(e.buf, '"')
	slash := e.cfg.shared.escapeSlash
	start := 0
	for i := 0; i < len(s); i++ {
		esc := cjsonEscapes[s[i]]
		if esc == "" || (s[i] == '/' && !slash) {
			continue
		}
		e.buf = append(e.buf, s[start:i]...)
		e.buf = append(e.buf, esc...)
		start = i + 1
	}
	e.buf = append(e.buf, s[start:]...)
	e.buf = append(e.buf, '"')
}

func (e *cjsonEncoder) number(n lua.LNumber) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		switch e.cfg.encodeInvalidNumbers {
		case invalidNumbersOff:
			e.fail(n, "must not be NaN or Infinity")
		case invalidNumbersNull:
			e.buf = append(e.buf, "null"...)
			return
		}
		// "on": spellings JavaScript understands (OpenResty's fork).
		switch {
		case math.IsNaN(f):
			e.buf = append(e.buf, "NaN"...)
		case f > 0:
			e.buf = append(e.buf, "Infinity"...)
		default:
			e.buf = append(e.buf, "-Infinity"...)
		}
		return
	}
	e.buf = append(e.buf, formatG(f, e.cfg.precision)...)
}

func (e *cjsonEncoder) table(t *lua.LTable, depth int) {
	if depth > e.cfg.encodeMaxDepth {
		panic(cjsonError("Cannot serialise, excessive nesting (" + itoa(depth) + ")"))
	}
	mt, _ := t.Metatable.(*lua.LTable)
	if mt != nil && mt == e.cfg.shared.arrayMT {
		e.array(t, t.Len(), depth)
		return
	}
	n := e.arrayLength(t)
	if n > 0 || (n == 0 && !e.cfg.emptyTableAsObject) {
		e.array(t, n, depth)
		return
	}
	// An object, or an empty table encoded as one unless it carries
	// empty_array_mt. (lua-cjson checks empty_array_mt in this branch
	// only, so a non-empty hash with that metatable also becomes [].)
	if mt != nil && mt == e.cfg.shared.emptyArrayMT {
		e.buf = append(e.buf, "[]"...)
		return
	}
	e.object(t, depth)
}

// arrayLength is lua_array_length: -1 when t must be an object, else the
// largest positive integer key (0 for an empty table). It fails on an
// excessively sparse array unless encode_sparse_array converts it.
func (e *cjsonEncoder) arrayLength(t *lua.LTable) int {
	// The C code keeps the largest key in an int: a key beyond INT_MAX
	// converts (on x86) to INT_MIN, which makes the table an object.
	var max int32
	items := int64(0)
	object := false
	eachPair(t, func(k, _ lua.LValue) bool {
		kn, ok := k.(lua.LNumber)
		f := float64(kn)
		if !ok || f < 1 || f != math.Floor(f) {
			object = true
			return false
		}
		if f > float64(max) {
			if f <= math.MaxInt32 {
				max = int32(f)
			} else {
				max = math.MinInt32
			}
		}
		items++
		return true
	})
	if object {
		return -1
	}
	ratio := int64(e.cfg.sparseRatio)
	if ratio > 0 && int64(max) > items*ratio && int(max) > e.cfg.sparseSafe {
		if !e.cfg.sparseConvert {
			e.fail(t, "excessively sparse array")
		}
		return -1
	}
	if max > MaxSparseArray {
		e.fail(t, "excessively sparse array")
	}
	if max < 0 {
		return -1
	}
	return int(max)
}

func (e *cjsonEncoder) array(t *lua.LTable, n, depth int) {
	e.buf = append(e.buf, '[')
	for i := 1; i <= n; i++ {
		if i > 1 {
			e.buf = append(e.buf, ',')
		}
		e.value(t.RawGetInt(i), depth)
	}
	e.buf = append(e.buf, ']')
}

func (e *cjsonEncoder) object(t *lua.LTable, depth int) {
	e.buf = append(e.buf, '{')
	first := true
	eachPair(t, func(k, v lua.LValue) bool {
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		switch kk := k.(type) {
		case lua.LNumber:
			e.buf = append(e.buf, '"')
			e.number(kk)
			e.buf = append(e.buf, '"', ':')
		case lua.LString:
			e.str(string(kk))
			e.buf = append(e.buf, ':')
		default:
			e.fail(k, "table key must be a number or string")
		}
		e.value(v, depth)
		return true
	})
	e.buf = append(e.buf, '}')
}

// eachPair calls fn for each key and value of t in the order of Lua's next
// (and so of pairs), until fn returns false. Unlike LTable.ForEach, whose
// order is Go's random map order, the order is stable for a given table.
func eachPair(t *lua.LTable, fn func(k, v lua.LValue) bool) {
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		if !fn(k, v) {
			return
		}
	}
}
