package lualib

import (
	"math"
	"math/bits"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// OpenBit installs LuaJIT's bit module (tobit, tohex, bnot, band, bor,
// bxor, lshift, rshift, arshift, rol, ror, bswap) as the global "bit" and
// as package.loaded.bit / package.preload.bit, so require "bit" returns the
// same table. Results are signed 32-bit numbers, as in LuaJIT.
func OpenBit(L *lua.LState) {
	m := L.NewTable()
	setFuncs(L, m, map[string]lua.LGFunction{
		"tobit":   bitToBit,
		"tohex":   bitToHex,
		"bnot":    bitNot,
		"band":    bitFold("band", func(a, b uint32) uint32 { return a & b }),
		"bor":     bitFold("bor", func(a, b uint32) uint32 { return a | b }),
		"bxor":    bitFold("bxor", func(a, b uint32) uint32 { return a ^ b }),
		"lshift":  bitShift("lshift", func(x uint32, n uint) uint32 { return x << n }),
		"rshift":  bitShift("rshift", func(x uint32, n uint) uint32 { return x >> n }),
		"arshift": bitShift("arshift", func(x uint32, n uint) uint32 { return uint32(int32(x) >> n) }),
		"rol":     bitShift("rol", func(x uint32, n uint) uint32 { return bits.RotateLeft32(x, int(n)) }),
		"ror":     bitShift("ror", func(x uint32, n uint) uint32 { return bits.RotateLeft32(x, -int(n)) }),
		"bswap":   bitSwap,
	})
	L.SetGlobal("bit", m)
	setLoaded(L, "bit", m)
	preload(L, "bit", func(L *lua.LState) int {
		L.Push(m)
		return 1
	})
}

// ToBit normalises a number to a signed 32-bit integer exactly as LuaJIT's
// lj_num2bit: add 2^52+2^51 and keep the low 32 bits of the double. So
// fractions round half to even, values wrap modulo 2^32, and huge values,
// NaN and infinities give what LuaJIT gives (often 0).
func ToBit(f float64) int32 {
	if f != f {
		// Every NaN arithmetic makes on x86 (0/0, inf-inf) has a zero
		// payload and gives 0; Go's math.NaN() has payload 1.
		return 0
	}
	return int32(uint32(math.Float64bits(f + 6755399441055744.0)))
}

// checkBit is lj_lib_checkbit: a number (or numeric string) as 32 bits.
func checkBit(L *lua.LState, n int, fname string) uint32 {
	return uint32(ToBit(checkNumber(L, n)))
}

func pushBit(L *lua.LState, x uint32) int {
	L.Push(lua.LNumber(int32(x)))
	return 1
}

func bitToBit(L *lua.LState) int { return pushBit(L, checkBit(L, 1, "tobit")) }

func bitNot(L *lua.LState) int { return pushBit(L, ^checkBit(L, 1, "bnot")) }

func bitSwap(L *lua.LState) int { return pushBit(L, bits.ReverseBytes32(checkBit(L, 1, "bswap"))) }

// bitFold applies op over all arguments (at least one).
func bitFold(fname string, op func(a, b uint32) uint32) lua.LGFunction {
	return func(L *lua.LState) int {
		x := checkBit(L, 1, fname)
		for i := 2; i <= L.GetTop(); i++ {
			x = op(x, checkBit(L, i, fname))
		}
		return pushBit(L, x)
	}
}

// bitShift applies op with the shift count masked to 5 bits, as x86 and
// LuaJIT do.
func bitShift(fname string, op func(x uint32, n uint) uint32) lua.LGFunction {
	return func(L *lua.LState) int {
		x := checkBit(L, 1, fname)
		n := checkBit(L, 2, fname) & 31
		return pushBit(L, op(x, uint(n)))
	}
}

// bitToHex is bit.tohex(x [, n]): n hex digits (default 8), upper case when
// n is negative. Measured on LuaJIT 2.1 (Debian's nginx): fewer than 8
// digits keep the low bits, more pad with zeros up to 254 characters.
func bitToHex(L *lua.LState) int {
	x := checkBit(L, 1, "tohex")
	n := int64(8)
	if L.GetTop() >= 2 {
		n = int64(ToBit(checkNumber(L, 2)))
	}
	upper := n < 0
	if upper {
		n = -n
	}
	if n > 254 {
		n = 254
	}
	if n < 8 {
		x &= uint32(1)<<(4*uint(n)) - 1
	}
	const digits = "0123456789abcdef"
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = digits[x&15]
		x >>= 4
	}
	var s string
	if n <= 8 {
		s = string(b[8-n:])
	} else {
		s = strings.Repeat("0", int(n-8)) + string(b[:])
	}
	if upper {
		s = strings.ToUpper(s)
	}
	L.Push(lua.LString(s))
	return 1
}
