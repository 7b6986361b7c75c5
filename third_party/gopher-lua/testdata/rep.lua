print(("ab"):rep(3, ","), ("ab"):rep(1, ","), ("ab"):rep(0, ","), ("ab"):rep(-1, ","), ("x"):rep(3, ""), (""):rep(3, "-"), ("a"):rep(2.7, "|"), ("a"):rep("3", 5))
print(string.rep("ab", 3), string.rep("-", 10), #string.rep("ab", 2^32 + 3), #string.rep("ab", 0/0), #string.rep("ab", 3.9), #string.rep("ab", -0.5), #string.rep("x", 1e10, ","))
local ok, e = pcall(function() local s = string.rep("x", 3, {}) return s end); print(ok, (e:gsub("^.-bad argument (#%d+) to .- %(", "%1 (")))
print(table.concat({("ab"):rep(3, ", ")}, ""), ("="):rep(5, nil), string.rep("x", 2, 1))
