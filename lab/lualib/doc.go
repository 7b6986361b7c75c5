// Package lualib equips a gopher-lua LState with the Lua libraries that
// OpenResty code expects besides the request API: lua-cjson ("cjson",
// "cjson.safe"), LuaJIT's "bit" module, LuaJIT's table.new / table.clear, a
// table.concat that scales, a size-capped string.rep, an information-only
// "jit" table, an os.getenv that reveals nothing, and the request-free
// part of the ngx table (ngx.null, digests, base64, URI and query-string
// codecs, SQL quoting, HTTP dates and the cached clock).
//
// Nothing here knows about requests, sockets or phases: the engine adds
// those. Real OpenResty (nginx 1.22 + ngx_lua 0.10.23 with lua-resty-core,
// Debian's packages) is the oracle; oracle_test.go runs the same snippets on
// real nginx and on these functions and compares the results.
//
// # Concurrency
//
// An LState is not safe for concurrent use, and neither is anything this
// package installs into one: call every function from the goroutine (worker
// thread) that owns the LState. Per-LState state (ngx.null, the cjson
// metatables, the string.rep limit) lives in that LState's registry; the
// package has no mutable globals, so different LStates can be used from
// different goroutines at the same time.
//
// # Differences from LuaJIT / OpenResty
//
//   - ngx.null and cjson.null are one full userdata per LState (LuaJIT uses a
//     NULL light userdata). tostring gives "userdata: NULL", type gives
//     "userdata", ngx.null == cjson.null; but getmetatable(ngx.null) returns
//     a table, where LuaJIT returns nil. cjson.empty_array is likewise a full
//     userdata.
//   - Numbers are turned into strings as LuaJIT does ("%.14g", "inf", "nan")
//     by every function here (table.concat, ngx.md5(1), ngx.encode_args, ...)
//     even though gopher-lua's own tostring prints more digits
//     (tostring(1/3) is "0.3333333333333333" in gopher-lua, "0.33333333333333"
//     in LuaJIT). FormatNumber exposes the LuaJIT formatting.
//   - Error messages name the function ("bad argument #1 to 'decode' (...)")
//     where LuaJIT names it after the call site, or '?' through pcall; the
//     "file:line:" prefix is that of the nearest Lua caller, also when LuaJIT
//     would print none (a function called directly by pcall).
//   - cjson follows openresty/lua-cjson 2.1.0.x: the Debian lua-cjson package
//     on the oracle machine is upstream 2.1.0 and differs in three places
//     (precision limit 14 instead of 16, "must not be NaN or Inf" instead of
//     "must not be NaN or Infinity", NaN/Infinity spelling when
//     encode_invalid_numbers is on) and lacks the OpenResty additions.
//     encode_escape_forward_slash is per LState (per process in OpenResty).
//     encode_keep_buffer is accepted and does nothing. decode_json_null and
//     encode_skip_unsupported_value_types (later releases) are absent.
//   - cjson.array_mt tables encode #t items, and gopher-lua's # can choose a
//     different border than LuaJIT's for tables with holes.
//   - A sparse array is refused ("excessively sparse array") when its
//     largest index exceeds MaxSparseArray, even where encode_sparse_array
//     settings would let OpenResty allocate it.
//   - table.new only pre-sizes up to 65536 slots per part (the result is the
//     same empty table); table.concat and string.rep refuse results larger
//     than the limit set with LimitStringRep.
//   - bit.tohex takes 32-bit numbers only (no FFI int64 cdata).
//   - jit (OpenJIT) is information only: jit.version names the lab's
//     interpreter, jit.status() returns false, on/off/flush do nothing;
//     assigning to it raises an error and pairs(jit) yields nothing.
//     HideEnv makes os.getenv answer nil for every name; OpenGetenv answers
//     from a lookup the engine gives (an nginx worker's environment).
package lualib
