package lua

import (
	"fmt"
	"math"
	"strings"

	"github.com/yuin/gopher-lua/pm"
)

const emptyLString LString = LString("")

func OpenString(L *LState) int {
	var mod *LTable
	//_, ok := L.G.builtinMts[int(LTString)]
	//if !ok {
	mod = L.RegisterModule(StringLibName, strFuncs).(*LTable)
	gmatch := L.NewFunction(strGmatch)
	mod.RawSetString("gmatch", gmatch)
	mod.RawSetString("gfind", gmatch)
	mod.RawSetString("__index", mod)
	L.G.builtinMts[int(LTString)] = mod
	//}
	L.Push(mod)
	return 1
}

var strFuncs = map[string]LGFunction{
	"byte":    strByte,
	"char":    strChar,
	"dump":    strDump,
	"find":    strFind,
	"format":  strFormat,
	"gsub":    strGsub,
	"len":     strLen,
	"lower":   strLower,
	"match":   strMatch,
	"rep":     strRep,
	"reverse": strReverse,
	"sub":     strSub,
	"upper":   strUpper,
}

func strByte(L *LState) int {
	str := L.CheckString(1)
	start := L.OptInt(2, 1) - 1
	end := L.OptInt(3, -1)
	l := len(str)
	if start < 0 {
		start = l + start + 1
	}
	if end < 0 {
		end = l + end + 1
	}

	if L.GetTop() == 2 {
		if start < 0 || start >= l {
			return 0
		}
		L.Push(LNumber(str[start]))
		return 1
	}

	start = intMax(start, 0)
	end = intMin(end, l)
	if end < 0 || end <= start || start >= l {
		return 0
	}

	for i := start; i < end; i++ {
		L.Push(LNumber(str[i]))
	}
	return end - start
}

func strChar(L *LState) int {
	top := L.GetTop()
	bytes := make([]byte, L.GetTop())
	for i := 1; i <= top; i++ {
		// LuaJIT refuses a code outside 0..255 (gopher-lua kept its low
		// byte: char(256) was "\0")
		c := toInt32(L.CheckNumber(i))
		if c < 0 || c > 255 {
			L.ArgError(i, "invalid value")
		}
		bytes[i-1] = uint8(c)
	}
	L.Push(LString(string(bytes)))
	return 1
}

func strDump(L *LState) int {
	L.RaiseError("GopherLua does not support the string.dump")
	return 0
}

func strFind(L *LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	init := patternInit(L, str)
	plain := false
	if L.GetTop() == 4 {
		plain = LVAsBool(L.Get(4))
	}

	// LuaJIT searches for a pattern without special characters as plain
	// text (so "a)" is no pattern error in find, as it is in match)
	if plain || !strings.ContainsAny(pattern, "^$*+?.([%-") {
		pos := strings.Index(str[init:], pattern)
		if pos < 0 {
			L.Push(LNil)
			return 1
		}
		L.Push(LNumber(init+pos) + 1)
		L.Push(LNumber(init + pos + len(pattern)))
		return 2
	}

	mds, err := pm.FindInterruptible(pattern, unsafeFastStringToReadOnlyBytes(str), init, 1, patternInterrupt(L))
	if err != nil {
		L.raiseCallerError("%s", err.Error())
	}
	if len(mds) == 0 {
		L.Push(LNil)
		return 1
	}
	md := mds[0]
	L.Push(LNumber(md.Capture(0) + 1))
	L.Push(LNumber(md.Capture(1)))
	for i := 2; i < md.CaptureLength(); i += 2 {
		if md.IsPosCapture(i) {
			L.Push(LNumber(md.Capture(i)))
		} else {
			L.Push(LString(str[md.Capture(i):md.Capture(i+1)]))
		}
	}
	return md.CaptureLength()/2 + 1
}

func strGsub(L *LState) int {
	str := L.CheckString(1)
	pat := L.CheckString(2)
	// as LuaJIT: a number replacement is its string, another type the
	// argument error LuaJIT words, and a count n <= 0 replaces nothing
	// (gopher-lua read it as no limit)
	repl := L.Get(3)
	switch lv := repl.(type) {
	case LNumber:
		repl = LString(lv.String())
	case LString, *LTable, *LFunction:
	default:
		L.ArgError(3, "string/function/table expected")
	}
	limit := -1
	if L.Get(4) != LNil {
		n := toInt32Wrap(L.CheckNumber(4))
		if n <= 0 {
			L.SetTop(1)
			L.Push(LNumber(0))
			return 2
		}
		limit = int(n)
	}

	mds, err := pm.FindInterruptible(pat, unsafeFastStringToReadOnlyBytes(str), 0, limit, patternInterrupt(L))
	if err != nil {
		L.raiseCallerError("%s", err.Error())
	}
	if len(mds) == 0 {
		L.SetTop(1)
		L.Push(LNumber(0))
		return 2
	}
	switch lv := repl.(type) {
	case LString:
		L.Push(LString(strGsubStr(L, str, string(lv), mds)))
	case *LTable:
		L.Push(LString(strGsubTable(L, str, lv, mds)))
	case *LFunction:
		L.Push(LString(strGsubFunc(L, str, lv, mds)))
	}
	L.Push(LNumber(len(mds)))
	return 2
}

type replaceInfo struct {
	Indicies []int
	String   string
}

func checkCaptureIndex(L *LState, m *pm.MatchData, idx int) {
	if idx <= 2 {
		return
	}
	if idx >= m.CaptureLength() {
		L.raiseCallerError("invalid capture index")
	}
}

func capturedString(L *LState, m *pm.MatchData, str string, idx int) string {
	checkCaptureIndex(L, m, idx)
	if idx >= m.CaptureLength() && idx == 2 {
		idx = 0
	}
	if m.IsPosCapture(idx) {
		return fmt.Sprint(m.Capture(idx))
	} else {
		return str[m.Capture(idx):m.Capture(idx+1)]
	}

}

func strGsubDoReplace(str string, info []replaceInfo) string {
	offset := 0
	buf := []byte(str)
	for _, replace := range info {
		oldlen := len(buf)
		b1 := append([]byte(""), buf[0:offset+replace.Indicies[0]]...)
		b2 := []byte("")
		index2 := offset + replace.Indicies[1]
		if index2 <= len(buf) {
			b2 = append(b2, buf[index2:len(buf)]...)
		}
		buf = append(b1, replace.String...)
		buf = append(buf, b2...)
		offset += len(buf) - oldlen
	}
	return string(buf)
}

// strGsubStr replaces each match with repl as LuaJIT's add_s reads it:
// %0 the match, %1..%9 a capture (%1 the match when the pattern has no
// capture), % and any other character that character (gopher-lua kept
// "%x" as it was), a % at the end a NUL byte.
func strGsubStr(L *LState, str string, repl string, matches []*pm.MatchData) string {
	infoList := make([]replaceInfo, 0, len(matches))
	for _, match := range matches {
		start, end := match.Capture(0), match.Capture(1)
		buf := make([]byte, 0, len(repl))
		for i := 0; i < len(repl); i++ {
			c := repl[i]
			if c != '%' {
				buf = append(buf, c)
				continue
			}
			i++
			c = 0
			if i < len(repl) {
				c = repl[i]
			}
			switch {
			case c < '0' || c > '9':
				buf = append(buf, c)
			case c == '0':
				buf = append(buf, str[start:end]...)
			default:
				buf = append(buf, capturedString(L, match, str, 2*int(c-'0'))...)
			}
		}
		infoList = append(infoList, replaceInfo{[]int{start, end}, string(buf)})
	}

	return strGsubDoReplace(str, infoList)
}

func strGsubTable(L *LState, str string, repl *LTable, matches []*pm.MatchData) string {
	infoList := make([]replaceInfo, 0, len(matches))
	for _, match := range matches {
		idx := 0
		if match.CaptureLength() > 2 { // has captures
			idx = 2
		}
		var value LValue
		if match.IsPosCapture(idx) {
			value = L.GetTable(repl, LNumber(match.Capture(idx)))
		} else {
			value = L.GetField(repl, str[match.Capture(idx):match.Capture(idx+1)])
		}
		if !LVIsFalse(value) {
			infoList = append(infoList, replaceInfo{[]int{match.Capture(0), match.Capture(1)}, replacementValue(L, value)})
		}
	}
	return strGsubDoReplace(str, infoList)
}

// replacementValue is what a table or function replacement gave, as
// gsub writes it: a string or a number, anything else (but false and nil,
// which keep the match) LuaJIT's "invalid replacement value (a table)"
// (gopher-lua replaced the match with "").
func replacementValue(L *LState, v LValue) string {
	switch lv := v.(type) {
	case LString:
		return string(lv)
	case LNumber:
		return lv.String()
	}
	L.raiseCallerError("invalid replacement value (a %s)", v.Type().String())
	return ""
}

func strGsubFunc(L *LState, str string, repl *LFunction, matches []*pm.MatchData) string {
	infoList := make([]replaceInfo, 0, len(matches))
	for _, match := range matches {
		start, end := match.Capture(0), match.Capture(1)
		L.Push(repl)
		nargs := 0
		if match.CaptureLength() > 2 { // has captures
			for i := 2; i < match.CaptureLength(); i += 2 {
				if match.IsPosCapture(i) {
					L.Push(LNumber(match.Capture(i)))
				} else {
					L.Push(LString(capturedString(L, match, str, i)))
				}
				nargs++
			}
		} else {
			L.Push(LString(capturedString(L, match, str, 0)))
			nargs++
		}
		L.Call(nargs, 1)
		ret := L.reg.Pop()
		if !LVIsFalse(ret) {
			infoList = append(infoList, replaceInfo{[]int{start, end}, replacementValue(L, ret)})
		}
	}
	return strGsubDoReplace(str, infoList)
}

type strMatchData struct {
	str     string
	pos     int
	matches []*pm.MatchData
}

// strGmatchIter is the iterator string.gmatch returns, a closure over
// its matches as in LuaJIT (gopher-lua's took them as its argument, so
// calling it outside a for loop failed).
func strGmatchIter(L *LState) int {
	md := L.CheckUserData(UpvalueIndex(1)).Value.(*strMatchData)
	str := md.str
	matches := md.matches
	idx := md.pos
	md.pos += 1
	if idx == len(matches) {
		return 0
	}
	match := matches[idx]
	if match.CaptureLength() == 2 {
		L.Push(LString(str[match.Capture(0):match.Capture(1)]))
		return 1
	}

	for i := 2; i < match.CaptureLength(); i += 2 {
		if match.IsPosCapture(i) {
			L.Push(LNumber(match.Capture(i)))
		} else {
			L.Push(LString(str[match.Capture(i):match.Capture(i+1)]))
		}
	}
	return match.CaptureLength()/2 - 1
}

func strGmatch(L *LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	mds, err := pm.GmatchInterruptible(pattern, []byte(str), 0, -1, patternInterrupt(L))
	if err != nil {
		L.raiseCallerError("%s", err.Error())
	}
	ud := L.NewUserData()
	ud.Value = &strMatchData{str, 0, mds}
	L.Push(L.NewClosure(strGmatchIter, ud))
	return 1
}

func strLen(L *LState) int {
	if L.GetTop() == 0 {
		// LuaJIT's string.len is a fast function whose fallback reads
		// the missing argument as nil: "got nil", not "got no value"
		L.ArgError(1, "string expected, got nil")
	}
	str := L.CheckString(1)
	L.Push(LNumber(len(str)))
	return 1
}

func strLower(L *LState) int {
	str := L.CheckString(1)
	L.Push(LString(asciiCase(str, 'A', 'Z')))
	return 1
}

func strMatch(L *LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	offset := patternInit(L, str)

	mds, err := pm.FindInterruptible(pattern, unsafeFastStringToReadOnlyBytes(str), offset, 1, patternInterrupt(L))
	if err != nil {
		L.raiseCallerError("%s", err.Error())
	}
	if len(mds) == 0 {
		L.Push(LNil)
		return 1
	}
	md := mds[0]
	nsubs := md.CaptureLength() / 2
	switch nsubs {
	case 1:
		L.Push(LString(str[md.Capture(0):md.Capture(1)]))
		return 1
	default:
		for i := 2; i < md.CaptureLength(); i += 2 {
			if md.IsPosCapture(i) {
				L.Push(LNumber(md.Capture(i)))
			} else {
				L.Push(LString(str[md.Capture(i):md.Capture(i+1)]))
			}
		}
		return nsubs - 1
	}
}

// maxStringLen is the longest string LuaJIT builds (LJ_MAX_STR in
// lj_def.h); a longer result is "not enough memory" there.
const maxStringLen = 0x7fffff00

// strRep is string.rep(s, n [, sep]) as LuaJIT 2.1 has it: n copies of s
// with sep between them (gopher-lua ignored sep), nothing for n below 1.
// n is truncated to a 32-bit integer as LuaJIT's argument check does (a
// count past its range, such as 1e10, gives the empty string there).
func strRep(L *LState) int {
	str := L.CheckString(1)
	n := toInt32(L.CheckNumber(2))
	sep := ""
	if L.Get(3) != LNil {
		sep = L.CheckString(3) // a number is written as a string, as in LuaJIT
	}
	if n <= 0 {
		L.Push(emptyLString)
		return 1
	}
	if total := int64(len(str))*int64(n) + int64(len(sep))*int64(n-1); total > maxStringLen {
		L.RaiseError("not enough memory")
	}
	if sep == "" {
		L.Push(LString(strings.Repeat(str, int(n))))
		return 1
	}
	var b strings.Builder
	b.Grow(len(str)*int(n) + len(sep)*int(n-1))
	for i := int32(0); i < n; i++ {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(str)
	}
	L.Push(LString(b.String()))
	return 1
}

// toInt32 converts a number as x86's cvttsd2si does, which LuaJIT's
// integer arguments go through: truncated toward zero, and a value outside
// the 32-bit range (or NaN) becomes -2^31.
// toInt32Wrap is n as luaL_checkint reads it on 64-bit LuaJIT: truncated
// to 64 bits, then its low 32 bits (2^32 + 1 is 1); outside the 64-bit
// range, and nan, x86's conversion gives the lowest int64, whose low 32
// bits are 0.
func toInt32Wrap(n LNumber) int32 {
	f := float64(n)
	if !(f >= -9223372036854775808 && f < 9223372036854775808) {
		return 0
	}
	return int32(int64(f))
}

func toInt32(n LNumber) int32 {
	f := float64(n)
	if !(f > -2147483649 && f < 2147483648) {
		return math.MinInt32
	}
	return int32(f)
}

func strReverse(L *LState) int {
	str := L.CheckString(1)
	bts := []byte(str)
	out := make([]byte, len(bts))
	for i, j := 0, len(bts)-1; j >= 0; i, j = i+1, j-1 {
		out[i] = bts[j]
	}
	L.Push(LString(string(out)))
	return 1
}

func strSub(L *LState) int {
	str := L.CheckString(1)
	start := luaIndex2StringIndex(str, L.CheckInt(2), true)
	end := luaIndex2StringIndex(str, L.OptInt(3, -1), false)
	l := len(str)
	if start >= l || end < start {
		L.Push(emptyLString)
	} else {
		L.Push(LString(str[start:end]))
	}
	return 1
}

func strUpper(L *LState) int {
	str := L.CheckString(1)
	L.Push(LString(asciiCase(str, 'a', 'z')))
	return 1
}

// asciiCase flips the case of each byte of str in lo..hi, as LuaJIT's
// string.upper and lower change ASCII letters only, byte by byte (Go's
// strings.ToUpper mapped Unicode: ("héllo"):upper() was "HÉLLO", and
// invalid UTF-8 became U+FFFD).
func asciiCase(str string, lo, hi byte) string {
	i := 0
	for i < len(str) && (str[i] < lo || str[i] > hi) {
		i++
	}
	if i == len(str) {
		return str
	}
	b := []byte(str)
	for ; i < len(b); i++ {
		if c := b[i]; c >= lo && c <= hi {
			b[i] = c ^ 0x20 // 'a' - 'A'
		}
	}
	return string(b)
}

// patternInit is the 0-based start of string.find and string.match, from
// their third argument as LuaJIT 2.1 reads it: negative counts from the
// end, and a start past the end is the end (so find("hello", "", 10)
// gives 6, 5).
func patternInit(L *LState, str string) int {
	init := toInt32(L.OptNumber(3, 1))
	if init < 0 {
		init += int32(len(str))
	} else {
		init--
	}
	if init < 0 {
		init = 0
	}
	if int(init) > len(str) {
		init = int32(len(str))
	}
	return int(init)
}

func luaIndex2StringIndex(str string, i int, start bool) int {
	if start && i != 0 {
		i -= 1
	}
	l := len(str)
	if i < 0 {
		i = l + i + 1
	}
	i = intMax(0, i)
	if !start && i > l {
		i = l
	}
	return i
}

//

// patternInterrupt lets the pattern matcher stop when L's context is done,
// as the VM does between instructions: a backtracking pattern can run for
// a very long time inside one call (RestyLab: a sandbox's CPU budget is
// such a context).
func patternInterrupt(L *LState) func() error {
	ctx := L.ctx
	if ctx == nil {
		return nil
	}
	done := ctx.Done()
	return func() error {
		select {
		case <-done:
			return ctx.Err()
		default:
			return nil
		}
	}
}
