-- Varargs: select, unpack, {...}, adjustment to one value, trailing nils.
-- @@ count
local function n(...) return select("#", ...) end
print(n(), n(nil), n(1, nil), n(nil, nil, nil))
-- @@ pass_through
local function id(...) return ... end
print(id(1, nil, 3))
print((id(1, 2, 3)))
-- @@ adjust_middle
local function three() return 1, 2, 3 end
print(three(), three())
print(({three(), three()})[4])
-- @@ adjust_assignment
local function two() return "a", "b" end
local x, y, z = two()
local p, q = two(), 10
print(x, y, z, p, q)
-- @@ table_pack
local function pack(...) return {n = select("#", ...), ...} end
local t = pack(nil, 2, nil)
print(t.n, t[1], t[2], t[3])
-- @@ unpack_with_n
local t = {1, nil, 3, n = 3}
print(unpack(t, 1, t.n))
-- @@ select_negative
print(select(-2, "a", "b", "c"))
-- @@ vararg_in_table_middle
local function f(...) return {..., "end"} end
local t = f(1, 2, 3)
print(#t, t[1], t[2])
-- @@ vararg_arithmetic
local function sum(...) local s = 0 for i = 1, select("#", ...) do s = s + (select(i, ...)) end return s end
print(sum(1, 2, 3, 4.5))
-- @@ arg_table
local function f(...) return type(arg) end
print(f(1, 2))
-- @@ main_chunk_varargs
print(select("#", ...))
-- @@ many_returns
local function many() local t = {} for i = 1, 250 do t[i] = i end return unpack(t) end
print(select("#", many()), (select(250, many())))
-- @@ string_format_varargs
local function fmt(f, ...) return string.format(f, ...) end
print(fmt("%s=%d", "x", 5))
-- @@ vararg_to_local
local function f(...) local a, b = ... return a, b end
print(f(1), f(1, 2, 3))
-- @@ vararg_nil_tail
local function f(...) return ... end
print(select("#", f(nil, nil)))
-- @@ tail_call_varargs
local function g(...) return select("#", ...) end
local function f(...) return g(...) end
print(f(1, nil, nil))
-- @@ parens_truncate
local function f() return 1, 2 end
print((f()))
local t = {(f())}
print(#t)
-- @@ method_varargs
local o = {}
function o:m(...) return self == o, ... end
print(o:m(1, 2))
-- @@ pcall_varargs
print(pcall(function(...) return ... end, 1, nil, 3))
-- @@ unpack_negative_range
print(unpack({1, 2, 3}, -1, 1))
-- @@ select_huge
print(pcall(select, 2^31, 1))
