-- The base library: print, type, tostring, tonumber, select, rawequal,
-- rawget/rawset, ipairs, pairs on arrays, assert, unpack, next.
-- @@ print_many
print(1, "a", nil, true, false, 1.5)
-- @@ print_none
print()
-- @@ print_nil_only
print(nil)
-- @@ print_numbers
print(1e15, 1e16, 0.1, -0.0, 2^63, 1/0, -1/0, 123456789012)
-- @@ type_all
print(type(nil), type(true), type(1), type("s"), type({}), type(print), type(function() end), type(coroutine.create(function() end)))
-- @@ type_noarg
print(pcall(type))
-- @@ tostring_basic
print(tostring(nil), tostring(false), tostring(12), tostring("x"), tostring(1.25))
-- @@ tostring_noarg
print(pcall(tostring))
-- @@ tostring_table_shape
print((tostring({}):gsub("0x%x+", "ADDR")))
-- @@ tostring_function_shape
print((tostring(function() end):gsub("0x%x+", "ADDR")))
-- @@ tostring_builtin
print(tostring(print))
-- @@ tostring_meta
local t = setmetatable({}, {__tostring = function() return "T!" end})
print(tostring(t), t)
-- @@ tostring_meta_nonstring
local t = setmetatable({}, {__tostring = function() return 42 end})
print(tostring(t))
-- @@ tonumber_basic
print(tonumber("10"), tonumber("0x10"), tonumber("  12  "), tonumber("1e2"), tonumber("abc"), tonumber(""))
-- @@ tonumber_base
print(tonumber("ff", 16), tonumber("777", 8), tonumber("zz", 36), tonumber("102", 2), tonumber("11", 2))
-- @@ tonumber_bad_base
print(pcall(tonumber, "1", 1))
print(pcall(tonumber, "1", 37))
-- @@ tonumber_nonstring
print(tonumber(nil), tonumber(true), tonumber({}))
-- @@ tonumber_noarg
print(pcall(tonumber))
-- @@ select_count
print(select("#"), select("#", nil), select("#", 1, nil, nil))
-- @@ select_index
print(select(2, "a", "b", "c"))
print(select(-1, "a", "b", "c"))
-- @@ select_bad
print(pcall(select, 0, "a"))
print(pcall(select, -5, "a"))
print(pcall(select, "x"))
-- @@ rawequal
local t = {}
print(rawequal(t, t), rawequal(t, {}), rawequal(1, 1.0), rawequal("a", "a"))
-- @@ rawequal_noargs
print(pcall(rawequal, 1))
-- @@ rawget_rawset
local t = setmetatable({}, {__index = function() return "meta" end, __newindex = function() error("no") end})
rawset(t, "a", 1)
print(rawget(t, "a"), rawget(t, "b"), t.b)
-- @@ rawset_returns
local t = {}
print(rawset(t, 1, 2) == t)
-- @@ rawget_bad
print(pcall(rawget, "x", 1))
-- @@ rawset_nil_key
print(pcall(rawset, {}, nil, 1))
-- @@ ipairs_stops
local t = {1, 2, nil, 4}
for i, v in ipairs(t) do print(i, v) end
-- @@ ipairs_triple
local f, s, i = ipairs({})
print(type(f), type(s), i)
-- @@ ipairs_bad
print(pcall(ipairs))
-- @@ pairs_array
local t = {10, 20, 30}
for k, v in pairs(t) do print(k, v) end
-- @@ next_empty
print(next({}))
-- @@ next_array
local t = {"a"}
print(next(t))
print(next(t, 1))
-- @@ next_bad_key
print(pcall(next, {}, "nokey"))
-- @@ assert_ok
print(assert(1, "msg", 3))
-- @@ assert_fail
print(pcall(assert, false))
print(pcall(assert, nil, "custom"))
print(pcall(assert, false, 42))
-- @@ assert_noarg
print(pcall(assert))
-- @@ unpack_basic
print(unpack({1, 2, 3}))
print(unpack({1, 2, 3}, 2))
print(unpack({1, 2, 3}, 2, 5))
print(unpack({}, 1, 0))
-- @@ unpack_bad
print(pcall(unpack))
-- @@ getmetatable_string
print(getmetatable("").__index == string)
-- @@ metatable_protected
local t = setmetatable({}, {__metatable = "locked"})
print(getmetatable(t))
print(pcall(setmetatable, t, {}))
-- @@ setmetatable_bad
print(pcall(setmetatable, 1, {}))
print(pcall(setmetatable, {}, 1))
-- @@ setmetatable_nil
local t = setmetatable({}, {})
print(getmetatable(setmetatable(t, nil)))
-- @@ version
print(_VERSION)
-- @@ g_self
print(_G._G == _G, type(_G))
-- @@ pcall_results
print(pcall(function() return 1, 2, 3 end))
-- @@ pcall_noarg
print(pcall(pcall))
-- @@ pcall_nonfunction
print(pcall(42))
-- @@ xpcall_handler
print(xpcall(function() error("x") end, function(m) return "handled: " .. m end))
-- @@ xpcall_ok
print(xpcall(function() return "fine", 2 end, print))
-- @@ xpcall_errobj
print(xpcall(function() error({code = 7}) end, function(e) return e.code end))
-- @@ gcinfo_type
print(type(gcinfo()), type(collectgarbage("count")))
-- @@ collectgarbage_bad
print(pcall(collectgarbage, "nope"))
-- @@ newproxy_type
print(type(newproxy), newproxy and type(newproxy()))
