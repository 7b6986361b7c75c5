do local ok, e = pcall(function() local t; return t.x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return x.y end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return t.y.z end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local u; local ok, e = pcall(function() return u.x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() foo() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local o = {} o:bar() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local x; return x + 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local s = {} return s .. "a" end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t; return #t end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return (nil).x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} t.a.b = 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t; t.x = 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() x.y = 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} t[1]() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} t.f() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} t.a.f() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local f; f() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() u() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {} return a + 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = "x" return a + 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return 1 + {} end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a, b = 1 return a + b end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return -{} end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local s = "a" return s .. nil end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local s = "a" return s .. {} .. "b" end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return {} .. "x" end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return #nil end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return #t.x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return ("x")() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = setmetatable({}, {__index = function(t, k) return nil end}) return t.a.b end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return string.nope() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return ngx.x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return t.x.y.z end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {x = {}} return t.x.y.z end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {} return a.b + 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return x + 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return u + 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {} return a[1] .. "x" end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} t[nil] = 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = true return a.x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = 1 return a.x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = "s" return a.x.y end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = 1 a.x = 2 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = true return #a end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = 1 return a() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} t:nope() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} t.x:nope() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = 1 return a < {} end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a, b = "x", nil return a .. b end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {} return "x" .. a .. "y" end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a, b = {}, {} return a .. b end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a, b = 1, nil return a .. b .. "c" end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return "x" .. y end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return "x" .. t.k end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return t.k .. "x" end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function(a) return a.b end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function(...) local a = ... return a.b end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} local k = "q" return t[k].z end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return t["q"].z end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return t[1].z end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return t.a.b.c end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return math.nope.x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local m = math return m.huge.x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return ("x"):nope() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local s = "x" return s:nope() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = "10" return a + {} end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = "1x" return a * 2 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {} return 2 ^ a end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {} return a % 2 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = nil return -a end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = "z" return -a end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return pcall(nil) end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local ok, e = pcall(nil) return error(e) end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return setmetatable({}, {__index = 5}).x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = setmetatable({}, {__index = {}}) return t.x.y end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} t.x.y = 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} t.x[1] = 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a; a[1] = 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return (function() end)().x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local function g() end return g().x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return #u2 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return t.n + t.m end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {n = 1} return t.n + t.m end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = 1 local b = a .. {} end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return string.rep.x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return type.x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {} a.b.c.d = 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() for i = 1, 2 do local v = nil; v.x = 1 end end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local x = 1 do local y = nil; x = y.z end end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local x = 1 do local y = 2 end local z; return z.a end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return t.a() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return (t.a)() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {f = 1} return t:f() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} local r = t.a and t.a.b or t.c.d return r end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {} return a.b.c:d() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() for k, v in nil do end end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local g for k in g do end end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local f; return f() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return nofunc() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return t.x() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = true return a .. "x" end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = false return a + 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = 5 return #a end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = setmetatable({}, {__call = 1}) return t() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = setmetatable({}, {__index = function() return nil end}) return t.x.y end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function(...) local a, b = ... return b.x end, 1) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function(...) return (...).x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local co = coroutine.wrap(function() local q; return q.z end) return co() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} local k = "s" return t[k] .. "x" end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return string.rep(nil) end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return ("x"):rep(nil) end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} table.insert(nil, 1) end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local up = nil; local function g() return up.x end return g() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local up = nil; local function g() return function() return up() end end return g()() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local s = "abc" return s.x.y end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local s = "abc" return s:upper():nope() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {a = {}} t.a.b.c = 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local n = nil return n[1] end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {} return a.x.y.z end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return -t.x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return t.x - 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return 1 - t.x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return 1 - {} end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {} local b = a return b.c.d end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local x = 1 local y = x.z end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return t.a .. t.b end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return "a" .. t.a .. "b" .. t.b end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {a = "x"} return t.a .. t.b .. "c" end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return tostring(nil) .. nil end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a, b, c = 1, 2 return a + b + c end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a, b, c = 1, 2 return (a + b) * c end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local f = function() end return f().x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local n = 0 for i = 1, 3 do n = n + i.x end end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {1, 2} for i, v in ipairs(t) do local r = v.x end end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return t:m() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {m = {}} return t.m:n() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return os.nope() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local string = string return string.nope() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local tab = {} tab[#tab + 1] = nil .. "x" end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local u; local ok, e = pcall(function() u() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local u; local ok, e = pcall(function() return u + 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local u = {}; local ok, e = pcall(function() return #u.list + u.n end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local x = 1 do local y = 2 end local z; return z.a end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} for i = 1, 2 do local v = t[i] if i == 2 then return v.x end end end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local ngx = {} return ngx.var.host end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local res = {} return res.body:sub(1, 3) end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local cjson = {} return cjson.decode("{}") end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local args = {} return "id=" .. args.id end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local n = tonumber("x") return n * 2 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} local a = t.x return a.y end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = setmetatable({}, {__index = 5}) return t.x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return (t.a or t.b).c end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} local c = true return (c and t.a or t.b).c end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {b = 1} local c = true return (c and t.a or t.b).c end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} local x if t then x = t.a else x = t.b end return x.c end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} local v = t.a or t.b return v.c end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return (t.a).b end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return t.a["b"] end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return t["a"]["b"] end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local g = {} return g[g.x] end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return t[t.x].y end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {} return a.b(1, 2) end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {} return a.b(1, 2).c end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {} local f = function() end return f(a.b.c) end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {} return select(1, a.b).c end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a, b = {}, {} return a.x + b.y end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {x = 1} return a.x + a.y end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {} return a.x .. a.y .. a.z end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {x = "1"} return a.x .. a.y .. a.z end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {x = "1", y = "2"} return a.x .. a.y .. a.z end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {x = "1"} return a.x .. a.y .. "z" end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local s = "x" for i = 1, 2 do s = s .. (i == 2 and nil or "") end end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} while true do local v = t.x; return v.y end end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function(a, b) return a.x end, 1) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function(a, b) return b.x end, 1) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function(a, ...) local t = {...} return t.q.r end, 1) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} local function f() return t.a.b end return f() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} local function f() return t.a() end return f() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local m = {} return m.f():g() end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return t.x < 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} t.n = t.n + 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local obj = {} obj.count = obj.count + 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local x = "a" .. {} end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return #(nil) end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return -(nil) end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = nil return a .. "" end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {} return a[1][2] end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local a = {} return a.x[2] end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local n = 5 return n.x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local fn = print return fn.x end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local t = {} return t.a.b, t.c end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() table.sort({3, 1, 2}, function(a, b) return a.x < b.x end) end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return ("abc"):gsub(".", function(c) return c.x.y end) end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local co = coroutine.create(function() local z; z() end) local ok, e = coroutine.resume(co) error(e, 0) end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return setmetatable({}, {__index = function(t, k) return k.x.y end}).q end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return setmetatable({}, {__add = function(a, b) return a.n + b end}) + 1 end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() for i, v in ipairs(nil) do end end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return tostring(setmetatable({}, {__tostring = function(s) return s.name.x end})) end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() return xpcall(function() local q; return q.x end, function(m) return (m:gsub("^.-:%d+: ", "")) end) end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
do local ok, e = pcall(function() local ok, e = xpcall(function() local q; return q.x end, function(m) return (m:gsub("^.-:%d+: ", "")) end) error(e, 0) end) print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
