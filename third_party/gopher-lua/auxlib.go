package lua

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

/* checkType {{{ */

func (ls *LState) CheckAny(n int) LValue {
	if n > ls.GetTop() {
		ls.ArgError(n, "value expected")
	}
	return ls.Get(n)
}

// argNumber is a number argument as Lua's library functions take it: a
// number, or a string that reads as one ("2", " 0x10 "); gopher-lua's
// CheckInt, OptInt and OptNumber refused strings, so ("x"):rep("2") failed.
func argNumber(v LValue) (LNumber, bool) {
	switch lv := v.(type) {
	case LNumber:
		return lv, true
	case LString:
		if num, err := parseNumber(string(lv)); err == nil {
			return num, true
		}
	}
	return 0, false
}

func (ls *LState) CheckInt(n int) int {
	v := ls.Get(n)
	if intv, ok := argNumber(v); ok {
		return int(intv)
	}
	ls.TypeError(n, LTNumber)
	return 0
}

func (ls *LState) CheckInt64(n int) int64 {
	v := ls.Get(n)
	if intv, ok := argNumber(v); ok {
		return int64(intv)
	}
	ls.TypeError(n, LTNumber)
	return 0
}

func (ls *LState) CheckNumber(n int) LNumber {
	v := ls.Get(n)
	if lv, ok := v.(LNumber); ok {
		return lv
	}
	if lv, ok := v.(LString); ok {
		if num, err := parseNumber(string(lv)); err == nil {
			return num
		}
	}
	ls.TypeError(n, LTNumber)
	return 0
}

func (ls *LState) CheckString(n int) string {
	v := ls.Get(n)
	if lv, ok := v.(LString); ok {
		return string(lv)
	} else if LVCanConvToString(v) {
		return ls.ToString(n)
	}
	ls.TypeError(n, LTString)
	return ""
}

func (ls *LState) CheckBool(n int) bool {
	v := ls.Get(n)
	if lv, ok := v.(LBool); ok {
		return bool(lv)
	}
	ls.TypeError(n, LTBool)
	return false
}

func (ls *LState) CheckTable(n int) *LTable {
	v := ls.Get(n)
	if lv, ok := v.(*LTable); ok {
		return lv
	}
	ls.TypeError(n, LTTable)
	return nil
}

func (ls *LState) CheckFunction(n int) *LFunction {
	v := ls.Get(n)
	if lv, ok := v.(*LFunction); ok {
		return lv
	}
	ls.TypeError(n, LTFunction)
	return nil
}

func (ls *LState) CheckUserData(n int) *LUserData {
	v := ls.Get(n)
	if lv, ok := v.(*LUserData); ok {
		return lv
	}
	ls.TypeError(n, LTUserData)
	return nil
}

func (ls *LState) CheckThread(n int) *LState {
	v := ls.Get(n)
	if lv, ok := v.(*LState); ok {
		return lv
	}
	ls.TypeError(n, LTThread)
	return nil
}

func (ls *LState) CheckType(n int, typ LValueType) {
	v := ls.Get(n)
	if v.Type() != typ {
		ls.TypeError(n, typ)
	}
}

func (ls *LState) CheckTypes(n int, typs ...LValueType) {
	vt := ls.Get(n).Type()
	for _, typ := range typs {
		if vt == typ {
			return
		}
	}
	buf := []string{}
	for _, typ := range typs {
		buf = append(buf, typ.String())
	}
	ls.ArgError(n, strings.Join(buf, " or ")+" expected, got "+ls.Get(n).Type().String())
}

func (ls *LState) CheckOption(n int, options []string) int {
	str := ls.CheckString(n)
	for i, v := range options {
		if v == str {
			return i
		}
	}
	ls.ArgError(n, fmt.Sprintf("invalid option: %s (must be one of %s)", str, strings.Join(options, ",")))
	return 0
}

/* }}} */

/* optType {{{ */

func (ls *LState) OptInt(n int, d int) int {
	v := ls.Get(n)
	if v == LNil {
		return d
	}
	if intv, ok := argNumber(v); ok {
		return int(intv)
	}
	ls.TypeError(n, LTNumber)
	return 0
}

func (ls *LState) OptInt64(n int, d int64) int64 {
	v := ls.Get(n)
	if v == LNil {
		return d
	}
	if intv, ok := argNumber(v); ok {
		return int64(intv)
	}
	ls.TypeError(n, LTNumber)
	return 0
}

func (ls *LState) OptNumber(n int, d LNumber) LNumber {
	v := ls.Get(n)
	if v == LNil {
		return d
	}
	if lv, ok := argNumber(v); ok {
		return lv
	}
	ls.TypeError(n, LTNumber)
	return 0
}

func (ls *LState) OptString(n int, d string) string {
	v := ls.Get(n)
	if v == LNil {
		return d
	}
	if lv, ok := v.(LString); ok {
		return string(lv)
	}
	ls.TypeError(n, LTString)
	return ""
}

func (ls *LState) OptBool(n int, d bool) bool {
	v := ls.Get(n)
	if v == LNil {
		return d
	}
	if lv, ok := v.(LBool); ok {
		return bool(lv)
	}
	ls.TypeError(n, LTBool)
	return false
}

func (ls *LState) OptTable(n int, d *LTable) *LTable {
	v := ls.Get(n)
	if v == LNil {
		return d
	}
	if lv, ok := v.(*LTable); ok {
		return lv
	}
	ls.TypeError(n, LTTable)
	return nil
}

func (ls *LState) OptFunction(n int, d *LFunction) *LFunction {
	v := ls.Get(n)
	if v == LNil {
		return d
	}
	if lv, ok := v.(*LFunction); ok {
		return lv
	}
	ls.TypeError(n, LTFunction)
	return nil
}

func (ls *LState) OptUserData(n int, d *LUserData) *LUserData {
	v := ls.Get(n)
	if v == LNil {
		return d
	}
	if lv, ok := v.(*LUserData); ok {
		return lv
	}
	ls.TypeError(n, LTUserData)
	return nil
}

/* }}} */

/* error operations {{{ */

// ArgError raises LuaJIT's argument error: "bad argument #n to 'name'
// (message)", name as the calling Lua code wrote it ('?' when there is
// none: a call from Go such as pcall(f), a tail call, t[1]()), n counted
// without the self of an obj:name() call, and "calling 'name' on bad self"
// when self is the bad one (lj_err_argmsg). gopher-lua left the name
// unquoted, counted self and said "(anonymous)".
func (ls *LState) ArgError(n int, message string) {
	ls.argErrorOf(ls.currentFrame, n, message)
}

// CallerArgError is ArgError for the Lua function that called the running
// Go function: an embedder's stand-in for a C function written in Lua (its
// chunk named CChunkName, such as RestyLab's pcall) reports a bad argument
// through it as LuaJIT's C function does, named as its caller wrote it and
// placed at its caller's position.
func (ls *LState) CallerArgError(n int, message string) {
	var fr *callFrame
	if ls.currentFrame != nil {
		fr = ls.currentFrame.Parent
	}
	ls.argErrorOf(fr, n, message)
}

// argErrorOf raises the argument error of the function running in fr.
func (ls *LState) argErrorOf(fr *callFrame, n int, message string) {
	name, method := ls.argFuncName(fr)
	if method {
		n--
		if n == 0 {
			ls.raiseCallerErrorOf(fr, "calling '%v' on bad self (%v)", name, message)
		}
	}
	ls.raiseCallerErrorOf(fr, "bad argument #%v to '%v' (%v)", n, name, message)
}

// TypeError raises LuaJIT's "bad argument #n to 'name' (T expected, got
// U)", U "no value" for an argument past the last one passed.
func (ls *LState) TypeError(n int, typ LValueType) {
	got := "no value"
	if n <= ls.GetTop() {
		got = ls.Get(n).Type().String()
	}
	ls.ArgError(n, typ.String()+" expected, got "+got)
}

// CChunkName is the chunk name of Lua code that stands in for a C
// function (an embedder's pcall written in Lua, say): argument errors treat
// calls it makes as calls from C, as LuaJIT's tracebacks name C frames.
const CChunkName = "=[C]"

// raiseCallerError raises a message as LuaJIT's lj_err_caller does:
// after the position of the Lua function that called the running Go
// function, none when C called it (pcall(string.gsub, ...), or a stand-in
// for C named CChunkName); after a tail call the caller is the frame
// below the function that made it, as LuaJIT reuses the frame.
func (ls *LState) raiseCallerError(format string, args ...interface{}) {
	ls.raiseCallerErrorOf(ls.currentFrame, format, args...)
}

// raiseCallerErrorOf is raiseCallerError for the function running in fr.
func (ls *LState) raiseCallerErrorOf(fr *callFrame, format string, args ...interface{}) {
	msg := fmt.Sprintf(format, args...)
	var p *callFrame
	if fr != nil {
		p = fr.Parent
	}
	if p != nil && !p.Fn.IsG {
		if pc := p.Pc - 1; pc >= 0 && pc < len(p.Fn.Proto.Code) && opGetOpCode(p.Fn.Proto.Code[pc]) == OP_TAILCALL {
			p = p.Parent
		}
	}
	if p == nil || p.Fn.IsG || p.Fn.Proto.Source == CChunkName || p.Pc < 1 {
		ls.raiseError(0, "%s", msg)
	}
	ls.raiseError(0, "%v:%v: %s", p.Fn.Proto.SourceName, p.Fn.Proto.DbgSourcePositions[p.Pc-1], msg)
}

// luaWhere is the position LuaJIT's luaL_where gives error(msg, level)
// (Error with a level):
// "source:line: " of the Lua function level frames up from the running Go
// function (1 its caller, 2 the caller's caller), the line of the call it
// is making; "" when that function is C (Go, or a stand-in named
// CChunkName such as the lab's pcall) or there is no such level. A tail
// call counts no level: LuaJIT reuses the caller's frame (gopher-lua's
// GetStack counts the calls it replaced, and its where named the line
// before the call: error(msg, 2) gave the position of the erroring
// function itself).
func (ls *LState) luaWhere(level int) string {
	fr := ls.currentFrame
	for ; level > 0 && fr != nil; level-- {
		fr = fr.Parent
	}
	if fr == nil || fr.Fn.IsG || fr.Fn.Proto.Source == CChunkName || fr.Pc < 1 || fr.Pc > len(fr.Fn.Proto.DbgSourcePositions) {
		return ""
	}
	return fmt.Sprintf("%s:%d: ", fr.Fn.Proto.SourceName, fr.Fn.Proto.DbgSourcePositions[fr.Pc-1])
}

// argFuncName is the name argument errors give the function running in
// frame fr, and whether it was called as a method; "?" when its caller is
// not Lua code naming it in a plain call.
func (ls *LState) argFuncName(fr *callFrame) (string, bool) {
	if fr == nil || fr.Parent == nil || fr.Parent.Fn.IsG || fr.TailCall > 0 || fr.Parent.Fn.Proto.Source == CChunkName {
		return "?", false
	}
	parent := fr.Parent
	pc := parent.Pc - 1
	if pc < 0 || pc >= len(parent.Fn.Proto.Code) || opGetOpCode(parent.Fn.Proto.Code[pc]) != OP_CALL {
		return "?", false
	}
	for _, call := range parent.Fn.Proto.DbgCalls {
		if call.Pc == pc {
			return call.Name, call.Method
		}
	}
	return "?", false
}

/* }}} */

/* debug operations {{{ */

func (ls *LState) Where(level int) string {
	return ls.where(level, false)
}

/* }}} */

/* table operations {{{ */

func (ls *LState) FindTable(obj *LTable, n string, size int) LValue {
	names := strings.Split(n, ".")
	curobj := obj
	for _, name := range names {
		if curobj.Type() != LTTable {
			return LNil
		}
		nextobj := ls.RawGet(curobj, LString(name))
		if nextobj == LNil {
			tb := ls.CreateTable(0, size)
			ls.RawSet(curobj, LString(name), tb)
			curobj = tb
		} else if nextobj.Type() != LTTable {
			return LNil
		} else {
			curobj = nextobj.(*LTable)
		}
	}
	return curobj
}

/* }}} */

/* register operations {{{ */

func (ls *LState) RegisterModule(name string, funcs map[string]LGFunction) LValue {
	tb := ls.FindTable(ls.Get(RegistryIndex).(*LTable), "_LOADED", 1)
	mod := ls.GetField(tb, name)
	if mod.Type() != LTTable {
		newmod := ls.FindTable(ls.Get(GlobalsIndex).(*LTable), name, len(funcs))
		if newmodtb, ok := newmod.(*LTable); !ok {
			ls.RaiseError("name conflict for module(%v)", name)
		} else {
			for fname, fn := range funcs {
				newmodtb.RawSetString(fname, ls.NewFunction(fn))
			}
			ls.SetField(tb, name, newmodtb)
			return newmodtb
		}
	}
	return mod
}

func (ls *LState) SetFuncs(tb *LTable, funcs map[string]LGFunction, upvalues ...LValue) *LTable {
	for fname, fn := range funcs {
		tb.RawSetString(fname, ls.NewClosure(fn, upvalues...))
	}
	return tb
}

/* }}} */

/* metatable operations {{{ */

func (ls *LState) NewTypeMetatable(typ string) *LTable {
	regtable := ls.Get(RegistryIndex)
	mt := ls.GetField(regtable, typ)
	if tb, ok := mt.(*LTable); ok {
		return tb
	}
	mtnew := ls.NewTable()
	ls.SetField(regtable, typ, mtnew)
	return mtnew
}

func (ls *LState) GetMetaField(obj LValue, event string) LValue {
	return ls.metaOp1(obj, event)
}

func (ls *LState) GetTypeMetatable(typ string) LValue {
	return ls.GetField(ls.Get(RegistryIndex), typ)
}

func (ls *LState) CallMeta(obj LValue, event string) LValue {
	op := ls.metaOp1(obj, event)
	if op.Type() == LTFunction {
		ls.reg.Push(op)
		ls.reg.Push(obj)
		ls.Call(1, 1)
		return ls.reg.Pop()
	}
	return LNil
}

/* }}} */

/* load and function call operations {{{ */

func (ls *LState) LoadFile(path string) (*LFunction, error) {
	var file *os.File
	var err error
	if len(path) == 0 {
		file = os.Stdin
	} else {
		file, err = os.Open(path)
		if err != nil {
			return nil, newApiErrorE(ApiErrorFile, fmt.Errorf("cannot open %s: %s", path, strerror(err)))
		}
		defer file.Close()
	}

	reader := bufio.NewReader(file)
	// get the first character.
	c, err := reader.ReadByte()
	if err != nil && err != io.EOF {
		return nil, newApiErrorE(ApiErrorFile, err)
	}
	if c == byte('#') {
		// Unix exec. file?
		// skip first line
		_, err, _ = readBufioLine(reader)
		if err != nil {
			return nil, newApiErrorE(ApiErrorFile, err)
		}
	}

	if err != io.EOF {
		// if the file is not empty,
		// unread the first character of the file or newline character(readBufioLine's last byte).
		err = reader.UnreadByte()
		if err != nil {
			return nil, newApiErrorE(ApiErrorFile, err)
		}
	}

	name := "=stdin"
	if path != "" {
		name = "@" + path
	}
	return ls.Load(reader, name)
}

// LoadString loads source under its own text as the chunk name, as
// luaL_loadstring: messages call it [string "..."].
func (ls *LState) LoadString(source string) (*LFunction, error) {
	return ls.Load(strings.NewReader(source), source)
}

func (ls *LState) DoFile(path string) error {
	if fn, err := ls.LoadFile(path); err != nil {
		return err
	} else {
		ls.Push(fn)
		return ls.PCall(0, MultRet, nil)
	}
}

func (ls *LState) DoString(source string) error {
	if fn, err := ls.LoadString(source); err != nil {
		return err
	} else {
		ls.Push(fn)
		return ls.PCall(0, MultRet, nil)
	}
}

/* }}} */

/* GopherLua original APIs {{{ */

// ToStringMeta returns string representation of given LValue.
// This method calls the `__tostring` meta method if defined.
func (ls *LState) ToStringMeta(lv LValue) LValue {
	if fn, ok := ls.metaOp1(lv, "__tostring").(*LFunction); ok {
		ls.Push(fn)
		ls.Push(lv)
		ls.Call(1, 1)
		return ls.reg.Pop()
	} else {
		return LString(lv.String())
	}
}

// Set a module loader to the package.preload table.
func (ls *LState) PreloadModule(name string, loader LGFunction) {
	preload := ls.GetField(ls.GetField(ls.Get(EnvironIndex), "package"), "preload")
	if _, ok := preload.(*LTable); !ok {
		ls.RaiseError("package.preload must be a table")
	}
	ls.SetField(preload, name, ls.NewFunction(loader))
}

// Checks whether the given index is an LChannel and returns this channel.
func (ls *LState) CheckChannel(n int) chan LValue {
	v := ls.Get(n)
	if ch, ok := v.(LChannel); ok {
		return (chan LValue)(ch)
	}
	ls.TypeError(n, LTChannel)
	return nil
}

// If the given index is a LChannel, returns this channel. If this argument is absent or is nil, returns ch. Otherwise, raises an error.
func (ls *LState) OptChannel(n int, ch chan LValue) chan LValue {
	v := ls.Get(n)
	if v == LNil {
		return ch
	}
	if ch, ok := v.(LChannel); ok {
		return (chan LValue)(ch)
	}
	ls.TypeError(n, LTChannel)
	return nil
}

/* }}} */

//
