do local f, e = loadstring("x = = 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 1 2") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("local 1 = 2") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("return 1 end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("if x then\nngx.say(1)\n") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("if x then ngx.say(1)") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("function f()\nngx.say(1)") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("local function f()\n\nngx.say(1)\n") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("function f()\n  if x then\n  end\nngx.say(1)") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("ngx.say((\"x\"):rep(2)") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("ngx.say(1,\n2") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("local f = print\n(f)(1)") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("f()\n(g)()") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = (y)\n(z)()") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("function f() return ... end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("local function f(...) return function() return ... end end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = [[abc") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = [==[abc\n\n") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("--[[ abc\n") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = [=x") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("#!/usr/bin/luajit\nx = = 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring(";;") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 1;;") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring(";") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("::x:: ;;") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("if x then ; end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("for i = 1 do end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("for a b in x do end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("for 1 = 1, 2 do end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("for i, j = 1, 2 do end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("for i in do end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x.") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = a.b.c.") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("local function") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("local") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("local a, = 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("local a.b = 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("local x <const> = 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("a.b:c = 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("a:b") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("a:b.c()") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = a:1()") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("a, b") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("a") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("(a)") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("(a) = 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("a() = 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x, f() = 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x, = 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = @") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = ~ 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = a != b") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 1 // 2") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = \\1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("return return") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("return\nreturn") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("break break") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("while true do break x = 1 end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("return 1; x = 2") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = {1 2}") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = {[1] 2}") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = {a = }") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = {1,,2}") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = {,}") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = {1,\n2") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("local t = {\n[1] = 2,\n[2] 3}") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("f(") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("f(1,)") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("f(1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("f(a\nb)") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = function(a,) end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = function(1) end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = function(...,a) end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("function 1() end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("function a.1() end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("function a:b.c() end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("function f") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("function f(a b) end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = function") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("while x end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("while x do\n") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("repeat x = 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("repeat\nx = 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("repeat x = 1 until") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("if x end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("if x then else elseif y then end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("if x then\nelseif y then\n") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("do\n") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("do end end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("else") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("until x") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = a[1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = a[]") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 1 .. ") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = not") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = #") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = a or or b") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 1 == == 2") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 1 \"a\\tb\"") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 1 [==[ab]==]") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 1 [[\na\nb]]") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"):gsub("\n", "\\n"))) end
do local f, e = loadstring("x = 1 \"\"") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 1 0x10") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 1 .5") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = nil.x") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 'a'.x") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = {}.x") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = true()") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = \n\n") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("goto 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("goto") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("::x") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 1 :: 1 ::") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 'abc") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 'abc\n'") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 12a") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 1..2") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring(("local a = 1\n"):rep(200)) print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring(("local a = 1\n"):rep(201)) print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 1\nlocal function f()\n" .. ("local a\n"):rep(201) .. "end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("local " .. ("a, "):rep(200) .. "b") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("local function f(" .. ("a, "):rep(200) .. "b) end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring(("local a "):rep(198) .. "for i = 1, 2 do end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring(("local a "):rep(197) .. "for i = 1, 2 do end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring(("local a "):rep(196) .. "for k, v in next, {} do end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring(("local a "):rep(197) .. "for k, v in next, {} do end") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = " .. ("("):rep(197) .. "1" .. (")"):rep(197)) print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = " .. ("("):rep(198) .. "1" .. (")"):rep(198)) print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = " .. ("{"):rep(200) .. ("}"):rep(200)) print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = " .. ("not "):rep(300) .. "1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring(("do "):rep(300) .. ("end "):rep(300)) print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring(("if x then\n"):rep(300) .. ("end "):rep(300)) print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring(("x = function() "):rep(300) .. ("end "):rep(300)) print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 1" .. (" + 1"):rep(1000)) print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 1" .. (" .. 1"):rep(300)) print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = a" .. (".b"):rep(300) .. ("()"):rep(300)) print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("\239\187\191x = = 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("\239\187\191#!x\nx = 1 1") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("local caf\195\169 = 1 return caf\195\169") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
do local f, e = loadstring("x = 1\v\f+ 2") print(f and "loads" or (e:gsub("^.-:(%d+):", "%1:"))) end
