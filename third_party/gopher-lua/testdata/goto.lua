local f, e = loadstring("goto x") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("goto\nx") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("do goto x end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("goto x; do ::x:: end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("do ::x:: end goto x") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("local function f() goto x end ::x::") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("while true do goto continue end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("goto x; goto y") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("goto y\ngoto x") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("::x:: ::x::") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("::x\n::\n::x\n\n::") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("::x::\n::y::\n\n::x::") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("::x:: do ::x:: end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("::x:: local function f() ::x:: end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("goto x\nlocal a\n::x:: print(a)") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("local a\n\ngoto x\nlocal b\nlocal c\n::x:: print(b)") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("goto x\nlocal a\n::x::") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("do goto x\nlocal a\n::x:: end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("goto y local z ::y:: ::x::") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("goto y local z ::y:: ::x:: ;") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("goto y local z ::y:: ; ::x::") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("goto y local z ::y:: return") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("repeat goto x; local a ::x:: until a") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("do goto x end local a ::x:: print(a)") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("for i = 1, 3 do goto continue\nlocal z = 1\n::continue:: end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("for i = 1, 3 do goto continue\nlocal z = 1\n::continue:: print(z) end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("local goto = 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("goto = 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("local goto\nx = 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("local t = {goto = 1} t.goto = t.goto + 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("break") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("if x then\nbreak end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
local f, e = loadstring("local x = 1 ::a:: local y ::b:: goto a") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:")))
do local i = 1 local fs = {} ::top:: local x = i fs[i] = function() return x end i = i + 1 if i <= 3 then goto top end print(fs[1](), fs[2](), fs[3]()) end
do local fs = {} for i = 1, 3 do local x = i * 10 fs[i] = function() return x end if i < 3 then goto continue end x = x + 1 ::continue:: end print(fs[1](), fs[2](), fs[3]()) end
do local fs = {} do local i = 1 ::a:: do local y = i fs[i] = function() y = y + 1 return y end end i = i + 1 if i < 4 then goto a end end print(fs[1](), fs[1](), fs[2](), fs[3]()) end
do local fs, i = {}, 0 while true do i = i + 1 local v = i fs[#fs + 1] = function() return v end if i == 2 then goto skip end if i > 3 then break end ::skip:: end print(#fs, fs[1](), fs[2](), fs[4]()) end
do local s = "" for i = 1, 5 do if i % 2 == 0 then goto continue end s = s .. i ::continue:: end print(s) end
do local s = 0 for i = 1, 3 do for j = 1, 3 do if j == 2 then goto next_i end s = s + i * j end ::next_i:: end print(s) end
do local n = 0 ::again:: n = n + 1 if n < 5 then goto again end print(n) end
do local s = "" do goto done end s = s .. "skipped" ::done:: print(s .. "done") end
do local goto = 7 local t = {goto = 2} print(goto + 1, t.goto) end
do local r = "" local function goto(s) r = r .. type(s) end goto "call" goto{} goto(1) print(r) end
do local n = 0 local function f() n = n + 1 end ::a:: f() goto b ::b:: if n < 3 then goto a end print(n) end
do local function f(n) local r = {} for i = 1, n do if i == 2 then goto cont end r[#r + 1] = i ::cont:: end return table.concat(r, ",") end print(f(4)) end
do local i, s = 0, "" repeat i = i + 1 if i == 2 then goto cont end s = s .. i ::cont:: until i >= 3 print(s) end
do local fs = {} local i = 1 ::loop:: local a, b = i, i * 2 fs[i] = function() return a + b end i = i + 1 if i <= 2 then goto loop end print(fs[1](), fs[2]()) end
do local r = {} for _, v in ipairs({1, 2, 3, 4}) do if v == 3 then goto c end local w = v r[#r + 1] = function() return w end ::c:: end print(r[1](), r[2](), r[3]()) end
do local x = 0 local f = function() return x end goto l ::l:: x = 1 print(f()) end
do local x = 0 local f = function() return x end do goto l end ::l:: x = 1 print(f()) end
do local x = 0 local f = function() return x end for i = 1, 2 do if i == 1 then goto c end ::c:: end x = 1 print(f()) end
do local fs = {} do local i = 1 ::top:: if i > 3 then goto out end local v = i fs[i] = function() return v end i = i + 1 goto top ::out:: end print(fs[1](), fs[2](), fs[3]()) end
do local fs = {} local i = 0 ::top:: i = i + 1 do local v = i fs[i] = function() v = v + 10 return v end if i < 3 then goto top end end print(fs[1](), fs[2](), fs[3](), fs[1]()) end
do local fs = {} local i = 0 ::top:: i = i + 1 local v = i if i < 3 then fs[i] = function() return v end goto top end print(fs[1](), fs[2]()) end
do local fs = {} local i = 0 local set do ::top:: i = i + 1 local v = i if i >= 3 then goto out end if i > 1 then goto top end fs[1] = function() return v end set = function(n) v = n end goto top ::out:: end set(99) print(fs[1]()) end
do local n = 0 local function f() ::x:: n = n + 1 if n < 3 then goto x end return n end ::x:: print(f()) end
do local t = {} for i = 1, 3 do ::redo:: if #t < i then t[#t + 1] = i * i goto redo end end print(table.concat(t, " ")) end
do local i, s = 0, "" while true do i = i + 1 if i > 4 then break end if i == 2 then goto c end s = s .. i ::c:: end print(s) end
