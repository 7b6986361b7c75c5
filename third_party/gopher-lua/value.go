package lua

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"os"
	"strconv"
	"sync/atomic"
)

type LValueType int

const (
	LTNil LValueType = iota
	LTBool
	LTNumber
	LTString
	LTFunction
	LTUserData
	LTThread
	LTTable
	LTChannel
)

var lValueNames = [9]string{"nil", "boolean", "number", "string", "function", "userdata", "thread", "table", "channel"}

func (vt LValueType) String() string {
	return lValueNames[int(vt)]
}

type LValue interface {
	String() string
	Type() LValueType
}

// LVIsFalse returns true if a given LValue is a nil or false otherwise false.
func LVIsFalse(v LValue) bool { return v == LNil || v == LFalse }

// LVIsFalse returns false if a given LValue is a nil or false otherwise true.
func LVAsBool(v LValue) bool { return v != LNil && v != LFalse }

// LVAsString returns string representation of a given LValue
// if the LValue is a string or number, otherwise an empty string.
func LVAsString(v LValue) string {
	switch sn := v.(type) {
	case LString, LNumber:
		return sn.String()
	default:
		return ""
	}
}

// LVCanConvToString returns true if a given LValue is a string or number
// otherwise false.
func LVCanConvToString(v LValue) bool {
	switch v.(type) {
	case LString, LNumber:
		return true
	default:
		return false
	}
}

// LVAsNumber tries to convert a given LValue to a number.
func LVAsNumber(v LValue) LNumber {
	switch lv := v.(type) {
	case LNumber:
		return lv
	case LString:
		if num, err := parseNumber(string(lv)); err == nil {
			return num
		}
	}
	return LNumber(0)
}

type LNilType struct{}

func (nl *LNilType) String() string   { return "nil" }
func (nl *LNilType) Type() LValueType { return LTNil }

var LNil = LValue(&LNilType{})

type LBool bool

func (bl LBool) String() string {
	if bool(bl) {
		return "true"
	}
	return "false"
}
func (bl LBool) Type() LValueType { return LTBool }

var LTrue = LBool(true)
var LFalse = LBool(false)

type LString string

func (st LString) String() string   { return string(st) }
func (st LString) Type() LValueType { return LTString }

// fmt.Formatter interface
func (st LString) Format(f fmt.State, c rune) {
	switch c {
	case 'd', 'i', 'o', 'x', 'X', 'c', 'e', 'E', 'f', 'F', 'g', 'G':
		// a numeric format reads the string as a number, as Lua does
		// (gopher-lua printed "1e2" for %d and the bytes' hex for %x)
		if nm, err := parseNumber(string(st)); err == nil {
			nm.Format(f, c)
		} else {
			defaultFormat(string(st), f, 's')
		}
	default:
		defaultFormat(string(st), f, c)
	}
}

// String formats the number as LuaJIT's tostring does: C's "%.14g", with
// inf, -inf and nan spelled so (1/3 is 0.33333333333333, 2^53 is
// 9.007199254741e+15, ngx.now() keeps its two decimals: 1796211596.62).
func (nm LNumber) String() string {
	f := float64(nm)
	// integers of up to 14 digits print exactly: the common case, fast
	if f == math.Trunc(f) && math.Abs(f) < 1e14 && (f != 0 || !math.Signbit(f)) {
		return strconv.FormatInt(int64(f), 10)
	}
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return formatG14(f)
}

// formatG14 is "%.14g" as LuaJIT writes it: like C's, but a value exactly
// halfway between two 14-digit numbers rounds away from zero (LuaJIT prints
// 123456789012345 as 1.2345678901235e+14 where Go's correctly rounded
// half-to-even gives ...234e+14).
func formatG14(f float64) string {
	s := strconv.FormatFloat(f, 'g', 14, 64)
	// A tie shows as digits 15.. being exactly 5 then zeros in the exact
	// decimal value; 17 digits tell when it may be one, big.Rat decides.
	e := strconv.FormatFloat(math.Abs(f), 'e', 16, 64) // d.dddddddddddddddde±XX
	if e[15] != '5' || e[16] != '0' || e[17] != '0' {
		return s
	}
	half, ok := new(big.Rat).SetString(e[:16] + e[18:]) // 14 digits and the 5
	if !ok || half.Cmp(new(big.Rat).SetFloat64(math.Abs(f))) != 0 {
		return s
	}
	// round the 14 digits up by one unit in the last place
	digits := []byte(e[:1] + e[2:15])
	i := len(digits) - 1
	for ; i >= 0 && digits[i] == '9'; i-- {
		digits[i] = '0'
	}
	exp, _ := strconv.Atoi(e[19:])
	if i < 0 {
		digits = append([]byte{'1'}, digits[:len(digits)-1]...)
		exp++
	} else {
		digits[i]++
	}
	up, _ := strconv.ParseFloat(string(digits[:1])+"."+string(digits[1:])+"e"+strconv.Itoa(exp), 64)
	return strconv.FormatFloat(math.Copysign(up, f), 'g', 14, 64)
}

func (nm LNumber) Type() LValueType { return LTNumber }

// fmt.Formatter interface
func (nm LNumber) Format(f fmt.State, c rune) {
	switch c {
	case 'q', 's':
		defaultFormat(nm.String(), f, c)
	case 'b', 'c', 'd', 'o', 'x', 'X', 'U':
		defaultFormat(int64(nm), f, c)
	case 'e', 'E', 'f', 'F', 'g', 'G':
		defaultFormat(float64(nm), f, c)
	case 'i':
		defaultFormat(int64(nm), f, 'd')
	default:
		if isInteger(nm) {
			defaultFormat(int64(nm), f, c)
		} else {
			defaultFormat(float64(nm), f, c)
		}
	}
}

type LTable struct {
	Metatable LValue

	array   []LValue
	dict    map[LValue]LValue
	strdict map[string]LValue
	keys    []LValue
	k2i     map[LValue]int
}

func (tb *LTable) String() string   { return fmt.Sprintf("table: %p", tb) }
func (tb *LTable) Type() LValueType { return LTTable }

type LFunction struct {
	IsG       bool
	Env       *LTable
	Proto     *FunctionProto
	GFunction LGFunction
	Upvalues  []*Upvalue
}
type LGFunction func(*LState) int

func (fn *LFunction) String() string   { return fmt.Sprintf("function: %p", fn) }
func (fn *LFunction) Type() LValueType { return LTFunction }

type Global struct {
	MainThread    *LState
	CurrentThread *LState
	Registry      *LTable
	Global        *LTable

	builtinMts map[int]LValue
	tempFiles  []*os.File
	gccount    int32
}

type LState struct {
	G       *Global
	Parent  *LState
	Env     *LTable
	Panic   func(*LState)
	Dead    bool
	Options Options

	stop         int32
	reg          *registry
	stack        callFrameStack
	alloc        *allocator
	currentFrame *callFrame
	wrapped      bool
	uvcache      *Upvalue
	hasErrorFunc bool
	mainLoop     func(*LState, *callFrame)
	ctx          context.Context
	ctxCancelFn  context.CancelFunc
	interrupt    *atomic.Bool // the Interrupter's flag, when ctx is one
}

func (ls *LState) String() string   { return fmt.Sprintf("thread: %p", ls) }
func (ls *LState) Type() LValueType { return LTThread }

type LUserData struct {
	Value     interface{}
	Env       *LTable
	Metatable LValue
}

func (ud *LUserData) String() string   { return fmt.Sprintf("userdata: %p", ud) }
func (ud *LUserData) Type() LValueType { return LTUserData }

type LChannel chan LValue

func (ch LChannel) String() string   { return fmt.Sprintf("channel: %p", ch) }
func (ch LChannel) Type() LValueType { return LTChannel }
