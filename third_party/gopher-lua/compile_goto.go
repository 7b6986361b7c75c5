package lua

import "github.com/yuin/gopher-lua/ast"

// goto and labels, compiled as LuaJIT 2.1 does in its Lua 5.1 mode
// (lj_parse.c: parse_goto, parse_label, gola_resolve, gola_fixup): a goto
// sees the labels of its block and of the blocks around it, within its
// function; a label at the end of its block (only labels after it, no ';',
// not before "until") is outside the scope of the block's locals; a goto
// that leaves the scope of a local captured by a closure closes it, so a
// loop made with goto gives each pass a fresh variable.
//
// A goto is compiled to two instructions, both a JMP to a label id of its
// own. When it is resolved, the id gets the target label's pc, and the
// first instruction becomes a CLOSE when the jump leaves captured locals.
// The CLOSE is known only once the blocks the goto leaves are complete (a
// closure further down can capture a local a backward goto leaves), so
// forward gotos are resolved when their label is reached and backward
// ones when the label's block ends, as LuaJIT does.

// gotoJump is a goto statement of the function being compiled.
type gotoJump struct {
	name   string
	line   int  // the label name's line: where LuaJIT reports the goto
	pc     int  // the first of its two instructions
	target int  // its label id
	level  int  // the locals (registers) active where it jumps from
	close  int  // the first register whose upvalues it closes, or -1
	done   bool // resolved
}

// gotoLabel is a label of a block being compiled.
type gotoLabel struct {
	name  string
	id    int // label id; its pc is where the label is
	level int // locals active at the label
}

// endsBlock reports whether chunk[i] is followed only by labels, with no
// ';' after it: a label there is at the end of its block.
func endsBlock(chunk []ast.Stmt, i int) bool {
	for j := i; j < len(chunk); j++ {
		l, ok := chunk[j].(*ast.LabelStmt)
		if j > i && !ok {
			return false
		}
		if ok && l.Semi {
			return false
		}
	}
	return true
}

// activeLocal is the name of the local in register reg, in the current
// block or around it.
func (fc *funcContext) activeLocal(reg int) string {
	for b := fc.Block; b != nil; b = b.Parent {
		for _, v := range b.LocalVars.List() {
			if v.Index == reg {
				return v.Name
			}
		}
	}
	return "?"
}

func compileGotoStmt(context *funcContext, stmt *ast.GotoStmt) { // {{{
	g := &gotoJump{
		name:   stmt.Label,
		line:   eline(stmt),
		pc:     context.Code.LastPC() + 1,
		target: context.NewLabel(),
		level:  context.Block.LocalVars.LastIndex(),
		close:  -1,
	}
	context.Code.AddASbx(OP_JMP, 0, g.target, g.line)
	context.Code.AddASbx(OP_JMP, 0, g.target, g.line)
	context.gotos = append(context.gotos, g)
} // }}}

func compileLabelStmt(context *funcContext, stmt *ast.LabelStmt, atBlockEnd bool) { // {{{
	bl := context.Block
	for _, l := range bl.labels {
		if l.name == stmt.Name {
			raiseCompileError(context, eline(stmt), "duplicate label '%s'", stmt.Name)
		}
	}
	l := &gotoLabel{name: stmt.Name, id: context.NewLabel(), level: bl.LocalVars.LastIndex()}
	if atBlockEnd {
		l.level = bl.LocalVars.offset
	}
	context.SetLabelPc(l.id, context.Code.LastPC())
	bl.labels = append(bl.labels, l)
	// the gotos of this block still open are before the label
	for _, g := range context.gotos[bl.firstGotoIndex:] {
		if g.done || g.name != l.name {
			continue
		}
		if g.level < l.level {
			raiseCompileError(context, g.line, "<goto %s> jumps into the scope of local '%s'", g.name, context.activeLocal(g.level))
		}
		context.resolveGoto(g, l)
	}
} // }}}

// resolveGoto makes g jump to l.
func (fc *funcContext) resolveGoto(g *gotoJump, l *gotoLabel) {
	fc.SetLabelPc(g.target, fc.GetLabelPc(l.id))
	if g.close >= 0 {
		fc.Code.SetOpCode(g.pc, OP_CLOSE)
		fc.Code.SetSbx(g.pc, 0)
		fc.Code.SetA(g.pc, g.close)
	}
	g.done = true
}

// closeFrom has g close the upvalues from register reg on.
func (g *gotoJump) closeFrom(reg int) {
	if g.close < 0 || reg < g.close {
		g.close = reg
	}
}

// leaveGotoScope ends the current block's labels: the gotos after a label
// of the block jump back to it; the others leave the block for the block
// around it, or, at the function's end, have no label to go to.
func (fc *funcContext) leaveGotoScope() {
	bl := fc.Block
	open := fc.gotos[bl.firstGotoIndex:]
	for _, l := range bl.labels {
		for _, g := range open {
			if g.done || g.name != l.name {
				continue
			}
			if bl.RefUpvalue && g.level > l.level {
				g.closeFrom(l.level)
			}
			fc.resolveGoto(g, l)
		}
	}
	bl.labels = nil
	for _, g := range open {
		if g.done {
			continue
		}
		if bl.Parent == nil {
			raiseCompileError(fc, g.line, "undefined label '%s'", g.name)
		}
		if g.level > bl.LocalVars.offset {
			g.level = bl.LocalVars.offset
			if bl.RefUpvalue {
				g.closeFrom(g.level)
			}
		}
	}
}
