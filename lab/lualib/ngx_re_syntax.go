package lualib

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file turns a PCRE pattern (the dialect of ngx.re) into a pattern for
// regexp2 (the .NET dialect) with the same meaning on the rune sequences
// that reSubject builds. The rewrites:
//
//   - Subjects are byte strings. Without the "u" option a byte b becomes the
//     rune b when b < 0x80 and the private-use rune 0xE000|b otherwise, in
//     the subject and in the pattern alike, so that offsets map 1:1 and no
//     byte >= 0x80 is a letter, a space or a case pair (PCRE's default
//     C-locale tables). With "u" both are decoded as UTF-8.
//   - \d \w \s \h \v \b and POSIX classes are ASCII-only in PCRE without
//     UCP; they are expanded into explicit classes and lookarounds because
//     .NET's are Unicode-aware.
//   - PCRE numbers named and unnamed groups together from left to right;
//     .NET numbers named groups after the unnamed ones. Named groups are
//     therefore emitted unnamed, their names kept in a side table, and named
//     references rewritten to numbers.
//   - ^ in multiline mode does not match after a newline that ends the
//     subject in PCRE; .NET's does.
//   - Syntax .NET lacks is rewritten: possessive quantifiers (atomic
//     groups), \Q...\E, \x{...}, \g references, (?P...) names, \R, \N, \h.
//   - Extended mode (x) whitespace and comments are removed here.
//
// Constructs with no regexp2 equivalent (recursion, \K, branch reset,
// backtracking verbs, (?U)) are refused with a compile error.

// reCompileError is a pcre_compile() failure: PCRE's message and, when
// PCRE reports one inside the pattern, the offset it points at.
type reCompileError struct {
	msg string
	at  int // rune index into the pattern, or -1
}

// reName is one named group: its name and its group number.
type reName struct {
	name string
	num  int
}

type reFlags struct{ m, x, dup bool }

type reGroup struct {
	flags  reFlags
	outPos int // where the group's "(" starts in the output
}

type reTranslator struct {
	src      []rune
	utf      bool
	i        int
	out      []byte
	ncap     int
	names    []reName
	cur      reFlags
	stack    []reGroup
	lastAtom int // output index where the last quantifiable item starts, or -1
	maxRef   int // highest numbered backreference
	nameRefs bool
}

// word-class ranges, as pairs lo, hi.
var (
	reDigit  = []rune{'0', '9'}
	reWord   = []rune{'0', '9', 'A', 'Z', '_', '_', 'a', 'z'}
	reSpace  = []rune{'\t', '\r', ' ', ' '}
	reHSpace = []rune{'\t', '\t', ' ', ' ', 0xA0, 0xA0, 0x1680, 0x1680, 0x180E, 0x180E, 0x2000, 0x200A, 0x202F, 0x202F, 0x205F, 0x205F, 0x3000, 0x3000}
	reVSpace = []rune{'\n', '\r', 0x85, 0x85, 0x2028, 0x2029}
)

var rePosix = map[string][]rune{
	"alpha": {'A', 'Z', 'a', 'z'}, "digit": reDigit, "alnum": {'0', '9', 'A', 'Z', 'a', 'z'},
	"upper": {'A', 'Z'}, "lower": {'a', 'z'}, "space": reSpace, "blank": {'\t', '\t', ' ', ' '},
	"cntrl": {0, 31, 127, 127}, "print": {32, 126}, "graph": {33, 126},
	"punct": {33, 47, 58, 64, 91, 96, 123, 126}, "xdigit": {'0', '9', 'A', 'F', 'a', 'f'},
	"word": reWord, "ascii": {0, 127},
}

const reWordClass = `[0-9A-Za-z_]`

// translatePCRE converts pattern (already decoded into runes: bytes, or
// UTF-8 code points when utf) into regexp2 syntax.
func translatePCRE(src []rune, utf, multiline, extended, dupnames bool) (out string, ncap int, names []reName, cerr *reCompileError) {
	t := &reTranslator{src: src, utf: utf, lastAtom: -1}
	t.cur = reFlags{m: multiline, x: extended, dup: dupnames}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*reCompileError)
			if !ok {
				panic(r)
			}
			out, ncap, names, cerr = "", 0, nil, e
		}
	}()
	t.run()
	if t.maxRef > t.ncap {
		return "", 0, nil, &reCompileError{msg: "reference to non-existent subpattern", at: -1}
	}
	res := string(t.out)
	if t.nameRefs {
		res = t.resolveNames(res)
	}
	sort.SliceStable(t.names, func(a, b int) bool {
		if t.names[a].name != t.names[b].name {
			return t.names[a].name < t.names[b].name
		}
		return t.names[a].num < t.names[b].num
	})
	return res, t.ncap, t.names, nil
}

func (t *reTranslator) fail(msg string, at int) {
	if at >= len(t.src) {
		at = -1
	}
	panic(&reCompileError{msg: msg, at: at})
}

func (t *reTranslator) unsupported(what string, at int) {
	t.fail(what+" is not supported by RestyLab's regex engine", at)
}

func (t *reTranslator) peek(k int) rune {
	if t.i+k < len(t.src) {
		return t.src[t.i+k]
	}
	return -1
}

func (t *reTranslator) emit(s string) { t.out = append(t.out, s...) }

// atom emits s as a quantifiable item.
func (t *reTranslator) atom(s string) {
	t.lastAtom = len(t.out)
	t.emit(s)
}

// mapRune maps a character value to the rune used in the regexp2 world.
func (t *reTranslator) mapRune(r rune) rune {
	if !t.utf && r >= 0x80 {
		return 0xE000 | r
	}
	return r
}

// litText is the regexp2 text of the literal rune r (already mapped).
func litText(r rune) string {
	switch {
	case r < 0x80 && (r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z'):
		return string(r)
	case r < 0x80:
		return `\x` + hex2(int(r))
	case r <= 0xFFFF:
		return `\u` + hex4(int(r))
	}
	return string(r)
}

func hex2(v int) string {
	s := strconv.FormatInt(int64(v), 16)
	if len(s) < 2 {
		s = "0" + s
	}
	return s
}

func hex4(v int) string {
	s := strconv.FormatInt(int64(v), 16)
	return strings.Repeat("0", 4-len(s)) + s
}

func (t *reTranslator) literal(v rune) { t.atom(litText(t.mapRune(v))) }

// classText renders ranges (pairs, unmapped values) as a character class.
func (t *reTranslator) classText(ranges []rune, negate bool) string {
	var b strings.Builder
	b.WriteByte('[')
	if negate {
		b.WriteByte('^')
	}
	t.writeRanges(&b, ranges)
	b.WriteByte(']')
	return b.String()
}

func (t *reTranslator) writeRanges(b *strings.Builder, ranges []rune) {
	for k := 0; k+1 < len(ranges); k += 2 {
		lo, hi := ranges[k], ranges[k+1]
		if !t.utf {
			if lo > 0xFF {
				continue
			}
			if hi > 0xFF {
				hi = 0xFF
			}
			if lo < 0x80 && hi >= 0x80 {
				writeRange(b, lo, 0x7F)
				lo = 0x80
			}
		}
		writeRange(b, t.mapRune(lo), t.mapRune(hi))
	}
}

func writeRange(b *strings.Builder, lo, hi rune) {
	b.WriteString(litText(lo))
	if hi != lo {
		b.WriteByte('-')
		b.WriteString(litText(hi))
	}
}

// complement returns the ranges of every character value not in ranges.
func complement(ranges []rune) []rune {
	sorted := make([][2]rune, 0, len(ranges)/2)
	for k := 0; k+1 < len(ranges); k += 2 {
		sorted = append(sorted, [2]rune{ranges[k], ranges[k+1]})
	}
	sort.Slice(sorted, func(a, b int) bool { return sorted[a][0] < sorted[b][0] })
	var out []rune
	next := rune(0)
	for _, r := range sorted {
		if r[0] > next {
			out = append(out, next, r[0]-1)
		}
		if r[1]+1 > next {
			next = r[1] + 1
		}
	}
	if next <= utf8.MaxRune {
		out = append(out, next, utf8.MaxRune)
	}
	return out
}

// classEscape returns the ranges of a class escape (\d \w ...) and whether
// c is one.
func (t *reTranslator) classEscape(c rune) ([]rune, bool) {
	var r []rune
	switch c {
	case 'd', 'D':
		r = reDigit
	case 'w', 'W':
		r = reWord
	case 's', 'S':
		r = reSpace
	case 'h', 'H':
		r = reHSpace
	case 'v', 'V':
		r = reVSpace
	default:
		return nil, false
	}
	if c >= 'A' && c <= 'Z' {
		r = complement(r)
	}
	return r, true
}

func (t *reTranslator) run() {
	for t.i < len(t.src) {
		c := t.src[t.i]
		if t.cur.x {
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
				t.i++
				continue
			}
			if c == '#' {
				for t.i < len(t.src) && t.src[t.i] != '\n' {
					t.i++
				}
				continue
			}
		}
		switch c {
		case '\\':
			t.escape()
		case '[':
			t.class()
		case '(':
			t.group()
		case ')':
			if len(t.stack) == 0 {
				t.fail("unmatched parentheses", t.i)
			}
			g := t.stack[len(t.stack)-1]
			t.stack = t.stack[:len(t.stack)-1]
			t.cur = g.flags
			t.emit(")")
			t.lastAtom = g.outPos
			t.i++
		case '|':
			t.emit("|")
			t.lastAtom = -1
			t.i++
		case '*', '+', '?':
			t.quantifier(string(c), t.i, t.i+1)
		case '{':
			if end, q, ok := t.braceQuantifier(); ok {
				t.quantifier(q, t.i, end)
			} else {
				t.literal('{')
				t.i++
			}
		case '^':
			if t.cur.m {
				t.atom(`(?:\A|(?<=\n)(?!\z))`)
			} else {
				t.atom(`\A`)
			}
			t.i++
		case '$':
			t.atom("$")
			t.i++
		case '.':
			t.atom(".")
			t.i++
		default:
			t.literal(c)
			t.i++
		}
	}
	if len(t.stack) > 0 {
		t.fail("missing )", -1)
	}
}

// braceQuantifier parses {n}, {n,} or {n,m} at t.i.
func (t *reTranslator) braceQuantifier() (end int, q string, ok bool) {
	j := t.i + 1
	num := func() (int, bool) {
		s := j
		for j < len(t.src) && t.src[j] >= '0' && t.src[j] <= '9' {
			j++
		}
		if j == s {
			return 0, false
		}
		n, err := strconv.Atoi(string(t.src[s:j]))
		if err != nil || n > 65535 {
			t.fail("number too big in {} quantifier", j)
		}
		return n, true
	}
	lo, ok := num()
	if !ok {
		return 0, "", false
	}
	hi := lo
	if j < len(t.src) && t.src[j] == ',' {
		j++
		hi = -1
		if j < len(t.src) && t.src[j] != '}' {
			if hi, ok = num(); !ok {
				return 0, "", false
			}
		}
	}
	if j >= len(t.src) || t.src[j] != '}' {
		return 0, "", false
	}
	if hi >= 0 && hi < lo {
		t.fail("numbers out of order in {} quantifier", j)
	}
	return j + 1, string(t.src[t.i : j+1]), true
}

// quantifier applies q (source text src[start:end]) to the last atom,
// with its lazy (?) or possessive (+) suffix.
func (t *reTranslator) quantifier(q string, start, end int) {
	if t.lastAtom < 0 {
		t.fail("nothing to repeat", start)
	}
	t.i = end
	switch t.peek(0) {
	case '?':
		t.emit(q + "?")
		t.i++
	case '+':
		body := string(t.out[t.lastAtom:])
		t.out = append(t.out[:t.lastAtom], "(?>"+body+q+")"...)
		t.i++
	default:
		t.emit(q)
	}
	t.lastAtom = -1
}

// readHex reads \x forms after the x: {hhh} or up to two hex digits.
func (t *reTranslator) readHex() rune {
	if t.peek(0) == '{' {
		j := t.i + 1
		for j < len(t.src) && isHex(t.src[j]) {
			j++
		}
		if j < len(t.src) && t.src[j] == '}' && j > t.i+1 {
			v, err := strconv.ParseInt(string(t.src[t.i+1:j]), 16, 32)
			if err != nil || v > utf8.MaxRune || (!t.utf && v > 0xFF) {
				t.fail("character value in \\x{} or \\o{} is too large", j)
			}
			t.i = j + 1
			return rune(v)
		}
	}
	v := 0
	for k := 0; k < 2 && isHex(t.peek(0)); k++ {
		d, _ := strconv.ParseInt(string(t.peek(0)), 16, 8)
		v = v*16 + int(d)
		t.i++
	}
	return rune(v)
}

func isHex(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F'
}

// readOctal reads up to max octal digits.
func (t *reTranslator) readOctal(max int) rune {
	v := 0
	for k := 0; k < max && t.peek(0) >= '0' && t.peek(0) <= '7'; k++ {
		v = v*8 + int(t.peek(0)-'0')
		t.i++
	}
	if !t.utf && v > 0xFF {
		t.fail("octal value is greater than \\377 in 8-bit non-UTF-8 mode", t.i)
	}
	return rune(v)
}

// charEscape decodes a single-character escape at t.i (after the
// backslash), valid both inside and outside classes. ok is false when the
// escape is not a character.
func (t *reTranslator) charEscape() (rune, bool) {
	c := t.peek(0)
	switch c {
	case 'a':
		t.i++
		return 7, true
	case 'e':
		t.i++
		return 27, true
	case 'f':
		t.i++
		return '\f', true
	case 'n':
		t.i++
		return '\n', true
	case 'r':
		t.i++
		return '\r', true
	case 't':
		t.i++
		return '\t', true
	case 'x':
		t.i++
		return t.readHex(), true
	case '0':
		t.i++
		return t.readOctal(2), true
	case 'o':
		if t.peek(1) == '{' {
			j := t.i + 2
			for j < len(t.src) && t.src[j] >= '0' && t.src[j] <= '7' {
				j++
			}
			if j < len(t.src) && t.src[j] == '}' && j > t.i+2 {
				v, _ := strconv.ParseInt(string(t.src[t.i+2:j]), 8, 32)
				if v > utf8.MaxRune || (!t.utf && v > 0xFF) {
					t.fail("character value in \\x{} or \\o{} is too large", j)
				}
				t.i = j + 1
				return rune(v), true
			}
		}
	case 'c':
		if t.i+1 >= len(t.src) {
			t.fail("\\c at end of pattern", -1)
		}
		v := t.src[t.i+1]
		if v > 127 {
			t.fail("\\c must be followed by an ASCII character", t.i+1)
		}
		if v >= 'a' && v <= 'z' {
			v -= 32
		}
		t.i += 2
		return v ^ 0x40, true
	case 'L', 'l', 'U', 'u':
		t.fail("PCRE does not support \\L, \\l, \\N{name}, \\U, or \\u", t.i+1)
	}
	return 0, false
}

// escape handles a backslash outside a class.
func (t *reTranslator) escape() {
	start := t.i
	t.i++
	if t.i >= len(t.src) {
		t.fail("\\ at end of pattern", -1)
	}
	c := t.src[t.i]
	if v, ok := t.charEscape(); ok {
		t.literal(v)
		return
	}
	if r, ok := t.classEscape(c); ok {
		t.i++
		if c >= 'A' && c <= 'Z' {
			// Emit the positive class negated: shorter and the same.
			r, _ = t.classEscape(c + 32)
			t.atom(t.classText(r, true))
		} else {
			t.atom(t.classText(r, false))
		}
		return
	}
	switch {
	case c >= '1' && c <= '9':
		j := t.i
		for j < len(t.src) && t.src[j] >= '0' && t.src[j] <= '9' {
			j++
		}
		n, _ := strconv.Atoi(string(t.src[t.i:j]))
		if n < 10 || n <= t.ncap {
			t.i = j
			t.backref(n)
			return
		}
		if c >= '8' {
			t.literal(c)
			t.i++
			return
		}
		t.literal(t.readOctal(3))
		return
	}
	t.i++
	switch c {
	case 'b':
		t.atom(`(?:(?<=` + reWordClass + `)(?!` + reWordClass + `)|(?<!` + reWordClass + `)(?=` + reWordClass + `))`)
	case 'B':
		t.atom(`(?:(?<=` + reWordClass + `)(?=` + reWordClass + `)|(?<!` + reWordClass + `)(?!` + reWordClass + `))`)
	case 'A', 'z', 'Z', 'G':
		t.atom(`\` + string(c))
	case 'N':
		t.atom(`[^\n]`)
	case 'R':
		t.atom(`(?>\r\n|` + t.classText(reVSpace, false) + `)`)
	case 'Q':
		for t.i < len(t.src) {
			if t.src[t.i] == '\\' && t.peek(1) == 'E' {
				t.i += 2
				return
			}
			t.literal(t.src[t.i])
			t.i++
		}
	case 'E':
		// A stray \E is ignored.
	case 'p', 'P':
		t.atom(t.property(c))
	case 'g':
		t.gref(start)
	case 'k':
		t.kref(start)
	case 'K', 'X', 'C':
		t.unsupported(`\`+string(c), start)
	default:
		// Other escaped characters stand for themselves.
		t.literal(c)
	}
}

// property reads the rest of \p{..} / \pL and returns regexp2 text.
func (t *reTranslator) property(c rune) string {
	if t.peek(0) == '{' {
		j := t.i + 1
		for j < len(t.src) && t.src[j] != '}' {
			j++
		}
		if j >= len(t.src) {
			t.fail("malformed \\P or \\p sequence", j)
		}
		name := string(t.src[t.i+1 : j])
		t.i = j + 1
		if strings.HasPrefix(name, "^") {
			name = name[1:]
			c ^= 'p' ^ 'P'
		}
		return `\` + string(c) + "{" + name + "}"
	}
	if t.i >= len(t.src) {
		t.fail("malformed \\P or \\p sequence", -1)
	}
	name := string(t.src[t.i])
	t.i++
	return `\` + string(c) + "{" + name + "}"
}

func (t *reTranslator) backref(n int) {
	if n > t.maxRef {
		t.maxRef = n
	}
	t.atom(`(?:\` + strconv.Itoa(n) + `)`)
}

func (t *reTranslator) nameRef(name string) {
	t.nameRefs = true
	t.atom("(?:\x00" + name + "\x00)")
}

// gref handles \g: \gN \g{N} \g{-N} \g-N \g{name}.
func (t *reTranslator) gref(start int) {
	braced := t.peek(0) == '{'
	j := t.i
	if braced {
		j++
	}
	s := j
	if j < len(t.src) && (t.src[j] == '-' || t.src[j] == '+') {
		j++
	}
	for j < len(t.src) && t.src[j] >= '0' && t.src[j] <= '9' {
		j++
	}
	if j > s && t.src[j-1] >= '0' && t.src[j-1] <= '9' {
		numText := string(t.src[s:j])
		if braced {
			if j >= len(t.src) || t.src[j] != '}' {
				t.fail("\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number", j)
			}
			j++
		}
		n, _ := strconv.Atoi(numText)
		if strings.HasPrefix(numText, "-") {
			n = t.ncap + 1 + n
		} else if strings.HasPrefix(numText, "+") {
			t.unsupported(`\g+N`, start)
		}
		if n <= 0 {
			t.fail("reference to non-existent subpattern", j-1)
		}
		t.i = j
		t.backref(n)
		return
	}
	if braced {
		e := t.i + 1
		for e < len(t.src) && t.src[e] != '}' {
			e++
		}
		if e < len(t.src) {
			name := string(t.src[t.i+1 : e])
			t.i = e + 1
			t.nameRef(name)
			return
		}
	}
	if t.peek(0) == '<' || t.peek(0) == '\'' {
		t.unsupported("subroutine call", start)
	}
	t.fail("a numbered reference must not be zero", t.i)
}

// kref handles \k<name> \k'name' \k{name}.
func (t *reTranslator) kref(start int) {
	open := t.peek(0)
	var close rune
	switch open {
	case '<':
		close = '>'
	case '\'':
		close = '\''
	case '{':
		close = '}'
	default:
		t.fail("\\k is not followed by a braced, angle-bracketed, or quoted name", t.i)
	}
	name := t.readName(t.i+1, close)
	t.nameRef(name)
	_ = start
}

// readName reads a group name starting at j and ending with close; it
// leaves t.i after the terminator.
func (t *reTranslator) readName(j int, close rune) string {
	s := j
	for j < len(t.src) && (t.src[j] == '_' || t.src[j] < 0x80 && (t.src[j] >= '0' && t.src[j] <= '9' || t.src[j] >= 'a' && t.src[j] <= 'z' || t.src[j] >= 'A' && t.src[j] <= 'Z')) {
		j++
	}
	if j == s {
		t.fail("group name must start with a non-digit", j)
	}
	if t.src[s] >= '0' && t.src[s] <= '9' {
		t.fail("group name must start with a non-digit", s)
	}
	if j >= len(t.src) || t.src[j] != close {
		t.fail("syntax error in subpattern name (missing terminator)", j)
	}
	if j-s > 32 {
		t.fail("name is too long in (*MARK), (*PRUNE), (*SKIP), or (*THEN)", j)
	}
	t.i = j + 1
	return string(t.src[s:j])
}

func (t *reTranslator) resolveNames(s string) string {
	var b strings.Builder
	for {
		k := strings.IndexByte(s, 0)
		if k < 0 {
			b.WriteString(s)
			return b.String()
		}
		e := strings.IndexByte(s[k+1:], 0) + k + 1
		name := s[k+1 : e]
		num := 0
		for _, n := range t.names {
			if n.name == name {
				num = n.num
				break
			}
		}
		if num == 0 {
			panic(&reCompileError{msg: "reference to non-existent subpattern", at: -1})
		}
		b.WriteString(s[:k])
		b.WriteString(`\` + strconv.Itoa(num))
		s = s[e+1:]
	}
}

func (t *reTranslator) openGroup(text string, capture bool) {
	t.stack = append(t.stack, reGroup{flags: t.cur, outPos: len(t.out)})
	t.emit(text)
	t.lastAtom = -1
	if capture {
		t.ncap++
	}
}

func (t *reTranslator) addName(name string, at int) {
	for _, n := range t.names {
		if n.name == name && !t.cur.dup {
			t.fail("two named subpatterns have the same name", at)
		}
	}
	t.names = append(t.names, reName{name: name, num: t.ncap})
}

// group handles "(" at t.i.
func (t *reTranslator) group() {
	start := t.i
	t.i++
	if t.peek(0) == '*' {
		t.unsupported("(*VERB)", start)
	}
	if t.peek(0) != '?' {
		t.openGroup("(", true)
		return
	}
	t.i++
	c := t.peek(0)
	switch c {
	case ':', '>', '=', '!':
		t.openGroup("(?"+string(c), false)
		t.i++
		return
	case '#':
		for t.i < len(t.src) && t.src[t.i] != ')' {
			t.i++
		}
		if t.i >= len(t.src) {
			t.fail("missing ) after comment", -1)
		}
		t.i++
		return
	case '|':
		t.unsupported("branch reset (?|", start)
	case 'R', '&', '+', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		t.unsupported("recursion and subroutine calls", start)
	case '(':
		t.conditional(start)
		return
	case 'P':
		switch t.peek(1) {
		case '<':
			t.namedGroup(t.i+2, '>')
			return
		case '=':
			name := t.readName(t.i+2, ')')
			t.nameRef(name)
			return
		case '>':
			t.unsupported("recursion and subroutine calls", start)
		}
		t.fail("unrecognized character after (?P", t.i+1)
	case '<':
		switch t.peek(1) {
		case '=', '!':
			t.openGroup("(?<"+string(t.peek(1)), false)
			t.i += 2
			return
		}
		t.namedGroup(t.i+1, '>')
		return
	case '\'':
		t.namedGroup(t.i+1, '\'')
		return
	}
	t.options()
}

func (t *reTranslator) namedGroup(j int, close rune) {
	name := t.readName(j, close)
	t.openGroup("(", true)
	t.addName(name, t.i-1)
}

// options handles (?imsx-imsx) and (?imsx-imsx:...).
func (t *reTranslator) options() {
	neg := false
	f := t.cur
	var keep []byte
	for t.i < len(t.src) {
		c := t.src[t.i]
		switch c {
		case 'i', 'm', 's', 'x':
			if neg {
				keep = append(keep, '-')
			}
			keep = append(keep, byte(c))
			switch c {
			case 'm':
				f.m = !neg
			case 'x':
				f.x = !neg
			}
		case 'J':
			f.dup = !neg
		case 'X':
		case 'U':
			t.unsupported("(?U)", t.i)
		case '-':
			if neg {
				t.fail("unrecognized character after (? or (?-", t.i)
			}
			neg = true
		case ')', ':':
			opts := normalizeOpts(keep)
			t.i++
			if c == ')' {
				if opts != "" {
					t.emit("(?" + opts + ")")
				}
				t.cur = f
				return
			}
			t.openGroup("(?"+opts+":", false)
			t.cur = f
			return
		default:
			t.fail("unrecognized character after (? or (?-", t.i)
		}
		t.i++
	}
	t.fail("missing )", -1)
}

// normalizeOpts turns "i-m-s" into .NET's "i-ms".
func normalizeOpts(k []byte) string {
	var on, off []byte
	for j := 0; j < len(k); j++ {
		if k[j] == '-' {
			j++
			off = append(off, k[j])
		} else {
			on = append(on, k[j])
		}
	}
	s := string(on)
	if len(off) > 0 {
		s += "-" + string(off)
	}
	return s
}

// conditional handles "(?(" at t.i.
func (t *reTranslator) conditional(start int) {
	t.i++ // at the condition
	c := t.peek(0)
	if c == '?' {
		// An assertion condition: the main loop parses the assertion.
		t.openGroup("(?", false)
		return
	}
	j := t.i
	for j < len(t.src) && t.src[j] != ')' {
		j++
	}
	if j >= len(t.src) {
		t.fail("malformed number or name after (?(", t.i)
	}
	cond := string(t.src[t.i:j])
	t.i = j + 1
	var num int
	switch {
	case cond == "" || cond[0] == 'R' || cond == "DEFINE":
		t.unsupported("this condition", start)
	case cond[0] >= '0' && cond[0] <= '9':
		n, err := strconv.Atoi(cond)
		if err != nil {
			t.fail("malformed number or name after (?(", start+3)
		}
		num = n
		if n > t.maxRef {
			t.maxRef = n
		}
	default:
		if cond[0] == '<' && strings.HasSuffix(cond, ">") || cond[0] == '\'' && strings.HasSuffix(cond, "'") {
			cond = cond[1 : len(cond)-1]
		}
		t.openGroup("(?(\x00"+cond+"\x00)", false)
		t.nameRefs = true
		return
	}
	t.openGroup("(?("+strconv.Itoa(num)+")", false)
}

// class handles "[" at t.i.
func (t *reTranslator) class() {
	t.i++
	negate := false
	if t.peek(0) == '^' {
		negate = true
		t.i++
	}
	var ranges []rune
	var extra []string // \p items
	first := true
	prevLit := rune(-1) // the previous single character, for ranges
	for {
		if t.i >= len(t.src) {
			t.fail("missing terminating ] for character class", -1)
		}
		c := t.src[t.i]
		if c == ']' && !first {
			t.i++
			break
		}
		first = false
		// A range: prev - next where next is a character.
		if c == '-' && prevLit >= 0 && t.peek(1) != ']' && t.peek(1) != -1 {
			save := t.i
			t.i++
			hiAt := t.i
			hi, ok := t.classChar()
			if ok {
				if hi < prevLit {
					t.fail("range out of order in character class", hiAt)
				}
				ranges[len(ranges)-1] = hi
				prevLit = -1
				continue
			}
			t.i = save
		}
		if c == '[' && t.peek(1) == ':' {
			if r, ok := t.posix(); ok {
				ranges = append(ranges, r...)
				prevLit = -1
				continue
			}
		}
		if c == '\\' {
			t.i++
			if t.i >= len(t.src) {
				t.fail("\\ at end of pattern", -1)
			}
			e := t.src[t.i]
			if r, ok := t.classEscape(e); ok {
				t.i++
				ranges = append(ranges, r...)
				prevLit = -1
				continue
			}
			if e == 'p' || e == 'P' {
				t.i++
				extra = append(extra, t.property(e))
				prevLit = -1
				continue
			}
			if e == 'Q' {
				t.i++
				for t.i < len(t.src) && !(t.src[t.i] == '\\' && t.peek(1) == 'E') {
					ranges = append(ranges, t.src[t.i], t.src[t.i])
					t.i++
				}
				if t.i < len(t.src) {
					t.i += 2
				}
				prevLit = -1
				continue
			}
			if e == 'E' {
				t.i++
				continue
			}
			t.i-- // let classChar decode it
		}
		v, _ := t.classChar()
		ranges = append(ranges, v, v)
		prevLit = v
	}
	var b strings.Builder
	b.WriteByte('[')
	if negate {
		b.WriteByte('^')
	}
	t.writeRanges(&b, ranges)
	for _, e := range extra {
		b.WriteString(e)
	}
	if len(ranges) == 0 && len(extra) == 0 {
		// [^] cannot be written; PCRE cannot either ("[]" needs a "]").
		b.WriteString(`\x00-\x00`)
	}
	b.WriteByte(']')
	t.atom(b.String())
}

// classChar reads one character of a class (a literal or an escape that
// is a character) at t.i.
func (t *reTranslator) classChar() (rune, bool) {
	if t.i >= len(t.src) {
		return 0, false
	}
	c := t.src[t.i]
	if c == '\\' {
		t.i++
		if t.i >= len(t.src) {
			t.fail("\\ at end of pattern", -1)
		}
		if v, ok := t.charEscape(); ok {
			return v, true
		}
		e := t.src[t.i]
		if _, ok := t.classEscape(e); ok || e == 'p' || e == 'P' || e == 'Q' || e == 'E' {
			t.i--
			return 0, false
		}
		t.i++
		switch {
		case e == 'b':
			return 8, true
		case e >= '1' && e <= '7':
			t.i--
			return t.readOctal(3), true
		}
		return e, true
	}
	if c == '[' && t.peek(1) == ':' {
		return 0, false
	}
	t.i++
	return c, true
}

// posix reads [:name:] or [:^name:] at t.i.
func (t *reTranslator) posix() ([]rune, bool) {
	j := t.i + 2
	neg := false
	if j < len(t.src) && t.src[j] == '^' {
		neg = true
		j++
	}
	s := j
	for j < len(t.src) && t.src[j] >= 'a' && t.src[j] <= 'z' {
		j++
	}
	if j+1 >= len(t.src) || t.src[j] != ':' || t.src[j+1] != ']' {
		return nil, false
	}
	r, ok := rePosix[string(t.src[s:j])]
	if !ok {
		t.fail("unknown POSIX class name", s)
	}
	t.i = j + 2
	if neg {
		r = complement(r)
	}
	return r, true
}
