-- What only LuaJIT (the JIT, FFI, its GC) has, and the LuaJIT 2.1
-- extensions OpenResty code relies on.
-- @@ jit_table
print(type(jit), jit and jit.os, jit and jit.arch)
-- @@ jit_version
print(jit.version_num >= 20100, jit.version)
-- @@ jit_status
print(jit.status())
-- @@ ffi_require
local ok = pcall(require, "ffi")
print(ok)
-- @@ jit_util_require
print((pcall(require, "jit.util")))
-- @@ bit_require
print(require("bit") == bit, type(bit.band))
-- @@ table_new
local new = require("table.new")
local t = new(10, 0)
print(type(t), #t)
-- @@ table_clear
local clear = require("table.clear")
local t = {1, 2, a = 3}
clear(t)
print(next(t))
-- @@ string_rep_sep
print(("a"):rep(3, ", "))
-- @@ collectgarbage_count_type
print(type(collectgarbage("count")), collectgarbage("count") > 0)
-- @@ collectgarbage_setpause
print(collectgarbage("setpause", 200), collectgarbage("setstepmul", 200))
-- @@ collectgarbage_step
print(collectgarbage("step"))
-- @@ collectgarbage_collect
print(collectgarbage(), collectgarbage("collect"))
-- @@ weak_values
local t = setmetatable({}, {__mode = "v"})
t[1] = {}
collectgarbage()
print(t[1])
-- @@ print_builtin_address
print(tostring(print), tostring(string.format))
-- @@ format_p
print(string.format("%p", 1), string.format("%p", nil))
-- @@ random_first
print(math.random(1, 100))
-- @@ len_border_hash
local t = {1, 2, 3}
t[5] = 5
print(#t)
-- @@ len_border_table
local t = {}
for i = 1, 8 do t[i] = i end
t[4] = nil
print(#t)
-- @@ pairs_mixed_order
local t = {10, 20, [-7] = 1, [1e10] = 2, [3.5] = "f", [true] = "b", [false] = 0}
local o = {}
for k in pairs(t) do o[#o + 1] = tostring(k) end
print(table.concat(o, " "))
-- @@ unicode_escape
print("\u{48}\u{49}", #"\u{20AC}")
-- @@ hex_escape
print("\x41\x42")
-- @@ goto_loop
local f, e = loadstring("local i = 1 ::top:: i = i + 1 if i < 5 then goto top end return i")
print(f and f() or e)
-- @@ binary_literal
print(loadstring("return 0b101") and loadstring("return 0b101")())
-- @@ imaginary_literal
print(loadstring("return 1i") ~= nil)
-- @@ int64_literal
print(loadstring("return 1LL") ~= nil)
-- @@ load_mode
local ok, f = pcall(load, "return 1", "x", "t")
print(ok, type(f))
-- @@ os_exit_type
print(type(os.exit))
-- @@ math_random_noseed
print(math.random() < 1)
-- @@ xpcall_args
print(xpcall(function(a, b) return a + b end, print, 3, 4))
-- @@ module_function
print(type(module))
