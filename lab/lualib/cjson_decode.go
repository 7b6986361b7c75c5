package lualib

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// jsonTok is a token type of lua-cjson's scanner; the names appear in
// error messages ("Expected value but found T_END at character 1").
type jsonTok int

const (
	tObjBegin jsonTok = iota
	tObjEnd
	tArrBegin
	tArrEnd
	tString
	tNumber
	tBoolean
	tNull
	tColon
	tComma
	tEnd
	tError
)

var jsonTokNames = [...]string{"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END",
	"T_STRING", "T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_ERROR"}

// jsonSingleTokens maps the one-byte tokens to their type plus one (zero:
// not a one-byte token).
var jsonSingleTokens = [256]jsonTok{'{': tObjBegin + 1, '}': tObjEnd + 1, '[': tArrBegin + 1,
	']': tArrEnd + 1, ',': tComma + 1, ':': tColon + 1}

type jsonToken struct {
	typ   jsonTok
	index int // 0-based offset of the token (of the error for tError)
	str   string
	num   float64
	b     bool
	err   string // for tError: "invalid token", "invalid number", ...
}

// cjsonDecoder holds the state of one cjson.decode call. Like the C code,
// it treats a NUL byte as the end of the text.
type cjsonDecoder struct {
	L     *lua.LState
	cfg   *cjsonConfig
	data  string
	pos   int
	depth int
	sb    []byte
}

// decode parses text; the error text is lua-cjson's.
func (c *cjsonConfig) decode(L *lua.LState, text string) (v lua.LValue, err error) {
	if len(text) >= 2 && (text[0] == 0 || text[1] == 0) {
		return nil, errCJSON("JSON parser does not support UTF-16 or UTF-32")
	}
	d := &cjsonDecoder{L: L, cfg: c, data: text}
	defer func() {
		if r := recover(); r != nil {
			msg, ok := r.(cjsonError)
			if !ok {
				panic(r)
			}
			v, err = nil, errCJSON(string(msg))
		}
	}()
	tok := d.next()
	v = d.value(&tok)
	if tok = d.next(); tok.typ != tEnd {
		d.parseError("the end", &tok)
	}
	return v, nil
}

func (d *cjsonDecoder) at(i int) byte {
	if i < len(d.data) {
		return d.data[i]
	}
	return 0
}

func (d *cjsonDecoder) parseError(expected string, tok *jsonToken) {
	found := tok.err
	if tok.typ != tError {
		found = jsonTokNames[tok.typ]
	}
	panic(cjsonError("Expected " + expected + " but found " + found + " at character " + itoa(tok.index+1)))
}

// tokenError is an error token at the current position.
func (d *cjsonDecoder) tokenError(_ *jsonToken, msg string) jsonToken {
	return jsonToken{typ: tError, index: d.pos, err: msg}
}

func (d *cjsonDecoder) next() jsonToken {
	for {
		c := d.at(d.pos)
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			break
		}
		d.pos++
	}
	tok := jsonToken{index: d.pos}
	c := d.at(d.pos)
	if t := jsonSingleTokens[c]; t != 0 {
		d.pos++
		tok.typ = t - 1
		return tok
	}
	rest := d.data[d.pos:]
	switch {
	case c == 0:
		tok.typ = tEnd
	case c == '"':
		return d.stringToken()
	case c == '-' || (c >= '0' && c <= '9'):
		if !d.cfg.decodeInvalidNumbers && d.invalidNumber() {
			return d.tokenError(&tok, "invalid number")
		}
		return d.numberToken()
	case c == 't' && strings.HasPrefix(rest, "true"):
		tok.typ, tok.b = tBoolean, true
		d.pos += 4
	case c == 'f' && strings.HasPrefix(rest, "false"):
		tok.typ = tBoolean
		d.pos += 5
	case c == 'n' && strings.HasPrefix(rest, "null"):
		tok.typ = tNull
		d.pos += 4
	case strings.IndexByte("iInN+", c) >= 0 && d.cfg.decodeInvalidNumbers && d.invalidNumber():
		return d.numberToken()
	default:
		return d.tokenError(&tok, "invalid token")
	}
	return tok
}

// invalidNumber is json_is_invalid_number: does the number at pos use a
// form strict JSON forbids (leading '+', hex, leading zeros, inf, nan)?
func (d *cjsonDecoder) invalidNumber() bool {
	p := d.pos
	if d.at(p) == '+' {
		return true
	}
	if d.at(p) == '-' {
		p++
	}
	if d.at(p) == '0' {
		c2 := d.at(p + 1)
		return c2|0x20 == 'x' || (c2 >= '0' && c2 <= '9')
	}
	if d.at(p) <= '9' {
		return false
	}
	return hasPrefixFold(d.data[min(p, len(d.data)):], "inf") || hasPrefixFold(d.data[min(p, len(d.data)):], "nan")
}

func (d *cjsonDecoder) numberToken() jsonToken {
	tok := jsonToken{typ: tNumber, index: d.pos}
	f, end := strtod(d.data, d.pos)
	if end == d.pos {
		return d.tokenError(&tok, "invalid number")
	}
	tok.num = f
	d.pos = end
	return tok
}

func (d *cjsonDecoder) stringToken() jsonToken {
	tok := jsonToken{typ: tString, index: d.pos}
	d.pos++ // opening quote
	start := d.pos
	// Fast path: no escapes.
	for {
		c := d.at(d.pos)
		if c == '"' {
			tok.str = d.data[start:d.pos]
			d.pos++
			return tok
		}
		if c == 0 || c == '\\' {
			break
		}
		d.pos++
	}
	d.sb = append(d.sb[:0], d.data[start:d.pos]...)
	for {
		c := d.at(d.pos)
		switch c {
		case '"':
			tok.str = string(d.sb)
			d.pos++
			return tok
		case 0:
			return d.tokenError(&tok, "unexpected end of string")
		case '\\':
			e := d.at(d.pos + 1)
			var out byte
			switch e {
			case '"', '\\', '/':
				out = e
			case 'b':
				out = '\b'
			case 't':
				out = '\t'
			case 'n':
				out = '\n'
			case 'f':
				out = '\f'
			case 'r':
				out = '\r'
			case 'u':
				if !d.unicodeEscape() {
					return d.tokenError(&tok, "invalid unicode escape code")
				}
				continue
			default:
				return d.tokenError(&tok, "invalid escape code")
			}
			d.sb = append(d.sb, out)
			d.pos += 2
		default:
			d.sb = append(d.sb, c)
			d.pos++
		}
	}
}

// unicodeEscape decodes \uXXXX (or a \uD8XX\uDCXX surrogate pair) at pos
// into UTF-8; on error pos stays at the backslash.
func (d *cjsonDecoder) unicodeEscape() bool {
	cp := d.hex4(d.pos + 2)
	if cp < 0 {
		return false
	}
	n := 6
	if cp&0xF800 == 0xD800 {
		if cp&0x400 != 0 || d.at(d.pos+6) != '\\' || d.at(d.pos+7) != 'u' {
			return false
		}
		low := d.hex4(d.pos + 8)
		if low < 0 || low&0xFC00 != 0xDC00 {
			return false
		}
		cp = ((cp&0x3FF)<<10 | low&0x3FF) + 0x10000
		n = 12
	}
	d.sb = utf8.AppendRune(d.sb, rune(cp))
	d.pos += n
	return true
}

func (d *cjsonDecoder) hex4(p int) int {
	v := 0
	for i := 0; i < 4; i++ {
		c := d.at(p + i)
		var x int
		switch {
		case c >= '0' && c <= '9':
			x = int(c - '0')
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			x = int(c|0x20-'a') + 10
		default:
			return -1
		}
		v = v<<4 | x
	}
	return v
}

func (d *cjsonDecoder) descend() {
	d.depth++
	if d.depth > d.cfg.decodeMaxDepth {
		panic(cjsonError("Found too many nested data structures (" + itoa(d.depth) + ") at character " + itoa(d.pos)))
	}
}

func (d *cjsonDecoder) value(tok *jsonToken) lua.LValue {
	switch tok.typ {
	case tString:
		return lua.LString(tok.str)
	case tNumber:
		return lua.LNumber(tok.num)
	case tBoolean:
		return lua.LBool(tok.b)
	case tNull:
		return d.cfg.shared.null
	case tObjBegin:
		return d.object()
	case tArrBegin:
		return d.array()
	}
	d.parseError("value", tok)
	return nil
}

func (d *cjsonDecoder) object() lua.LValue {
	d.descend()
	t := d.L.CreateTable(0, 4) // NewTable pre-sizes 32+32 slots
	tok := d.next()
	if tok.typ == tObjEnd {
		d.depth--
		return t
	}
	for {
		if tok.typ != tString {
			d.parseError("object key string", &tok)
		}
		key := tok.str
		if tok = d.next(); tok.typ != tColon {
			d.parseError("colon", &tok)
		}
		tok = d.next()
		t.RawSetString(key, d.value(&tok))
		tok = d.next()
		if tok.typ == tObjEnd {
			d.depth--
			return t
		}
		if tok.typ != tComma {
			d.parseError("comma or object end", &tok)
		}
		tok = d.next()
	}
}

func (d *cjsonDecoder) array() lua.LValue {
	d.descend()
	t := d.L.CreateTable(4, 0)
	if d.cfg.decodeArrayWithMT {
		t.Metatable = d.cfg.shared.arrayMT
	}
	tok := d.next()
	if tok.typ == tArrEnd {
		d.depth--
		return t
	}
	for i := 1; ; i++ {
		t.RawSetInt(i, d.value(&tok))
		tok = d.next()
		if tok.typ == tArrEnd {
			d.depth--
			return t
		}
		if tok.typ != tComma {
			d.parseError("comma or array end", &tok)
		}
		tok = d.next()
	}
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// strtod parses the longest prefix of s[p:] that C's strtod accepts (decimal
// and hexadecimal numbers, inf, infinity, nan, nan(...), with a sign) and
// returns the value and the end offset; end == p when nothing parses.
func strtod(s string, p int) (float64, int) {
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	isHex := func(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }
	i := p
	neg := false
	if c := at(i); c == '+' || c == '-' {
		neg = c == '-'
		i++
	}
	sign := func(f float64) float64 {
		if neg {
			return -f
		}
		return f
	}
	switch {
	case hasPrefixFold(s[min(i, len(s)):], "inf"):
		i += 3
		if hasPrefixFold(s[i:], "inity") {
			i += 5
		}
		return sign(math.Inf(1)), i
	case hasPrefixFold(s[min(i, len(s)):], "nan"):
		i += 3
		if at(i) == '(' {
			j := i + 1
			for c := at(j); isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z') || c == '_'; c = at(j) {
				j++
			}
			if at(j) == ')' {
				i = j + 1
			}
		}
		return math.NaN(), i
	case at(i) == '0' && at(i+1)|0x20 == 'x' && (isHex(at(i+2)) || at(i+2) == '.' && isHex(at(i+3))):
		j := i + 2
		for isHex(at(j)) {
			j++
		}
		if at(j) == '.' {
			j++
			for isHex(at(j)) {
				j++
			}
		}
		mant := s[i+2 : j]
		exp := "0"
		if at(j)|0x20 == 'p' {
			k := j + 1
			if at(k) == '+' || at(k) == '-' {
				k++
			}
			if isDigit(at(k)) {
				for isDigit(at(k)) {
					k++
				}
				exp = s[j+1 : k]
				j = k
			}
		}
		f, err := strconv.ParseFloat("0x"+mant+"p"+exp, 64)
		if err != nil && !isRangeErr(err) {
			return 0, p
		}
		return sign(f), j
	}
	start := i
	digits := 0
	for isDigit(at(i)) {
		i++
		digits++
	}
	if at(i) == '.' {
		i++
		for isDigit(at(i)) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, p
	}
	if at(i)|0x20 == 'e' {
		k := i + 1
		if at(k) == '+' || at(k) == '-' {
			k++
		}
		if isDigit(at(k)) {
			for isDigit(at(k)) {
				k++
			}
			i = k
		}
	}
	f, err := strconv.ParseFloat(s[start:i], 64)
	if err != nil && !isRangeErr(err) {
		return 0, p
	}
	return sign(f), i
}
