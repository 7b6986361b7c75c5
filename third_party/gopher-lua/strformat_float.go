package lua

import (
	"bytes"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// fmtFloat appends a floating-point conversion (%e %E %f %F %g %G %a %A)
// as LuaJIT writes it: digits of the exact binary value, a value exactly
// halfway rounded away from zero (%.0f of 2.5 is 3, %5.1f of 2.25 is
// "  2.3"; Go's fmt rounds these to even), inf and nan spelled so (upper
// case for the upper-case conversions), nan without a sign, and neither
// padded with zeros.
func fmtFloat(buf []byte, sp fmtSpec, x float64) []byte {
	upper := sp.conv >= 'A' && sp.conv <= 'Z'
	if math.IsNaN(x) {
		return fmtPad(buf, sp, "", []byte(caseOf("nan", upper)), false)
	}
	prefix := signPrefix(sp, math.Signbit(x))
	ax := math.Abs(x)
	if math.IsInf(x, 0) {
		return fmtPad(buf, sp, prefix, []byte(caseOf("inf", upper)), false)
	}
	prec := sp.prec
	// the body is built in a buffer on the stack: a conversion of an
	// ordinary number allocates nothing besides buf's growth
	var bb [64]byte
	var body []byte
	switch sp.conv | 0x20 {
	case 'f':
		if prec < 0 {
			prec = 6
		}
		body = appendRoundAway(bb[:0], ax, 'f', prec)
		if sp.alt && prec == 0 {
			body = append(body, '.')
		}
	case 'e':
		if prec < 0 {
			prec = 6
		}
		body = appendRoundAway(bb[:0], ax, 'e', prec)
		if sp.alt && prec == 0 {
			body = append(body[:1], append([]byte{'.'}, body[1:]...)...)
		}
	case 'g':
		body = append(bb[:0], fmtG(ax, prec, sp.alt)...)
	default: // 'a'
		if upper {
			prefix += "0X"
		} else {
			prefix += "0x"
		}
		body = append(bb[:0], fmtHex(ax, prec, sp.alt)...)
	}
	if upper {
		body = bytes.ToUpper(body)
	}
	return fmtPad(buf, sp, prefix, body, true)
}

func caseOf(s string, upper bool) string {
	if upper {
		return strings.ToUpper(s)
	}
	return s
}

// roundAway formats x >= 0 as strconv.FormatFloat(x, c, prec) does for c
// 'e' or 'f', except that a value exactly halfway between two results
// rounds up (away from zero) as LuaJIT's formatter does, where strconv
// rounds to even.
func roundAway(x float64, c byte, prec int) string {
	var b [64]byte
	return string(appendRoundAway(b[:0], x, c, prec))
}

// appendRoundAway appends roundAway(x, c, prec). It formats x once, to one
// digit more, correctly rounded: a last digit below 5 says the exact value
// is below the half (the digits before it are the result), above 5 that
// it is above (they are rounded up); only a 5 may be a tie, which the
// exact value decides.
func appendRoundAway(dst []byte, x float64, c byte, prec int) []byte {
	var tb [64]byte
	t := strconv.AppendFloat(tb[:0], x, c, prec+1, 64)
	mant, exp := t, t[len(t):]
	if c == 'e' {
		k := bytes.IndexByte(t, 'e')
		mant, exp = t[:k], t[k:]
	}
	last := mant[len(mant)-1]
	if last == '5' {
		r, ok := new(big.Rat).SetString(string(t))
		if !ok || r.Cmp(new(big.Rat).SetFloat64(x)) != 0 {
			// not a tie: strconv's rounding is LuaJIT's
			return strconv.AppendFloat(dst, x, c, prec, 64)
		}
	}
	d := mant[:len(mant)-1]
	if d[len(d)-1] == '.' {
		d = d[:len(d)-1]
	}
	if last < '5' {
		return append(append(dst, d...), exp...)
	}
	// above the half or a tie: add one unit in the last place kept
	for i := len(d) - 1; i >= 0; i-- {
		switch d[i] {
		case '.':
			continue
		case '9':
			d[i] = '0'
			continue
		}
		d[i]++
		return append(append(dst, d...), exp...)
	}
	// every digit was a 9: one more digit in front (f), or 1.000 with
	// the exponent one up (e)
	if c == 'f' {
		return append(append(dst, '1'), d...)
	}
	d[0] = '1'
	e, _ := strconv.Atoi(string(exp[1:]))
	return append(append(dst, d...), expSuffix(e+1)...)
}

// expSuffix is C's exponent: e, a sign and at least two digits.
func expSuffix(e int) string {
	sign := "+"
	if e < 0 {
		sign, e = "-", -e
	}
	if e < 10 {
		return "e" + sign + "0" + strconv.Itoa(e)
	}
	return "e" + sign + strconv.Itoa(e)
}

// fmtG is %g of x >= 0: prec significant digits (6 when none, 1 for 0),
// fixed notation when the rounded exponent is from -4 to prec-1, else
// exponential; trailing zeros removed unless '#'.
func fmtG(x float64, prec int, alt bool) string {
	if prec < 0 {
		prec = 6
	} else if prec == 0 {
		prec = 1
	}
	es := roundAway(x, 'e', prec-1)
	exp := 0
	if x != 0 {
		exp, _ = strconv.Atoi(es[strings.IndexByte(es, 'e')+1:])
	}
	body, suffix := es, ""
	if exp >= -4 && exp < prec {
		body = roundAway(x, 'f', prec-1-exp)
	} else {
		k := strings.IndexByte(es, 'e')
		body, suffix = es[:k], es[k:]
	}
	if alt {
		if !strings.Contains(body, ".") {
			body += "."
		}
	} else if strings.Contains(body, ".") {
		body = strings.TrimRight(strings.TrimRight(body, "0"), ".")
	}
	return body + suffix
}

// fmtHex is %a of x >= 0 after its "0x", as LuaJIT writes it: a leading
// 1 (0 for zero; subnormals are normalized), the 52-bit fraction in hex
// without trailing zeros, or rounded half up to prec digits (a carry
// makes the leading digit 2: 1.96875 at %.1a is 0x2.0p+0), and a binary
// exponent in decimal.
func fmtHex(x float64, prec int, alt bool) string {
	const fracBits = 52
	const fracMask = 1<<fracBits - 1
	bits := math.Float64bits(x)
	frac := bits & fracMask
	exp := int(bits>>fracBits) - 1023
	lead := uint64(1)
	switch {
	case x == 0:
		lead, exp = 0, 0
	case bits>>fracBits == 0: // subnormal: shift its first 1 into the lead
		exp = -1022
		for frac&(1<<fracBits) == 0 {
			frac <<= 1
			exp--
		}
		frac &= fracMask
	}
	var digits string
	if prec >= 0 && prec < 13 {
		shift := uint(fracBits - 4*prec)
		rest := frac & (1<<shift - 1)
		frac >>= shift
		if rest >= 1<<(shift-1) {
			frac++
			if frac>>(4*uint(prec)) != 0 {
				frac &= 1<<(4*uint(prec)) - 1
				lead++
			}
		}
		if prec > 0 {
			digits = leftPad(strconv.FormatUint(frac, 16), prec)
		}
	} else {
		digits = leftPad(strconv.FormatUint(frac, 16), 13)
		if prec < 0 {
			digits = strings.TrimRight(digits, "0")
		} else {
			digits += strings.Repeat("0", prec-13)
		}
	}
	var b strings.Builder
	b.WriteString(strconv.FormatUint(lead, 16))
	if digits != "" || alt {
		b.WriteByte('.')
		b.WriteString(digits)
	}
	b.WriteByte('p')
	if exp >= 0 {
		b.WriteByte('+')
	}
	b.WriteString(strconv.Itoa(exp))
	return b.String()
}

// leftPad pads s with zeros on the left to n characters.
func leftPad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}
