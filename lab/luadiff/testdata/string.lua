-- The string library, without patterns and format (patterns.lua, format.lua).
-- @@ len
print(#"", #"abc", string.len("hello"), ("x"):len())
-- @@ len_bad
print(pcall(string.len))
-- @@ len_number
print(string.len(12345), string.len(1.5))
-- @@ sub_basic
local s = "hello world"
print(s:sub(1, 5), s:sub(7), s:sub(-5), s:sub(-5, -3), s:sub(0), s:sub(5, 2), s:sub(100), s:sub(-100, 2))
-- @@ sub_float
print(("abcdef"):sub(2.7, 4.2))
-- @@ sub_string_index
print(("abcdef"):sub("2", "3"))
-- @@ sub_bad
print(pcall(string.sub, "abc", "x"))
-- @@ upper_lower
print(("Hello World 123"):upper(), ("Hello World 123"):lower())
-- @@ upper_bytes
print(("\200\255aZ"):upper() == "\200\255AZ")
-- @@ rep_basic
print(("ab"):rep(3), ("ab"):rep(0), ("ab"):rep(-1), ("x"):rep(1))
-- @@ rep_sep
print(("ab"):rep(3, ","), ("ab"):rep(1, ","), ("ab"):rep(0, ","))
-- @@ reverse
print(("abc"):reverse(), (""):reverse(), ("a\0b"):reverse() == "b\0a")
-- @@ byte_basic
print(("ABC"):byte(), ("ABC"):byte(2), ("ABC"):byte(1, -1), ("ABC"):byte(10))
-- @@ byte_negative
print(("ABC"):byte(-1), ("ABC"):byte(-10, 2))
-- @@ byte_empty
print(select("#", (""):byte()))
-- @@ char_basic
print(string.char(72, 105), string.char(), #string.char(0, 0))
-- @@ char_bad
print(pcall(string.char, 256))
print(pcall(string.char, -1))
print(pcall(string.char, "x"))
-- @@ char_string_number
print(string.char("65", 66.0))
-- @@ concat_op
print("a" .. "b" .. 1 .. 2.5)
-- @@ concat_numbers
print(1 .. 2, 0.1 .. "", -0.0 .. "")
-- @@ concat_bad
print(pcall(function() return "a" .. {} end))
print(pcall(function() return "a" .. nil end))
print(pcall(function() return true .. "a" end))
-- @@ compare_strings
print("a" < "b", "abc" < "abd", "Z" < "a", "" < "a", "a\0b" < "a\0c", "10" < "9")
-- @@ compare_equal
print("abc" == "abc", "a" == "a\0")
-- @@ string_methods_on_literal
print(("%d"):format(5), ("x"):upper())
-- @@ string_index_number
local s = "abc"
print(s.len == string.len, s[1])
-- @@ string_newindex
print(pcall(function() local s = "abc"; s.x = 1 end))
-- @@ escapes
print("a\tb", "c\\d", "\65\066\0671", "\x41\u{48}", #"\z
       abc")
-- @@ long_string
print([[line1
line2]], [==[a]]b]==])
-- @@ long_string_first_newline
local s = [[
x]]
print(#s, s)
-- @@ embedded_zero
local s = "a\0b"
print(#s, s:byte(2), s:upper():byte(2))
-- @@ tostring_concat_float
print(1/3 .. "", 100 .. "", 1e100 .. "")
-- @@ string_len_unicode
print(#"héllo", ("héllo"):upper())
-- @@ dump_type
print(type(string.dump))
-- @@ string_coercion_arith
print("10" + 5, "3" * "4", "2" ^ 3, -"2", "0x10" + 0, " 5 " * 2)
-- @@ string_coercion_bad
print(pcall(function() return "abc" + 1 end))
print(pcall(function() return {} + 1 end))
-- @@ lower_noarg
print(pcall(string.lower))
-- @@ rep_bad
print(pcall(string.rep, "x"))
print(pcall(string.rep))
-- @@ byte_noarg
print(pcall(string.byte))
-- @@ sub_noarg
print(pcall(string.sub, "abc"))
-- @@ string_gsub_repl_table
print(("hello world"):gsub("%w+", {hello = "HI", world = false}))
-- @@ string_gsub_repl_function_nil
print(("a b c"):gsub("%w", function(c) if c == "b" then return "B" end end))
-- @@ string_gsub_n
print(("aaaa"):gsub("a", "b", 2))
print(("aaaa"):gsub("a", "b", 0))
print(("aaaa"):gsub("a", "b", -1))
-- @@ string_gsub_percent
print(("abc"):gsub("b", "%%"))
print(("abc"):gsub("(b)", "[%1%0]"))
print(pcall(string.gsub, "abc", "b", "%2"))
-- @@ string_gsub_bad_repl
print(pcall(string.gsub, "abc", "b", true))
-- @@ string_gsub_repl_number
print(("abc"):gsub("b", 42))
-- @@ string_gsub_bad_repl_value
print(pcall(string.gsub, "abc", "b", function() return {} end))
-- @@ string_find_plain
print(("a.b.c"):find(".", 1, true), ("a.b.c"):find("%.", 3), ("abc"):find("", 10), ("abc"):find("", 4))
-- @@ string_find_init
print(("abcabc"):find("b", -3), ("abc"):find("a", -10), ("abc"):find("c", 0))
