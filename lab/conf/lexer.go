package conf

// The lexer follows nginx's ngx_conf_read_token (src/core/ngx_conf_file.c):
// words are separated by spaces, ';' ends a directive, '{' opens a block,
// '}' closes one; '#' starts a comment only at the start of a word; quoted
// words may contain anything; a backslash escapes the next character and
// \" \' \\ \t \r \n are decoded in every word; inside "${" a '{' does not
// open a block. Lua blocks are lexed separately (luablock.go).

// tokKind says how a directive read by the lexer ended.
type tokKind int

const (
	tokEnd        tokKind = iota // ';'
	tokBlockStart                // '{'
	tokBlockDone                 // '}' with no words before it
	tokEOF                       // end of file with no words pending
)

// word is one argument with the line it starts on.
type word struct {
	s    string
	line int
}

// lexer reads one configuration file.
type lexer struct {
	file string // absolute path, as nginx prints it
	src  []byte
	pos  int
	line int
}

func newLexer(file string, src []byte) *lexer {
	return &lexer{file: file, src: src, line: 1}
}

func (lx *lexer) at(line int) Pos { return Pos{File: lx.file, Line: line} }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// next reads the words of one directive and what ended it. At tokEOF and
// tokBlockDone, words is empty.
func (lx *lexer) next() ([]word, tokKind, error) {
	var (
		words                       []word
		start, startLine            int
		lastSpace                   = true
		sharp, quoted, variable     bool
		sQuoted, dQuoted, needSpace bool
	)
	for {
		if lx.pos >= len(lx.src) {
			if len(words) > 0 || !lastSpace {
				return nil, 0, errf(lx.at(lx.line), `unexpected end of file, expecting ";" or "}"`)
			}
			return nil, tokEOF, nil
		}
		ch := lx.src[lx.pos]
		lx.pos++
		if ch == '\n' {
			lx.line++
			if sharp {
				sharp = false
			}
		}
		if sharp {
			continue
		}
		if quoted {
			quoted = false
			continue
		}
		if needSpace {
			switch {
			case isSpace(ch):
				lastSpace, needSpace = true, false
				continue
			case ch == ';':
				return words, tokEnd, nil
			case ch == '{':
				return words, tokBlockStart, nil
			case ch == ')':
				// ngx_conf_read_token: ")" may follow a quoted word
				// (if ($a = "")) and starts the next word
				lastSpace, needSpace = true, false
			default:
				return nil, 0, errf(lx.at(lx.line), "unexpected \"%c\"", ch)
			}
		}
		if lastSpace {
			if isSpace(ch) {
				continue
			}
			start, startLine = lx.pos-1, lx.line
			switch ch {
			case ';', '{':
				if len(words) == 0 {
					return nil, 0, errf(lx.at(lx.line), "unexpected \"%c\"", ch)
				}
				if ch == '{' {
					return words, tokBlockStart, nil
				}
				return words, tokEnd, nil
			case '}':
				if len(words) != 0 {
					return nil, 0, errf(lx.at(lx.line), `unexpected "}"`)
				}
				return nil, tokBlockDone, nil
			case '#':
				sharp = true
				continue
			case '\\':
				quoted, lastSpace = true, false
				continue
			case '"':
				start++
				dQuoted, lastSpace = true, false
				continue
			case '\'':
				start++
				sQuoted, lastSpace = true, false
				continue
			case '$':
				variable, lastSpace = true, false
				continue
			default:
				lastSpace = false
			}
			continue
		}
		if ch == '{' && variable {
			continue
		}
		variable = false
		switch ch {
		case '\\':
			quoted = true
			continue
		case '$':
			variable = true
			continue
		}
		found := false
		switch {
		case dQuoted:
			if ch == '"' {
				dQuoted, needSpace, found = false, true, true
			}
		case sQuoted:
			if ch == '\'' {
				sQuoted, needSpace, found = false, true, true
			}
		case isSpace(ch) || ch == ';' || ch == '{':
			lastSpace, found = true, true
		}
		if !found {
			continue
		}
		words = append(words, word{s: unescape(lx.src[start : lx.pos-1]), line: startLine})
		switch ch {
		case ';':
			return words, tokEnd, nil
		case '{':
			return words, tokBlockStart, nil
		}
	}
}

// unescape decodes a word as nginx does when it copies it out of the buffer.
func unescape(b []byte) string {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) {
			switch b[i+1] {
			case '"', '\'', '\\':
				i++
			case 't':
				out = append(out, '\t')
				i++
				continue
			case 'r':
				out = append(out, '\r')
				i++
				continue
			case 'n':
				out = append(out, '\n')
				i++
				continue
			}
		}
		out = append(out, b[i])
	}
	return string(out)
}
