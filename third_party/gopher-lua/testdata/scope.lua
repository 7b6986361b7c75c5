local g = function() return g end print(g())
g = "global" local g = function() return g end print(g()) g = nil
local a = 1 local a = function() return a end print(a())
local function r(n) if n == 0 then return "done" end return r(n - 1) end print(r(3))
local f, h = function() return f end, function() return h end print(f(), h())
local x = 1 local y do local x = x + 1 y = x end print(y, x)
local t = {} local t = {t} print(#t, t[1] ~= t)
local ok, e = pcall(function() local q = function() local v = q() return v end return q() end) print(ok, (e:gsub("^.-:%d+: ", "")))
