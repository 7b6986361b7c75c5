-- Errors: error levels, positions, values, pcall/xpcall, runtime messages.
-- @@ level1
local function f() error("lvl1") end
print(pcall(f))
-- @@ level2
local function check(x) if not x then error("bad input", 2) end end
local function caller() check(false) end
print(pcall(caller))
-- @@ level0
print(pcall(error, "no position", 0))
-- @@ error_from_pcall_direct
print(pcall(error, "direct"))
-- @@ error_number
print(pcall(error, 42))
local ok, e = pcall(function() error(42) end)
print(ok, e, type(e))
-- @@ error_nil
print(pcall(error))
print(pcall(error, nil))
-- @@ error_table
local ok, e = pcall(error, {msg = "t"})
print(ok, type(e), e.msg)
-- @@ error_table_tostring
local ok, e = pcall(error, setmetatable({}, {__tostring = function() return "custom" end}))
print(ok, tostring(e))
-- @@ error_boolean
print(pcall(error, false))
-- @@ nested_pcall
print(pcall(function() local ok, e = pcall(error, "inner") error("outer:" .. e, 0) end))
-- @@ xpcall_traceback_type
print(xpcall(function() error("x") end, function(m) return type(debug.traceback(m)) end))
-- @@ xpcall_handler_error
print(xpcall(function() error("x") end, function(m) error("in handler") end))
-- @@ xpcall_nil_handler
print(pcall(xpcall, function() return 1 end))
-- @@ call_nil
print(pcall(function() local x x() end))
-- @@ call_nil_global
print(pcall(function() undefined_global_fn() end))
-- @@ call_field
print(pcall(function() local t = {} t.method() end))
-- @@ call_method
print(pcall(function() local t = {} t:method() end))
-- @@ index_nil_local
print(pcall(function() local t t.x = 1 end))
-- @@ index_nil_global
print(pcall(function() return undefined_global_tbl.x end))
-- @@ index_nil_field
print(pcall(function() local t = {} return t.a.b end))
-- @@ index_number
print(pcall(function() local n = 5 return n.x end))
-- @@ index_upvalue
local up
print(pcall(function() return up.x end))
-- @@ arith_nil
print(pcall(function() local a return a + 1 end))
-- @@ arith_field
print(pcall(function() local t = {} return t.n * 2 end))
-- @@ arith_string_bad
print(pcall(function() return "abc" * 2 end))
-- @@ concat_nil_local
print(pcall(function() local s return "a" .. s end))
-- @@ concat_table
print(pcall(function() return {} .. "x" end))
-- @@ compare_errors
print(pcall(function() return {} < {} end))
print(pcall(function() return 1 < "2" end))
print(pcall(function() return nil < 1 end))
-- @@ len_errors
print(pcall(function() return #nil end))
print(pcall(function() local n = 1 return #n end))
-- @@ for_iter_error
print(pcall(function() for k in nil do end end))
-- @@ error_with_level_in_nested
local function a() error("deep", 3) end
local function b() a() end
local function c() b() end
print(pcall(c))
-- @@ runtime_error_line
print(pcall(function()
  local x = 1
  local y = nil
  return x + y
end))
-- @@ assert_message_types
print(pcall(assert, false, "msg"))
print(pcall(assert, nil))
print(select("#", pcall(assert, 1, 2, 3)))
-- @@ error_rethrow
local ok, e = pcall(function()
  local ok2, e2 = pcall(error, "first")
  error(e2, 0)
end)
print(ok, e)
-- @@ error_in_tostring
local t = setmetatable({}, {__tostring = function() error("ts fail") end})
print(pcall(tostring, t))
-- @@ error_in_index
local t = setmetatable({}, {__index = function() error("idx fail") end})
print(pcall(function() return t.x end))
-- @@ tostring_error_level2
local ok, e = pcall(function() error("two", 2) end)
print(ok, e)
-- @@ string_method_on_nil
print(pcall(function() local s return s:upper() end))
-- @@ error_concat_number
print(pcall(function() error("n=" .. 1.5) end))
-- @@ debug_traceback_string
print(type(debug.traceback()), (debug.traceback("msg"):match("^msg\nstack traceback:")) ~= nil)
-- @@ debug_getinfo
local info = debug.getinfo(1, "Sl")
print(info.short_src, info.currentline, info.what, info.source:sub(1, 1))
-- @@ debug_getinfo_func
local function named() end
local info = debug.getinfo(named)
print(info.what, info.linedefined, info.nparams, info.nups, type(info.func))
-- @@ debug_getinfo_c
local info = debug.getinfo(string.rep)
print(info.what, info.short_src, info.currentline, info.linedefined)
-- @@ debug_getlocal
local function f(a, b) local c = 3 return debug.getlocal(1, 1), debug.getlocal(1, 3) end
print(f(10, 20))
