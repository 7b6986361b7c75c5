package highlight

import (
	"github.com/alecthomas/chroma/v2"
)

// The lab's own lexers and styles for the two languages it shows. We do not
// import chroma's lexers and styles packages: they register every language
// and style at init (about 4.7 MB and 24 ms, measured with GODEBUG=inittrace=1),
// and every sandboxed instance is a re-exec of this same binary.

// luaLexer tokenises Lua 5.1.
var luaLexer = chroma.MustNewLexer(&chroma.Config{Name: "Lua", Filenames: []string{"*.lua"}}, func() chroma.Rules {
	return chroma.Rules{
		"root": {
			{Pattern: `\s+`, Type: chroma.TextWhitespace},
			{Pattern: `--\[(=*)\[[\s\S]*?\]\1\]`, Type: chroma.CommentMultiline},
			{Pattern: `--[^\n]*`, Type: chroma.CommentSingle},
			{Pattern: `\[(=*)\[[\s\S]*?\]\1\]`, Type: chroma.LiteralString},
			{Pattern: `"(\\[\s\S]|[^"\\\n])*"`, Type: chroma.LiteralStringDouble},
			{Pattern: `'(\\[\s\S]|[^'\\\n])*'`, Type: chroma.LiteralStringSingle},
			{Pattern: `0[xX][0-9a-fA-F]+|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?`, Type: chroma.LiteralNumber},
			{Pattern: `(local|function)\b`, Type: chroma.KeywordDeclaration},
			{Pattern: `(nil|true|false)\b`, Type: chroma.KeywordConstant},
			{Pattern: `(and|break|do|else|elseif|end|for|goto|if|in|not|or|repeat|return|then|until|while)\b`, Type: chroma.Keyword},
			{Pattern: `(ngx|ndk|string|table|math|coroutine|os|io|debug|package|bit|cjson|assert|error|getmetatable|setmetatable|ipairs|pairs|next|pcall|xpcall|print|rawget|rawset|rawequal|require|select|tonumber|tostring|type|unpack)\b`, Type: chroma.NameBuiltin},
			{Pattern: `[A-Za-z_]\w*`, Type: chroma.Name},
			{Pattern: `\.\.\.?|[=~<>]=|[-+*/%^#=<>.:]`, Type: chroma.Operator},
			{Pattern: `[(){}\[\],;]`, Type: chroma.Punctuation},
			{Pattern: `.`, Type: chroma.Text},
		},
	}
})

// nginxLexer tokenises nginx.conf: a directive name, then arguments up to
// ";" or "{".
var nginxLexer = chroma.MustNewLexer(&chroma.Config{Name: "nginx", Filenames: []string{"*.conf"}}, func() chroma.Rules {
	return chroma.Rules{
		"root": {
			{Pattern: `\s+`, Type: chroma.TextWhitespace},
			{Pattern: `#[^\n]*`, Type: chroma.CommentSingle},
			{Pattern: `[{}]`, Type: chroma.Punctuation},
			{Pattern: `;`, Type: chroma.Punctuation},
			{Pattern: `[A-Za-z_][A-Za-z0-9_]*`, Type: chroma.Keyword, Mutator: chroma.Push("args")},
			{Pattern: `[^\s{};#]+`, Type: chroma.Text},
		},
		"args": {
			{Pattern: `;`, Type: chroma.Punctuation, Mutator: chroma.Pop(1)},
			{Pattern: `\{`, Type: chroma.Punctuation, Mutator: chroma.Pop(1)},
			{Pattern: `\s+`, Type: chroma.TextWhitespace},
			{Pattern: `#[^\n]*`, Type: chroma.CommentSingle},
			{Pattern: `"(\\[\s\S]|[^"\\])*"`, Type: chroma.LiteralStringDouble},
			{Pattern: `'(\\[\s\S]|[^'\\])*'`, Type: chroma.LiteralStringSingle},
			{Pattern: `\$\{?\w+\}?`, Type: chroma.NameVariable},
			{Pattern: `\d+[kKmMgGsShHdD]?\b`, Type: chroma.LiteralNumber},
			{Pattern: `(on|off)\b`, Type: chroma.KeywordConstant},
			{Pattern: `[^\s;{"'$]+|\$`, Type: chroma.Text},
		},
	}
})

// textLexer leaves text as it is.
var textLexer = chroma.MustNewLexer(&chroma.Config{Name: "text"}, func() chroma.Rules {
	return chroma.Rules{"root": {{Pattern: `[\s\S]+`, Type: chroma.Text}}}
})

// lightStyle and darkStyle colour the tokens with the Okabe-Ito palette,
// readable on the lab's light and dark backgrounds.
var (
	lightStyle = chroma.MustNewStyle("restylab-light", chroma.StyleEntries{
		chroma.Background:         "#1b1f24 bg:#f6f8fa",
		chroma.LineNumbers:        "#8c959f",
		chroma.LineHighlight:      "bg:#fdf1c6",
		chroma.Comment:            "italic #6e7781",
		chroma.Keyword:            "bold #0072b2",
		chroma.KeywordDeclaration: "bold #cc79a7",
		chroma.KeywordConstant:    "#d55e00",
		chroma.NameBuiltin:        "#0072b2",
		chroma.NameVariable:       "#cc79a7",
		chroma.LiteralString:      "#007a5a",
		chroma.LiteralNumber:      "#d55e00",
		chroma.Operator:           "#57606a",
		chroma.Punctuation:        "#57606a",
	})
	darkStyle = chroma.MustNewStyle("restylab-dark", chroma.StyleEntries{
		chroma.Background:         "#e6edf3 bg:#161b22",
		chroma.LineNumbers:        "#6e7681",
		chroma.LineHighlight:      "bg:#3b3416",
		chroma.Comment:            "italic #8b949e",
		chroma.Keyword:            "bold #56b4e9",
		chroma.KeywordDeclaration: "bold #cc79a7",
		chroma.KeywordConstant:    "#e69f00",
		chroma.NameBuiltin:        "#56b4e9",
		chroma.NameVariable:       "#cc79a7",
		chroma.LiteralString:      "#009e73",
		chroma.LiteralNumber:      "#e69f00",
		chroma.Operator:           "#8b949e",
		chroma.Punctuation:        "#8b949e",
	})
)
