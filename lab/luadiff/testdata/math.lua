-- The math library.
-- @@ constants
print(math.pi, math.huge, -math.huge)
-- @@ floor_ceil
print(math.floor(3.7), math.floor(-3.7), math.ceil(3.2), math.ceil(-3.2), math.floor(5), math.ceil(-0.5))
-- @@ abs
print(math.abs(-3), math.abs(3.5), math.abs(-0.0), math.abs(-1/0))
-- @@ max_min
print(math.max(1, 5, 3), math.min(1, 5, 3), math.max(-1), math.min(2.5, 2))
-- @@ max_bad
print(pcall(math.max))
print(pcall(math.min, "x"))
-- @@ max_nan
print(math.max(0/0, 1) ~= math.max(0/0, 1), math.max(1, 0/0))
-- @@ sqrt_pow
print(math.sqrt(16), math.sqrt(2), math.pow(2, 10), math.pow(2, 0.5), 2^0.5)
-- @@ sqrt_negative
print(math.sqrt(-1) ~= math.sqrt(-1))
-- @@ exp_log
print(math.exp(0), math.exp(1), math.log(1), math.log(math.exp(2)), math.log10(1000), math.log(0))
-- @@ log_base
print(math.log(8, 2), math.log(100, 10))
-- @@ trig
print(math.sin(0), math.cos(0), math.tan(0), math.sin(math.pi / 2), math.cos(math.pi))
-- @@ inverse_trig
print(math.asin(1), math.acos(1), math.atan(1), math.atan2(1, 1), math.atan2(0, -1))
-- @@ hyperbolic
print(math.sinh(0), math.cosh(0), math.tanh(0), math.sinh(1))
-- @@ deg_rad
print(math.deg(math.pi), math.rad(180))
-- @@ fmod
print(math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7, -3), math.fmod(5.5, 2))
-- @@ fmod_zero
print(math.fmod(1, 0) ~= math.fmod(1, 0))
-- @@ modf
print(math.modf(3.7), math.modf(-3.7), math.modf(5), math.modf(1/0))
-- @@ frexp_ldexp
print(math.frexp(8), math.frexp(0), math.frexp(-3), math.ldexp(0.5, 4), math.ldexp(1, -1))
-- @@ random_range
math.randomseed(42)
local ok = true
for i = 1, 1000 do
  local a, b, c = math.random(), math.random(10), math.random(5, 7)
  if a < 0 or a >= 1 or b < 1 or b > 10 or b % 1 ~= 0 or c < 5 or c > 7 then ok = false end
end
print(ok)
-- @@ random_sequence
math.randomseed(42)
print(math.random(1000), math.random(1000), math.random(1000))
-- @@ random_bad
print(pcall(math.random, 0))
print(pcall(math.random, 2, 1))
print(pcall(math.random, 3, 3, 1)) -- extra arguments are ignored (deterministic: the range is one number)
-- @@ floor_string
print(math.floor("3.5"), pcall(math.floor, "x"))
-- @@ floor_noarg
print(pcall(math.floor))
-- @@ integer_division_like
print(7 / 2, math.floor(7 / 2), -7 / 2, math.floor(-7 / 2))
-- @@ modulo_op
print(7 % 3, -7 % 3, 7 % -3, -7 % -3, 5.5 % 2, 1 % 0 ~= 1 % 0)
-- @@ modulo_inf
print(5 % math.huge, -5 % math.huge)
-- @@ power_op
print(2 ^ 10, 2 ^ -1, (-8) ^ (1 / 3) ~= (-8) ^ (1 / 3), 0 ^ 0, 10 ^ 20)
-- @@ unary_minus
print(-(-3), - -3, -"3", -0.0 == 0.0)
-- @@ division_zero
print(1 / 0, -1 / 0, 0 / 0 ~= 0 / 0, 1 / -0.0)
-- @@ huge_ops
print(math.huge - math.huge ~= 0, math.huge * 0 ~= 0, math.huge + 1 == math.huge)
-- @@ tointeger_like
print(math.floor(2^31 + 0.5), math.floor(-2^31 - 0.5), math.floor(2^53))
-- @@ max_mixed
print(math.max(1, "3"), math.min("2", 1))
-- @@ abs_string
print(math.abs("-2"))
-- @@ sqrt_precision
print(math.sqrt(2) * math.sqrt(2) == 2, math.sqrt(2) * math.sqrt(2))
-- @@ ceil_negative_zero
print(math.ceil(-0.5), 1 / math.ceil(-0.5))
-- @@ floor_huge
print(math.floor(1/0), math.ceil(-1/0), math.floor(1e300))
