package coro

import (
	_ "embed"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

//go:embed prelude.lua
var preludeSource string

// PreludeChunk names the engine's own Lua (the pcall and coroutine
// replacements): positions in it are hidden from error messages.
const PreludeChunk = "[C]"

// Raise raises a Lua error from an API function the way luaL_error does:
// prefixed with the position of the Lua code that called the API, or with
// nothing when the caller is not Lua code (pcall(api, ...) in OpenResty,
// which here runs through the engine's own pcall).
func Raise(L *lua.LState, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	where := L.Where(1)
	if where == wrapperWhere {
		// called through WrapYielding's wrapper: name the wrapper's caller
		where = L.Where(2)
	}
	if where != "" && !strings.HasPrefix(where, PreludeChunk+":") && !strings.HasPrefix(where, "[G]") {
		msg = where + " " + msg
	}
	L.Error(lua.LString(msg), 0)
}

// wrapperWhere is the position gopher-lua reports for the wrapper that
// WrapYielding builds ("[C]:N:").
var wrapperWhere = func() string {
	for i, line := range strings.Split(preludeSource, "\n") {
		if strings.Contains(line, "return pass(fn(...))") {
			return fmt.Sprintf("%s:%d:", PreludeChunk, i+1)
		}
	}
	return ""
}()

// ErrCBoundary is the message of a yield through a Go frame, in LuaJIT's words.
const ErrCBoundary = "attempt to yield across C-call boundary"

// Status says how a resume ended.
type Status int

// Resume outcomes.
const (
	// Done: the coroutine's function returned.
	Done Status = iota
	// Blocked: an engine API yielded (Scheduler.Yield); the caller knows on
	// what, because the API recorded it before yielding.
	Blocked
	// UserYield: Lua code called coroutine.yield in the entry coroutine
	// itself (outside any coroutine it created).
	UserYield
	// Failed: a Lua error ended the coroutine; Result.Err holds it.
	Failed
)

// Result is what Start and Resume report.
type Result struct {
	Status Status
	// Values are the returned or yielded values (without the sentinel).
	// From Start and Resume they live in the scheduler's own slice, reused
	// by its next Start or Resume: a caller that keeps them copies them.
	Values []lua.LValue
	Err    *lua.ApiError
}

// Hooks observe coroutine life for tracing. Nil fields are skipped.
type Hooks struct {
	// Created is called when Lua code creates a coroutine (coroutine.create,
	// wrap, or the body of a pcall): co is new, parent is the running one.
	Created func(co, parent *lua.LState)
	// Abort, when set, is called by coroutine.wrap on an error of the
	// wrapped coroutine (with the error value, as the running LGFunction):
	// OpenResty aborts the request there. Without it the error propagates.
	Abort lua.LGFunction
	// UserYield, when set, is called by coroutine.yield before it yields
	// (with the yielding coroutine): it may raise an error instead, for a
	// context where ngx_lua refuses coroutine.yield.
	UserYield func(L *lua.LState)
}

// Scheduler owns the coroutine machinery of one LState.
type Scheduler struct {
	L        *lua.LState
	sentinel *lua.LUserData
	entry    *lua.LFunction // function(f, ...) f(...) end: an entry thread's start
	hooks    Hooks
	budget   *Budget
	pool     []*lua.LState
	// wrapYielding is the prelude's wrapper factory (see WrapYielding).
	wrapYielding *lua.LFunction
	startArgs    []lua.LValue // Start's argument list, reused
	// results is the slice the last Start or Resume returned its values
	// in (Result.Values), given to the next one to append into: a resume
	// allocates nothing for its results.
	results []lua.LValue
}

// WrapYielding returns a Lua function that calls fn, an LGFunction that
// may yield through Yield, in a way that keeps its results right whatever
// the call site expects. Every API that yields must be exposed through it.
func (s *Scheduler) WrapYielding(fn lua.LGFunction) *lua.LFunction {
	L := s.L
	raw := L.NewFunction(fn)
	if err := L.CallByParam(lua.P{Fn: s.wrapYielding, NRet: 1, Protect: true}, raw); err != nil {
		return raw // cannot happen: the prelude's factory only builds a closure
	}
	f, ok := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	if !ok {
		return raw
	}
	return f
}

// preludeProto and entryProto are compiled once per process: a VM is made
// per request where lua_code_cache is off, and compiling them was most of
// a new VM's cost. A FunctionProto is read-only, shared by every VM.
var (
	preludeProto = sync.OnceValues(func() (*lua.FunctionProto, error) { return compileChunk(preludeSource) })
	entryProto   = sync.OnceValues(func() (*lua.FunctionProto, error) {
		// a factory run once per VM: the entry function it returns calls
		// f without a tail call (see starter in prelude.lua), with no
		// closure made and no select call per handler
		return compileChunk("local function pass(...) return ... end return function(f, ...) return pass(f(...)) end")
	})
)

// CompileChunk compiles Lua source named PreludeChunk: the lab's own Lua
// around the learner's code (engines compile theirs once with it too).
func CompileChunk(src string) (*lua.FunctionProto, error) { return compileChunk(src) }

func compileChunk(src string) (*lua.FunctionProto, error) {
	chunk, err := parse.Parse(strings.NewReader(src), PreludeChunk)
	if err != nil {
		return nil, err
	}
	return lua.Compile(chunk, "="+PreludeChunk)
}

// New installs the coroutine-aware pcall, xpcall and coroutine library in L
// (which must have the base and coroutine libraries open). budget may be nil
// (no CPU budget).
func New(L *lua.LState, budget *Budget, hooks Hooks) (*Scheduler, error) {
	s := &Scheduler{L: L, sentinel: L.NewUserData(), hooks: hooks, budget: budget}
	pp, err := preludeProto()
	if err != nil {
		return nil, fmt.Errorf("coro prelude: %w", err)
	}
	L.Push(L.NewFunctionFromProto(pp))
	L.Push(s.sentinel)
	L.Push(L.NewFunction(s.adopt))
	L.Push(L.NewFunction(s.yieldLua))
	if hooks.Abort != nil {
		L.Push(L.NewFunction(hooks.Abort))
	} else {
		L.Push(lua.LNil)
	}
	L.Push(L.NewFunction(argError))
	if err := L.PCall(5, 1, nil); err != nil {
		return nil, fmt.Errorf("coro prelude: %w", err)
	}
	wy, ok := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	if !ok {
		return nil, fmt.Errorf("coro prelude: no wrap_yielding")
	}
	s.wrapYielding = wy
	ep, err := entryProto()
	if err != nil {
		return nil, fmt.Errorf("coro entry: %w", err)
	}
	L.Push(L.NewFunctionFromProto(ep))
	if err := L.PCall(0, 1, nil); err != nil {
		return nil, fmt.Errorf("coro entry: %w", err)
	}
	entry, ok := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	if !ok {
		return nil, fmt.Errorf("coro entry: no function")
	}
	s.entry = entry
	return s, nil
}

// argError is the prelude's argerror(n, message): the bad argument error of
// the prelude function that called it, as LuaJIT words a C function's.
func argError(L *lua.LState) int {
	L.CallerArgError(L.CheckInt(1), L.CheckString(2))
	return 0
}

// adopt is called by the prelude on every coroutine Lua code creates.
func (s *Scheduler) adopt(L *lua.LState) int {
	co := L.CheckThread(1)
	if s.budget != nil {
		co.SetContext(s.budget)
	}
	if s.hooks.Created != nil {
		s.hooks.Created(co, L)
	}
	return 1
}

// yieldLua is coroutine.yield: a yield by Lua code itself.
func (s *Scheduler) yieldLua(L *lua.LState) int {
	if s.hooks.UserYield != nil {
		s.hooks.UserYield(L)
	}
	if crossesGoFrame() {
		Raise(L, ErrCBoundary)
		return 0
	}
	return -1
}

// Yield suspends the running coroutine on behalf of an engine API: the API
// records what it waits for, then returns s.Yield(L) from its LGFunction.
// The values given to the later Resume become the API's return values.
func (s *Scheduler) Yield(L *lua.LState) int {
	if crossesGoFrame() {
		Raise(L, ErrCBoundary)
		return 0
	}
	if L.Parent == nil {
		Raise(L, "attempt to yield from outside a coroutine")
		return 0
	}
	return L.Yield(s.sentinel)
}

// NewThread returns an entry coroutine for a handler: a fresh one, or one
// released earlier after a clean finish.
func (s *Scheduler) NewThread() *lua.LState {
	if n := len(s.pool); n > 0 {
		th := s.pool[n-1]
		s.pool = s.pool[:n-1]
		return th
	}
	th, _ := s.L.NewThread()
	if s.budget != nil {
		th.SetContext(s.budget)
	}
	return th
}

// maxPooled bounds the idle entry coroutines kept for reuse: enough for a
// burst of a thousand sleeping requests without building new ones.
const maxPooled = 2048

// Release gives back an entry coroutine whose last resume ended with Done,
// so a later request can reuse it. Others are simply dropped.
func (s *Scheduler) Release(th *lua.LState) {
	if th != nil && len(s.pool) < maxPooled {
		th.Dead = false
		s.pool = append(s.pool, th)
	}
}

// Start runs fn(args...) in the entry coroutine th until it finishes or yields.
func (s *Scheduler) Start(th *lua.LState, fn *lua.LFunction, args ...lua.LValue) Result {
	// startArgs is reused: Resume pushes the arguments onto th before any
	// Lua runs, so a Start nested inside this one cannot disturb them
	s.startArgs = append(append(s.startArgs[:0], fn), args...)
	res := s.resume(th, s.entry, s.startArgs)
	clear(s.startArgs) // keep nothing of the request alive
	return res
}

// StartFrom is Start for a coroutine started from inside a running one
// (ngx.thread.spawn): L, the running coroutine, is the resumer, so that
// gopher-lua's idea of the current coroutine stays right.
func (s *Scheduler) StartFrom(L *lua.LState, th *lua.LState, fn *lua.LFunction, args ...lua.LValue) Result {
	all := make([]lua.LValue, 0, len(args)+1)
	all = append(all, fn)
	all = append(all, args...)
	if s.budget != nil {
		s.budget.begin()
		defer s.budget.begin() // the caller's resume goes on under a fresh budget
	}
	st, err, vals := L.Resume(th, s.entry, all...)
	return s.result(st, err, vals)
}

// Resume continues th after a Blocked or UserYield result; values become the
// results of the yielding call.
func (s *Scheduler) Resume(th *lua.LState, values ...lua.LValue) Result {
	return s.resume(th, nil, values)
}

func (s *Scheduler) resume(th *lua.LState, fn *lua.LFunction, args []lua.LValue) Result {
	if s.budget != nil {
		s.budget.begin()
		defer s.budget.end()
	}
	// A Start or Resume nested in this one (Lua calling an API that runs
	// another coroutine) appends into the same slice while this one runs,
	// before this one writes its results: the nested results are used up
	// by then, and this one's are valid until the next Start or Resume.
	st, err, vals := s.L.ResumeInto(s.results, th, fn, args...)
	if vals != nil {
		s.results = vals
	}
	return s.result(st, err, vals)
}

// result classifies what a Resume returned.
func (s *Scheduler) result(st lua.ResumeState, err error, vals []lua.LValue) Result {
	switch st {
	case lua.ResumeOK:
		return Result{Status: Done, Values: vals}
	case lua.ResumeYield:
		if len(vals) > 0 && vals[0] == s.sentinel {
			return Result{Status: Blocked, Values: vals[1:]}
		}
		return Result{Status: UserYield, Values: vals}
	default:
		var ae *lua.ApiError
		if !errors.As(err, &ae) {
			ae = &lua.ApiError{Type: lua.ApiErrorRun, Object: lua.LString(fmt.Sprint(err))}
		}
		if s.budget != nil && s.budget.Exceeded() {
			ae.Object = lua.LString(s.budget.Message(ae.Object.String()))
		}
		return Result{Status: Failed, Err: ae}
	}
}

// crossesGoFrame reports whether a yield from the calling LGFunction would
// pass through a Go frame: more than one gopher-lua interpreter loop between
// it and the start of its coroutine (threadRun) means a metamethod, an
// iterator, a sort comparator or another Go function called back into Lua.
func crossesGoFrame() bool {
	var pcs [48]uintptr
	n := runtime.Callers(3, pcs[:])
	loops := 0
	for _, pc := range pcs[:n] {
		switch frameKindOf(pc) {
		case frameLoop:
			loops++
			if loops > 1 {
				return true
			}
		case frameThreadRun:
			return false
		}
	}
	return false
}

// Frame kinds the yield check looks for.
const (
	frameOther = iota
	frameLoop
	frameThreadRun
)

// frameKinds caches, per function entry PC, whether a function is one of
// gopher-lua's interpreter loops or threadRun: resolving names per yield
// (runtime.CallersFrames) cost a fifth of the CPU of a cosocket round trip.
var frameKinds sync.Map // uintptr -> int

func frameKindOf(pc uintptr) int {
	fn := runtime.FuncForPC(pc - 1)
	if fn == nil {
		return frameOther
	}
	entry := fn.Entry()
	if k, ok := frameKinds.Load(entry); ok {
		return k.(int)
	}
	k := frameOther
	name := fn.Name()
	if i := strings.LastIndexByte(name, '.'); i >= 0 && strings.Contains(name, "gopher-lua") {
		switch name[i+1:] {
		case "mainLoop", "mainLoopWithContext", "mainLoopWithInterrupt":
			k = frameLoop
		case "threadRun":
			k = frameThreadRun
		}
	}
	frameKinds.Store(entry, k)
	return k
}
