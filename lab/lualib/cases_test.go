package lualib

// oracleCase is one Lua snippet run both on real nginx and on lualib; its
// return values (or error) are serialised by testdata/runner.lua.
type oracleCase struct {
	name string
	code string
	// fork marks behaviour of OpenResty's lua-cjson fork that Debian's
	// upstream lua-cjson 2.1.0 (the oracle's) lacks or spells differently:
	// checked against the golden file only.
	fork bool
}

// oracleCases is the behaviour table. Expected results are in
// testdata/oracle.golden; TestOracleNginx checks them against real nginx.
var oracleCases = []oracleCase{
	// ngx.null
	{name: "null/tostring", code: `return tostring(ngx.null), type(ngx.null), ngx.null == nil, not ngx.null`},
	{name: "null/cjson", code: `local c = require "cjson" return c.null == ngx.null, rawequal(c.null, ngx.null)`},

	// digests and codecs
	{name: "md5", code: `return ngx.md5("hello"), ngx.md5(""), ngx.md5(), ngx.md5(nil), ngx.md5(false), ngx.md5(1), ngx.md5(0.1), ngx.md5("\0\255")`},
	{name: "md5/extra-args", code: `return ngx.md5("a", "b")`},
	{name: "md5_bin", code: `return ngx.md5_bin("abc"), #ngx.md5_bin()`},
	{name: "sha1_bin", code: `return ngx.sha1_bin("abc"), ngx.sha1_bin(nil)`},
	{name: "hmac_sha1", code: `return ngx.hmac_sha1("key", "The quick brown fox jumps over the lazy dog"), #ngx.hmac_sha1(1, 2)`},
	{name: "hmac_sha1/no-args", code: `return ngx.hmac_sha1()`},
	{name: "hmac_sha1/one-arg", code: `return ngx.hmac_sha1("k")`},
	{name: "hmac_sha1/three-args", code: `return ngx.hmac_sha1("a", "b", "c")`},
	{name: "hmac_sha1/nil", code: `return ngx.hmac_sha1(nil, nil)`},
	{name: "hmac_sha1/table", code: `return ngx.hmac_sha1("k", {})`},
	{name: "crc32", code: `return ngx.crc32_short("hello"), ngx.crc32_long("hello"), ngx.crc32_short(), ngx.crc32_long(("x"):rep(100)), ngx.crc32_short("\255\0")`},
	{name: "base64/encode", code: `return ngx.encode_base64("a"), ngx.encode_base64("ab"), ngx.encode_base64("abc"), ngx.encode_base64(""), ngx.encode_base64(), ngx.encode_base64(1), ngx.encode_base64(false), ngx.encode_base64("\255\254\253\0")`},
	{name: "base64/no-padding", code: `return ngx.encode_base64("a", true), ngx.encode_base64("a", false), ngx.encode_base64("a", nil)`},
	{name: "base64/bad-no-padding", code: `return ngx.encode_base64("a", 1)`},
	{name: "base64/decode", code: `return ngx.decode_base64("YQ=="), ngx.decode_base64("YQ"), ngx.decode_base64("YQ="), ngx.decode_base64(""), ngx.decode_base64("YWJj="), ngx.decode_base64("YR=="), ngx.decode_base64("//79AA=="), ngx.decode_base64("YQ==YQ==")`},
	{name: "base64/decode-bad", code: `return ngx.decode_base64("Y"), ngx.decode_base64("Y Q=="), ngx.decode_base64("_-8="), ngx.decode_base64("YWJjZ"), ngx.decode_base64("YWJj\n")`},
	{name: "base64/decode-nil", code: `return ngx.decode_base64(nil)`},
	{name: "base64/decode-number", code: `return ngx.decode_base64(1)`},
	{name: "quote_sql_str", code: `return ngx.quote_sql_str("a'b\"c\\d\0e\n\r\t\026\bz"), ngx.quote_sql_str(1), ngx.quote_sql_str("é")`},
	{name: "quote_sql_str/none", code: `return ngx.quote_sql_str()`},
	{name: "quote_sql_str/two", code: `return ngx.quote_sql_str("a", "b")`},
	{name: "quote_sql_str/nil", code: `return ngx.quote_sql_str(nil)`},

	// URI codecs
	{name: "escape_uri/all-types", code: `
		local out = {}
		for ty = 0, 6 do
			local esc = {}
			for i = 0, 255 do
				local c = string.char(i)
				if ngx.escape_uri(c, ty) ~= c then esc[#esc + 1] = string.format("%02x", i) end
			end
			out[#out + 1] = table.concat(esc, " ")
		end
		return unpack(out)`},
	{name: "escape_uri/default", code: `return ngx.escape_uri("é ~/?a=b&c"), ngx.escape_uri("a b", nil), ngx.escape_uri(), ngx.escape_uri(12.5), ngx.escape_uri(false)`},
	{name: "escape_uri/float-type", code: `return ngx.escape_uri("a/b", 2.5), ngx.escape_uri("a/b", 0.5)`},
	{name: "escape_uri/type-7", code: `return ngx.escape_uri("a", 7)`},
	{name: "escape_uri/type-neg", code: `return ngx.escape_uri("a", -1)`},
	{name: "escape_uri/type-string", code: `return ngx.escape_uri("a", "2")`},
	{name: "unescape_uri", code: `return ngx.unescape_uri("a+b%20c%zz%4"), ngx.unescape_uri("%00%e9%2B%2b%"), ngx.unescape_uri(), ngx.unescape_uri(1), ngx.unescape_uri(false)`},
	{name: "unescape_uri/edge", code: `
		local out = {}
		for _, s in ipairs({"%%41", "%4+", "%+41", "%4%41", "a%2", "%g1+", "%", "%%", "%A", "%41%4", "?a=%3F", "%2f%2F"}) do
			out[#out + 1] = ngx.unescape_uri(s)
		end
		return unpack(out)`},
	{name: "decode_args/basic", code: `return ngx.decode_args("a=1&b=2"), ngx.decode_args("a=1&a=2&a=3"), ngx.decode_args("a"), ngx.decode_args("a&a"), ngx.decode_args("a=&b")`},
	{name: "decode_args/empty-keys", code: `return ngx.decode_args("=1"), ngx.decode_args("="), ngx.decode_args("&"), ngx.decode_args("&&a=1&&"), ngx.decode_args("")`},
	{name: "decode_args/unescape", code: `return ngx.decode_args("a+b=c+d"), ngx.decode_args("a%20b=c%2Bd%zz"), ngx.decode_args("a=1=2"), ngx.decode_args("%61=1"), ngx.decode_args("a=%"), ngx.decode_args("a=%E9%")`},
	{name: "decode_args/mixed-repeats", code: `return ngx.decode_args("a=x&a"), ngx.decode_args("a&a=x"), ngx.decode_args("a=1&a=&a"), ngx.decode_args("a=1;b=2"), ngx.decode_args("x=1&X=2"), ngx.decode_args(1)`},
	{name: "decode_args/max", code: `return ngx.decode_args("a=1&b=2&c=3&d=4", 2)`},
	{name: "decode_args/max-0", code: `return ngx.decode_args("a=1&b=2&c=3&d=4", 0)`},
	{name: "decode_args/max-neg", code: `return ngx.decode_args("a=1&b=2&c=3&d=4", -1)`},
	{name: "decode_args/max-string", code: `return ngx.decode_args("a=1&b=2&c=3", "2")`},
	{name: "decode_args/truncation-edges", code: `
		local function cnt(t) local c = 0 for _ in pairs(t) do c = c + 1 end return c end
		local t1, e1 = ngx.decode_args("a=1&b=2&", 2)
		local t2, e2 = ngx.decode_args("&&a=1", 2)
		local t3, e3 = ngx.decode_args("a=1&b=2", 2)
		local t4, e4 = ngx.decode_args("a=1&a=2&a=3", 2)
		local t5, e5 = ngx.decode_args("a&b&c&d", 3.7)
		return cnt(t1), e1, cnt(t2), e2, cnt(t3), e3, #t4.a, e4, cnt(t5), e5`},
	{name: "decode_args/default-max", code: `
		local many = {} for i = 1, 150 do many[i] = "k" .. i .. "=" .. i end
		local t, e = ngx.decode_args(table.concat(many, "&"))
		local c = 0 for _ in pairs(t) do c = c + 1 end
		return c, e, t.k100, t.k101`},
	{name: "decode_args/none", code: `return ngx.decode_args()`},
	{name: "decode_args/three", code: `return ngx.decode_args("a", 1, 2)`},
	{name: "decode_args/nil", code: `return ngx.decode_args(nil)`},
	{name: "decode_args/table", code: `return ngx.decode_args({})`},
	{name: "decode_args/bad-max", code: `return ngx.decode_args("a", "x")`},
	{name: "decode_args/nil-max", code: `return ngx.decode_args("a", nil)`},
	{name: "encode_args/values", code: `return ngx.encode_args({a = "1 2"}), ngx.encode_args({a = true}), ngx.encode_args({a = false}), ngx.encode_args({a = 3.5}), ngx.encode_args({a = 1/3}), ngx.encode_args({}), ngx.encode_args({a = 2^53})`},
	{name: "encode_args/arrays", code: `return ngx.encode_args({a = {1, "x y", true}}), ngx.encode_args({a = {false, "z"}}), ngx.encode_args({a = {}}), ngx.encode_args({a = {1, nil, 3}}), ngx.encode_args({a = {x = 1}})`},
	{name: "encode_args/escaping", code: `return ngx.encode_args({["a/b?c=d&e"] = "/?=&+~*'()!;:@$,#[]"}), ngx.encode_args({["é"] = "ü"}), ngx.encode_args({a = "\0\255"})`},
	{name: "encode_args/nested", code: `return ngx.encode_args({a = {{1}}})`},
	{name: "encode_args/number-key", code: `return ngx.encode_args({[1] = "x"})`},
	{name: "encode_args/function", code: `return ngx.encode_args({a = print})`},
	{name: "encode_args/null", code: `return ngx.encode_args({a = ngx.null})`},
	{name: "encode_args/null-in-array", code: `return ngx.encode_args({a = {ngx.null}})`},
	{name: "encode_args/none", code: `return ngx.encode_args()`},
	{name: "encode_args/two", code: `return ngx.encode_args({}, 1)`},
	{name: "encode_args/number", code: `return ngx.encode_args(1)`},
	{name: "encode_args/roundtrip", code: `local t = ngx.decode_args(ngx.encode_args({k = "a b&c=d/é"})) return t.k`},

	// HTTP dates
	{name: "http_time", code: `return ngx.http_time(0), ngx.http_time(1290079655), ngx.http_time(1.9), ngx.http_time(-1), ngx.http_time(2^40), ngx.http_time(951782400), ngx.http_time(2^62), ngx.http_time(2^63), ngx.http_time(1/0), ngx.http_time(0/0)`},
	{name: "http_time/string", code: `return ngx.http_time("12")`},
	{name: "http_time/none", code: `return ngx.http_time()`},
	{name: "cookie_time", code: `return ngx.cookie_time(1290079655), ngx.cookie_time(-1), ngx.cookie_time(2^40), ngx.cookie_time(2^31), ngx.cookie_time(2145916799), ngx.cookie_time(2145916800)`},
	{name: "cookie_time/none", code: `return ngx.cookie_time()`},
	{name: "parse_http_time/layouts", code: `return ngx.parse_http_time("Thu, 18 Nov 2010 11:27:35 GMT"), ngx.parse_http_time("Thursday, 18-Nov-10 11:27:35 GMT"), ngx.parse_http_time("Thu Nov 18 11:27:35 2010"), ngx.parse_http_time("Thu, 18-Nov-10 11:27:35 GMT"), ngx.parse_http_time("Thu Nov  8 11:27:35 2010"), ngx.parse_http_time("Thu Nov 8 11:27:35 2010")`},
	{name: "parse_http_time/edges", code: `
		local out = {}
		for _, s in ipairs({"Thu, 18 Nov 2010 11:27:35", "Thu,18 Nov 2010 11:27:35 GMT", "Thu, 18-Nov-69 11:27:35 GMT",
			"Thu, 18-Nov-70 11:27:35 GMT", "Sun, 29 Feb 2004 00:00:00 GMT", "Sun, 29 Feb 2003 00:00:00 GMT",
			"Sun, 29 Feb 1900 00:00:00 GMT", "Sun, 29 Feb 2000 00:00:00 GMT",
			"Sun, 31 Apr 2003 00:00:00 GMT", "Sun, 00 Apr 2003 00:00:00 GMT", "Sun, 01 Jan 1960 00:00:00 GMT",
			"Wed, 31 Dec 1969 23:59:59 GMT", "Sun, 01 Xyz 2003 00:00:00 GMT", "Sun, 01 Jux 2003 24:00:00 GMT",
			"Sun, 01 Jux 2003 23:00:00 GMT", "x, 01 Mar 2003 23:00:60 GMT", "no comma here at all 1234", "",
			"Thu, 18 Nov 2010 11:27:35 GMT trailing", "Fri, 31 Dec 9999 23:59:59 GMT", "Thu, 18 nov 2010 11:27:35 GMT",
			"Thu, 18 Nov 2010 1:27:35 GMT", "Mon, 01 May 2000 00:00:00 GMT", "Mon, 01 Mar 2000 00:00:00 GMT",
			"Tue, 01 Aug 2000 00:00:00 GMT", "Tue, 01 Jun 2000 00:00:00 GMT", "Tue, 01 Jul 2000 00:00:00 GMT"}) do
			out[#out + 1] = ngx.parse_http_time(s) or "nil"
		end
		return unpack(out)`},
	{name: "parse_http_time/roundtrip", code: `local t = 1700000000 return ngx.parse_http_time(ngx.http_time(t)) == t, ngx.parse_http_time(ngx.cookie_time(t)) == t`},
	{name: "parse_http_time/number", code: `return ngx.parse_http_time(1)`},
	{name: "parse_http_time/none", code: `return ngx.parse_http_time()`},

	// clock: only shapes (values differ between the two runs)
	{name: "clock/shapes", code: `
		local now, t = ngx.now(), ngx.time()
		return type(now), now == math.floor(now * 1000 + 0.5) / 1000, t == math.floor(t), math.abs(now - t) < 2,
			ngx.today():match("^%d%d%d%d%-%d%d%-%d%d$") ~= nil,
			ngx.localtime():match("^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d$") ~= nil,
			ngx.utctime() == os.date("!%Y-%m-%d %H:%M:%S", ngx.time()), select("#", ngx.update_time()), ngx.now(1) ~= nil`},

	// bit
	{name: "bit/tobit", code: `
		local out = {}
		for _, x in ipairs({0, 1, -1, 0.5, 1.5, 2.5, -0.5, -1.5, 2^31, 2^32, 2^32+5, -2^31, -2^31-1, 2^51, 2^52, 2^53,
			2^53+2, 2^60, 1e20, -1e20, 1/0, -1/0, 0/0, 4294967295.5, 1e15+0.5, "12", "0x10", " 7 "}) do
			out[#out + 1] = bit.tobit(x)
		end
		return unpack(out)`},
	{name: "bit/ops", code: `return bit.band(7, 3, 2), bit.band(1), bit.bor(1, 2, 4, 8), bit.bxor(5, 3), bit.bnot(0), bit.bnot(-1), bit.band(2^32 + 3, 1)`},
	{name: "bit/shifts", code: `return bit.lshift(1, 31), bit.lshift(1, 32), bit.lshift(1, 33), bit.lshift(1, -1), bit.rshift(-1, 1), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.arshift(2^31, 1), bit.lshift(1, 1.5)`},
	{name: "bit/rotate-swap", code: `return bit.rol(0x12345678, 12), bit.ror(0x12345678, 12), bit.ror(1, -1), bit.rol(1, 32), bit.bswap(0x12345678), bit.bswap(0xff)`},
	{name: "bit/tohex", code: `
		local out = { bit.tohex(255), bit.tohex(-1), bit.tohex(1.5), bit.tohex("0x10", "2"), bit.tohex(2^40 + 255), bit.tohex(-1, 16) }
		for _, n in ipairs({0, 1, 2, 7, 8, 9, 15, 16, 17, 20, 254, 255, 300, -1, -8, -9, -17, -255, -2^31, 2^32 + 3, 2.5}) do
			local s = bit.tohex(0x89abcdef, n)
			out[#out + 1] = n .. ":" .. #s .. ":" .. s:sub(-12)
		end
		return unpack(out)`},
	{name: "bit/require", code: `return require("bit") == bit, package.loaded.bit == bit`},
	{name: "bit/no-arg", code: `return bit.tobit()`},
	{name: "bit/nil", code: `return bit.band(1, nil)`},
	{name: "bit/string", code: `return bit.bor(1, "x")`},
	{name: "bit/table", code: `return bit.tobit({})`},
	{name: "bit/shift-missing", code: `return bit.lshift(1)`},

	// table extensions
	{name: "table.new", code: `local new = require "table.new" local t = new(10, 5) return new == table.new, type(t), #t, next(t)`},
	{name: "table.new/none", code: `return (require "table.new")()`},
	{name: "table.new/one", code: `return (require "table.new")(1)`},
	{name: "table.new/string", code: `return (require "table.new")("x", 1)`},
	{name: "table.new/negative", code: `return (require "table.new")(-1, -1)`},
	{name: "table.clear", code: `local clear = require "table.clear" local t = {1, 2, 3, a = 1, [true] = 2} local r = clear(t) t[2] = "x" return clear == table.clear, r, next(t, nil), t[2], t.a`},
	{name: "table.clear/none", code: `return (require "table.clear")()`},
	{name: "table.clear/number", code: `return (require "table.clear")(1)`},
	{name: "concat/numbers", code: `return table.concat({1, 0.1, 1/3, 2^53, 1e100, -0.0, 1/0, -1/0, 1e15, 1e16, 123456789012345678, 100, -5, 1e-5}, " ")`},
	{name: "concat/ranges", code: `return table.concat({1, 2, 3, 4}, "-", 2, 3), table.concat({1, 2, 3, 4}, "-", 3, 2), table.concat({1, 2, 3, 4}, "-", "2", "3"), table.concat({[0] = "z", 1, 2}, "-", 0), table.concat({1, 2, 3}, "-", 1.5), table.concat({1, 2, 3}, "-", 5), table.concat({1, 2}, 0), table.concat({})`},
	{name: "concat/large", code: `local t = {} for i = 1, 5000 do t[i] = "a" end return #table.concat(t, ","), #table.concat(t)`},
	{name: "concat/bad-table", code: `return table.concat({1, {}, 3})`},
	{name: "concat/hole", code: `return table.concat({1, 2, nil, 4}, ",", 1, 4)`},
	{name: "concat/boolean", code: `return table.concat({true})`},
	{name: "concat/beyond", code: `return table.concat({1, 2, 3, 4}, "-", 3, 6)`},
	{name: "concat/raw", code: `return table.concat(setmetatable({}, {__index = function() return "m" end}), "-", 1, 2)`},
	{name: "concat/none", code: `return table.concat()`},
	{name: "concat/number", code: `return table.concat(1)`},
	{name: "concat/bad-sep", code: `return table.concat({1, 2}, {})`},
	{name: "concat/bad-i", code: `return table.concat({1, 2}, "-", "x")`},
	{name: "string.rep", code: `return string.rep("ab", 3), string.rep("ab", 3, ","), string.rep("ab", 0), string.rep("ab", -1), string.rep(1, 2), string.rep("x", 2.7), ("x"):rep(3, "")`},
	{name: "string.rep/none", code: `return string.rep()`},
	{name: "string.rep/no-count", code: `return string.rep("x")`},
	{name: "string.rep/bad-count", code: `return string.rep("x", "y")`},

	// cjson encode
	{name: "cjson/numbers", code: `return require("cjson").encode({1, 0.1, 1/3, 2^53, 1e100, -0.0, 1e15, 1e16, 123456789012345678, 3.14159265358979, 100, -5, 1e-5, 1e-4, 123456.789e3, 2^31, 2^63})`},
	{name: "cjson/strings", code: `local c = require "cjson" return c.encode("a/b\"c\\d\0\1\31\127\128\255é\b\f\n\r\t"), c.encode(""), c.encode("日本")`},
	{name: "cjson/scalars", code: `local c = require "cjson" return c.encode(true), c.encode(nil), c.encode(c.null), c.encode({ngx.null}), c.encode({true, false}), c.encode(12)`},
	{name: "cjson/empty-table", code: `local c = require "cjson" return c.encode({}), c.encode({a = {}})`},
	{name: "cjson/object", code: `local c = require "cjson" return c.encode({a = 1}), c.encode({[0] = 1}), c.encode({[-1] = 1}), c.encode({[1.5] = 1}), c.encode({[1e20] = "y"})`},
	{name: "cjson/object-mixed", code: `local c = require "cjson" local t = c.decode(c.encode({1, 2, x = 3})) return t`},
	{name: "cjson/sparse-ok", code: `local c = require "cjson" return c.encode({[1] = 1, [2] = 2, [4] = 4}), c.encode({[10] = 1})`},
	{name: "cjson/sparse-11", code: `return require("cjson").encode({[11] = 1})`},
	{name: "cjson/sparse-ratio", code: `return require("cjson").encode({[1] = 1, [2] = 1, [20] = 1})`},
	{name: "cjson/sparse-convert", code: `local c = require("cjson").new() c.encode_sparse_array(true) return c.encode({[20] = 1})`},
	{name: "cjson/sparse-ratio-0", code: `local c = require("cjson").new() c.encode_sparse_array(false, 0) return c.encode({[12] = 1})`},
	{name: "cjson/sparse-settings", code: `local c = require("cjson").new() return c.encode_sparse_array(), c.encode_sparse_array("on"), c.encode_sparse_array(false, 3, 5)`},
	{name: "cjson/sparse-bad-option", code: `return require("cjson").new().encode_sparse_array("yes")`},
	{name: "cjson/sparse-bad-number", code: `return require("cjson").new().encode_sparse_array(1)`},
	{name: "cjson/nested", code: `local c = require "cjson" return c.decode(c.encode({a = {b = {c = {1, {d = "e"}}}}}))`},
	{name: "cjson/bool-key", code: `return require("cjson").encode({[true] = 1})`},
	{name: "cjson/function", code: `return require("cjson").encode({print})`},
	{name: "cjson/function-top", code: `return require("cjson").encode(print)`},
	{name: "cjson/no-arg", code: `return require("cjson").encode()`},
	{name: "cjson/two-args", code: `return require("cjson").encode(1, 2)`},
	{name: "cjson/depth-999", code: `local t = {} local c = t for i = 1, 999 do c[1] = {} c = c[1] end return #require("cjson").encode(t)`},
	{name: "cjson/depth-1000", code: `local t = {} local c = t for i = 1, 1000 do c[1] = {} c = c[1] end return #require("cjson").encode(t)`},
	{name: "cjson/cycle", code: `local t = {} t[1] = t return require("cjson").encode(t)`},
	{name: "cjson/cycle-object", code: `local t = {} t.a = t return require("cjson").encode(t)`},
	{name: "cjson/nan", code: `return require("cjson").encode(0/0)`, fork: true},
	{name: "cjson/inf", code: `return require("cjson").encode({-1/0})`, fork: true},
	{name: "cjson/invalid-null", code: `local c = require("cjson").new() c.encode_invalid_numbers("null") return c.encode({0/0, 1/0})`},
	{name: "cjson/invalid-on", code: `local c = require("cjson").new() c.encode_invalid_numbers(true) return c.encode({0/0, 1/0, -1/0})`, fork: true},
	{name: "cjson/invalid-get", code: `local c = require("cjson").new() return c.encode_invalid_numbers(), c.encode_invalid_numbers("null"), c.encode_invalid_numbers("off")`},
	{name: "cjson/precision", code: `local c = require("cjson").new() c.encode_number_precision(3) return c.encode({1/3, 12345}), c.encode_number_precision()`},
	{name: "cjson/precision-16", code: `local c = require("cjson").new() c.encode_number_precision(16) return c.encode({0.1 + 0.2, 1/3})`, fork: true},
	{name: "cjson/precision-0", code: `return require("cjson").new().encode_number_precision(0)`, fork: true},
	{name: "cjson/precision-17", code: `return require("cjson").new().encode_number_precision(17)`, fork: true},
	{name: "cjson/precision-string", code: `return require("cjson").new().encode_number_precision("x")`},
	{name: "cjson/option-too-many", code: `return require("cjson").new().encode_number_precision(1, 2)`},
	{name: "cjson/max-depth", code: `local c = require("cjson").new() c.encode_max_depth(2) return c.encode_max_depth(), P(c.encode, {{{}}})`},
	{name: "cjson/max-depth-0", code: `return require("cjson").new().encode_max_depth(0)`},
	{name: "cjson/empty-table-as-array", code: `local c = require("cjson").new() c.encode_empty_table_as_object(false) return c.encode({}), c.encode({dogs = {}}), c.encode_empty_table_as_object("on"), c.encode({})`, fork: true},
	{name: "cjson/empty_array", code: `local c = require "cjson" return c.encode({a = c.empty_array}), c.encode({b = {}}), c.encode(c.empty_array), type(c.empty_array)`, fork: true},
	{name: "cjson/empty_array_mt", code: `local c = require "cjson" return c.encode(setmetatable({}, c.empty_array_mt)), c.encode(setmetatable({1, 2}, c.empty_array_mt))`, fork: true},
	{name: "cjson/array_mt", code: `local c = require "cjson" local t = {"one", "two"} setmetatable(t, c.array_mt) local h = setmetatable({1, 2, foo = "bar"}, c.array_mt) return c.encode(t), c.encode(setmetatable({}, c.array_mt)), c.encode(h)`, fork: true},
	{name: "cjson/escape-forward-slash", code: `local c = require "cjson" local before = c.encode("a/b") local r = c.encode_escape_forward_slash(false) local after = c.encode("a/b") c.encode_escape_forward_slash(true) return before, r, after, c.encode("a/b")`, fork: true},
	{name: "cjson/decode-array-mt", code: `local c = require("cjson").new() c.decode_array_with_array_mt(true) local t = c.decode('{"my_array":[]}') return c.encode(t), getmetatable(t.my_array) == c.array_mt, getmetatable(t) == nil`, fork: true},
	{name: "cjson/fields", code: `local c = require "cjson" return type(c.encode), type(c.decode), type(c.new), type(c.encode_keep_buffer), c.encode_keep_buffer(false), c._NAME`},
	{name: "cjson/big-array", code: `local t = {} for i = 1, 10000 do t[i] = i end local c = require "cjson" return #c.encode(t), #c.decode(c.encode(t))`},
	{name: "cjson/binary-roundtrip", code: `local c = require "cjson" local s = "" for i = 1, 255 do s = s .. string.char(i) end return c.decode(c.encode(s)) == s`},

	// cjson decode
	{name: "cjson/decode-basic", code: `return require("cjson").decode('{"a":[1,2,{"b":null}],"c":"\\u00e9\\/\\ud83d\\ude00"}')`},
	{name: "cjson/decode-numbers", code: `return require("cjson").decode('[1e2, -0, 0.5, 1E-2, 123456789012345678901234567890, 1e400, -1e400, 1e-400]')`},
	{name: "cjson/decode-invalid-numbers", code: `return require("cjson").decode('[inf, -inf, nan, Infinity, -Infinity, NaN, +1, 01, 1., 0x10, -0x10, 0x1p4, 1e5]')`},
	{name: "cjson/decode-scalars", code: `local c = require "cjson" return c.decode("true"), c.decode("false"), c.decode("null") == c.null, c.decode('"x"'), c.decode(123), c.decode(" \t\r\n[ 1 , 2 ] \n")`},
	{name: "cjson/decode-strings", code: `local c = require "cjson" return c.decode('"a\1b"'), c.decode('"\\b\\f\\n\\r\\t\\"\\\\"'), c.decode('"\\u0000"'), c.decode('"\\u20AC"'), c.decode('"é"'), c.decode('{"":1}')[""], c.decode('{"a":1,"a":2}').a`},
	{name: "cjson/decode-nul-ends", code: `return require("cjson").decode("[1]\0garbage")`},
	{name: "cjson/decode-empty", code: `return require("cjson").decode("")`},
	{name: "cjson/decode-open-object", code: `return require("cjson").decode("{")`},
	{name: "cjson/decode-trailing-comma", code: `return require("cjson").decode("[1,]")`},
	{name: "cjson/decode-missing-colon", code: `return require("cjson").decode('{"a" 1}')`},
	{name: "cjson/decode-object-trailing", code: `return require("cjson").decode('{"a":1,}')`},
	{name: "cjson/decode-missing-comma", code: `return require("cjson").decode('[1 2]')`},
	{name: "cjson/decode-open-string", code: `return require("cjson").decode('"abc')`},
	{name: "cjson/decode-bad-escape", code: `return require("cjson").decode('"\\x"')`},
	{name: "cjson/decode-lone-surrogate", code: `return require("cjson").decode('"\\ud800"')`},
	{name: "cjson/decode-low-surrogate", code: `return require("cjson").decode('"\\udc00\\ud800"')`},
	{name: "cjson/decode-short-unicode", code: `return require("cjson").decode('"\\u12"')`},
	{name: "cjson/decode-nul", code: `return require("cjson").decode('nul')`},
	{name: "cjson/decode-two-values", code: `return require("cjson").decode('1 2')`},
	{name: "cjson/decode-number-key", code: `return require("cjson").decode('{1:2}')`},
	{name: "cjson/decode-x", code: `return require("cjson").decode('x')`},
	{name: "cjson/decode-truex", code: `return require("cjson").decode('truex')`},
	{name: "cjson/decode-dot", code: `return require("cjson").decode('.5')`},
	{name: "cjson/decode-plus", code: `return require("cjson").decode('+')`},
	{name: "cjson/decode-minus", code: `return require("cjson").decode('-')`},
	{name: "cjson/decode-1e", code: `return require("cjson").decode('1e')`},
	{name: "cjson/decode-utf16", code: `return require("cjson").decode('a\0b')`},
	{name: "cjson/decode-nil", code: `return require("cjson").decode(nil)`},
	{name: "cjson/decode-none", code: `return require("cjson").decode()`},
	{name: "cjson/decode-table", code: `return require("cjson").decode({})`},
	{name: "cjson/decode-depth-1000", code: `return type(require("cjson").decode(string.rep("[", 1000) .. string.rep("]", 1000)))`},
	{name: "cjson/decode-depth-1001", code: `return require("cjson").decode(string.rep("[", 1001) .. string.rep("]", 1001))`},
	{name: "cjson/decode-object-depth-1001", code: `return require("cjson").decode(string.rep('{"a":', 1001))`},
	{name: "cjson/decode-max-depth", code: `local c = require("cjson").new() c.decode_max_depth(2) return P(c.decode, '[[[1]]]'), P(c.decode, '{"a":{"b":{}}}')`},
	{name: "cjson/decode-strict-numbers", code: `local c = require("cjson").new() c.decode_invalid_numbers(false) return P(c.decode, '[1, nan]'), P(c.decode, '0x1'), P(c.decode, '+1'), P(c.decode, '01'), c.decode('-0.5e1')`},

	// cjson.safe and new()
	{name: "cjson.safe/decode", code: `local s = require "cjson.safe" return s.decode("{"), s.decode("1")`},
	{name: "cjson.safe/encode", code: `return require("cjson.safe").encode(print)`},
	{name: "cjson.safe/no-arg", code: `return require("cjson.safe").decode()`},
	{name: "cjson.safe/new", code: `local s, c = require "cjson.safe", require "cjson" return s.new() ~= s, c.new() ~= c, s.new().decode("x")`},
	{name: "cjson.safe/own-config", code: `local s, c = require "cjson.safe", require "cjson" c.encode_number_precision(3) local r = s.encode(1/3) c.encode_number_precision(14) return r`},
	{name: "cjson/new-own-config", code: `local c = require "cjson" local c2 = c.new() c2.encode_number_precision(3) return c2.encode(1/3), c.encode(1/3)`},
	{name: "cjson/require-cached", code: `return require("cjson") == require("cjson"), require("cjson.safe") == require("cjson.safe"), require("cjson") ~= require("cjson.safe")`},
}
