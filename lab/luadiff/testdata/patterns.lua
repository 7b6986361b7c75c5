-- Patterns: find, match, gmatch, gsub with classes, sets, captures, anchors.
-- @@ find_basic
print(("hello world"):find("wor"), ("hello"):find("l+"), ("hello"):find("x"))
-- @@ find_captures
print(("key=value"):find("(%w+)=(%w+)"))
-- @@ find_position_capture
print(("abc"):find("()b()"))
-- @@ match_basic
print(("hello 123 world"):match("%d+"), ("abc"):match("^(a)(b)"), ("abc"):match("x"))
-- @@ match_init
print(("abcabc"):match("a.", 2), ("abc"):match(".", -1))
-- @@ match_anchor
print(("aaa"):match("^a"), ("baa"):match("^a"), ("aab"):match("b$"), ("a$b"):match("$b"))
-- @@ classes
local s = "aB3 _!\t\n"
for _, c in ipairs({"%a", "%d", "%l", "%u", "%s", "%w", "%p", "%c", "%x", "%A", "%D", "%S", "%W"}) do
  io.write("")
  print(c, (s:gsub(c, "#")))
end
-- @@ class_x
print(("0x1Fg"):gsub("%x", "."))
-- @@ class_z
print(("a\0b"):gsub("%z", "Z"))
-- @@ sets
print(("hello-world_42"):gsub("[%w_]", "."), ("abc"):gsub("[^b]", "x"), ("a-b"):gsub("[a-]", "."))
-- @@ set_ranges
print(("azAZ09"):gsub("[a-z0-4]", "*"))
-- @@ set_bracket_first
print(("a]b"):gsub("[]]", "!"), ("a]b"):gsub("[^]]", "!"))
-- @@ quantifiers
print(("aaa"):match("a*"), ("aaa"):match("a+"), ("aaa"):match("a-"), ("aaa"):match("a-$"), ("b"):match("a?b"))
-- @@ lazy_vs_greedy
print(("<a><b>"):match("<(.*)>"), ("<a><b>"):match("<(.-)>"))
-- @@ balanced
print(("f(a(b)c) d"):match("%b()"), ("[x]"):match("%b[]"), ("no"):match("%b()"))
-- @@ frontier
print(("THE (quick) fox"):gsub("%f[%a]%a+", "W"))
-- @@ frontier_end
print(("hello world"):gsub("%f[%z%s]", "|"))
-- @@ backref
print(('say "hi" and \'yo\''):match("([\"'])(.-)%1"))
-- @@ backref_gsub
print(("aa bb cd"):gsub("(%a)%1", "<%1%1>"))
-- @@ empty_captures
print(("abc"):match("()"), ("abc"):match("()", 3), ("abc"):match("()$"))
-- @@ nested_captures
print(("2024-01-15"):match("((%d+)-(%d+))-(%d+)"))
-- @@ gmatch_words
for w in ("one two  three"):gmatch("%a+") do print(w) end
-- @@ gmatch_pairs
for k, v in ("a=1, b=2, c=3"):gmatch("(%w+)=(%w+)") do print(k, v) end
-- @@ gmatch_empty_match
for p in ("abc"):gmatch("()") do io.write("") print(p) end
-- @@ gmatch_anchor_literal
for m in ("^a^b"):gmatch("^.") do print(m) end
-- @@ gmatch_star
local n = 0
for m in ("ab"):gmatch("x*") do n = n + 1 end
print(n)
-- @@ gsub_empty_pattern
print(("abc"):gsub("", "-"))
-- @@ gsub_anchor
print(("aaa"):gsub("^a", "b"))
-- @@ gsub_function_captures
print(("x=1 y=2"):gsub("(%w)=(%d)", function(k, v) return v .. k end))
-- @@ gsub_table_capture
print(("$name is $age"):gsub("%$(%w+)", {name = "Ann", age = 7}))
-- @@ gsub_whole_match_fn
print(("abc"):gsub("%w", string.upper))
-- @@ gsub_special_chars
print(("a.b.c"):gsub("%.", "%%"))
-- @@ gsub_position_capture
print(("abc"):gsub("()", "%1"))
-- @@ trim
local function trim(s) return (s:gsub("^%s*(.-)%s*$", "%1")) end
print("[" .. trim("  hi there \t\n") .. "]", "[" .. trim("") .. "]")
-- @@ split_csv
local out = {}
for f in ("a,b,,d"):gmatch("([^,]*)") do out[#out + 1] = "<" .. f .. ">" end
print(table.concat(out))
-- @@ err_missing_bracket
print(pcall(string.find, "a", "[a"))
-- @@ err_ends_percent
print(pcall(string.find, "a", "a%"))
-- @@ err_unbalanced
print(pcall(string.find, "a", "(a"))
print(pcall(string.find, "a", "a)"))
-- @@ err_bad_capture
print(pcall(string.gsub, "a", "a", "%9"))
print(pcall(string.find, "aa", "%1"))
-- @@ err_frontier
print(pcall(string.find, "a", "%fa"))
-- @@ err_balanced
print(pcall(string.find, "a", "%b"))
-- @@ find_special_plain
print(("a+b"):find("+", 1, true), ("a+b"):find("a+b", 1, true), ("x"):find("", 1, true))
-- @@ match_number_subject
print(string.match(12345, "%d%d"), string.find(3.5, "%."))
-- @@ percent_escape_nonalnum
print(("a.b"):find("%."), ("a%b"):find("%%"), ("a-b"):match("%-"))
-- @@ dash_literal_end
print(("a-"):match("a-$"), ("a-"):find("-", 1, true))
-- @@ max_captures
print(pcall(string.match, "abcdefghijklmnopqrstuvwxyzabcdefghijklmn", ("(.)"):rep(33)))
-- @@ long_subject
local s = ("ab"):rep(5000)
print(#s:gsub("a", "xx"), select(2, s:gsub("b", "")))
-- @@ url_decode
print((("a%20b%2Fc"):gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)))
-- @@ match_returns_one_nil
print(select("#", ("abc"):match("x")), select("#", ("abc"):find("x")))
