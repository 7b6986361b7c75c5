// Package luadiff is the differential suite for plain Lua: it runs the same
// Lua 5.1 snippets with Debian's luajit2 (OpenResty's LuaJIT, the oracle)
// and with the RestyLab engine inside content_by_lua_file, and compares
// what they print byte for byte. It holds tests only; docs/difftest.md
// describes the snippet files, the goldens and testdata/known.txt, the
// differences that are listed instead of fixed.
package luadiff
