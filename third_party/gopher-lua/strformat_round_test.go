package lua

import (
	"math"
	"math/big"
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

// TestRoundAwayOnePass checks the one-pass appendRoundAway against the
// two-pass rounding it replaced (kept below as the reference) on random
// values, exact ties (k/2^n), values next to ties and carries (9.995).
func TestRoundAwayOnePass(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var xs []float64
	for i := 0; i < 20000; i++ {
		xs = append(xs, rng.Float64()*math.Pow(10, float64(rng.Intn(30)-10)))
		xs = append(xs, float64(rng.Intn(1<<20))/float64(int(1)<<rng.Intn(12)))
		tie := float64(rng.Intn(100000)) / 8
		xs = append(xs, tie, math.Nextafter(tie, 0), math.Nextafter(tie, 1e300))
	}
	xs = append(xs, 0, 0.5, 1.5, 2.5, 9.5, 9.995, 99.95, 999.5, 0.125, 0.375, 1e22, 1e300, 5e-324, math.MaxFloat64)
	for _, x := range xs {
		for _, c := range []byte{'f', 'e'} {
			for prec := 0; prec <= 8; prec++ {
				if c == 'f' && x > 1e30 && prec > 2 {
					continue
				}
				got := string(appendRoundAway(nil, x, c, prec))
				if want := roundAwayTwoPass(x, c, prec); got != want {
					t.Fatalf("%%.%d%c of %v: got %q, want %q", prec, c, x, got, want)
				}
			}
		}
	}
}

// roundAwayTwoPass is the rounding appendRoundAway replaced: strconv at
// prec and at prec+1 digits, big.Rat deciding a tie.
func roundAwayTwoPass(x float64, c byte, prec int) string {
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
