package lua

import "fmt"

// Type errors of the VM (index, call, arithmetic, concatenation, length)
// worded as LuaJIT words them: "attempt to index local 't' (a nil value)",
// or "attempt to index a nil value" when the value has no name. The name
// is found only when the error is raised, from the failing instruction and
// the function's bytecode and debug information, so the VM's loop pays
// nothing for it. LuaJIT does this in lj_debug_slotname (and Lua 5.1 in
// getobjname): a register is a local when a local is active there at the
// failing instruction; otherwise the instruction that last wrote it tells:
// a global read, a field read with a constant string key, an upvalue read,
// a method lookup (obj:name()), or a copy of another register, which is
// named in turn. Anything else (a constant, a call's result, t[1], t[k])
// has no name.

// raiseTypeError raises "attempt to <what> <name> (a <type> value)", naming
// the value with register reg of the running Lua function when reg >= 0.
func (ls *LState) raiseTypeError(what string, v LValue, reg int) {
	if name := ls.regName(reg); name != "" {
		ls.RaiseError("attempt to %s %s (a %s value)", what, name, v.Type().String())
	}
	ls.RaiseError("attempt to %s a %s value", what, v.Type().String())
}

// luaInst is the instruction the running function executes, and the
// function, when it is a Lua function (not Go code calling the API).
func (ls *LState) luaInst() (inst uint32, pc int, proto *FunctionProto, ok bool) {
	cf := ls.currentFrame
	if cf == nil || cf.Fn == nil || cf.Fn.IsG || cf.Pc < 1 || cf.Pc > len(cf.Fn.Proto.Code) {
		return 0, 0, nil, false
	}
	return cf.Fn.Proto.Code[cf.Pc-1], cf.Pc - 1, cf.Fn.Proto, true
}

// instReg is the register of operand idx, an RK operand (a constant has
// none), when the register still holds v.
func (ls *LState) instReg(idx int, v LValue) int {
	if opIsK(idx) || ls.reg.Get(ls.currentFrame.LocalBase+idx) != v {
		return -1
	}
	return idx
}

// indexedReg is the register the running instruction indexes, when it
// holds v and v is not a value reached through __index (hop > 0).
func (ls *LState) indexedReg(v LValue, hop int) int {
	inst, _, _, ok := ls.luaInst()
	if !ok || hop > 0 {
		return -1
	}
	switch opGetOpCode(inst) {
	case OP_GETTABLE, OP_GETTABLEKS, OP_SELF:
		return ls.instReg(opGetArgB(inst), v)
	case OP_SETTABLE, OP_SETTABLEKS:
		return ls.instReg(opGetArgA(inst), v)
	}
	return -1
}

// calledReg is the register the running instruction calls, when it holds v.
func (ls *LState) calledReg(v LValue) int {
	inst, _, _, ok := ls.luaInst()
	if !ok {
		return -1
	}
	switch opGetOpCode(inst) {
	case OP_CALL, OP_TAILCALL:
		return ls.instReg(opGetArgA(inst), v)
	}
	return -1
}

// operandReg is the register of the running instruction's operand that
// holds v: B or C of an arithmetic instruction, B of UNM or LEN.
func (ls *LState) operandReg(v LValue) int {
	inst, _, _, ok := ls.luaInst()
	if !ok {
		return -1
	}
	switch op := opGetOpCode(inst); {
	case op >= OP_ADD && op <= OP_POW:
		if r := ls.instReg(opGetArgB(inst), v); r >= 0 {
			return r
		}
		return ls.instReg(opGetArgC(inst), v)
	case op == OP_UNM || op == OP_LEN:
		return ls.instReg(opGetArgB(inst), v)
	}
	return -1
}

// concatReg is register reg (an index into the stack, -1 for none) when
// the running instruction is a concatenation and reg still holds v.
func (ls *LState) concatReg(reg int, v LValue) int {
	inst, _, _, ok := ls.luaInst()
	if !ok || reg < 0 || opGetOpCode(inst) != OP_CONCAT {
		return -1
	}
	return ls.instReg(reg-ls.currentFrame.LocalBase, v)
}

// arithOperand is the operand LuaJIT reports when arithmetic on lhs and rhs
// fails: the first that is not a number nor a string that reads as one.
func arithOperand(lhs, rhs LValue) LValue {
	if s, ok := lhs.(LString); ok {
		if _, err := parseNumber(string(s)); err == nil {
			return rhs
		}
	} else if _, ok := lhs.(LNumber); ok {
		return rhs
	}
	return lhs
}

// regName names register reg of the running Lua function at its running
// instruction: "local 'x'", "global 'x'", "field 'x'", "upvalue 'x'" or
// "method 'x'"; "" when it has no name.
func (ls *LState) regName(reg int) string {
	if reg < 0 {
		return ""
	}
	_, pc, proto, ok := ls.luaInst()
	if !ok {
		return ""
	}
	kind, name := slotName(proto, pc, reg)
	if kind == "" {
		return ""
	}
	return fmt.Sprintf("%s '%s'", kind, name)
}

// slotName names register reg of proto at instruction pc.
func slotName(proto *FunctionProto, pc, reg int) (kind, name string) {
	for depth := 0; depth < 16; depth++ {
		if name, ok := activeLocal(proto, pc, reg); ok {
			return "local", name
		}
		at := lastWrite(proto, pc, reg)
		if at < 0 {
			return "", ""
		}
		inst := proto.Code[at]
		switch opGetOpCode(inst) {
		case OP_MOVE, OP_MOVEN:
			pc, reg = at, opGetArgB(inst)
			continue
		case OP_SELF:
			if reg != opGetArgA(inst) { // reg is the object the method gets
				pc, reg = at, opGetArgB(inst)
				continue
			}
			return constName(proto, opGetArgC(inst), "method")
		case OP_GETGLOBAL:
			return constName(proto, opGetArgBx(inst)|opBitRk, "global")
		case OP_GETTABLE, OP_GETTABLEKS:
			return constName(proto, opGetArgC(inst), "field")
		case OP_GETUPVAL:
			if b := opGetArgB(inst); b < len(proto.DbgUpvalues) {
				return "upvalue", proto.DbgUpvalues[b]
			}
		}
		return "", ""
	}
	return "", ""
}

// constName is kind and the string constant of RK operand idx, or nothing
// when idx is a register or another constant.
func constName(proto *FunctionProto, idx int, kind string) (string, string) {
	if !opIsK(idx) {
		return "", ""
	}
	if s, ok := proto.Constants[opIndexK(idx)].(LString); ok {
		return kind, string(s)
	}
	return "", ""
}

// activeLocal is the name of the local in register reg at instruction pc:
// the reg-th of the locals whose scope holds pc, in the order declared.
func activeLocal(proto *FunctionProto, pc, reg int) (string, bool) {
	n := 0
	for _, l := range proto.DbgLocals {
		if l.StartPc > pc {
			break
		}
		if pc <= l.EndPc {
			if n == reg {
				return l.Name, true
			}
			n++
		}
	}
	return "", false
}

// lastWrite is the last instruction before pc that writes register reg, in
// code order (jumps are not followed, as LuaJIT's scan does not), or -1
// when none does or one writes it in a way that gives no name (a call's
// results, a vararg, a range of nils, a for loop's variables).
func lastWrite(proto *FunctionProto, pc, reg int) int {
	last := -1
	code := proto.Code
	for i := 0; i < pc && i < len(code); i++ {
		inst := code[i]
		a := opGetArgA(inst)
		switch op := opGetOpCode(inst); op {
		case OP_SETGLOBAL, OP_SETUPVAL, OP_SETTABLE, OP_SETTABLEKS, OP_JMP, OP_EQ, OP_LT, OP_LE,
			OP_TEST, OP_RETURN, OP_SETLIST, OP_CLOSE, OP_NOP:
		case OP_CLOSURE:
			if a == reg {
				last = i
			}
			// the instructions after it pass the upvalues, they run no code
			if bx := opGetArgBx(inst); bx < len(proto.FunctionPrototypes) {
				i += int(proto.FunctionPrototypes[bx].NumUpvalues)
			}
		case OP_SELF:
			if a == reg || a+1 == reg {
				last = i
			}
		case OP_LOADNIL:
			if a <= reg && reg <= opGetArgB(inst) {
				last = -1
			}
		case OP_CALL, OP_TAILCALL, OP_VARARG:
			if reg >= a {
				last = -1
			}
		case OP_TFORLOOP:
			if reg >= a+3 {
				last = -1
			}
		case OP_FORLOOP, OP_FORPREP:
			if a == reg || a+3 == reg {
				last = -1
			}
		default:
			if a == reg {
				last = i
			}
		}
	}
	return last
}
