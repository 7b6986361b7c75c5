package trace

import (
	"math/bits"
	"slices"
	"unicode/utf8"
)

// AppendJSON appends ev as one JSON object (no newline) to dst. ts, kind and
// worker are always present; the other fields only when non-zero. Field names
// are those of docs/trace.md. It uses no reflection.
func AppendJSON(dst []byte, ev Event) []byte { return appendJSON(dst, &ev) }

// kindHeads holds `,"kind":"NAME","worker":` for each kind: one append
// instead of three.
var kindHeads = func() (h [256]string) {
	for k := range h {
		h[k] = `,"kind":"` + Kind(k).String() + `","worker":`
	}
	return h
}()

func appendJSON(dst []byte, ev *Event) []byte {
	dst = append(dst, `{"ts":`...)
	dst = appendDecimal(dst, ev.TS)
	dst = append(dst, kindHeads[ev.Kind]...)
	dst = appendDecimal(dst, int64(ev.Worker))
	dst = appendInt(dst, `,"gen":`, int64(ev.Gen))
	dst = appendInt(dst, `,"fd":`, int64(ev.FD))
	dst = appendInt(dst, `,"req":`, ev.Req)
	dst = appendInt(dst, `,"co":`, ev.Co)
	dst = appendString(dst, `,"phase":`, ev.Phase)
	dst = appendString(dst, `,"source":`, ev.Source)
	dst = appendInt(dst, `,"line":`, int64(ev.Line))
	dst = appendInt(dst, `,"arg":`, ev.Arg)
	dst = appendInt(dst, `,"arg2":`, ev.Arg2)
	dst = appendString(dst, `,"detail":`, ev.Detail)
	return append(dst, '}')
}

func appendInt(dst []byte, name string, v int64) []byte {
	if v == 0 {
		return dst
	}
	return appendDecimal(append(dst, name...), v)
}

// appendDecimal appends v in decimal, as strconv.AppendInt(dst, v, 10)
// does, but straight into dst, two digits at a time: the printer formats a
// dozen numbers per event.
func appendDecimal(dst []byte, v int64) []byte {
	u := uint64(v)
	if v < 0 {
		dst = append(dst, '-')
		u = -u
	}
	if u < 10 {
		return append(dst, byte('0'+u))
	}
	n := 1 + (bits.Len64(u)*1233)>>12 // digits, or one too many
	if u < pow10[n-1] {
		n--
	}
	end := len(dst) + n
	dst = slices.Grow(dst, n)[:end]
	i := end
	for u >= 100 {
		q := u / 100
		r := u - q*100
		i -= 2
		dst[i], dst[i+1] = twoDigits[2*r], twoDigits[2*r+1]
		u = q
	}
	if u >= 10 {
		dst[i-2], dst[i-1] = twoDigits[2*u], twoDigits[2*u+1]
	} else {
		dst[i-1] = byte('0' + u)
	}
	return dst
}

const twoDigits = "00010203040506070809" + "10111213141516171819" + "20212223242526272829" +
	"30313233343536373839" + "40414243444546474849" + "50515253545556575859" + "60616263646566676869" +
	"70717273747576777879" + "80818283848586878889" + "90919293949596979899"

var pow10 = [...]uint64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	1e16, 1e17, 1e18, 1e19}

func appendString(dst []byte, name, s string) []byte {
	if s == "" {
		return dst
	}
	return appendQuoted(append(dst, name...), s)
}

const hexDigits = "0123456789abcdef"

// appendQuoted writes s as a JSON string: quotes, backslashes and control
// characters escaped, invalid UTF-8 replaced by U+FFFD, and U+2028/U+2029
// escaped so the line is also safe inside a <script>.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && plain8(s[i:i+8]) {
			i += 8
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// plain8 reports whether the 8 bytes of s are all printable ASCII that JSON
// needs no escape for: none below 0x20 or from 0x80, no '"', no '\\'. It
// tests the 8 at once, in a word (the bit tricks of "Determine if a word has
// a byte less than n", Sean Eron Anderson's Bit Twiddling Hacks).
func plain8(s string) bool {
	w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := w^(ones*'"'), w^(ones*'\\')
	// A byte of x is zero, or x's byte is below n, when (x - n*ones) &^ x
	// has its high bit (no byte of w is >= 0x80 once w&highs == 0).
	bad := (w - ones*0x20) | (quote - ones) | (backslash - ones)
	return (bad|w)&highs == 0
}
