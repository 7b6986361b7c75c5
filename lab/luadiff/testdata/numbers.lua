-- Numbers: literals, tostring, tonumber, arithmetic precision, comparisons.
-- @@ literals
print(0x10, 0xff, 0XA, 1e2, 1E-2, .5, 5., 3.0, 0x1p4)
-- @@ tostring_14g
print(1/3, 2/3, 100/3, 1e14, 1e15, 1e16, 123456789012345, 0.1 + 0.2)
-- @@ tostring_integers
print(1, -1, 0, 2^31, 2^32, 2^52, 2^53, 2^63, -2^63)
-- @@ tostring_small
print(1e-5, 1e-4, 0.0001234, 5e-324, 2.2250738585072014e-308)
-- @@ negative_zero
print(-0.0, 0 * -1, -0.0 == 0, 1 / (-0.0))
-- @@ inf_nan_tostring
print(math.huge, -math.huge, tostring(0/0):match("nan") ~= nil)
-- @@ nan_compare
local nan = 0/0
print(nan == nan, nan ~= nan, nan < 1, nan > 1, nan <= nan)
-- @@ tonumber_forms
print(tonumber("0x1p4"), tonumber("1e"), tonumber("0x"), tonumber(".5"), tonumber("5."), tonumber("1 2"))
-- @@ tonumber_inf
print(tonumber("inf"), tonumber("-inf"), tonumber("nan"), tonumber("1e500"))
-- @@ tonumber_hex_negative
print(tonumber("-0x10"), tonumber("- 1"), tonumber("+1"))
-- @@ tonumber_base_edge
print(tonumber("10", 36), tonumber("Z", 36), tonumber("8", 8), tonumber("1.5", 10), tonumber("", 10))
-- @@ string_number_equality
print(1 == "1", "1" == 1, 10 == 10.0)
-- @@ compare_number_string_error
print(pcall(function() return 1 < "1" end))
-- @@ float_precision
print(0.1 + 0.2 == 0.3, 1e308 * 10, -1e308 * 10)
-- @@ int_float_same
print(3 == 3.0, math.floor(3.0) == 3, 2^53 == 2^53 + 1)
-- @@ large_integers
print(9007199254740993, 2^53 + 1, 123456789012345678)
-- @@ modulo_negative
print(-5 % 3, 5 % -3, -5.5 % 2)
-- @@ exponent_forms
print(1e300 * 1e10, 2^1024, 2^-1074, 2^-1075)
-- @@ number_concat
print(1 .. "", 1.0 .. "", -0.0 .. "", 1e100 .. "", 0.1 .. "")
-- @@ tostring_roundtrip
local x = 0.1
print(tonumber(tostring(x)) == x, tostring(1/3) == "0.33333333333333")
-- @@ string_arith_coercion
print("10" / 2, "3.5" + 0, "0x10" * 1, "1e1" - 0)
-- @@ string_arith_spaces
print(" 10 " + 0, pcall(function() return "10a" + 0 end))
-- @@ increment_loop_float
local x = 0
for i = 1, 10 do x = x + 0.1 end
print(x, x == 1)
-- @@ numeric_for_large
local n = 0
for i = 2^52 - 2, 2^52 do n = n + 1 end
print(n)
-- @@ hex_large
print(0xffffffff, 0x7fffffffffffffff, 0xffffffffffffffff)
-- @@ number_keys_normalize
local t = {}
t[1] = "int" t[1.0] = "float"
t["1"] = "string"
print(t[1], t["1"])
-- @@ tostring_neg_numbers
print(-1.5, -1e-10, -123456789.123)
-- @@ math_floor_negative_zero
print(math.floor(-0.0), 1 / math.floor(-0.0))
-- @@ string_to_number_compare
print("10" + 0 < "9" + 0, "10" < "9")
-- @@ bit_ops
print(bit.band(0xff, 0x0f), bit.bor(1, 2), bit.bxor(3, 1), bit.bnot(0), bit.lshift(1, 4), bit.rshift(256, 4), bit.arshift(-16, 2))
-- @@ bit_tohex
print(bit.tohex(255), bit.tohex(-1), bit.tohex(255, 2), bit.tohex(255, -4), bit.tobit(2^32 + 1))
-- @@ bit_rol_bswap
print(bit.rol(1, 33), bit.ror(1, 1), bit.bswap(0x12345678))
