-- Assignments: multiple assignment order, swaps, table targets, locals.
-- @@ swap
local a, b = 1, 2
a, b = b, a
print(a, b)
-- @@ rotate
local a, b, c = 1, 2, 3
a, b, c = c, a, b
print(a, b, c)
-- @@ fibonacci
local a, b = 0, 1
for i = 1, 10 do a, b = b, a + b end
print(a, b)
-- @@ more_values
local a, b = 1, 2, 3
print(a, b)
-- @@ fewer_values
local a, b, c = 1
print(a, b, c)
-- @@ table_swap
local t = {1, 2}
t[1], t[2] = t[2], t[1]
print(t[1], t[2])
-- @@ index_evaluated_first
local t = {}
local i = 1
i, t[i] = i + 1, 20
print(i, t[1], t[2])
-- @@ same_target_twice
local a
a, a = 1, 2
print(a)
-- @@ table_target_changes
local t1, t2 = {}, {}
local t = t1
t, t.x = t2, "v"
print(t1.x, t2.x, t == t2)
-- @@ global_assign
__ld_g1, __ld_g2 = "g1", "g2"
print(__ld_g1, __ld_g2)
__ld_g1, __ld_g2 = nil, nil
-- @@ local_function_scope
local function f() return f end
print(f() == f)
-- @@ local_noscope
local g = function() return g end
print(g())
-- @@ call_in_assignment
local function two() return 1, 2 end
local a, b, c = two(), two()
print(a, b, c)
-- @@ nested_assign
local t = {a = {}}
t.a.b, t.c = 1, 2
print(t.a.b, t.c)
-- @@ compound_table_fields
local t = {n = 0}
for i = 1, 5 do t.n = t.n + i end
print(t.n)
-- @@ string_keys
local t = {}
t["a b"], t[""] = 1, 2
print(t["a b"], t[""])
-- @@ local_redeclare
local x = 1
local x = x + 1
print(x)
-- @@ swap_upvalues
local a, b = "A", "B"
local function sw() a, b = b, a end
sw()
print(a, b)
-- @@ swap_fields_via_upvalue
local t = {x = 1, y = 2}
local function sw() t.x, t.y = t.y, t.x end
sw()
print(t.x, t.y)
-- @@ vararg_assign
local function f(...) local a, b, c = ..., "last" return a, b, c end
print(f(1, 2, 3))
-- @@ many_locals
local a1, a2, a3, a4, a5, a6, a7, a8, a9, a10 = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
a1, a10 = a10, a1
print(a1, a5, a10)
-- @@ assign_in_loop_closure
local fs = {}
for i = 1, 3 do local v v, fs[i] = i * 2, function() return v end end
print(fs[1](), fs[3]())
