package lua

// string.format as LuaJIT 2.1 writes it (lj_strfmt.c, lj_strfmt_num.c),
// each answer checked against Debian's luajit2 (testdata/format.lua).
// gopher-lua handed the format to Go's fmt.Sprintf, which rounds ties to
// even (%.0f of 2.5 gave 2, LuaJIT 3), printed %!d(MISSING) for a missing
// argument where LuaJIT raises an error, and knew neither %q's nor %a's
// nor %x's (of a negative number) Lua spelling.

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// fmtSpec is one parsed conversion: %[flags][width][.precision]conv.
type fmtSpec struct {
	minus, plus, space, zero, alt bool
	width                         int
	prec                          int // -1 when the spec has none
	conv                          byte
}

// fmtConversions are the conversion letters LuaJIT's string.format takes.
const fmtConversions = "aAcdeEfFgGiopqsuxX"

// parseFmtSpec reads a conversion spec after its '%' as LuaJIT does: any
// number of flags, a width and a precision of at most two digits each. It
// returns the spec and its length, or, for a spec LuaJIT refuses, false
// and the text LuaJIT names in its error (the bad character included when
// it is a printable one).
func parseFmtSpec(s string) (fmtSpec, int, bool) {
	sp := fmtSpec{prec: -1}
	p := 0
flags:
	for ; p < len(s); p++ {
		switch s[p] {
		case '-':
			sp.minus = true
		case '+':
			sp.plus = true
		case '0':
			sp.zero = true
		case ' ':
			sp.space = true
		case '#':
			sp.alt = true
		default:
			break flags
		}
	}
	isDigit := func(p int) bool { return p < len(s) && s[p] >= '0' && s[p] <= '9' }
	for n := 0; n < 2 && isDigit(p); n++ {
		sp.width = sp.width*10 + int(s[p]-'0')
		p++
	}
	if p < len(s) && s[p] == '.' {
		p++
		sp.prec = 0
		for n := 0; n < 2 && isDigit(p); n++ {
			sp.prec = sp.prec*10 + int(s[p]-'0')
			p++
		}
	}
	if p < len(s) && strings.IndexByte(fmtConversions, s[p]) >= 0 {
		sp.conv = s[p]
		return sp, p + 1, true
	}
	// LuaJIT names the spec up to the bad character, and that character
	// too unless it is a control character
	if p < len(s) && s[p] >= 32 {
		p++
	}
	return sp, p, false
}

func strFormat(L *LState) int {
	fs := L.CheckString(1)
	top := L.GetTop()
	arg := 1
	var stack [128]byte // the result is copied into its string: no allocation for short ones
	buf := stack[:0]
	for i := 0; i < len(fs); {
		j := strings.IndexByte(fs[i:], '%')
		if j < 0 {
			buf = append(buf, fs[i:]...)
			break
		}
		buf = append(buf, fs[i:i+j]...)
		i += j + 1
		if i < len(fs) && fs[i] == '%' {
			buf = append(buf, '%')
			i++
			continue
		}
		sp, n, ok := parseFmtSpec(fs[i:])
		if !ok {
			L.RaiseError("invalid option '%%%s' to 'format'", fs[i:i+n])
		}
		i += n
		arg++
		if arg > top {
			L.ArgError(arg, "value expected")
		}
		buf = formatArg(L, buf, sp, arg)
	}
	L.Push(LString(buf))
	return 1
}

// formatArg appends argument arg formatted by sp.
func formatArg(L *LState, buf []byte, sp fmtSpec, arg int) []byte {
	switch sp.conv {
	case 'd', 'i':
		k := luaInt64(fmtNumberArg(L, arg))
		mag := uint64(k)
		if k < 0 {
			mag = -mag
		}
		return fmtInteger(buf, sp, k < 0, mag, 10)
	case 'u', 'o', 'x', 'X':
		base := 16
		switch sp.conv {
		case 'u':
			base = 10
		case 'o':
			base = 8
		}
		return fmtInteger(buf, sp, false, luaUint64(fmtNumberArg(L, arg)), base)
	case 'c':
		// lj_lib_checkint: a 32-bit truncation, then the low byte
		n := float64(fmtNumberArg(L, arg))
		c := int32(math.MinInt32)
		if n > math.MinInt32-1 && n < math.MaxInt32+1 {
			c = int32(n)
		}
		return fmtPad(buf, sp, "", []byte{byte(c)}, false)
	case 'e', 'E', 'f', 'F', 'g', 'G', 'a', 'A':
		return fmtFloat(buf, sp, float64(fmtNumberArg(L, arg)))
	case 'q':
		return appendQuoted(buf, fmtToString(L, arg))
	case 'p':
		return fmtPad(buf, sp, "", []byte(fmtPointer(L.Get(arg))), false)
	default: // 's'
		s := fmtToString(L, arg)
		if sp.prec >= 0 && sp.prec < len(s) {
			s = s[:sp.prec]
		}
		if sp.width <= len(s) {
			return append(buf, s...)
		}
		return fmtPad(buf, sp, "", []byte(s), false)
	}
}

// fmtNumberArg is argument n as a number, a numeric string read as
// LuaJIT reads it; anything else is LuaJIT's "number expected" error.
func fmtNumberArg(L *LState, n int) LNumber {
	v, ok := argNumber(L.Get(n))
	if !ok {
		L.TypeError(n, LTNumber)
	}
	return v
}

// fmtToString is argument n as tostring makes it (__tostring, numbers as
// %.14g).
func fmtToString(L *LState, n int) string {
	switch v := L.Get(n).(type) {
	case LString:
		return string(v)
	case LNumber:
		return v.String()
	}
	return L.ToStringMeta(L.Get(n)).String()
}

// fmtPointer is %p: the address of a referenced value, NULL for the
// others, as LuaJIT prints them (the addresses are Go's, not LuaJIT's).
func fmtPointer(v LValue) string {
	switch v.(type) {
	case *LTable, *LFunction, *LUserData, *LState:
		return fmt.Sprintf("%p", v)
	}
	return "NULL"
}

// luaInt64 converts n as LuaJIT's %d does, a C cast on x86-64: the
// value truncated toward zero, math.MinInt64 when it does not fit (NaN too).
func luaInt64(n LNumber) int64 {
	f := float64(n)
	if f >= -9223372036854775808.0 && f < 9223372036854775808.0 {
		return int64(f)
	}
	return math.MinInt64
}

// luaUint64 converts n as LuaJIT's %u, %o and %x do: values from 2^63 on
// wrap around 2^64, the rest go through the signed conversion (-1 is
// ffffffffffffffff).
func luaUint64(n LNumber) uint64 {
	if f := float64(n); f >= 9223372036854775808.0 {
		return uint64(luaInt64(LNumber(f - 18446744073709551616.0)))
	}
	return uint64(luaInt64(n))
}

// fmtInteger appends an integer conversion: precision as a minimum digit
// count (0 of value 0 prints nothing), '#' as C's alternate forms, '+' and
// ' ' for %d and %i only, '0' padding unless a precision is given.
func fmtInteger(buf []byte, sp fmtSpec, neg bool, mag uint64, base int) []byte {
	digits := strconv.FormatUint(mag, base)
	if sp.conv == 'X' {
		digits = strings.ToUpper(digits)
	}
	if sp.prec == 0 && mag == 0 {
		digits = ""
	}
	if len(digits) < sp.prec {
		digits = strings.Repeat("0", sp.prec-len(digits)) + digits
	}
	prefix := ""
	switch sp.conv {
	case 'd', 'i':
		prefix = signPrefix(sp, neg)
	case 'o':
		if sp.alt && !strings.HasPrefix(digits, "0") {
			digits = "0" + digits
		}
	case 'x':
		if sp.alt && mag != 0 {
			prefix = "0x"
		}
	case 'X':
		if sp.alt && mag != 0 {
			prefix = "0X"
		}
	}
	return fmtPad(buf, sp, prefix, []byte(digits), sp.prec < 0)
}

func signPrefix(sp fmtSpec, neg bool) string {
	switch {
	case neg:
		return "-"
	case sp.plus:
		return "+"
	case sp.space:
		return " "
	}
	return ""
}

// fmtPad appends prefix and body padded to the spec's width: spaces after
// them with '-', zeros between them with '0' when zeroOK, else spaces
// before them.
func fmtPad(buf []byte, sp fmtSpec, prefix string, body []byte, zeroOK bool) []byte {
	pad := sp.width - len(prefix) - len(body)
	switch {
	case pad <= 0:
		buf = append(buf, prefix...)
		buf = append(buf, body...)
	case sp.minus:
		buf = append(buf, prefix...)
		buf = append(buf, body...)
		buf = appendRepeat(buf, ' ', pad)
	case sp.zero && zeroOK:
		buf = append(buf, prefix...)
		buf = appendRepeat(buf, '0', pad)
		buf = append(buf, body...)
	default:
		buf = appendRepeat(buf, ' ', pad)
		buf = append(buf, prefix...)
		buf = append(buf, body...)
	}
	return buf
}

func appendRepeat(buf []byte, c byte, n int) []byte {
	for ; n > 0; n-- {
		buf = append(buf, c)
	}
	return buf
}

// appendQuoted appends s as %q writes it in LuaJIT: in double quotes,
// '"' and '\' escaped, a newline as a backslash and a newline, the other
// control characters (0-31, 127) in decimal, three digits when a digit
// follows; other bytes as they are.
func appendQuoted(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\' || c == '\n':
			buf = append(buf, '\\', c)
		case c < 32 || c == 127:
			buf = append(buf, '\\')
			if i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
				buf = append(buf, '0'+c/100, '0'+c/10%10, '0'+c%10)
			} else {
				buf = strconv.AppendInt(buf, int64(c), 10)
			}
		default:
			buf = append(buf, c)
		}
	}
	return append(buf, '"')
}
