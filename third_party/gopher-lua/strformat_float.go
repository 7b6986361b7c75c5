package lua

import (
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
	var body string
	switch sp.conv | 0x20 {
	case 'f':
		if prec < 0 {
			prec = 6
		}
		body = roundAway(ax, 'f', prec)
		if sp.alt && prec == 0 {
			body += "."
		}
	case 'e':
		if prec < 0 {
			prec = 6
		}
		body = roundAway(ax, 'e', prec)
		if sp.alt && prec == 0 {
			body = body[:1] + "." + body[1:]
		}
	case 'g':
		body = fmtG(ax, prec, sp.alt)
	default: // 'a'
		if upper {
			prefix += "0X"
		} else {
			prefix += "0x"
		}
		body = fmtHex(ax, prec, sp.alt)
	}
	if upper {
		body = strings.ToUpper(body)
	}
	return fmtPad(buf, sp, prefix, []byte(body), true)
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
// rounds to even. A tie shows as the next digit, correctly rounded, being
// a 5 that is the exact value.
func roundAway(x float64, c byte, prec int) string {
	s := strconv.FormatFloat(x, c, prec, 64)
	t := strconv.FormatFloat(x, c, prec+1, 64)
	mant, exp := t, ""
	if c == 'e' {
		k := strings.IndexByte(t, 'e')
		mant, exp = t[:k], t[k:]
	}
	if mant[len(mant)-1] != '5' {
		return s
	}
	r, ok := new(big.Rat).SetString(t)
	if !ok || r.Cmp(new(big.Rat).SetFloat64(x)) != 0 {
		return s
	}
	// a tie: drop the 5 and add one unit in the last place kept
	d := []byte(mant[:len(mant)-1])
	if d[len(d)-1] == '.' {
		d = d[:len(d)-1]
	}
	for i := len(d) - 1; i >= 0; i-- {
		switch d[i] {
		case '.':
			continue
		case '9':
			d[i] = '0'
			continue
		}
		d[i]++
		return string(d) + exp
	}
	// every digit was a 9: one more digit in front (f), or 1.000 with
	// the exponent one up (e)
	if c == 'f' {
		return "1" + string(d)
	}
	d[0] = '1'
	e, _ := strconv.Atoi(exp[1:])
	return string(d) + expSuffix(e+1)
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
