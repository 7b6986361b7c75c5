package ast

type Stmt interface {
	PositionHolder
	stmtMarker()
}

type StmtBase struct {
	Node
}

func (stmt *StmtBase) stmtMarker() {}

type AssignStmt struct {
	StmtBase

	Lhs []Expr
	Rhs []Expr
}

type LocalAssignStmt struct {
	StmtBase

	Names []string
	Exprs []Expr
	// Func is set for `local function f`, whose name is in scope inside
	// the function (`local f = function` starts f's scope after it).
	Func bool
}

type FuncCallStmt struct {
	StmtBase

	Expr Expr
}

type DoBlockStmt struct {
	StmtBase

	Stmts []Stmt
}

type WhileStmt struct {
	StmtBase

	Condition Expr
	Stmts     []Stmt
}

type RepeatStmt struct {
	StmtBase

	Condition Expr
	Stmts     []Stmt
}

type IfStmt struct {
	StmtBase

	Condition Expr
	Then      []Stmt
	Else      []Stmt
}

type NumberForStmt struct {
	StmtBase

	Name  string
	Init  Expr
	Limit Expr
	Step  Expr
	Stmts []Stmt
}

type GenericForStmt struct {
	StmtBase

	Names []string
	Exprs []Expr
	Stmts []Stmt
}

type FuncDefStmt struct {
	StmtBase

	Name *FuncName
	Func *FunctionExpr
}

type ReturnStmt struct {
	StmtBase

	Exprs []Expr
}

type BreakStmt struct {
	StmtBase
}

// LabelStmt is ::Name::. Its Line is the opening ::, its LastLine the
// closing one (where LuaJIT reports a duplicate label). Semi is set when a
// ';' follows it in its block: in LuaJIT's Lua 5.1 mode a label followed by
// ';' is not at the end of its block, so it stays in the scope of the
// block's locals.
type LabelStmt struct {
	StmtBase

	Name string
	Semi bool
}

// GotoStmt is goto Label. Its Line is the goto's, its LastLine the label
// name's: LuaJIT reports the goto's errors on the name's line.
type GotoStmt struct {
	StmtBase

	Label string
}
