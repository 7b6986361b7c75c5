-- loadstring, load, setfenv/getfenv, dofile-free chunk loading, environments.
-- @@ loadstring_basic
local f = loadstring("return 1 + 2")
print(f())
-- @@ loadstring_args
local f = loadstring("local a, b = ... return a * b")
print(f(6, 7))
-- @@ loadstring_syntax_error
print(loadstring("x = = 1"))
-- @@ loadstring_syntax_error_named
print(loadstring("x = = 1", "=mychunk"))
print(loadstring("x = = 1", "@file.lua"))
print(loadstring("\n\nlocal", "=c"))
-- @@ loadstring_default_name
print(type(loadstring("error('e')")))
print(pcall(loadstring("error('e')")))
-- @@ loadstring_chunkname_runtime
print(pcall(loadstring("local x = nil\nerror('at line 2')", "=named")))
print(pcall(loadstring("error('x')", "some code")))
-- @@ loadstring_long_chunkname
print(pcall(loadstring("error('x')", "this is a rather long chunk name that goes on and on and on forever")))
-- @@ loadstring_multiline_source_name
print(pcall(loadstring("\nerror('x')", "line one\nline two")))
-- @@ load_function
local parts = {"return ", "4", "2"}
local i = 0
local f = load(function() i = i + 1 return parts[i] end)
print(f())
-- @@ load_function_error
print(load(function() return {} end))
-- @@ unfinished_string
print(loadstring("x = 'abc"))
print(loadstring("x = [[abc"))
-- @@ invalid_escape
print(loadstring([[x = "\d+"]]))
-- @@ malformed_number
print(loadstring("x = 12a"))
print(loadstring("x = 0x"))
-- @@ unexpected_symbol
print(loadstring("x = )"))
print(loadstring("local 1 = 2"))
-- @@ eof_expected
print(loadstring("return 1 end"))
-- @@ missing_end
print(loadstring("if x then"))
print(loadstring("function f()\n  return 1\n"))
-- @@ ambiguous_call
print(loadstring("local f = print\n(f)('x')"))
-- @@ break_outside_loop
print(loadstring("break"))
-- @@ vararg_outside
print(loadstring("function f() return ... end"))
-- @@ goto_basic
local f, e = loadstring("for i = 1, 3 do if i == 2 then goto continue end print(i) ::continue:: end return 'ok'")
print(f and f() or e)
-- @@ goto_undefined_label
print(loadstring("goto nowhere"))
-- @@ setfenv_getfenv
local function f() return x_in_env end
setfenv(f, {x_in_env = "from env"})
print(f(), getfenv(f).x_in_env)
-- @@ getfenv_level
print(getfenv(0) == _G, type(getfenv(1)))
-- @@ setfenv_loadstring
local f = loadstring("y = 5 return y")
local env = {}
setfenv(f, env)
print(f(), env.y, rawget(_G, "y"))
-- @@ setfenv_bad
print(pcall(setfenv, 1.5, {}))
print(pcall(setfenv, print, {}))
-- @@ dofile_missing
print(pcall(dofile, "/nonexistent/restylab.lua"))
-- @@ loadfile_missing
print(loadfile("/nonexistent/restylab.lua"))
-- @@ require_missing
local ok, e = pcall(require, "restylab_no_such_module")
print(ok, (e:match("^[^\n]*")))
-- @@ package_loaded
print(package.loaded.string == string, package.loaded._G == _G, type(package.path), type(package.preload))
-- @@ module_via_preload
package.preload["ld_mod"] = function(name) return {name = name} end
print(require("ld_mod").name, require("ld_mod") == require("ld_mod"))
package.loaded["ld_mod"] = nil package.preload["ld_mod"] = nil
-- @@ string_dump_roundtrip
local ok, f = pcall(function() return loadstring(string.dump(function() return 7 end)) end)
print(ok, ok and f and f())
-- @@ deep_nesting
local src = ("("):rep(100) .. "1" .. (")"):rep(100)
local f, e = loadstring("return " .. src)
print(f and f() or e)
-- @@ too_many_locals
local t = {}
for i = 1, 201 do t[i] = "local v" .. i .. " = " .. i end
local f, e = loadstring(table.concat(t, "\n"))
print(f ~= nil, e)
-- @@ comment_forms
local f = loadstring("--[==[ long\ncomment ]==] return 1 -- short")
print(f())
-- @@ shebang
local f, e = loadstring("#!/usr/bin/lua\nreturn 1")
print(type(f), e)
-- @@ semicolons
local f = loadstring("local a = 1; ; return a;")
print(f, f and f())
