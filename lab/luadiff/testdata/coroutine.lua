-- Coroutines: create, resume, yield, status, wrap, running, errors.
-- @@ basic
local co = coroutine.create(function(a, b)
  local c = coroutine.yield(a + b)
  local d, e = coroutine.yield(c * 2)
  return d + e
end)
print(coroutine.resume(co, 1, 2))
print(coroutine.resume(co, 10))
print(coroutine.resume(co, 3, 4))
print(coroutine.resume(co))
-- @@ status
local co
co = coroutine.create(function() print(coroutine.status(co)) coroutine.yield() end)
print(coroutine.status(co))
coroutine.resume(co)
print(coroutine.status(co))
coroutine.resume(co)
print(coroutine.status(co))
-- @@ wrap_generator
local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
print(gen(), gen(), gen())
-- @@ wrap_dead
local f = coroutine.wrap(function() return 1 end)
print(f())
print(pcall(f))
-- @@ resume_error
local co = coroutine.create(function() error("oops") end)
print(coroutine.resume(co))
print(coroutine.status(co))
-- @@ resume_error_object
local co = coroutine.create(function() error({code = 1}) end)
local ok, e = coroutine.resume(co)
print(ok, type(e), e.code)
-- @@ resume_error_level0
local co = coroutine.create(function() error("plain", 0) end)
print(coroutine.resume(co))
-- @@ resume_dead
local co = coroutine.create(function() end)
coroutine.resume(co)
print(coroutine.resume(co))
-- @@ resume_self
local co
co = coroutine.create(function() return coroutine.resume(co) end)
print(coroutine.resume(co))
-- @@ resume_bad
print(pcall(coroutine.resume, 1))
print(pcall(coroutine.resume))
-- @@ create_bad
print(pcall(coroutine.create, 1))
-- @@ wrap_bad
print(pcall(coroutine.wrap, nil))
-- @@ running_in_coroutine
local co = coroutine.create(function() local r = coroutine.running() return type(r) end)
print(coroutine.resume(co))
-- @@ running_is_self
local co
co = coroutine.create(function() return coroutine.running() == co end)
print(coroutine.resume(co))
-- @@ yield_across_pcall
local co = coroutine.create(function()
  local ok, v = pcall(function() return coroutine.yield("in pcall") + 1 end)
  return ok, v
end)
print(coroutine.resume(co))
print(coroutine.resume(co, 41))
-- @@ yield_many_values
local co = coroutine.create(function() coroutine.yield(1, nil, 3, nil) end)
print(coroutine.resume(co))
print(select("#", coroutine.resume(coroutine.create(function() coroutine.yield(1, nil, 3, nil) end))))
-- @@ yield_no_values
local co = coroutine.create(function() local a = {coroutine.yield()} return #a end)
print(select("#", coroutine.resume(co)))
print(coroutine.resume(co, "x", "y"))
-- @@ nested
local inner = coroutine.wrap(function() coroutine.yield("i1") coroutine.yield("i2") end)
local outer = coroutine.wrap(function() coroutine.yield("o:" .. inner()) coroutine.yield("o:" .. inner()) end)
print(outer(), outer())
-- @@ producer_consumer
local prod = coroutine.create(function() for _, w in ipairs({"a", "b", "c"}) do coroutine.yield(w) end return "done" end)
local out = {}
while true do
  local ok, v = coroutine.resume(prod)
  out[#out + 1] = tostring(v)
  if coroutine.status(prod) == "dead" then break end
end
print(table.concat(out, " "))
-- @@ status_normal
local a, b
a = coroutine.create(function() coroutine.resume(b) end)
b = coroutine.create(function() print(coroutine.status(a)) end)
coroutine.resume(a)
-- @@ status_bad
print(pcall(coroutine.status, 1))
-- @@ isyieldable
print(type(coroutine.isyieldable))
-- @@ generator_closure_state
local function range(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end)
end
local s = 0
for i in range(10) do s = s + i end
print(s)
-- @@ error_after_yield
local co = coroutine.create(function() coroutine.yield(1) error("late") end)
print(coroutine.resume(co))
print(coroutine.resume(co))
-- @@ return_values
local co = coroutine.create(function(...) return select("#", ...), ... end)
print(coroutine.resume(co, nil, nil))
-- @@ wrap_args
local f = coroutine.wrap(function(a) local b = coroutine.yield(a * 2) return a + b end)
print(f(5), f(7))
-- @@ yield_in_metamethod
local t = setmetatable({}, {__index = function(_, k) return coroutine.yield(k) end})
local co = coroutine.create(function() return t.foo end)
print(coroutine.resume(co))
-- @@ yield_in_iterator
local function it() return coroutine.yield("it") end
local co = coroutine.create(function() for x in it do return x end end)
print(coroutine.resume(co))
-- @@ yield_in_sort
local co = coroutine.create(function() table.sort({3, 1, 2}, function(a, b) coroutine.yield() return a < b end) end)
local ok, e = coroutine.resume(co)
print(ok, e)
-- @@ resume_running
print(coroutine.resume(coroutine.create(function() return coroutine.resume(coroutine.running()) end)))
