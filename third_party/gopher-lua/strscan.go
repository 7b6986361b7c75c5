package lua

import (
	"errors"
	"math"
	"strings"

	"github.com/yuin/gopher-lua/parse"
)

// errNotANumber is what parseNumber returns for a string that is not a
// number in Lua's syntax.
var errNotANumber = errors.New("not a number")

// scanNumber converts s to a number as LuaJIT does (parse.ScanNumber).
func scanNumber(s string) (float64, bool) { return parse.ScanNumber(s) }

// isCSpace reports whether c is a space as C's isspace sees it.
func isCSpace(c byte) bool { return parse.IsCSpace(c) }

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'f'
}

// parseNumber converts a string to a number as LuaJIT does (see
// scanNumber); gopher-lua used Go's ParseInt and ParseFloat, which read
// "0012" as octal, "1_0" as 10 and "1e500" as an error.
func parseNumber(number string) (LNumber, error) {
	v, ok := scanNumber(number)
	if !ok {
		return 0, errNotANumber
	}
	return LNumber(v), nil
}

// parseBase converts s, an integer written in base 2 to 36, as LuaJIT's
// tonumber(s, base) does through C's strtoul: spaces around it, one
// optional sign, digits of the base (a 0x prefix in base 16), and the
// string ends at a NUL as a C string does; a value past 2^64-1 is 2^64-1.
func parseBase(s string, base int) (float64, bool) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	if base == 16 && i+2 < len(s) && s[i] == '0' && s[i+1]|0x20 == 'x' && isHexDigit(s[i+2]) {
		i += 2
	}
	start := i
	var v uint64
	overflow := false
	for ; i < len(s); i++ {
		c := s[i] | 0x20
		var d int
		switch {
		case '0' <= s[i] && s[i] <= '9':
			d = int(s[i] - '0')
		case 'a' <= c && c <= 'z':
			d = int(c-'a') + 10
		default:
			d = base
		}
		if d >= base {
			break
		}
		if v > (math.MaxUint64-uint64(d))/uint64(base) {
			overflow = true
		}
		v = v*uint64(base) + uint64(d)
	}
	if i == start {
		return 0, false
	}
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	if i != len(s) {
		return 0, false
	}
	if overflow {
		v = math.MaxUint64
	}
	f := float64(v)
	if neg {
		f = -f
	}
	return f, true
}
