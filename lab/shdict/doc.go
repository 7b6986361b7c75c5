// Package shdict implements lua_shared_dict zones: key/value stores shared by
// all workers of one server, with the semantics of ngx.shared.DICT in
// ngx_lua 0.10.23 (as shipped by Debian, whose methods come from
// lua-resty-core): TTLs with millisecond resolution, user flags, lists,
// least-recently-used eviction when the zone is full, and memory accounting
// that models nginx's slab allocator (see slab.go), so a zone of a given size
// holds about as many entries as it would in real nginx.
//
// Values are stored as Go values (Value), never as Lua values: each worker
// owns its own gopher-lua LState, and OpenLua builds the ngx.shared table for
// one LState on top of the shared Dicts.
//
// Concurrency: a *Dict is safe for concurrent use by any number of
// goroutines; every operation takes the dict's mutex once, like nginx takes
// the zone's shared mutex. The table returned by OpenLua belongs to its LState
// and, like the LState, must only be used from the goroutine running it.
package shdict
