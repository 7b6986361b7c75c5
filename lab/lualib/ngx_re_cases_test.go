package lualib

// reCases is the ngx.re behaviour table: run on lualib and on real nginx
// (TestNgxReOracleNginx) and kept in testdata/ngx_re.golden.
var reCases = []oracleCase{
	// match: captures, named captures, unmatched groups
	{name: "re/match/basic", code: `return ngx.re.match("hello, 1234", "[0-9]+"), ngx.re.match("hello, 1234", "([0-9])[0-9]+")`},
	{name: "re/match/named", code: `return ngx.re.match("hello, 1234", "([0-9])(?<remaining>[0-9]+)")`},
	{name: "re/match/named-order", code: `return ngx.re.match("xy", "(?<a>x)(y)"), ngx.re.match("xy", "(x)(?<b>y)"), ngx.re.match("xy", "(?P<p>x)(?'q'y)")`},
	{name: "re/match/unmatched", code: `return ngx.re.match("hello", "(world)|(hello)|(?<named>howdy)")`},
	{name: "re/match/none", code: `return ngx.re.match("hello", "x")`},
	{name: "re/match/nomatch-count", code: `return select("#", ngx.re.match("hello", "x"))`},
	{name: "re/match/empty", code: `return ngx.re.match("", ""), ngx.re.match("abc", "")`},
	{name: "re/match/subject-coerce", code: `return ngx.re.match(nil, "nil"), ngx.re.match(12, "2"), ngx.re.match(true, "ru"), ngx.re.match(1.5, "\\.")`},
	{name: "re/match/res-table", code: `local r = {9, 9, 9, x = 1} local m = ngx.re.match("ab", "(a)", nil, nil, r) return m == r, r`},
	{name: "re/match/backref", code: `return ngx.re.match("abab xyxy", "(\\w\\w)\\1"), ngx.re.match("aa", "(?<c>a)\\k<c>"), ngx.re.match("aa", "(a)\\g{-1}"), ngx.re.match("aa", "(?P<c>a)(?P=c)")`},
	{name: "re/match/lookaround", code: `return ngx.re.match("price: 100 USD", "\\d+(?= USD)"), ngx.re.match("http://www.x.com/live", "(?<=://)[A-Za-z0-9.]+(?=/)"), ngx.re.match("ab", "a(?!b)")`},
	{name: "re/match/possessive-atomic", code: `return ngx.re.match("aaa", "a++a"), ngx.re.match("aaab", "(?>a+)b"), ngx.re.match("xaaay", "a{2}+")`},
	{name: "re/match/quote", code: `return ngx.re.match("a.b*c", "\\Q.b*\\E"), ngx.re.match("x{y", "x{y"), ngx.re.match("aaa", "a{2}")`},
	{name: "re/match/classes", code: `return ngx.re.match("ab12_-", "[[:alpha:]]+"), ngx.re.match("ab12_-", "[\\d_]+"), ngx.re.match("a]b", "[]a]+"), ngx.re.match("a-b", "[a\\-]+"), ngx.re.match("x^y", "[\\^y]+"), ngx.re.match("tab\there", "[[:space:]]"), ngx.re.match("AbC", "[^[:lower:]]+")`},
	{name: "re/match/escapes", code: `return ngx.re.match("a\tb", "\\t"), ngx.re.match("A", "\\x41"), ngx.re.match("A", "\\x{41}"), ngx.re.match("A", "\\101"), ngx.re.match("\27", "\\e"), ngx.re.match("a b", "a\\ b"), ngx.re.match("\1", "\\cA")`},
	{name: "re/match/word-ascii", code: `return ngx.re.match("h\233llo", "\\w+"), ngx.re.match("\233a", "\\ba"), ngx.re.match("caf\195\169 x", "\\w+\\b", "u"), ngx.re.match("\194\160", "\\s"), ngx.re.match("\194\160x", "\\S+", "u")`},
	{name: "re/match/bytes-and-utf8", code: `return ngx.re.match("h\195\169llo", ".(.)", "u"), ngx.re.match("h\195\169llo", ".(.)"), ngx.re.match("\195\169", "^.$"), ngx.re.match("\195\169", "^.$", "u")`},
	{name: "re/match/caseless", code: `return ngx.re.match("HELLO", "hel+o", "i"), ngx.re.match("H\195\137LLO", "\195\169", "i"), ngx.re.match("H\195\137LLO", "\195\169", "iu"), ngx.re.match("ABC", "(?i)abc")`},
	{name: "re/match/multiline", code: `return ngx.re.match("a\nb", "^b"), ngx.re.match("a\nb", "^b", "m"), ngx.re.match("a\nb", "a$", "m"), ngx.re.match("a\nb", "a$"), ngx.re.match("a\n", "a$")`},
	{name: "re/match/dotall", code: `return ngx.re.match("A\nB", "a.b", "i"), ngx.re.match("A\nB", "a.b", "is"), ngx.re.match("A\nB", "(?s)A.B")`},
	{name: "re/match/extended", code: `return ngx.re.match("a b", "a b", "x"), ngx.re.match("ab", " a  b # comment", "x"), ngx.re.match("a b", "a\\ b", "x"), ngx.re.match("a#b", "a[#]b", "x")`},
	{name: "re/match/anchored", code: `return ngx.re.match("xab", "ab", "a"), ngx.re.match("abx", "ab", "a"), ngx.re.match("abab", "ab", "a", {pos = 3})`},
	{name: "re/match/dupnames", code: `return ngx.re.match("hello, world", "(?<named>\\w+), (?<named>\\w+)", "D"), ngx.re.match("hello", "(?<n>h)|(?<n>x)", "D")`},
	{name: "re/match/dfa", code: `return ngx.re.match("hello", "(h)(e)", "d"), ngx.re.match("ab", "a|ab", "d"), ngx.re.match("ab", "a|ab")`},
	{name: "re/match/options-ignored", code: `return ngx.re.match("abc", "b", "jo"), ngx.re.match("abc", "B", "ijo")`},
	{name: "re/match/conditional", code: `return ngx.re.match("(a)", "(\\()?a(?(1)\\))"), ngx.re.match("a)", "^(\\()?a(?(1)\\))$")`},

	// syntax translation corners
	{name: "re/syn/space-classes", code: `return ngx.re.gsub("a\tb\vc\fd e\r\nf", "\\s", "_"), ngx.re.gsub("a\tb c\nd", "\\h", "_"), ngx.re.gsub("a\r\nb\nc\vd", "\\R", "_"), ngx.re.gsub("a\nb\tc", "\\v", "_")`},
	{name: "re/syn/negated-in-class", code: `return ngx.re.gsub("a1 _-", "[\\W]", "."), ngx.re.gsub("a1 _-", "[^\\d]", "."), ngx.re.gsub("a1 _-", "[\\D1]", "."), ngx.re.gsub("ab\233", "[^a]", ".")`},
	{name: "re/syn/lazy", code: `return ngx.re.match("<a><b>", "<.+?>"), ngx.re.match("aaa", "a{2,}?"), ngx.re.match("aaa", "a??"), ngx.re.match("xaaa", "a*?$")`},
	{name: "re/syn/inline-options", code: `return ngx.re.match("aB", "a(?i:b)"), ngx.re.match("AB", "(?i)a(?-i)b"), ngx.re.match("AB", "(?i)a(?-i)B"), ngx.re.match("x\ny", "(?m)^y"), ngx.re.match("x\ny", "(?m:x$)")`},
	{name: "re/syn/extended-class", code: `return ngx.re.match("a b", "a[ ]b", "x"), ngx.re.match("ab", "(?x) a b"), ngx.re.match("a+", "a \\+", "x")`},
	{name: "re/syn/brace-literals", code: `return ngx.re.match("a{,3}", "a{,3}"), ngx.re.match("a{x}", "a{x}"), ngx.re.match("{}", "{}"), ngx.re.match("a12", "\\d{2,}")`},
	{name: "re/syn/octal-and-hex", code: `return ngx.re.match("\233", "\\xe9"), ngx.re.match("\195\169", "\\x{e9}", "u"), ngx.re.match("\0", "\\0"), ngx.re.match("\8", "\\011|8"), ngx.re.match("\233", "\\351")`},
	{name: "re/syn/high-bytes", code: `return ngx.re.match("ab\195\169cd", "[\\x80-\\xff]+"), ngx.re.gsub("\195\169", ".", "x"), ngx.re.gsub("\195\169", ".", "x", "u")`},
	{name: "re/syn/emoji", code: `local s = "a\240\159\152\128b" return ngx.re.find(s, "b", "u"), ngx.re.match(s, "a(.)b", "u"), ngx.re.gsub(s, "(?<!a).", "-", "u")`},
	{name: "re/syn/unicode-props", code: `return ngx.re.match("\195\169t\195\169", "\\p{L}+", "u"), ngx.re.match("ab1", "\\pL+", "u"), ngx.re.match("1a", "\\P{L}", "u")`},
	{name: "re/syn/caseless-class", code: `return ngx.re.match("XYZ", "[a-z]+", "i"), ngx.re.match("abAB", "(ab)\\1", "i"), ngx.re.match("\195\137", "[\\x{e0}-\\x{ff}]", "iu")`},
	{name: "re/syn/alternation-empty", code: `return ngx.re.match("b", "a|"), ngx.re.match("b", "(|b)"), ngx.re.match("ab", "(a|ab)(c|bcd)?(d*)")`},
	{name: "re/syn/dollar-end", code: `return ngx.re.match("ab\n", "b$"), ngx.re.match("ab\n", "b\\z"), ngx.re.match("ab\n", "b\\Z"), ngx.re.match("ab", "\\Aa")`},
	{name: "re/syn/word-boundary", code: `return ngx.re.gsub("cat concat cat.", "\\bcat\\b", "X"), ngx.re.gsub("ab cd", "\\B", "-")`},
	{name: "re/syn/group-numbering", code: `return ngx.re.match("abcd", "(a)(?:b)(?<n>c)(d)"), ngx.re.sub("abcd", "(a)(?<n>b)(c)", "$3$2$1")`},
	{name: "re/syn/repeated-group", code: `return ngx.re.match("ab", "(?:(a)|b)+"), ngx.re.match("aba", "(a|b)*")`},

	// ctx.pos
	{name: "re/ctx/advance", code: `local ctx = {} local a = ngx.re.match("a1b2", "[0-9]", nil, ctx) local p1 = ctx.pos local b = ngx.re.match("a1b2", "[0-9]", nil, ctx) return a[0], p1, b[0], ctx.pos`},
	{name: "re/ctx/bounds", code: `
		local out = {}
		for _, p in ipairs({-3, 0, 1, 5, 6, 7, 10}) do
			local ctx = {pos = p}
			local m = ngx.re.match("hello", "$|l", nil, ctx)
			out[#out + 1] = tostring(p) .. ":" .. tostring(m and m[0]) .. ":" .. tostring(ctx.pos)
		end
		return table.concat(out, " ")`},
	{name: "re/ctx/nomatch-keeps", code: `local ctx = {pos = 2} local m = ngx.re.find("abc", "x", nil, ctx) return m, ctx.pos`},
	{name: "re/ctx/utf8-midchar", code: `return ngx.re.match("\195\169a", "a", "u", {pos = 2})`},

	// find
	{name: "re/find/basic", code: `return ngx.re.find("hello", "l+")`},
	{name: "re/find/nth", code: `return ngx.re.find("hello", "(l)(l)(x)?", nil, nil, 2)`},
	{name: "re/find/nth-unset", code: `return select("#", ngx.re.find("hello", "(l)(x)?", nil, nil, 2)), ngx.re.find("hello", "(l)(x)?", nil, nil, 2)`},
	{name: "re/find/nth-out", code: `return ngx.re.find("hello", "(l)(x)?", nil, nil, 3)`},
	{name: "re/find/nth-negative", code: `return ngx.re.find("hello", "e(l)", nil, nil, -1)`},
	{name: "re/find/none", code: `return select("#", ngx.re.find("hello", "x")), ngx.re.find("hello", "x")`},
	{name: "re/find/bad", code: `return ngx.re.find("hello", "(l")`},
	{name: "re/find/utf8-bytes", code: `return ngx.re.find("h\195\169llo", "l", "u"), ngx.re.find("h\195\169llo", "\195\169", "u"), ngx.re.find("\195\169\195\169", "\195\169$")`},
	{name: "re/find/ctx", code: `local ctx = {pos = 4} local a, b = ngx.re.find("hello", "l", nil, ctx) return a, b, ctx.pos`},

	// compile errors
	{name: "re/err/missing-paren", code: `return ngx.re.match("x", "(abc")`},
	{name: "re/err/unmatched", code: `return ngx.re.match("x", "abc)")`},
	{name: "re/err/class", code: `return ngx.re.match("x", "[abc")`},
	{name: "re/err/nothing-to-repeat", code: `return ngx.re.match("x", "*a"), ngx.re.match("x", "a|+")`},
	{name: "re/err/trailing-backslash", code: `return ngx.re.match("x", "a\\")`},
	{name: "re/err/range", code: `return ngx.re.match("x", "[z-a]")`},
	{name: "re/err/dupname", code: `return ngx.re.match("x", "(?<n>a)(?<n>b)")`},
	{name: "re/err/backref", code: `return ngx.re.match("x", "\\2(a)")`},
	{name: "re/err/group-syntax", code: `return ngx.re.match("x", "(?z)")`},
	{name: "re/err/quantifier-order", code: `return ngx.re.match("x", "a{3,2}")`},
	{name: "re/err/utf8-pattern", code: `return ngx.re.match("x", "\255", "u")`},
	{name: "re/err/utf8-subject", code: `return ngx.re.match("h\255llo", "h", "u")`},
	{name: "re/err/flag", code: `return ngx.re.match("x", "x", "q")`},
	{name: "re/err/flag-gmatch", code: `return ngx.re.gmatch("x", "x", "iZ")`},
	{name: "re/err/regex-type", code: `return ngx.re.match("x", 12)`},
	{name: "re/err/regex-nil", code: `return ngx.re.find("x")`},

	// gmatch
	{name: "re/gmatch/loop", code: `local out = {} for m in ngx.re.gmatch("a1b22c333", "[0-9]+") do out[#out + 1] = m[0] end return table.concat(out, ",")`},
	{name: "re/gmatch/type", code: `local it = ngx.re.gmatch("ab", "b") return type(it), it(), it(), it()`},
	{name: "re/gmatch/empty", code: `local n = 0 for m in ngx.re.gmatch("ab", "") do n = n + 1 end return n`},
	{name: "re/gmatch/captures", code: `local out = {} for m in ngx.re.gmatch("k1=v1, k2=v2", "(?<k>\\w+)=(\\w+)") do out[#out + 1] = m.k .. ":" .. m[2] end return table.concat(out, " ")`},
	{name: "re/gmatch/bad", code: `return ngx.re.gmatch("ab", "(")`},
	{name: "re/gmatch/utf8-midchar", code: `local it = ngx.re.gmatch("\195\169", "", "u") return it(), it()`},

	// sub and gsub
	{name: "re/sub/template", code: `return ngx.re.sub("hello", "l", "[$0$1${0}$$]"), ngx.re.sub("hello", "(l)", "<$1${1}0>")`},
	{name: "re/sub/template-missing-group", code: `return ngx.re.sub("hello", "l", "[$5]"), ngx.re.sub("hello", "l", "[${12}a]"), ngx.re.sub("hello", "(x)?l", "[$1]")`},
	{name: "re/sub/template-bad", code: `return ngx.re.sub("hello", "l", "[$x]"), ngx.re.sub("hello", "l", "[${x}]"), ngx.re.sub("hello", "l", "[$]"), ngx.re.sub("hello", "l", "[${1]")`},
	{name: "re/sub/template-named", code: `return ngx.re.sub("hello", "(?<x>l)", "[$x]")`},
	{name: "re/sub/backslash", code: `return ngx.re.sub("hello", "l", "a\\b")`},
	{name: "re/sub/none", code: `return ngx.re.sub("hello", "x", "y")`},
	{name: "re/gsub/basic", code: `return ngx.re.gsub("hello world", "o", "0"), ngx.re.gsub("a1b2", "([a-z])([0-9])", "$2$1")`},
	{name: "re/gsub/empty-matches", code: `return ngx.re.gsub("hello", "", "-"), ngx.re.gsub("hello", "l*", "-"), ngx.re.gsub("", "", "x"), ngx.re.gsub("", "a", "x")`},
	{name: "re/gsub/function", code: `return ngx.re.gsub("a1b22", "[0-9]+", function(m) return "<" .. m[0] .. ">" end)`},
	{name: "re/gsub/function-types", code: `return ngx.re.gsub("hello", "l", function(m) return nil end), ngx.re.gsub("hello", "l", function(m) return 1.5 end), ngx.re.gsub("hello", "l", function(m) return false end)`},
	{name: "re/gsub/function-error", code: `return ngx.re.gsub("hello", "l", function(m) error("boom") end)`},
	{name: "re/gsub/function-nested", code: `return ngx.re.gsub("a-b", "[a-z]", function(m) return (ngx.re.sub(m[0], "(.)", "$1$1")) end)`},
	{name: "re/gsub/replace-types", code: `return ngx.re.gsub("hello", "l", 7), ngx.re.gsub("hello", "l", nil), ngx.re.gsub("hello", "l", 0.5)`},
	{name: "re/gsub/bad-regex", code: `return ngx.re.gsub("hello", "(", "y")`},
	{name: "re/gsub/multiline-anchors", code: `return ngx.re.gsub("a\nb\n", "^", ">", "m"), ngx.re.gsub("a\nb\n", "$", "<", "m"), ngx.re.gsub("a\nb\n", "$", "<")`},
	{name: "re/gsub/anchored", code: `return ngx.re.gsub("aaba", "a", "x", "a")`},
	{name: "re/gsub/utf8", code: `return ngx.re.gsub("h\195\169llo", ".", "[$0]", "u"), ngx.re.gsub("h\195\169llo", "", "-", "u")`},
	{name: "re/gsub/dupname-template", code: `return ngx.re.sub("hello", "(?<a>l)(?<a>l)", "$a", "D")`},

	// ngx.re module (lua-resty-core)
	{name: "re/split/basic", code: `local re = require "ngx.re" return re.split("a,b,,c", ","), re.split("a,b", ""), re.split(",a,", ",")`},
	{name: "re/split/captures", code: `local re = require "ngx.re" return re.split("a1b2c", "([0-9])"), re.split("a,b", "(x)?,")`},
	{name: "re/split/max", code: `local re = require "ngx.re" return re.split("a,b,c,d", ",", nil, nil, 2), re.split("a,b,,", ",", nil, nil, 0), re.split("a,b,,", ",", nil, nil, 10)`},
	{name: "re/split/ctx", code: `local re = require "ngx.re" local ctx = {pos = 3} local r = re.split("a,b,c", ",", nil, ctx) return r, ctx.pos`},
	{name: "re/split/bad", code: `local re = require "ngx.re" return re.split("a", "(")`},
	{name: "re/split/empty-subject", code: `local re = require "ngx.re" return re.split("", ",")`},
}
