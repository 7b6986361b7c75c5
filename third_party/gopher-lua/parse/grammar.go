package parse

import (
	"fmt"
	"io"

	"github.com/yuin/gopher-lua/ast"
)

// This file is a recursive-descent parser after Lua 5.1's grammar, with
// LuaJIT 2.1's error messages, placed where LuaJIT's parser (lj_parse.c)
// raises them: on the lexer's current line, near the current token as it
// was written. It builds the ast trees gopher-lua's goyacc parser built.

// maxLevels is LuaJIT's LJ_MAX_XLEVEL: nesting of blocks and expressions.
const maxLevels = 200

// maxLocals is LuaJIT's LJ_MAX_LOCVAR: active locals of one function.
const maxLocals = 200

// token is the parser's view of one token.
type token struct {
	typ  int
	str  string // a name's, number's or string's text (a string's content)
	raw  string // a string as written, quotes or brackets included
	line int    // the line the token starts on
}

// funcState is what the parser keeps of the function it is in.
type funcState struct {
	prev        *funcState
	nactvar     int // active locals, LuaJIT's fs->nactvar
	vararg      bool
	linedefined int // 0 for the main chunk
}

type parser struct {
	sc       *Scanner
	tok      token
	ahead    *token
	lastLine int // the lexer's line when the previous token was current
	fs       *funcState
	level    int
}

// Parse reads a Lua chunk named name (the source of its positions and
// error messages). A syntax error is an *Error worded as LuaJIT's.
func Parse(reader io.Reader, name string) (chunk []ast.Stmt, err error) {
	p := &parser{fs: &funcState{vararg: true}}
	defer func() {
		if e := recover(); e != nil {
			switch e := e.(type) {
			case *Error:
				chunk, err = nil, e
			case error: // the reader failed: no panic leaves the parser
				chunk, err = nil, e
			default:
				panic(e)
			}
		}
	}()
	p.sc = NewScanner(reader, name) // it reads ahead: a failing reader panics here too
	p.next()
	chunk = p.block()
	if p.tok.typ != EOF {
		p.errorExpected(EOF)
	}
	return chunk, nil
}

// scan reads one token from the scanner.
func (p *parser) scan() token {
	t, err := p.sc.Scan()
	if err != nil {
		panic(err)
	}
	tk := token{typ: t.Type, str: t.Str, line: t.Pos.Line}
	if t.Type == TString {
		tk.raw = p.sc.raw
	}
	return tk
}

// next moves to the next token.
func (p *parser) next() {
	p.lastLine = p.sc.Pos.Line
	if p.ahead != nil {
		p.tok, p.ahead = *p.ahead, nil
		return
	}
	p.tok = p.scan()
}

// peek returns the token after the current one (the lexer's line moves
// on, as LuaJIT's lookahead moves it).
func (p *parser) peek() token {
	if p.ahead == nil {
		t := p.scan()
		p.ahead = &t
	}
	return *p.ahead
}

// tokenText is how LuaJIT's messages name a token type.
func tokenText(typ int) string {
	switch typ {
	case EOF:
		return "<eof>"
	case TIdent:
		return "<name>"
	case TNumber:
		return "<number>"
	case TString:
		return "<string>"
	}
	if s, ok := tokenWords[typ]; ok {
		return s
	}
	if typ < 0x20 || typ == 0x7f {
		return fmt.Sprintf("char(%d)", typ)
	}
	return string(rune(typ))
}

// near is the current token as LuaJIT shows it after "near".
func (p *parser) near() string {
	switch p.tok.typ {
	case TIdent, TNumber:
		return p.tok.str
	case TString:
		return p.tok.raw
	}
	return tokenText(p.tok.typ)
}

func (p *parser) fail(msg string, near string) {
	pos := p.sc.Pos
	panic(&Error{Pos: pos, Message: msg, Token: near})
}

// errorSyntax is LuaJIT's err_syntax: msg near the current token.
func (p *parser) errorSyntax(msg string) { p.fail(msg, p.near()) }

// errorExpected is LuaJIT's err_token: "'X' expected".
func (p *parser) errorExpected(typ int) {
	p.errorSyntax(fmt.Sprintf("'%s' expected", tokenText(typ)))
}

// check fails unless the current token is typ.
func (p *parser) check(typ int) {
	if p.tok.typ != typ {
		p.errorExpected(typ)
	}
}

// checkNext consumes the current token, which must be typ.
func (p *parser) checkNext(typ int) token {
	p.check(typ)
	t := p.tok
	p.next()
	return t
}

// optional consumes the current token if it is typ.
func (p *parser) optional(typ int) bool {
	if p.tok.typ == typ {
		p.next()
		return true
	}
	return false
}

// match consumes what, which closes who opened on line: when they are on
// different lines, the error says so.
func (p *parser) match(what, who, line int) token {
	if p.tok.typ != what {
		if line == p.sc.Pos.Line {
			p.errorExpected(what)
		}
		p.errorSyntax(fmt.Sprintf("'%s' expected (to close '%s' at line %d)", tokenText(what), tokenText(who), line))
	}
	t := p.tok
	p.next()
	return t
}

// name consumes a name (LuaJIT's lex_str).
func (p *parser) name() token {
	if p.tok.typ != TIdent {
		p.errorExpected(TIdent)
	}
	t := p.tok
	p.next()
	return t
}

func (p *parser) enterLevel() {
	p.level++
	if p.level >= maxLevels {
		p.fail("chunk has too many syntax levels", "")
	}
}

func (p *parser) leaveLevel() { p.level-- }

// newLocal checks the limit of locals for the n-th (from 0) local a
// statement declares, before the statement activates them (var_new).
func (p *parser) newLocal(n int) {
	if p.fs.nactvar+n >= maxLocals {
		if p.fs.linedefined == 0 {
			p.fail(fmt.Sprintf("main function has more than %d local variables", maxLocals), "")
		}
		p.fail(fmt.Sprintf("function at line %d has more than %d local variables", p.fs.linedefined, maxLocals), "")
	}
}

// blockFollow reports whether the current token ends a block.
func (p *parser) blockFollow() bool {
	switch p.tok.typ {
	case TElse, TElseIf, TEnd, TUntil, EOF:
		return true
	}
	return false
}

// block reads statements up to the end of a block, a return or break
// ending it; the locals it declares go out of scope after it.
func (p *parser) block() []ast.Stmt {
	nactvar := p.fs.nactvar
	stmts := p.chunk()
	p.fs.nactvar = nactvar
	return stmts
}

// chunk reads statements, each optionally followed by one ';'.
func (p *parser) chunk() []ast.Stmt {
	p.enterLevel()
	stmts := []ast.Stmt{}
	last := false
	for !last && !p.blockFollow() {
		var st ast.Stmt
		st, last = p.statement()
		stmts = append(stmts, st)
		if p.optional(';') {
			if l, ok := st.(*ast.LabelStmt); ok {
				l.Semi = true
			}
		}
	}
	p.leaveLevel()
	return stmts
}

// statement reads one statement; last is set for return and break, which
// end their block.
func (p *parser) statement() (st ast.Stmt, last bool) {
	line := p.sc.Pos.Line
	t := p.tok
	switch t.typ {
	case TIf:
		return p.ifStat(line), false
	case TWhile:
		p.next()
		cond := p.expr()
		p.checkNext(TDo)
		stmts := p.block()
		end := p.match(TEnd, TWhile, line)
		st := &ast.WhileStmt{Condition: cond, Stmts: stmts}
		st.SetLine(t.line)
		st.SetLastLine(end.line)
		return st, false
	case TDo:
		p.next()
		stmts := p.block()
		end := p.match(TEnd, TDo, line)
		st := &ast.DoBlockStmt{Stmts: stmts}
		st.SetLine(t.line)
		st.SetLastLine(end.line)
		return st, false
	case TFor:
		return p.forStat(line), false
	case TRepeat:
		p.next()
		nactvar := p.fs.nactvar
		stmts := p.chunk()
		p.match(TUntil, TRepeat, line)
		cond := p.expr()
		p.fs.nactvar = nactvar
		st := &ast.RepeatStmt{Condition: cond, Stmts: stmts}
		st.SetLine(t.line)
		st.SetLastLine(cond.Line())
		return st, false
	case TFunction:
		p.next()
		name := p.funcName()
		fn := p.funcBody(name.Method != "", line)
		st := &ast.FuncDefStmt{Name: name, Func: fn}
		st.SetLine(t.line)
		st.SetLastLine(fn.LastLine())
		return st, false
	case TLocal:
		p.next()
		if p.optional(TFunction) {
			name := p.name()
			p.newLocal(0)
			p.fs.nactvar++
			fn := p.funcBody(false, p.sc.Pos.Line)
			st := &ast.LocalAssignStmt{Names: []string{name.str}, Exprs: []ast.Expr{fn}, Func: true}
			st.SetLine(t.line)
			st.SetLastLine(fn.LastLine())
			return st, false
		}
		names := []string{}
		for {
			n := p.name()
			p.newLocal(len(names))
			names = append(names, n.str)
			if !p.optional(',') {
				break
			}
		}
		exprs := []ast.Expr{}
		if p.optional('=') {
			exprs = p.exprList()
		}
		p.fs.nactvar += len(names)
		st := &ast.LocalAssignStmt{Names: names, Exprs: exprs}
		st.SetLine(t.line)
		return st, false
	case TReturn:
		p.next()
		st := &ast.ReturnStmt{}
		if !p.blockFollow() && p.tok.typ != ';' {
			st.Exprs = p.exprList()
		}
		st.SetLine(t.line)
		return st, true
	case TBreak:
		p.next()
		st := &ast.BreakStmt{}
		st.SetLine(t.line)
		return st, true
	case T2Colon:
		p.next()
		name := p.name()
		end := p.checkNext(T2Colon)
		st := &ast.LabelStmt{Name: name.str}
		st.SetLine(t.line)
		st.SetLastLine(end.line)
		return st, false
	case TIdent:
		// goto is a statement only before a name (LuaJIT 2.1's Lua 5.1
		// mode), a name anywhere else
		if t.str == "goto" {
			if n := p.peek(); n.typ == TIdent && n.str != "goto" {
				p.next()
				p.next()
				st := &ast.GotoStmt{Label: n.str}
				st.SetLine(t.line)
				st.SetLastLine(n.line)
				return st, false
			}
		}
	}
	return p.exprStat(), false
}

// ifStat reads if ... then ... {elseif ... then ...} [else ...] end.
func (p *parser) ifStat(line int) ast.Stmt {
	t := p.tok
	p.next()
	cond := p.expr()
	p.checkNext(TThen)
	top := &ast.IfStmt{Condition: cond, Then: p.block()}
	top.SetLine(t.line)
	cur := top
	for p.tok.typ == TElseIf {
		eline := p.tok.line
		p.next()
		cond := p.expr()
		p.checkNext(TThen)
		elseif := &ast.IfStmt{Condition: cond, Then: p.block()}
		elseif.SetLine(eline)
		cur.Else = []ast.Stmt{elseif}
		cur = elseif
	}
	if p.optional(TElse) {
		cur.Else = p.block()
	}
	end := p.match(TEnd, TIf, line)
	top.SetLastLine(end.line)
	return top
}

// forStat reads a numeric or a generic for.
func (p *parser) forStat(line int) ast.Stmt {
	t := p.tok
	p.next()
	first := p.name()
	nactvar := p.fs.nactvar
	var st ast.Stmt
	switch p.tok.typ {
	case '=':
		p.newLocal(3) // three hidden locals and the loop's variable
		p.next()
		init := p.expr()
		p.checkNext(',')
		limit := p.expr()
		var step ast.Expr
		if p.optional(',') {
			step = p.expr()
		}
		p.checkNext(TDo)
		p.fs.nactvar += 4
		stmts := p.block()
		end := p.match(TEnd, TFor, line)
		s := &ast.NumberForStmt{Name: first.str, Init: init, Limit: limit, Step: step, Stmts: stmts}
		s.SetLine(t.line)
		s.SetLastLine(end.line)
		st = s
	case ',', TIn:
		p.newLocal(3) // three hidden locals and the first name
		names := []string{first.str}
		for p.optional(',') {
			n := p.name()
			p.newLocal(3 + len(names))
			names = append(names, n.str)
		}
		p.checkNext(TIn)
		exprs := p.exprList()
		p.checkNext(TDo)
		p.fs.nactvar += 3 + len(names)
		stmts := p.block()
		end := p.match(TEnd, TFor, line)
		s := &ast.GenericForStmt{Names: names, Exprs: exprs, Stmts: stmts}
		s.SetLine(t.line)
		s.SetLastLine(end.line)
		st = s
	default:
		p.errorSyntax("'=' or 'in' expected")
	}
	p.fs.nactvar = nactvar
	return st
}

// funcName reads a function statement's name: a.b.c or a.b:c.
func (p *parser) funcName() *ast.FuncName {
	t := p.name()
	fn := &ast.FuncName{Func: &ast.IdentExpr{Value: t.str}}
	fn.Func.SetLine(t.line)
	for p.tok.typ == '.' {
		p.next()
		k := p.name()
		key := &ast.StringExpr{Value: k.str}
		key.SetLine(k.line)
		get := &ast.AttrGetExpr{Object: fn.Func, Key: key}
		get.SetLine(k.line)
		fn = &ast.FuncName{Func: get}
	}
	if p.tok.typ == ':' {
		p.next()
		m := p.name()
		fn = &ast.FuncName{Receiver: fn.Func, Method: m.str}
	}
	return fn
}

// funcBody reads (params) block end, a function opened on line.
func (p *parser) funcBody(method bool, line int) *ast.FunctionExpr {
	fs := &funcState{prev: p.fs, linedefined: line}
	p.fs = fs
	open := p.checkNext('(')
	par := &ast.ParList{Names: []string{}}
	n := 0
	if method {
		p.newLocal(n)
		n++
	}
	if p.tok.typ != ')' {
		for {
			if p.tok.typ == TIdent {
				name := p.name()
				p.newLocal(n)
				n++
				par.Names = append(par.Names, name.str)
			} else if p.tok.typ == T3Comma {
				p.next()
				par.HasVargs = true
				break
			} else {
				p.errorSyntax("<name> or '...' expected")
			}
			if !p.optional(',') {
				break
			}
		}
	}
	fs.nactvar += n
	fs.vararg = par.HasVargs
	p.checkNext(')')
	stmts := p.chunk()
	end := p.match(TEnd, TFunction, line)
	p.fs = fs.prev
	fn := &ast.FunctionExpr{ParList: par, Stmts: stmts}
	fn.SetLine(open.line)
	fn.SetLastLine(end.line)
	return fn
}

// exprStat reads a function call or an assignment.
func (p *parser) exprStat() ast.Stmt {
	e, kind := p.suffixedExpr()
	if kind == exprCall {
		st := &ast.FuncCallStmt{Expr: e}
		st.SetLine(e.Line())
		return st
	}
	lhs := []ast.Expr{e}
	for {
		if kind != exprVar {
			p.errorSyntax("syntax error")
		}
		if !p.optional(',') {
			break
		}
		e, kind = p.suffixedExpr()
		lhs = append(lhs, e)
	}
	p.checkNext('=')
	st := &ast.AssignStmt{Lhs: lhs, Rhs: p.exprList()}
	st.SetLine(lhs[0].Line())
	return st
}

// tokenWords names the tokens that are not single characters.
var tokenWords = map[int]string{
	TAnd: "and", TBreak: "break", TDo: "do", TElse: "else", TElseIf: "elseif",
	TEnd: "end", TFalse: "false", TFor: "for", TFunction: "function", TIf: "if",
	TIn: "in", TLocal: "local", TNil: "nil", TNot: "not", TOr: "or",
	TReturn: "return", TRepeat: "repeat", TThen: "then", TTrue: "true",
	TUntil: "until", TWhile: "while", TGoto: "goto",
	TEqeq: "==", TNeq: "~=", TLte: "<=", TGte: ">=", T2Comma: "..", T3Comma: "...",
	T2Colon: "::",
}
