package parse

import "github.com/yuin/gopher-lua/ast"

// exprKind tells what a suffixed expression is: a statement can be a call,
// an assignment's target must be a variable.
type exprKind int

const (
	exprOther exprKind = iota // a parenthesized expression, a literal
	exprVar                   // a name, t.k or t[k]
	exprCall                  // f(...), o:m(...)
)

// binaryPriority is each binary operator's left and right priority, Lua
// 5.1's (right below left for the right-associative .. and ^).
var binaryPriority = map[int][2]int{
	TOr: {1, 1}, TAnd: {2, 2},
	'<': {3, 3}, '>': {3, 3}, TLte: {3, 3}, TGte: {3, 3}, TEqeq: {3, 3}, TNeq: {3, 3},
	T2Comma: {5, 4},
	'+':     {6, 6}, '-': {6, 6},
	'*': {7, 7}, '/': {7, 7}, '%': {7, 7},
	'^': {10, 9},
}

// unaryPriority is the priority of not, - and #.
const unaryPriority = 8

// expr reads an expression.
func (p *parser) expr() ast.Expr {
	e, _ := p.subexpr(0)
	return e
}

// exprList reads expressions separated by ','.
func (p *parser) exprList() []ast.Expr {
	list := []ast.Expr{p.expr()}
	for p.optional(',') {
		list = append(list, p.expr())
	}
	return list
}

// subexpr reads an expression whose binary operators bind tighter than
// limit. Its kind is the suffixed expression's when it is nothing else.
func (p *parser) subexpr(limit int) (ast.Expr, exprKind) {
	p.enterLevel()
	var e ast.Expr
	kind := exprOther
	switch p.tok.typ {
	case TNot, '-', '#':
		op := p.tok.typ
		p.next()
		operand, _ := p.subexpr(unaryPriority)
		switch op {
		case TNot:
			e = &ast.UnaryNotOpExpr{Expr: operand}
		case '-':
			e = &ast.UnaryMinusOpExpr{Expr: operand}
		default:
			e = &ast.UnaryLenOpExpr{Expr: operand}
		}
		e.SetLine(operand.Line())
	default:
		e, kind = p.simpleExpr()
	}
	for {
		op := p.tok.typ
		prio, ok := binaryPriority[op]
		if !ok || prio[0] <= limit {
			break
		}
		p.next()
		rhs, _ := p.subexpr(prio[1])
		e = binaryExpr(op, e, rhs)
		kind = exprOther
	}
	p.leaveLevel()
	return e, kind
}

// binaryExpr is the node of lhs op rhs, on lhs's line.
func binaryExpr(op int, lhs, rhs ast.Expr) ast.Expr {
	var e ast.Expr
	switch op {
	case TOr:
		e = &ast.LogicalOpExpr{Lhs: lhs, Operator: "or", Rhs: rhs}
	case TAnd:
		e = &ast.LogicalOpExpr{Lhs: lhs, Operator: "and", Rhs: rhs}
	case T2Comma:
		e = &ast.StringConcatOpExpr{Lhs: lhs, Rhs: rhs}
	case '+', '-', '*', '/', '%', '^':
		e = &ast.ArithmeticOpExpr{Lhs: lhs, Operator: string(rune(op)), Rhs: rhs}
	default:
		e = &ast.RelationalOpExpr{Lhs: lhs, Operator: tokenText(op), Rhs: rhs}
	}
	e.SetLine(lhs.Line())
	return e
}

// simpleExpr reads a literal, a function, a table or a suffixed
// expression.
func (p *parser) simpleExpr() (ast.Expr, exprKind) {
	t := p.tok
	var e ast.Expr
	switch t.typ {
	case TNumber:
		e = &ast.NumberExpr{Value: t.str}
	case TString:
		e = &ast.StringExpr{Value: t.str}
	case TNil:
		e = &ast.NilExpr{}
	case TTrue:
		e = &ast.TrueExpr{}
	case TFalse:
		e = &ast.FalseExpr{}
	case T3Comma:
		if !p.fs.vararg {
			p.errorSyntax("cannot use '...' outside a vararg function")
		}
		e = &ast.Comma3Expr{}
	case '{':
		return p.table(), exprOther
	case TFunction:
		p.next()
		body := p.funcBody(false, p.sc.Pos.Line)
		fn := &ast.FunctionExpr{ParList: body.ParList, Stmts: body.Stmts}
		fn.SetLine(t.line)
		fn.SetLastLine(body.LastLine())
		return fn, exprOther
	default:
		return p.suffixedExpr()
	}
	e.SetLine(t.line)
	p.next()
	return e, exprOther
}

// primaryExpr reads a name or a parenthesized expression.
func (p *parser) primaryExpr() (ast.Expr, exprKind) {
	t := p.tok
	switch t.typ {
	case TIdent:
		p.next()
		e := &ast.IdentExpr{Value: t.str}
		e.SetLine(t.line)
		return e, exprVar
	case '(':
		line := p.sc.Pos.Line
		p.next()
		inner, kind := p.subexpr(0)
		p.match(')', '(', line)
		if kind == exprCall {
			// gopher-lua's grammar read (f()) as a call adjusted to
			// one value, on the call's own line
			inner.(*ast.FuncCallExpr).AdjustRet = true
			return inner, exprOther
		}
		if v, ok := inner.(*ast.Comma3Expr); ok {
			v.AdjustRet = true
		}
		inner.SetLine(t.line)
		return inner, exprOther
	}
	p.errorSyntax("unexpected symbol")
	return nil, exprOther
}

// suffixedExpr reads a primary expression and its fields, indexes,
// calls and method calls.
func (p *parser) suffixedExpr() (ast.Expr, exprKind) {
	e, kind := p.primaryExpr()
	for {
		switch p.tok.typ {
		case '.':
			p.next()
			k := p.name()
			key := &ast.StringExpr{Value: k.str}
			key.SetLine(k.line)
			get := &ast.AttrGetExpr{Object: e, Key: key}
			get.SetLine(e.Line())
			e, kind = get, exprVar
		case '[':
			p.next()
			key := p.expr()
			p.checkNext(']')
			get := &ast.AttrGetExpr{Object: e, Key: key}
			get.SetLine(e.Line())
			e, kind = get, exprVar
		case ':':
			p.next()
			m := p.name()
			call := &ast.FuncCallExpr{Method: m.str, Receiver: e, Args: p.args()}
			call.SetLine(e.Line())
			e, kind = call, exprCall
		case '(', TString, '{':
			call := &ast.FuncCallExpr{Func: e, Args: p.args()}
			call.SetLine(e.Line())
			e, kind = call, exprCall
		default:
			return e, kind
		}
	}
}

// args reads a call's arguments: (list), a table or a string.
func (p *parser) args() []ast.Expr {
	line := p.sc.Pos.Line
	switch p.tok.typ {
	case '(':
		if line != p.lastLine {
			p.errorSyntax("ambiguous syntax (function call x new statement)")
		}
		p.next()
		args := []ast.Expr{}
		if p.tok.typ != ')' {
			args = p.exprList()
		}
		p.match(')', '(', line)
		return args
	case '{':
		return []ast.Expr{p.table()}
	case TString:
		s := &ast.StringExpr{Value: p.tok.str}
		s.SetLine(p.tok.line)
		p.next()
		return []ast.Expr{s}
	}
	p.errorSyntax("function arguments expected")
	return nil
}

// table reads a table constructor.
func (p *parser) table() ast.Expr {
	open := p.tok
	line := p.sc.Pos.Line
	p.checkNext('{')
	fields := []*ast.Field{}
	for p.tok.typ != '}' {
		switch {
		case p.tok.typ == '[':
			p.next()
			k := p.expr()
			p.checkNext(']')
			p.checkNext('=')
			fields = append(fields, &ast.Field{Key: k, Value: p.expr()})
		case p.tok.typ == TIdent && p.peek().typ == '=':
			n := p.name()
			key := &ast.StringExpr{Value: n.str}
			key.SetLine(n.line)
			p.next() // '='
			fields = append(fields, &ast.Field{Key: key, Value: p.expr()})
		default:
			fields = append(fields, &ast.Field{Value: p.expr()})
		}
		if !p.optional(',') && !p.optional(';') {
			break
		}
	}
	p.match('}', '{', line)
	t := &ast.TableExpr{Fields: fields}
	t.SetLine(open.line)
	return t
}
