// Package highlight renders source code as HTML on the server with chroma:
// nginx.conf (with the Lua inside *_by_lua_block highlighted as Lua) and Lua
// files, for share pages, lessons and the source line of a trace event.
//
// Its functions are safe for concurrent use.
package highlight

import (
	"bytes"
	"fmt"
	"html/template"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/formatters/html"
)

var formatter = html.New(html.WithClasses(true), html.WithLineNumbers(true), html.TabWidth(4))

// File renders the file named name (nginx.conf, *.lua, anything else as
// plain text) as a highlighted <pre> with line numbers.
func File(name, text string) (template.HTML, error) {
	spans := spansOf(name, text)
	tokens, err := tokenise(name, spans)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := formatter.Format(&buf, lightStyle, chroma.Literator(tokens...)); err != nil {
		return "", fmt.Errorf("highlight %s: %w", name, err)
	}
	return template.HTML(buf.String()), nil
}

// spansOf cuts a file into stretches of one language each.
func spansOf(name, text string) []span {
	switch {
	case path.Base(name) == "nginx.conf" || strings.HasSuffix(name, ".conf"):
		return splitLuaBlocks(text)
	case strings.HasSuffix(name, ".lua"):
		return []span{{text: text, lua: true}}
	}
	return []span{{text: text, plain: true}}
}

// tokenise runs each span through its language's lexer.
func tokenise(name string, spans []span) ([]chroma.Token, error) {
	var tokens []chroma.Token
	for _, sp := range spans {
		var lexer chroma.Lexer = nginxLexer
		switch {
		case sp.lua:
			lexer = luaLexer
		case sp.plain:
			lexer = textLexer
		}
		it, err := chroma.Coalesce(lexer).Tokenise(nil, sp.text)
		if err != nil {
			return nil, fmt.Errorf("highlight %s: %w", name, err)
		}
		tokens = append(tokens, it.Tokens()...)
	}
	return tokens, nil
}

// Token is a stretch of text and the CSS class CSS() styles it with
// ("k", "s2", "c1" ... or "" for plain text).
type Token struct {
	Class string `json:"c,omitempty"`
	Text  string `json:"t"`
}

// Line is one highlighted line: its 1-based number and its tokens (without
// the line break).
type Line struct {
	N      int     `json:"n"`
	Tokens []Token `json:"tokens"`
}

// Lines highlights the whole file (so that a line inside a Lua block is
// lexed as Lua) and returns lines from..to (1-based, clamped).
func Lines(name, text string, from, to int) ([]Line, error) {
	tokens, err := tokenise(name, spansOf(name, text))
	if err != nil {
		return nil, err
	}
	all := chroma.SplitTokensIntoLines(tokens)
	from, to = max(from, 1), min(to, len(all))
	var out []Line
	for n := from; n <= to; n++ {
		line := Line{N: n, Tokens: []Token{}}
		for _, tok := range all[n-1] {
			text := strings.TrimRight(tok.Value, "\n")
			if text == "" {
				continue
			}
			line.Tokens = append(line.Tokens, Token{Class: classOf(tok.Type), Text: text})
		}
		out = append(out, line)
	}
	return out, nil
}

// classOf is the CSS class of a token type, as chroma's HTML formatter
// names it (the nearest parent type with a class).
func classOf(t chroma.TokenType) string {
	for ; t != 0; t = t.Parent() {
		if cls, ok := chroma.StandardTypes[t]; ok {
			return cls
		}
	}
	return ""
}

var (
	cssComment = regexp.MustCompile(`/\*.*?\*/`)
	cssOnce    sync.Once
	css        string
)

// CSS is the stylesheet for File's output: the light style, and the dark
// one under html[data-theme=dark].
func CSS() string {
	cssOnce.Do(func() {
		var light, dark bytes.Buffer
		_ = formatter.WriteCSS(&light, lightStyle)
		_ = formatter.WriteCSS(&dark, darkStyle)
		var b strings.Builder
		b.WriteString(light.String())
		for _, line := range strings.Split(dark.String(), "\n") {
			line = strings.TrimSpace(cssComment.ReplaceAllString(line, ""))
			if line == "" {
				continue
			}
			// Every rule starts with a selector such as ".chroma .k"; scope it.
			b.WriteString("html[data-theme=dark] ")
			b.WriteString(line)
			b.WriteByte('\n')
		}
		css = b.String()
	})
	return css
}

// span is a stretch of text in one language.
type span struct {
	text  string
	lua   bool
	plain bool
}

// splitLuaBlocks cuts an nginx.conf into nginx and Lua stretches: the body
// of every "*_by_lua_block {" up to its matching brace is Lua. Braces in Lua
// strings and comments do not count.
func splitLuaBlocks(text string) []span {
	var spans []span
	rest := text
	for {
		i := strings.Index(rest, "_by_lua_block")
		if i < 0 {
			break
		}
		open := strings.IndexByte(rest[i:], '{')
		if open < 0 {
			break
		}
		start := i + open + 1
		end := matchBrace(rest[start:])
		if end < 0 {
			break
		}
		spans = append(spans, span{text: rest[:start]}, span{text: rest[start : start+end], lua: true})
		rest = rest[start+end:]
	}
	return append(spans, span{text: rest})
}

// matchBrace returns the offset of the brace closing an already open one in
// Lua source, or -1.
func matchBrace(s string) int {
	depth := 1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i
			}
		case '"', '\'':
			for i++; i < len(s) && s[i] != c && s[i] != '\n'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '-':
			if strings.HasPrefix(s[i:], "--[[") {
				j := strings.Index(s[i:], "]]")
				if j < 0 {
					return -1
				}
				i += j + 1
			} else if strings.HasPrefix(s[i:], "--") {
				j := strings.IndexByte(s[i:], '\n')
				if j < 0 {
					return -1
				}
				i += j
			}
		case '[':
			if strings.HasPrefix(s[i:], "[[") {
				j := strings.Index(s[i:], "]]")
				if j < 0 {
					return -1
				}
				i += j + 1
			}
		}
	}
	return -1
}
