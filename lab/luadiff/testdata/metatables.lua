-- Metatables and metamethods.
-- @@ index_table
local base = {greet = "hi"}
local t = setmetatable({}, {__index = base})
print(t.greet, t.other, rawget(t, "greet"))
-- @@ index_function
local t = setmetatable({}, {__index = function(self, k) return k .. "!" end})
print(t.x, t[1])
-- @@ index_chain
local a = {x = 1}
local b = setmetatable({}, {__index = a})
local c = setmetatable({}, {__index = b})
print(c.x)
-- @@ newindex_function
local log = {}
local t = setmetatable({}, {__newindex = function(t, k, v) rawset(t, k, v * 2) log[#log + 1] = k end})
t.a = 1 t.a = 5
print(t.a, #log)
-- @@ newindex_table
local store = {}
local t = setmetatable({}, {__newindex = store})
t.x = 1
print(rawget(t, "x"), store.x)
-- @@ call
local t = setmetatable({}, {__call = function(self, a, b) return a + b, self end})
local r, s = t(1, 2)
print(r, s == t)
-- @@ arith
local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({x = a.x + b.x}, V) end
V.__sub = function(a, b) return setmetatable({x = a.x - b.x}, V) end
V.__mul = function(a, b) if type(b) == "number" then return setmetatable({x = a.x * b}, V) end return a.x * b.x end
V.__div = function(a, b) return a.x / b.x end
V.__mod = function(a, b) return a.x % b.x end
V.__pow = function(a, b) return a.x ^ b end
V.__unm = function(a) return setmetatable({x = -a.x}, V) end
local a, b = setmetatable({x = 6}, V), setmetatable({x = 4}, V)
print((a + b).x, (a - b).x, (a * 3).x, a * b, a / b, a % b, a ^ 2, (-a).x)
-- @@ arith_number_left
local V = setmetatable({}, {__add = function(a, b) return type(a) .. "+" .. type(b) end})
print(1 + V, V + 1, "s" + V)
-- @@ concat_meta
local C = setmetatable({}, {__concat = function(a, b) return "C(" .. type(a) .. "," .. type(b) .. ")" end})
print(C .. "x", "x" .. C, 1 .. C)
-- @@ concat_chain
local C = setmetatable({}, {__concat = function(a, b) return "<" .. (type(a) == "table" and "C" or a) .. (type(b) == "table" and "C" or b) .. ">" end})
print("a" .. C .. "b" .. "c")
-- @@ eq
local mt = {__eq = function(a, b) return a.id == b.id end}
local a, b, c = setmetatable({id = 1}, mt), setmetatable({id = 1}, mt), setmetatable({id = 2}, mt)
print(a == b, a == c, a ~= b, rawequal(a, b))
-- @@ eq_different_mt
local a = setmetatable({}, {__eq = function() return true end})
local b = setmetatable({}, {__eq = function() return true end})
print(a == b)
-- @@ eq_not_for_different_types
local a = setmetatable({}, {__eq = function() return true end})
print(a == 1, a == "x")
-- @@ lt_le
local mt = {}
mt.__lt = function(a, b) return a.v < b.v end
mt.__le = function(a, b) return a.v <= b.v end
local a, b = setmetatable({v = 1}, mt), setmetatable({v = 2}, mt)
print(a < b, a <= b, a > b, a >= b)
-- @@ le_from_lt
local mt = {__lt = function(a, b) return a.v < b.v end}
local a, b = setmetatable({v = 1}, mt), setmetatable({v = 2}, mt)
print(a <= b, b <= a)
-- @@ lt_mixed_error
local a = setmetatable({}, {__lt = function() return true end})
print(pcall(function() return a < 1 end))
-- @@ len_meta
local t = setmetatable({1, 2}, {__len = function() return 99 end})
print(#t)
-- @@ len_meta_string
print(#setmetatable({}, {__len = function() return "x" end}))
-- @@ tostring_meta
local t = setmetatable({}, {__tostring = function(self) return "obj" end})
print(t, tostring(t), string.format("%s", t))
-- @@ tostring_name
local t = setmetatable({}, {__name = "MyType"})
print((tostring(t):gsub("0x%x+", "ADDR")))
-- @@ metatable_field
local t = setmetatable({}, {__metatable = false})
print(getmetatable(t))
-- @@ index_rawget_loop
local t = setmetatable({}, {__index = function(t, k) rawset(t, k, k * 2) return k * 2 end})
print(t[3], rawget(t, 3), t[3])
-- @@ index_on_string
string.myfn = function(s) return "my:" .. s end
print(("x"):myfn())
string.myfn = nil
-- @@ class_pattern
local Animal = {}
Animal.__index = Animal
function Animal.new(name) return setmetatable({name = name}, Animal) end
function Animal:speak() return self.name .. " makes a sound" end
local Dog = setmetatable({}, {__index = Animal})
Dog.__index = Dog
function Dog.new(name) local d = Animal.new(name) return setmetatable(d, Dog) end
function Dog:speak() return self.name .. " barks" end
print(Animal.new("cat"):speak(), Dog.new("rex"):speak(), Dog.new("a").new == Dog.new)
-- @@ call_non_callable
print(pcall(function() local t = {} t() end))
-- @@ index_nil_error
print(pcall(function() local t = nil return t.x end))
-- @@ call_chain_meta
local mt = {}
mt.__index = function(t, k) return function(self, ...) return k, select("#", ...) end end
local o = setmetatable({}, mt)
print(o:anything(1, 2))
-- @@ newindex_existing_key
local called = false
local t = setmetatable({x = 1}, {__newindex = function() called = true end})
t.x = 2
print(t.x, called)
-- @@ mode_weak_keys
local t = setmetatable({}, {__mode = "k"})
t[{}] = 1
collectgarbage() collectgarbage()
print(next(t))
-- @@ gc_proxy
local p = newproxy and newproxy(true)
local ran = false
if p then getmetatable(p).__gc = function() ran = true end end
p = nil
collectgarbage() collectgarbage()
print(ran)
-- @@ setmetatable_returns
local t = {}
print(setmetatable(t, {}) == t)
-- @@ getmetatable_nonTable
print(getmetatable(1), getmetatable(nil), getmetatable(print))
-- @@ index_via_rawequal
local proxy = setmetatable({}, {__index = function(_, k) return k end, __newindex = function() end})
proxy.a = 5
print(proxy.a, rawget(proxy, "a"))
-- @@ unm_string
print(-"2", pcall(function() return -{} end))
-- @@ eq_same_object
local n = 0
local mt = {__eq = function() n = n + 1 return false end}
local a = setmetatable({}, mt)
print(a == a, n)
