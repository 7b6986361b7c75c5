package parse

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/yuin/gopher-lua/ast"
)

const EOF = -1

// whitespace1 and whitespace2 are the spaces between tokens (C's isspace,
// as LuaJIT skips them), without and with line ends.
const whitespace1 = 1<<'\t' | 1<<' ' | 1<<'\v' | 1<<'\f'
const whitespace2 = whitespace1 | 1<<'\n' | 1<<'\r'

type Error struct {
	Pos     ast.Position
	Message string
	Token   string
}

// Error writes the error as Lua does: "source:line: message near 'token'"
// (gopher-lua wrote "source line:3(column:5) near 'token':   message").
// An error without a token (a limit such as "chunk has too many syntax
// levels") has no "near" part, as LuaJIT writes it.
func (e *Error) Error() string {
	pos := e.Pos
	if e.Token == "" {
		return fmt.Sprintf("%v:%d: %s", pos.Source, pos.Line, e.Message)
	}
	return fmt.Sprintf("%v:%d: %s near '%v'", pos.Source, pos.Line, e.Message, e.Token)
}

func writeChar(buf *bytes.Buffer, c int) { buf.WriteByte(byte(c)) }

func isDecimal(ch int) bool { return '0' <= ch && ch <= '9' }

// isIdent reports whether ch can be in a name (at pos > 0: after its first
// character). Bytes from 0x80 are, as in LuaJIT's lj_char_isident, so a
// UTF-8 name such as café is a name.
func isIdent(ch int, pos int) bool {
	return ch == '_' || 'A' <= ch && ch <= 'Z' || 'a' <= ch && ch <= 'z' || ch >= 0x80 || isDecimal(ch) && pos > 0
}

func isDigit(ch int) bool {
	return '0' <= ch && ch <= '9' || 'a' <= ch && ch <= 'f' || 'A' <= ch && ch <= 'F'
}

// Scanner reads Lua tokens. Pos is where it is: after a token, the line
// its last character is on, the line LuaJIT's errors name.
type Scanner struct {
	Pos    ast.Position
	reader *bufio.Reader
	// raw is the last string token as LuaJIT shows it after "near": its
	// quotes or long brackets around its (unescaped) content.
	raw string
}

// NewScanner returns a scanner of the chunk reader named source. As
// LuaJIT's lexer, it skips a UTF-8 byte order mark and a first line that
// starts with '#' (a "#!" line), in any chunk.
func NewScanner(reader io.Reader, source string) *Scanner {
	sc := &Scanner{
		Pos: ast.Position{
			Source: source,
			Line:   1,
			Column: 0,
		},
		reader: bufio.NewReaderSize(reader, 4096),
	}
	if b, err := sc.reader.Peek(3); err == nil && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf {
		sc.reader.Discard(3)
	}
	if sc.Peek() == '#' {
		for c := sc.Peek(); c != '\n' && c != '\r' && c != EOF; c = sc.Peek() {
			sc.Next()
		}
	}
	return sc
}

func (sc *Scanner) Error(tok string, msg string) *Error { return &Error{sc.Pos, msg, tok} }

func (sc *Scanner) TokenError(tok ast.Token, msg string) *Error { return &Error{tok.Pos, msg, tok.Str} }

func (sc *Scanner) readNext() int {
	ch, err := sc.reader.ReadByte()
	if err == io.EOF {
		return EOF
	}
	if err != nil {
		// a failing reader ends the parse with its error (Parse recovers
		// it), not with a syntax error near a made-up character
		panic(fmt.Errorf("%s: reading the chunk: %w", sc.Pos.Source, err))
	}
	return int(ch)
}

func (sc *Scanner) Newline(ch int) {
	if ch < 0 {
		return
	}
	sc.Pos.Line += 1
	sc.Pos.Column = 0
	next := sc.Peek()
	if ch == '\n' && next == '\r' || ch == '\r' && next == '\n' {
		sc.reader.ReadByte()
	}
}

func (sc *Scanner) Next() int {
	ch := sc.readNext()
	switch ch {
	case '\n', '\r':
		sc.Newline(ch)
		ch = int('\n')
	case EOF:
	default:
		sc.Pos.Column++
	}
	return ch
}

func (sc *Scanner) Peek() int {
	ch := sc.readNext()
	if ch != EOF {
		sc.reader.UnreadByte()
	}
	return ch
}

func (sc *Scanner) skipWhiteSpace(whitespace int64) int {
	ch := sc.Next()
	for ; whitespace&(1<<uint(ch)) != 0; ch = sc.Next() {
	}
	return ch
}

// skipComments skips a comment whose "--" has been read: a long one when
// a long bracket follows ("--[==["), else to the line's end ("--[=x" too).
func (sc *Scanner) skipComments(ch int) error {
	if sc.Peek() == '[' {
		ch = sc.Next()
		if level, ok := sc.longBracket(); ok {
			var buf bytes.Buffer
			return sc.scanLongString(level, &buf, "unfinished long comment")
		}
		ch = sc.Peek()
	}
	for {
		if ch == '\n' || ch == '\r' || ch < 0 {
			break
		}
		ch = sc.Next()
	}
	return nil
}

func (sc *Scanner) scanIdent(ch int, buf *bytes.Buffer) error {
	writeChar(buf, ch)
	for isIdent(sc.Peek(), 1) {
		writeChar(buf, sc.Next())
	}
	return nil
}

func (sc *Scanner) scanDecimal(ch int, buf *bytes.Buffer) error {
	writeChar(buf, ch)
	for isDecimal(sc.Peek()) {
		writeChar(buf, sc.Next())
	}
	return nil
}

// scanNumber reads a numeric literal as LuaJIT's lexer does: every letter,
// digit, underscore, point and non-ASCII byte that follows, and a sign
// right after an exponent letter (e, or p in a hexadecimal number), then
// checks the whole as ScanNumber does; what does not read as a number is
// "malformed number near '12a'". gopher-lua stopped at the first character
// it did not expect, so 0x1p4 and 0xA.8 were syntax errors and 12a read
// as 12 followed by a name.
func (sc *Scanner) scanNumber(ch int, buf *bytes.Buffer) error {
	exp := int('e')
	writeChar(buf, ch)
	if ch == '0' && (sc.Peek()|0x20) == 'x' {
		exp = 'p'
	}
	prev := ch
	for {
		c := sc.Peek()
		if !(isIdent(c, 1) || c == '.' || c >= 0x80 || (c == '-' || c == '+') && prev|0x20 == exp) {
			break
		}
		prev = sc.Next()
		writeChar(buf, prev)
	}
	if _, ok := ScanNumber(buf.String()); !ok {
		return sc.Error(buf.String(), "malformed number")
	}
	return nil
}

// scanString reads a quoted string whose opening quote has been read. Its
// errors are LuaJIT's (lj_lex.c): a line end inside the string is
// "unfinished string" near the text read so far (opening quote included) on
// the line the string is on, the end of the chunk is "unfinished string near
// '<eof>'", and a bad escape is "invalid escape sequence" near the text read
// before its backslash.
func (sc *Scanner) scanString(quote int, buf *bytes.Buffer) error {
	for {
		switch ch := sc.Peek(); ch {
		case quote:
			sc.Next()
			return nil
		case EOF:
			return sc.Error("<eof>", "unfinished string")
		case '\n', '\r':
			return sc.Error(string(rune(quote))+buf.String(), "unfinished string")
		case '\\':
			sc.Next()
			if err := sc.scanEscape(quote, buf); err != nil {
				return err
			}
		default:
			writeChar(buf, sc.Next())
		}
	}
}

// isLuaSpace reports whether ch is a space as C's isspace sees it, the set
// LuaJIT's \z skips.
func isLuaSpace(ch int) bool {
	return ch == ' ' || '\t' <= ch && ch <= '\r'
}

// hexValue returns the value of the hexadecimal digit ch, or -1.
func hexValue(ch int) int {
	switch {
	case '0' <= ch && ch <= '9':
		return ch - '0'
	case 'a' <= ch && ch <= 'f':
		return ch - 'a' + 10
	case 'A' <= ch && ch <= 'F':
		return ch - 'A' + 10
	}
	return -1
}

// scanEscape reads the escape after a backslash inside a quoted string, the
// escapes LuaJIT 2.1 knows: Lua 5.1's, \xXX (two hex digits), \z (skips the
// spaces and line ends that follow) and \u{XXX} (a code point below
// 0x110000 and outside the surrogates, written as UTF-8), as Debian's luajit2
// accepts them. Any other character after the backslash, or a decimal escape
// above 255, is an error, as in LuaJIT: gopher-lua kept the character, so
// "\d+" loaded as "d+".
func (sc *Scanner) scanEscape(quote int, buf *bytes.Buffer) error {
	invalid := func() error {
		return sc.Error(string(rune(quote))+buf.String(), "invalid escape sequence")
	}
	ch := sc.Peek()
	switch ch {
	case EOF:
		return nil // the string's loop reports it unfinished
	case '\n', '\r':
		sc.Next() // counts the line, a \r\n or \n\r pair as one
		buf.WriteByte('\n')
		return nil
	case 'z':
		sc.Next()
		for isLuaSpace(sc.Peek()) {
			sc.Next()
		}
		return nil
	case 'x':
		sc.Next()
		v := 0
		for i := 0; i < 2; i++ {
			d := hexValue(sc.Peek())
			if d < 0 {
				return invalid()
			}
			sc.Next()
			v = v<<4 | d
		}
		writeChar(buf, v)
		return nil
	case 'u':
		sc.Next()
		if sc.Peek() != '{' {
			return invalid()
		}
		sc.Next()
		v, digits := 0, 0
		for sc.Peek() != '}' {
			d := hexValue(sc.Peek())
			if d < 0 {
				return invalid()
			}
			sc.Next()
			v = v<<4 | d
			digits++
			if v >= 0x110000 {
				return invalid()
			}
		}
		if digits == 0 || 0xd800 <= v && v < 0xe000 {
			return invalid()
		}
		sc.Next()
		writeUTF8(buf, v)
		return nil
	}
	if simple, ok := simpleEscapes[ch]; ok {
		sc.Next()
		buf.WriteByte(simple)
		return nil
	}
	if !isDecimal(ch) {
		return invalid()
	}
	v := 0
	for i := 0; i < 3 && isDecimal(sc.Peek()); i++ {
		v = v*10 + sc.Next() - '0'
	}
	if v > 255 {
		return invalid()
	}
	writeChar(buf, v)
	return nil
}

// simpleEscapes maps the character after a backslash to the byte it stands for.
var simpleEscapes = map[int]byte{
	'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v',
	'\\': '\\', '"': '"', '\'': '\'',
}

// writeUTF8 writes code point v (below 0x110000) as UTF-8.
func writeUTF8(buf *bytes.Buffer, v int) {
	switch {
	case v < 0x80:
		buf.WriteByte(byte(v))
	case v < 0x800:
		buf.WriteByte(byte(0xc0 | v>>6))
		buf.WriteByte(byte(0x80 | v&0x3f))
	case v < 0x10000:
		buf.WriteByte(byte(0xe0 | v>>12))
		buf.WriteByte(byte(0x80 | v>>6&0x3f))
		buf.WriteByte(byte(0x80 | v&0x3f))
	default:
		buf.WriteByte(byte(0xf0 | v>>18))
		buf.WriteByte(byte(0x80 | v>>12&0x3f))
		buf.WriteByte(byte(0x80 | v>>6&0x3f))
		buf.WriteByte(byte(0x80 | v&0x3f))
	}
}

// longBracket reads the '='s and the second '[' of a long bracket whose
// first '[' has been read. It returns the level (the count of '=') and
// whether it is one: it is not when the next character is neither '=' nor
// '[' (nothing more is read), nor when '='s are not followed by '['.
func (sc *Scanner) longBracket() (int, bool) {
	level := 0
	for sc.Peek() == '=' {
		sc.Next()
		level++
	}
	if sc.Peek() != '[' {
		return level, false
	}
	sc.Next()
	return level, true
}

// scanLongString reads a long string or comment after its opening bracket
// of the given level, a first line end skipped, up to the closing bracket
// of the same level; the chunk's end before it is "unfinished long string"
// (or comment) near '<eof>', as LuaJIT says.
func (sc *Scanner) scanLongString(level int, buf *bytes.Buffer, unfinished string) error {
	ch := sc.Next()
	if ch == '\n' {
		ch = sc.Next()
	}
	for {
		switch ch {
		case EOF:
			return sc.Error("<eof>", unfinished)
		case ']':
			n := 0
			for sc.Peek() == '=' {
				sc.Next()
				n++
			}
			if n == level && sc.Peek() == ']' {
				sc.Next()
				return nil
			}
			buf.WriteByte(']')
			buf.WriteString(strings.Repeat("=", n))
		default:
			writeChar(buf, ch)
		}
		ch = sc.Next()
	}
}

var reservedWords = map[string]int{
	"and": TAnd, "break": TBreak, "do": TDo, "else": TElse, "elseif": TElseIf,
	"end": TEnd, "false": TFalse, "for": TFor, "function": TFunction,
	"if": TIf, "in": TIn, "local": TLocal, "nil": TNil, "not": TNot, "or": TOr,
	"return": TReturn, "repeat": TRepeat, "then": TThen, "true": TTrue,
	"until": TUntil, "while": TWhile}

// Scan reads the next token. A character that starts no token is a token
// of its own, as in LuaJIT (the parser says "unexpected symbol near '@'").
func (sc *Scanner) Scan() (ast.Token, error) {
redo:
	var err error
	tok := ast.Token{}

	ch := sc.skipWhiteSpace(whitespace1)
	if ch == '\n' || ch == '\r' {
		ch = sc.skipWhiteSpace(whitespace2)
	}

	var _buf bytes.Buffer
	buf := &_buf
	tok.Pos = sc.Pos

	switch {
	case isIdent(ch, 0):
		tok.Type = TIdent
		err = sc.scanIdent(ch, buf)
		tok.Str = buf.String()
		if err != nil {
			goto finally
		}
		if typ, ok := reservedWords[tok.Str]; ok {
			tok.Type = typ
		}
	case isDecimal(ch):
		tok.Type = TNumber
		err = sc.scanNumber(ch, buf)
		tok.Str = buf.String()
	default:
		switch ch {
		case EOF:
			tok.Type = EOF
		case '-':
			if sc.Peek() == '-' {
				err = sc.skipComments(sc.Next())
				if err != nil {
					goto finally
				}
				goto redo
			} else {
				tok.Type = ch
				tok.Str = string(rune(ch))
			}
		case '"', '\'':
			tok.Type = TString
			err = sc.scanString(ch, buf)
			tok.Str = buf.String()
			sc.raw = string(rune(ch)) + tok.Str + string(rune(ch))
		case '[':
			if c := sc.Peek(); c == '[' || c == '=' {
				level, ok := sc.longBracket()
				if !ok {
					err = sc.Error("["+strings.Repeat("=", level), "invalid long string delimiter")
					goto finally
				}
				tok.Type = TString
				err = sc.scanLongString(level, buf, "unfinished long string")
				tok.Str = buf.String()
				eq := strings.Repeat("=", level)
				sc.raw = "[" + eq + "[" + tok.Str + "]" + eq + "]"
			} else {
				tok.Type = ch
				tok.Str = string(rune(ch))
			}
		case '=':
			if sc.Peek() == '=' {
				tok.Type = TEqeq
				tok.Str = "=="
				sc.Next()
			} else {
				tok.Type = ch
				tok.Str = string(rune(ch))
			}
		case '~':
			if sc.Peek() == '=' {
				tok.Type = TNeq
				tok.Str = "~="
				sc.Next()
			} else {
				tok.Type = ch
				tok.Str = "~"
			}
		case '<':
			if sc.Peek() == '=' {
				tok.Type = TLte
				tok.Str = "<="
				sc.Next()
			} else {
				tok.Type = ch
				tok.Str = string(rune(ch))
			}
		case '>':
			if sc.Peek() == '=' {
				tok.Type = TGte
				tok.Str = ">="
				sc.Next()
			} else {
				tok.Type = ch
				tok.Str = string(rune(ch))
			}
		case '.':
			ch2 := sc.Peek()
			switch {
			case isDecimal(ch2):
				tok.Type = TNumber
				err = sc.scanNumber(ch, buf)
				tok.Str = buf.String()
			case ch2 == '.':
				writeChar(buf, ch)
				writeChar(buf, sc.Next())
				if sc.Peek() == '.' {
					writeChar(buf, sc.Next())
					tok.Type = T3Comma
				} else {
					tok.Type = T2Comma
				}
			default:
				tok.Type = '.'
			}
			tok.Str = buf.String()
		case ':':
			if sc.Peek() == ':' {
				tok.Type = T2Colon
				tok.Str = "::"
				sc.Next()
			} else {
				tok.Type = ch
				tok.Str = string(rune(ch))
			}
		case '+', '*', '/', '%', '^', '#', '(', ')', '{', '}', ']', ';', ',':
			tok.Type = ch
			tok.Str = string(rune(ch))
		default:
			tok.Type = ch
			tok.Str = string(rune(ch))
		}
	}

finally:
	tok.Name = tokenText(tok.Type)
	return tok, err
}

// Dump {{{

func isInlineDumpNode(rv reflect.Value) bool {
	switch rv.Kind() {
	case reflect.Struct, reflect.Slice, reflect.Interface, reflect.Ptr:
		return false
	default:
		return true
	}
}

func dump(node interface{}, level int, s string) string {
	rt := reflect.TypeOf(node)
	if fmt.Sprint(rt) == "<nil>" {
		return strings.Repeat(s, level) + "<nil>"
	}

	rv := reflect.ValueOf(node)
	buf := []string{}
	switch rt.Kind() {
	case reflect.Slice:
		if rv.Len() == 0 {
			return strings.Repeat(s, level) + "<empty>"
		}
		for i := 0; i < rv.Len(); i++ {
			buf = append(buf, dump(rv.Index(i).Interface(), level, s))
		}
	case reflect.Ptr:
		vt := rv.Elem()
		tt := rt.Elem()
		indicies := []int{}
		for i := 0; i < tt.NumField(); i++ {
			if strings.Index(tt.Field(i).Name, "Base") > -1 {
				continue
			}
			indicies = append(indicies, i)
		}
		switch {
		case len(indicies) == 0:
			return strings.Repeat(s, level) + "<empty>"
		case len(indicies) == 1 && isInlineDumpNode(vt.Field(indicies[0])):
			for _, i := range indicies {
				buf = append(buf, strings.Repeat(s, level)+"- Node$"+tt.Name()+": "+dump(vt.Field(i).Interface(), 0, s))
			}
		default:
			buf = append(buf, strings.Repeat(s, level)+"- Node$"+tt.Name())
			for _, i := range indicies {
				if isInlineDumpNode(vt.Field(i)) {
					inf := dump(vt.Field(i).Interface(), 0, s)
					buf = append(buf, strings.Repeat(s, level+1)+tt.Field(i).Name+": "+inf)
				} else {
					buf = append(buf, strings.Repeat(s, level+1)+tt.Field(i).Name+": ")
					buf = append(buf, dump(vt.Field(i).Interface(), level+2, s))
				}
			}
		}
	default:
		buf = append(buf, strings.Repeat(s, level)+fmt.Sprint(node))
	}
	return strings.Join(buf, "\n")
}

func Dump(chunk []ast.Stmt) string {
	return dump(chunk, 0, "   ")
}

// }}
