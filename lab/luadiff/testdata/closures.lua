-- Closures and upvalues, recursion, scoping.
-- @@ counter
local function counter() local n = 0 return function() n = n + 1 return n end end
local c1, c2 = counter(), counter()
print(c1(), c1(), c2(), c1())
-- @@ shared_upvalue
local function pair() local v = 0 return function() v = v + 1 end, function() return v end end
local inc, get = pair()
inc() inc()
print(get())
-- @@ loop_fresh_local
local fs = {}
for i = 1, 3 do fs[i] = function() return i end end
print(fs[1](), fs[2](), fs[3]())
-- @@ while_fresh_local
local fs, i = {}, 1
while i <= 3 do local j = i fs[i] = function() return j end i = i + 1 end
print(fs[1](), fs[2](), fs[3]())
-- @@ loop_var_modified
local out = {}
for i = 1, 3 do local f = function() return i end i = i * 10 out[#out + 1] = f() end
print(table.concat(out, ","))
-- @@ recursion_local_function
local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end
print(fact(10), fact(20))
-- @@ mutual_recursion
local is_even, is_odd
function is_even(n) if n == 0 then return true end return is_odd(n - 1) end
function is_odd(n) if n == 0 then return false end return is_even(n - 1) end
print(is_even(10), is_odd(7))
-- @@ deep_tail_call
local function loop(n, acc) if n == 0 then return acc end return loop(n - 1, acc + 1) end
print(loop(100000, 0))
-- @@ deep_recursion_limit
local function f(n) return 1 + f(n + 1) end
local ok, e = pcall(f, 1)
print(ok, (tostring(e):gsub("^.-:%d+: ", "")))
-- @@ upvalue_after_block
local f
do local x = 10 f = function() x = x + 1 return x end end
print(f(), f())
-- @@ shadowing
local x = 1
do local x = x + 1 print(x) end
print(x)
-- @@ nested_closures
local function a() local x = 1 return function() local y = 2 return function() return x + y end end end
print(a()()())
-- @@ closure_identity
local fs = {}
for i = 1, 2 do fs[i] = function() end end
print(fs[1] == fs[2], fs[1] == fs[1])
-- @@ memoize
local calls = 0
local function memo(f) local c = {} return function(n) if c[n] == nil then c[n] = f(n) end return c[n] end end
local sq = memo(function(n) calls = calls + 1 return n * n end)
print(sq(4), sq(4), sq(5), calls)
-- @@ fib_memo
local fib
fib = setmetatable({}, {__call = function(self, n) if n < 2 then return n end local v = rawget(self, n) if not v then v = self(n - 1) + self(n - 2) rawset(self, n, v) end return v end})
print(fib(80))
-- @@ global_function_def
function __luadiff_global(a) return a * 3 end
print(__luadiff_global(4))
__luadiff_global = nil
-- @@ method_def
local obj = {v = 5}
function obj:get() return self.v end
function obj.static(x) return x end
print(obj:get(), obj.get(obj), obj.static(7))
-- @@ nested_method_def
local a = {b = {c = {}}}
function a.b.c:f() return self == a.b.c end
print(a.b.c:f())
-- @@ varargs_in_closure
local function outer(...) local t = {...} return function() return unpack(t) end end
print(outer(1, 2, 3)())
-- @@ numeric_for_edge
local n = 0
for i = 1, 0 do n = n + 1 end
for i = 10, 1, -3 do n = n + i end
for i = 1, 2, 0.5 do n = n + 1 end
print(n)
-- @@ numeric_for_float_step
local out = {}
for i = 0, 1, 0.25 do out[#out + 1] = i end
print(table.concat(out, " "))
-- @@ for_zero_step
print(pcall(function() for i = 1, 2, 0 do return "looped" end end))
-- @@ for_bad_init
print(pcall(function() for i = "x", 2 do end end))
-- @@ repeat_scope
local i = 0
repeat local j = i i = i + 1 until j >= 3
print(i)
-- @@ break_nested
local r = {}
for i = 1, 3 do for j = 1, 3 do if j > i then break end r[#r + 1] = i .. j end end
print(table.concat(r, " "))
-- @@ and_or
print(nil or "d", false and 1, 1 and 2, nil and nil, false or nil, 0 or 1, "" and "yes")
-- @@ not_ops
print(not nil, not 0, not "", not not {})
