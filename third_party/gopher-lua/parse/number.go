package parse

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// IsCSpace reports whether c is a space as C's isspace sees it.
func IsCSpace(c byte) bool {
	return c == ' ' || '\t' <= c && c <= '\r'
}

// ScanNumber converts s to a number with the syntax LuaJIT 2.1 accepts
// where a string becomes a number (tonumber, arithmetic on strings,
// string.format's %d, numeric literals): spaces around the number, one
// optional sign, then a decimal number with optional fraction and exponent
// ("1e2", ".5", "5."), a hexadecimal one with optional fraction and binary
// exponent ("0x10", "0x1.8", "0x1p4"), a binary integer ("0b101"), or
// inf, infinity or nan in any case. A number too large is an infinity, one
// too small zero. Anything else ("0x", "1e", "12a", "1 2", a NUL) is not a
// number. Source: LuaJIT's lj_strscan.c behaviour, checked against
// Debian's luajit2 in the lua package's testdata/tonumber.lua.
func ScanNumber(s string) (float64, bool) {
	i, n := 0, len(s)
	for i < n && IsCSpace(s[i]) {
		i++
	}
	for n > i && IsCSpace(s[n-1]) {
		n--
	}
	s = s[i:n]
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	var v float64
	var ok bool
	switch {
	case s[0] >= '0' && s[0] <= '9' || s[0] == '.':
		if len(s) > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
			v, ok = scanHex(s[2:])
		} else if len(s) > 1 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B') {
			v, ok = scanBinary(s[2:])
		} else {
			v, ok = scanDecimal(s)
		}
	default:
		switch strings.ToLower(s) {
		case "inf", "infinity":
			v, ok = math.Inf(1), true
		case "nan":
			return math.NaN(), true
		}
	}
	if neg {
		v = -v
	}
	return v, ok
}

// digitsEnd returns the index in s after the run of digits that starts at
// i, digits being what isDigit accepts.
func digitsEnd(s string, i int, isDigit func(byte) bool) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func isDecimalDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHexDigit(c byte) bool {
	return isDecimalDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// mantissaEnd reads digits, an optional point and digits from s and
// returns where they end, or -1 when there is no digit at all.
func mantissaEnd(s string, isDigit func(byte) bool) int {
	i := digitsEnd(s, 0, isDigit)
	digits := i
	if i < len(s) && s[i] == '.' {
		j := digitsEnd(s, i+1, isDigit)
		digits += j - i - 1
		i = j
	}
	if digits == 0 {
		return -1
	}
	return i
}

// exponentOK reports whether s is empty or an exponent: the letter e (p
// for a hexadecimal number), an optional sign and at least one decimal digit.
func exponentOK(s string, letter byte) bool {
	if s == "" {
		return true
	}
	if s[0]|0x20 != letter {
		return false
	}
	s = s[1:]
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	return s != "" && digitsEnd(s, 0, isDecimalDigit) == len(s)
}

// parseChecked converts a string whose syntax has been checked; a value
// out of range is the infinity or zero strconv rounds it to.
func parseChecked(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return v, true
}

func scanDecimal(s string) (float64, bool) {
	end := mantissaEnd(s, isDecimalDigit)
	if end < 0 || !exponentOK(s[end:], 'e') {
		return 0, false
	}
	return parseChecked(s)
}

func scanHex(s string) (float64, bool) {
	end := mantissaEnd(s, isHexDigit)
	if end < 0 || !exponentOK(s[end:], 'p') {
		return 0, false
	}
	if end == len(s) {
		s += "p0" // strconv wants the exponent a hexadecimal float has
	}
	return parseChecked("0x" + s)
}

func scanBinary(s string) (float64, bool) {
	if s == "" || digitsEnd(s, 0, func(c byte) bool { return c == '0' || c == '1' }) != len(s) {
		return 0, false
	}
	v := 0.0
	for i := 0; i < len(s); i++ {
		v = v*2 + float64(s[i]-'0')
	}
	return v, true
}
