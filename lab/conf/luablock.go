package conf

import "strings"

// readLuaBlock reads the body of a *_by_lua_block after its '{' the way
// ngx_lua does (ngx_http_lua_conf_read_lua_token): it skips Lua strings,
// comments and long brackets so that braces inside them do not count, and
// stops at the '}' that balances the opening one. It returns the code
// between the braces.
func (lx *lexer) readLuaBlock(openLine int) (string, error) {
	start := lx.pos
	level := 1
	for lx.pos < len(lx.src) {
		ch := lx.src[lx.pos]
		switch ch {
		case '\n':
			lx.line++
			lx.pos++
		case '{':
			level++
			lx.pos++
		case '}':
			level--
			lx.pos++
			if level == 0 {
				return string(lx.src[start : lx.pos-1]), nil
			}
		case '"', '\'':
			lx.skipLuaString(ch)
		case '-':
			if lx.peek(1) != '-' {
				lx.pos++
				continue
			}
			lx.pos += 2
			if eq, ok := lx.longBracket(); ok {
				if err := lx.skipLong(eq); err != nil {
					return "", err
				}
				continue
			}
			for lx.pos < len(lx.src) && lx.src[lx.pos] != '\n' {
				lx.pos++
			}
		case '[':
			if eq, ok := lx.longBracket(); ok {
				if err := lx.skipLong(eq); err != nil {
					return "", err
				}
				continue
			}
			lx.pos++
		default:
			lx.pos++
		}
	}
	return "", errf(lx.at(openLine), "unexpected end of file, expecting terminating characters for lua code block")
}

func (lx *lexer) peek(n int) byte {
	if lx.pos+n < len(lx.src) {
		return lx.src[lx.pos+n]
	}
	return 0
}

// longBracket reports whether an opening long bracket "[==[" starts at pos
// and how many '=' it has; it does not move.
func (lx *lexer) longBracket() (int, bool) {
	if lx.peek(0) != '[' {
		return 0, false
	}
	n := 1
	for lx.peek(n) == '=' {
		n++
	}
	if lx.peek(n) != '[' {
		return 0, false
	}
	return n - 1, true
}

// skipLong moves past a long bracket opened at pos with eq '=' signs.
func (lx *lexer) skipLong(eq int) error {
	line := lx.line
	closing := "]" + strings.Repeat("=", eq) + "]"
	lx.pos += eq + 2
	rest := string(lx.src[lx.pos:])
	i := strings.Index(rest, closing)
	if i < 0 {
		return errf(lx.at(line), "Lua code block missing the closing long bracket %q, the inlined Lua code may be too long", closing)
	}
	lx.line += strings.Count(rest[:i], "\n")
	lx.pos += i + len(closing)
	return nil
}

// skipLuaString moves past a quoted Lua string starting at pos. Like ngx_lua
// it ends the string at an unescaped newline (a Lua syntax error that the Lua
// compiler reports later).
func (lx *lexer) skipLuaString(q byte) {
	lx.pos++
	for lx.pos < len(lx.src) {
		ch := lx.src[lx.pos]
		switch {
		case ch == '\\':
			if lx.peek(1) == '\n' {
				lx.line++
			}
			lx.pos += 2
		case ch == q:
			lx.pos++
			return
		case ch == '\n':
			return
		default:
			lx.pos++
		}
	}
}
