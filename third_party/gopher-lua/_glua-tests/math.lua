assert(math.fmod(13.5, 2) == 1.5)
assert(math.pow(7, 2) == 49)

-- RestyLab: LuaJIT's message (upstream said "wrong number of arguments")
local ok, msg = pcall(function()
  math.max()
end)
assert(not ok and string.find(msg, "bad argument #1 to 'max' (number expected, got no value)", 1, true))

local ok, msg = pcall(function()
  math.min()
end)
assert(not ok and string.find(msg, "bad argument #1 to 'min' (number expected, got no value)", 1, true))
