// Package engine is the OpenResty emulator: it serves a loaded nginx.conf
// with N workers, each one goroutine locked to one OS thread that owns an
// epoll loop (lab/event), a gopher-lua VM whose handlers run as coroutines
// (lab/coro), and the connections and requests it accepted. Requests pass
// through nginx's phases (server rewrite, find config, rewrite, access,
// content, header filter, body filter, log); the Lua of each phase runs in
// the request's entry coroutine and yields to the loop when it would block.
// Every scheduling decision is recorded as a trace event (lab/trace).
//
// Concurrency: Engine's exported methods are safe from any goroutine. All
// other state (workers, connections, requests, Lua) is owned by one worker
// goroutine and never touched from another; shared dicts (lab/shdict) and
// the error log are the only state shared between workers.
package engine
