package lualib

import (
	"errors"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Escape types of ngx.escape_uri (ngx_lua's own numbering).
const (
	escapeURI          = 0
	escapeArgs         = 1
	escapeURIComponent = 2
	escapeHTML         = 3
	escapeRefresh      = 4
	escapeMemcached    = 5
	escapeMailAuth     = 6
)

// defaultMaxArgs is ngx.decode_args' default max_args (and ngx_lua's
// NGX_HTTP_LUA_MAX_ARGS).
const defaultMaxArgs = 100

// escapeSets lists, per escape type, the bytes escaped besides the ones
// every type escapes (0x00-0x20). They were measured by escaping every
// byte on Debian's nginx 1.22 + ngx_lua 0.10.23; "hi" adds 0x7f-0xff.
var escapeSets = [7]struct {
	extra string
	hi    bool
}{
	escapeURI:          {"#%?", true},
	escapeArgs:         {"#%+?", true},
	escapeURIComponent: {"\"#$%&+,/:;<=>?@[\\]^`{|}", true},
	escapeHTML:         {"\"#%'", true},
	escapeRefresh:      {"\"'", true},
	escapeMemcached:    {"%", false},
	escapeMailAuth:     {"%", false},
}

// escapeTables[t][c] reports whether type t escapes byte c.
var escapeTables = func() (tabs [7][256]bool) {
	for t, set := range escapeSets {
		for c := 0; c <= 0x20; c++ {
			tabs[t][c] = true
		}
		for i := 0; i < len(set.extra); i++ {
			tabs[t][set.extra[i]] = true
		}
		if set.hi {
			for c := 0x7f; c <= 0xff; c++ {
				tabs[t][c] = true
			}
		}
	}
	return tabs
}()

// EscapeURI escapes s as ngx.escape_uri(s, typ) does (typ 0..6; 2 is the
// default, a URI component): escaped bytes become %XX in upper case.
func EscapeURI(s string, typ int) string {
	tab := &escapeTables[typ]
	return EscapeBytes(s, func(c byte) bool { return tab[c] })
}

// EscapeBytes %XX-escapes (upper-case hex, as nginx's ngx_escape_uri) the
// bytes of s that unsafe says; s itself when there are none.
func EscapeBytes(s string, unsafe func(byte) bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if unsafe(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexd = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unsafe(c) {
			b = append(b, '%', hexd[c>>4], hexd[c&15])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

// UnescapeURI decodes s as ngx.unescape_uri does: "%XX" with two hex digits
// becomes the byte, "+" becomes a space, and a "%" not followed by two hex
// digits is kept as it is.
func UnescapeURI(s string) string { return unescape(s, true) }

// UnescapePath decodes "%XX" as nginx's ngx_unescape_uri does for a URI
// path (ngx.exec's target): "+" stays, a malformed escape is kept.
func UnescapePath(s string) string { return unescape(s, false) }

func unescape(s string, plusSpace bool) string {
	if strings.IndexByte(s, '%') < 0 && (!plusSpace || strings.IndexByte(s, '+') < 0) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && hexVal(s[i+1]) >= 0 && hexVal(s[i+2]) >= 0:
			b = append(b, byte(hexVal(s[i+1])<<4|hexVal(s[i+2])))
			i += 2
		case c == '+' && plusSpace:
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return int(c|0x20-'a') + 10
	}
	return -1
}

// ngxEscapeURI is lua-resty-core's ngx.escape_uri(s [, type]).
func ngxEscapeURI(L *lua.LState) int {
	s := coerceString(L, L.Get(1))
	typ := escapeURIComponent
	if v := L.Get(2); v != lua.LNil {
		n, ok := v.(lua.LNumber)
		if !ok {
			L.RaiseError(`"type" is not a number`)
		}
		if n < 0 || n >= 7 {
			L.RaiseError(`"type" %s out of range`, FormatNumber(float64(n)))
		}
		typ = int(n)
	}
	L.Push(lua.LString(EscapeURI(s, typ)))
	return 1
}

func ngxUnescapeURI(L *lua.LState) int {
	L.Push(lua.LString(UnescapeURI(coerceString(L, L.Get(1)))))
	return 1
}

// ngxDecodeArgs is the C function ngx.decode_args(str [, max_args]).
func ngxDecodeArgs(L *lua.LState) int {
	n := L.GetTop()
	if n != 1 && n != 2 {
		L.RaiseError("expecting 1 or 2 arguments but seen %d", n)
	}
	s := checkString(L, 1)
	max := defaultMaxArgs
	if n == 2 {
		max = checkInt(L, 2)
	}
	t, truncated := DecodeArgs(L, s, max)
	L.Push(t)
	if truncated {
		L.Push(lua.LString("truncated"))
		return 2
	}
	return 1
}

// DecodeArgs parses a query string into a Lua table as ngx.decode_args and
// ngx.req.get_uri_args do: pairs split on "&", keys and values unescaped
// (UnescapeURI), a key without "=" maps to true, a repeated key collects
// its values in an array, pairs with an empty key are dropped. Every "&"
// counts towards max (max <= 0: no limit); reaching max at an "&" stops
// the parse and reports truncated, as ngx_http_lua_parse_args does.
func DecodeArgs(L *lua.LState, s string, max int) (t *lua.LTable, truncated bool) {
	t = L.NewTable()
	count := 0
	for {
		amp := strings.IndexByte(s, '&')
		seg := s
		if amp >= 0 {
			seg = s[:amp]
		}
		if amp >= 0 || seg != "" {
			addArg(L, t, seg)
		}
		if amp < 0 {
			return t, false
		}
		s = s[amp+1:]
		count++
		if max > 0 && count == max {
			return t, true
		}
	}
}

func addArg(L *lua.LState, t *lua.LTable, seg string) {
	var key string
	var val lua.LValue
	if eq := strings.IndexByte(seg, '='); eq >= 0 {
		key = UnescapeURI(seg[:eq])
		val = lua.LString(UnescapeURI(seg[eq+1:]))
	} else {
		key = UnescapeURI(seg)
		val = lua.LTrue
	}
	if key == "" {
		return
	}
	switch old := t.RawGetString(key).(type) {
	case *lua.LNilType:
		t.RawSetString(key, val)
	case *lua.LTable:
		old.Append(val)
	default:
		arr := L.CreateTable(4, 0)
		arr.Append(old)
		arr.Append(val)
		t.RawSetString(key, arr)
	}
}

// ngxEncodeArgs is the C function ngx.encode_args(t).
func ngxEncodeArgs(L *lua.LState) int {
	if n := L.GetTop(); n != 1 {
		L.RaiseError("expecting 1 argument but seen %d", n)
	}
	t := checkTable(L, 1)
	s, err := EncodeArgs(t)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	L.Push(lua.LString(s))
	return 1
}

// EncodeArgs builds a query string from a Lua table as ngx.encode_args
// does: string keys only; a string or number value gives key=value, true
// gives a bare key, false is skipped; a table value gives one pair per
// element (in next order, booleans as above). Keys and values are escaped
// as URI components. On a bad key or value the error text is ngx_lua's
// message.
func EncodeArgs(t *lua.LTable) (string, error) {
	var parts []string
	var errMsg string
	eachPair(t, func(k, v lua.LValue) bool {
		ks, ok := k.(lua.LString)
		if !ok {
			errMsg = `attempt to use a non-string key in the "args" option table`
			return false
		}
		key := EscapeURI(string(ks), escapeURIComponent)
		switch x := v.(type) {
		case lua.LString, lua.LNumber:
			s, _ := argString(x)
			parts = append(parts, key+"="+EscapeURI(s, escapeURIComponent))
		case lua.LBool:
			if x {
				parts = append(parts, key)
			}
		case *lua.LTable:
			eachPair(x, func(_, iv lua.LValue) bool {
				if b, ok := iv.(lua.LBool); ok {
					if b {
						parts = append(parts, key)
					}
					return true
				}
				s, ok := argString(iv)
				if !ok {
					errMsg = "attempt to use " + iv.Type().String() + " as query arg value"
					return false
				}
				parts = append(parts, key+"="+EscapeURI(s, escapeURIComponent))
				return true
			})
		default:
			errMsg = "attempt to use " + v.Type().String() + " as query arg value"
		}
		return errMsg == ""
	})
	if errMsg != "" {
		return "", errors.New(errMsg)
	}
	return strings.Join(parts, "&"), nil
}
