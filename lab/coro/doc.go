// Package coro runs Lua handlers as resumable coroutines on one gopher-lua
// state, the way ngx_lua runs every request handler as a coroutine of its
// worker's VM.
//
// An API that would block (ngx.sleep, a socket read) calls Scheduler.Yield:
// the coroutine yields a private sentinel value and the caller (the worker
// loop) parks it until its timer or fd is ready, then resumes it with the
// API's results. OpenResty code yields from inside pcall and from inside its
// own coroutines all the time, and gopher-lua v1.1.2 corrupts silently on a
// yield across its built-in pcall (see ../shared/design/GOPHER-LUA.md), so
// this package replaces pcall, xpcall and the coroutine library with
// versions built on coroutines that pass sentinel yields outward to the
// entry coroutine and the results back in. A yield through any other Go
// frame (a metamethod, an iterator, table.sort's comparator, string.gsub's
// callback, require) raises "attempt to yield across C-call boundary", as
// LuaJIT does for C frames; unlike LuaJIT, yields inside metamethods and
// for-in iterators are refused too (a documented difference).
//
// Concurrency: a Scheduler and its threads belong to the goroutine that owns
// the LState (a worker's loop). Only the CPU-budget watchdog runs elsewhere,
// and it touches nothing but an atomic deadline and a channel.
package coro
