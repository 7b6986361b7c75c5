-- The table library and table constructors, length of sequences.
-- @@ insert_append
local t = {}
table.insert(t, "a") table.insert(t, "b")
print(#t, t[1], t[2])
-- @@ insert_pos
local t = {1, 2, 3}
table.insert(t, 1, 0) table.insert(t, 3, 1.5)
print(table.concat(t, ","))
-- @@ insert_end_pos
local t = {1, 2}
table.insert(t, 3, 3)
print(table.concat(t, ","))
-- @@ insert_bad_args
print(pcall(table.insert, {}, 1, 2, 3))
print(pcall(table.insert, {}))
print(pcall(table.insert, nil, 1))
-- @@ insert_pos_out_of_bounds
local t = {1}
print(pcall(table.insert, t, 5, "x"), t[5])
-- @@ remove_last
local t = {1, 2, 3}
print(table.remove(t), #t, table.concat(t, ","))
-- @@ remove_first
local t = {1, 2, 3}
print(table.remove(t, 1), table.concat(t, ","))
-- @@ remove_empty
local t = {}
print(table.remove(t), #t)
print(select("#", table.remove({})))
-- @@ remove_pos_beyond
local t = {1, 2}
print(table.remove(t, 5), #t)
-- @@ remove_zero
local t = {[0] = "z"}
print(table.remove(t, 0), t[0])
-- @@ concat_basic
print(table.concat({1, 2, 3}), table.concat({1, 2, 3}, ", "), table.concat({}, "x"), table.concat({"a"}, ","))
-- @@ concat_range
print(table.concat({"a", "b", "c", "d"}, "-", 2, 3), table.concat({"a"}, "-", 3, 2))
-- @@ concat_numbers
print(table.concat({1.5, 2, 1/3}, " "))
-- @@ concat_bad_value
print(pcall(table.concat, {1, {}, 3}))
print(pcall(table.concat, {1, nil, 3}, ",", 1, 3))
-- @@ concat_bad_sep
print(pcall(table.concat, {1, 2}, {}))
-- @@ sort_numbers
local t = {5, 2, 8, 1, 9, 3}
table.sort(t)
print(table.concat(t, " "))
-- @@ sort_strings
local t = {"banana", "apple", "Cherry", "date"}
table.sort(t)
print(table.concat(t, " "))
-- @@ sort_desc
local t = {5, 2, 8, 1}
table.sort(t, function(a, b) return a > b end)
print(table.concat(t, " "))
-- @@ sort_records_stability
local t = {}
for i = 1, 12 do t[i] = {k = i % 3, i = i} end
table.sort(t, function(a, b) return a.k < b.k end)
local o = {} for i, v in ipairs(t) do o[i] = v.k .. ":" .. v.i end
print(table.concat(o, " "))
-- @@ sort_mixed_error
print(pcall(table.sort, {1, "a", 2}))
-- @@ sort_bad_comparator
print(pcall(table.sort, {3, 2, 1}, 5))
-- @@ maxn
print(table.maxn({}), table.maxn({1, 2, 3}), table.maxn({[10] = 1, [2.5] = 1}), table.maxn({n = 1}))
-- @@ getn
print(table.getn and table.getn({1, 2}))
-- @@ foreach
print(type(table.foreach), type(table.foreachi), type(table.setn))
-- @@ len_sequence
print(#{1, 2, 3}, #{}, #{n = 1}, #{nil}, #{1, 2, 3, nil})
-- @@ len_trailing_nils
print(#{1, 2, nil, nil}, #{nil, nil, 3})
-- @@ len_holes_assigned
local t = {}
t[1] = 1 t[2] = 2 t[4] = 4
print(#t)
-- @@ len_holes_constructor
print(#{1, nil, 3}, #{1, 2, nil, 4})
-- @@ len_after_remove
local t = {1, 2, 3}
t[3] = nil
print(#t)
-- @@ constructor_mixed
local t = {1, 2, x = "a", [3] = 3, "c", ["y"] = 5; 6}
print(t[1], t[2], t[3], t[4], t.x, t.y)
-- @@ constructor_vararg
local function f(...) return {...} end
local t = f(1, nil, 3)
print(t[1], t[2], t[3])
-- @@ constructor_call_last
local function g() return 1, 2, 3 end
print(#{g()}, #{g(), g()}, #{(g())})
-- @@ nan_key
print(pcall(function() local t = {} t[0/0] = 1 end))
-- @@ nil_key
print(pcall(function() local t = {} t[nil] = 1 end))
-- @@ float_keys
local t = {}
t[1.0] = "one" t[2^53] = "big"
print(t[1], t[2^53])
-- @@ pairs_sequence_order
local t = {}
for i = 1, 10 do t[i] = i * i end
local o = {}
for k, v in pairs(t) do o[#o + 1] = k .. "=" .. v end
print(table.concat(o, " "))
-- @@ pairs_hash_order
local t = {}
for _, k in ipairs({7, 3.5, 100, true, -1, 2^40}) do t[k] = true end
local o = {}
for k in pairs(t) do o[#o + 1] = tostring(k) end
print(table.concat(o, " "))
-- @@ pairs_count
local t = {a = 1, b = 2, c = 3, 1, 2}
local n = 0
for _ in pairs(t) do n = n + 1 end
print(n)
-- @@ pairs_assign_existing
local t = {a = 1, b = 2, c = 3}
for k in pairs(t) do t[k] = t[k] * 10 end
print(t.a, t.b, t.c)
-- @@ pairs_clear_during
local t = {a = 1, b = 2, c = 3}
for k in pairs(t) do t[k] = nil end
print(next(t))
-- @@ next_loop
local t = {10, 20}
local k, v = next(t)
local s = 0
while k do s = s + v k, v = next(t, k) end
print(s)
-- @@ table_new_clear
local ok_new = pcall(require, "table.new")
local ok_clear = pcall(require, "table.clear")
print(ok_new, ok_clear)
-- @@ unpack_many
local t = {}
for i = 1, 200 do t[i] = i end
print(select("#", unpack(t)), (select(200, unpack(t))))
-- @@ ipairs_metatable_index
local t = setmetatable({}, {__index = function(_, i) if i <= 3 then return i * 2 end end})
local o = {}
for i, v in ipairs(t) do o[#o + 1] = v end
print(table.concat(o, ","))
-- @@ nested_tables
local t = {a = {b = {c = "deep"}}}
print(t.a.b.c, t["a"]["b"]["c"])
-- @@ insert_float_pos
local t = {1, 2}
print(pcall(table.insert, t, 1.5, "x"))
print(table.concat(t, ","))
