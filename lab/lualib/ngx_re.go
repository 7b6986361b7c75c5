package lualib

import (
	"container/list"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
	lua "github.com/yuin/gopher-lua"
)

// ngx.re: PCRE-style regular expressions on byte strings, as ngx_lua
// 0.10.23 with lua-resty-core provides them, on top of regexp2 (a .NET-style
// backtracking engine). RegisterNgxRe installs ngx.re.match, find, gmatch,
// sub and gsub, and preloads require("ngx.re") with split and opt.
//
// # Byte offsets on a rune-based engine
//
// regexp2 matches []rune. A subject is converted once (reSubject; the last
// conversion is reused while the same string is matched again, e.g. by
// gmatch or gsub). Without "u" every byte is one rune: bytes < 0x80 stay,
// bytes >= 0x80 become the private-use runes 0xE080..0xE0FF, and the
// pattern's bytes and \xHH escapes are mapped the same way. So rune index =
// byte offset, and no byte >= 0x80 is a letter, a space or a case pair, as
// with PCRE's default C-locale tables. With "u" subject and pattern are
// decoded as UTF-8; a table of byte offsets per rune converts results back,
// and a starting offset inside a character fails like PCRE
// ("pcre_exec() failed: -11"); an invalid subject gives -10.
//
// # Compatibility
//
// Checked against real nginx by TestNgxReOracleNginx (cases in
// ngx_re_cases_test.go): captures (false for unset groups, PCRE's group
// numbering with named groups, D arrays), return-value counts, ctx.pos,
// find's nth, gmatch's callable-table iterator, sub/gsub templates ($N, ${N},
// $$; anything else "failed to compile the replacement template"), the
// empty-match stepping of gsub/gmatch/split, option letters and their
// error, the common pcre_compile() messages with their ' at "..."' suffix,
// multiline ^ (no match after a final newline), ASCII-only \w \d \s \b.
// A replacement function runs from a Lua loop, so it may yield (ngx.sleep),
// as with lua-resty-core; its result goes through tostring.
//
// Known differences:
//   - The pattern is translated (ngx_re_syntax.go). Compile errors that the
//     translator detects carry PCRE's text (missing ), unmatched
//     parentheses, missing terminating ], nothing to repeat, \ at end of
//     pattern, range out of order, two named subpatterns have the same
//     name, reference to non-existent subpattern, unrecognized character
//     after (?, numbers out of order in {}, invalid UTF-8 string); other
//     errors carry regexp2's text after "pcre_compile() failed: ". PCRE
//     refuses variable-length lookbehind ("lookbehind assertion is not
//     fixed length"); regexp2 accepts it.
//   - Not supported (compile error "... is not supported by RestyLab's
//     regex engine"): recursion and subroutine calls, \K, \X, \C, branch
//     reset (?|, backtracking verbs (*...), (?U), (?(R) and (?(DEFINE).
//   - J (JavaScript compatibility) and j (JIT) are accepted and ignored.
//     "U" skips UTF-8 checks: invalid bytes become U+FFFD, one per byte, and
//     a start inside a character moves to the next one (undefined in PCRE).
//   - "d" (DFA): only m[0]; the longest match at the leftmost start is
//     found by retrying on shorter prefixes of the subject, so lookarounds
//     after the match see the truncated subject, and at most 4096 runes
//     past the first match are considered.
//   - \p{..} uses .NET's property names (\p{L}, \p{Lu} agree; scripts such
//     as \p{Greek} do not).
//   - Every regex, with or without "o", goes through one LRU of
//     ReCacheEntries compiled regexes per LState (the result is the same).
//   - PCRE's match limit ("pcre_exec() failed: -8") is a time limit here
//     (regexp2 counts no steps): lua_regex_match_limit N (SetReMatchLimit)
//     allows N x reStepTime per match, PCRE's default of 10,000,000 steps
//     half a second, so a runaway pattern ends as PCRE's does, before the
//     lab's CPU budget of a resume. The limit is a duration: the same
//     pattern may pass on an idle machine and fail on a loaded one.
//   - An unknown option letter raises 'unknown flag "q" (flags "iq")' with
//     the caller's position; OpenResty's message carries regex.lua's.
//     ngx_lua also writes an error.log line for a bad replacement template;
//     lualib has no logger and does not.

const (
	// ReCacheEntries bounds the per-LState cache of compiled regexes, like
	// lua_regex_cache_max_entries (default 1024).
	ReCacheEntries = 1024
	// ReMatchTimeout stops a runaway backtracking match under PCRE's
	// default match limit; ngx.re reports it like PCRE's match limit:
	// "pcre_exec() failed: -8".
	ReMatchTimeout = PCREDefaultMatchLimit * reStepTime
	// PCREDefaultMatchLimit is PCRE's MATCH_LIMIT, what
	// lua_regex_match_limit 0 (the default) means.
	PCREDefaultMatchLimit = 10000000
	// reStepTime is the time one PCRE match step stands for.
	reStepTime = 50 * time.Nanosecond
	// reDFAMaxScan bounds the extra work of the "d" option (see longest).
	reDFAMaxScan = 4096
)

// PCRE error codes that ngx.re reports as "pcre_exec() failed: N".
const (
	pcreErrorMatchLimit   = -8
	pcreErrorBadUTF8      = -10
	pcreErrorBadUTF8Off   = -11
	regReState            = "restylab.ngx.re"
	reTemplateCompileFail = "failed to compile the replacement template"
)

// reRegex is one compiled ngx.re regex.
type reRegex struct {
	re      *regexp2.Regexp
	dfaEnd  *regexp2.Regexp // "d": the pattern anchored at both ends, or nil
	ncap    int
	names   []reName
	utf     bool
	noCheck bool // "U": no UTF-8 validity checks
	dfa     bool
	dupName bool
}

type reCacheEntry struct {
	key string
	rx  *reRegex
}

// reState is the per-LState ngx.re state: the compiled-regex LRU and the
// last converted subject.
type reState struct {
	lru     *list.List
	entries map[string]*list.Element
	subj    reSubject
	timeout time.Duration // per match (SetReMatchLimit)
}

// SetReMatchLimit applies lua_regex_match_limit to L's ngx.re: limit PCRE
// steps (0: PCRE's default), at reStepTime each. Call it before any regex
// is compiled in L.
func SetReMatchLimit(L *lua.LState, limit int) {
	if limit <= 0 {
		limit = PCREDefaultMatchLimit
	}
	d := time.Duration(limit) * reStepTime
	if d < time.Millisecond {
		d = time.Millisecond
	}
	reStateOf(L).timeout = d
}

// reSubject is a subject string converted to runes.
type reSubject struct {
	s     string
	utf   bool
	valid bool // UTF-8 valid (utf only)
	runes []rune
	off   []int // utf only: byte offset of rune i; off[len(runes)] = len(s)
	idx   []int // utf only: byte offset -> rune index, -1 inside a character
}

func reStateOf(L *lua.LState) *reState {
	reg := L.G.Registry
	if ud, ok := reg.RawGetString(regReState).(*lua.LUserData); ok {
		if st, ok := ud.Value.(*reState); ok {
			return st
		}
	}
	st := &reState{lru: list.New(), entries: map[string]*list.Element{}, timeout: ReMatchTimeout}
	ud := L.NewUserData()
	ud.Value = st
	reg.RawSetString(regReState, ud)
	return st
}

// subject converts s, reusing the previous conversion for the same string.
func (st *reState) subject(s string, utf bool) *reSubject {
	sj := &st.subj
	if sj.runes != nil && sj.utf == utf && len(sj.s) == len(s) && sj.s == s {
		return sj
	}
	sj.s, sj.utf, sj.valid = s, utf, true
	sj.runes = sj.runes[:0]
	if !utf {
		for i := 0; i < len(s); i++ {
			b := rune(s[i])
			if b >= 0x80 {
				b |= 0xE000
			}
			sj.runes = append(sj.runes, b)
		}
		sj.off, sj.idx = nil, nil
		return sj
	}
	sj.off = sj.off[:0]
	if cap(sj.idx) < len(s)+1 {
		sj.idx = make([]int, len(s)+1)
	}
	sj.idx = sj.idx[:len(s)+1]
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			sj.valid = false
			n = 1
		}
		sj.idx[i] = len(sj.runes)
		for k := 1; k < n; k++ {
			sj.idx[i+k] = -1
		}
		sj.off = append(sj.off, i)
		sj.runes = append(sj.runes, r)
		i += n
	}
	sj.idx[len(s)] = len(sj.runes)
	sj.off = append(sj.off, len(s))
	return sj
}

// byteOff converts a rune index of sj to a byte offset.
func (sj *reSubject) byteOff(r int) int {
	if sj.off == nil {
		return r
	}
	return sj.off[r]
}

// runeIdx converts a byte offset to a rune index; ok is false inside a
// character.
func (sj *reSubject) runeIdx(b int) (int, bool) {
	if sj.idx == nil {
		return b, true
	}
	r := sj.idx[b]
	return r, r >= 0
}

// compile returns the compiled regex for (pattern, opts), from the cache
// when possible. A bad pattern gives errText; a bad option raises.
func (st *reState) compile(L *lua.LState, pattern, opts string) (*reRegex, string) {
	key := pattern + "\x00" + opts
	if e, ok := st.entries[key]; ok {
		st.lru.MoveToFront(e)
		return e.Value.(*reCacheEntry).rx, ""
	}
	var utf, noCheck, ci, dotall, multi, ext, anchored, dfa, dup bool
	for i := 0; i < len(opts); i++ {
		switch opts[i] {
		case 'o', 'j', 'J':
			// o: every regex is cached (see ReCacheEntries); j: no JIT
			// here; J: JavaScript compatibility is not emulated.
		case 'i':
			ci = true
		case 's':
			dotall = true
		case 'm':
			multi = true
		case 'u':
			utf = true
		case 'U':
			utf, noCheck = true, true
		case 'x':
			ext = true
		case 'd':
			dfa = true
		case 'a':
			anchored = true
		case 'D':
			dup = true
		default:
			L.RaiseError("unknown flag \"%s\" (flags \"%s\")", opts[i:i+1], opts)
		}
	}
	var src []rune
	var srcOff []int
	if utf {
		for i := 0; i < len(pattern); {
			r, n := utf8.DecodeRuneInString(pattern[i:])
			if r == utf8.RuneError && n <= 1 && !noCheck {
				return nil, compileErrText("invalid UTF-8 string", pattern, i)
			}
			src = append(src, r)
			srcOff = append(srcOff, i)
			i += n
		}
	} else {
		src = make([]rune, len(pattern))
		for i := 0; i < len(pattern); i++ {
			src[i] = rune(pattern[i])
		}
	}
	out, ncap, names, cerr := translatePCRE(src, utf, multi, ext, dup)
	if cerr != nil {
		at := cerr.at
		if at >= 0 && srcOff != nil {
			at = srcOff[at]
		}
		return nil, compileErrText(cerr.msg, pattern, at)
	}
	if anchored {
		out = `\G(?:` + out + `)`
	}
	var ro regexp2.RegexOptions
	if ci {
		ro |= regexp2.IgnoreCase
	}
	if dotall {
		ro |= regexp2.Singleline
	}
	if multi {
		ro |= regexp2.Multiline
	}
	re, err := regexp2.Compile(out, ro)
	if err != nil {
		return nil, compileErrText(netErrText(err), pattern, -1)
	}
	re.MatchTimeout = st.timeout
	rx := &reRegex{re: re, ncap: ncap, names: names, utf: utf, noCheck: noCheck, dfa: dfa, dupName: dup}
	if dfa {
		if end, err := regexp2.Compile(`\G(?:`+out+`)\z`, ro); err == nil {
			end.MatchTimeout = st.timeout
			rx.dfaEnd = end
		}
	}
	st.entries[key] = st.lru.PushFront(&reCacheEntry{key: key, rx: rx})
	if st.lru.Len() > ReCacheEntries {
		old := st.lru.Back()
		st.lru.Remove(old)
		delete(st.entries, old.Value.(*reCacheEntry).key)
	}
	return rx, ""
}

// compileErrText is ngx_lua's message for a pattern PCRE refused.
func compileErrText(msg, pattern string, at int) string {
	s := "pcre_compile() failed: " + msg + " in \"" + pattern + "\""
	if at >= 0 && at < len(pattern) {
		s += " at \"" + pattern[at:] + "\""
	}
	return s
}

// netErrText strips regexp2's "error parsing regexp: " and the pattern
// (which is the translated one, meaningless to the user).
func netErrText(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "error parsing regexp: ")
	if i := strings.Index(s, " in `"); i >= 0 {
		s = s[:i]
	}
	return s
}

// reMatch is one match: byte offsets of each group (-1 when unset) and
// PCRE's rc (1 + the highest group set).
type reMatch struct {
	caps []int // 2*(ncap+1)
	rc   int
}

// exec searches sj from byte offset pos. It returns nil for no match and
// errText on a PCRE-style execution error.
func (rx *reRegex) exec(sj *reSubject, pos int, m *reMatch) (ok bool, errText string) {
	if pos > len(sj.s) {
		return false, ""
	}
	if rx.utf && !rx.noCheck && !sj.valid {
		return false, execErrText(pcreErrorBadUTF8)
	}
	start, ok := sj.runeIdx(pos)
	if !ok {
		if !rx.noCheck {
			return false, execErrText(pcreErrorBadUTF8Off)
		}
		for start < 0 {
			pos++
			start, _ = sj.runeIdx(pos)
		}
	}
	res, err := rx.re.FindRunesMatchStartingAt(sj.runes, start)
	if err != nil {
		return false, execErrText(pcreErrorMatchLimit)
	}
	if res == nil {
		return false, ""
	}
	n := rx.ncap
	if rx.dfa {
		n = 0
	}
	if cap(m.caps) < 2*(n+1) {
		m.caps = make([]int, 2*(n+1))
	}
	m.caps = m.caps[:2*(n+1)]
	m.rc = 0
	for g := 0; g <= n; g++ {
		grp := res.GroupByNumber(g)
		if grp == nil || len(grp.Captures) == 0 {
			m.caps[2*g], m.caps[2*g+1] = -1, -1
			continue
		}
		m.caps[2*g] = sj.byteOff(grp.Index)
		m.caps[2*g+1] = sj.byteOff(grp.Index + grp.Length)
		m.rc = g + 1
	}
	if rx.dfa && rx.dfaEnd != nil {
		rx.longest(sj, res.Index, res.Index+res.Length, m)
	}
	return true, ""
}

// longest approximates PCRE's DFA matching ("d"): the longest match at
// the leftmost starting position. It tries ever shorter prefixes of the
// subject with the pattern anchored at both ends; lookarounds at the end
// of the match therefore see a truncated subject.
func (rx *reRegex) longest(sj *reSubject, start, end int, m *reMatch) {
	n := len(sj.runes)
	if n-end > reDFAMaxScan {
		return
	}
	for e := n; e > end; e-- {
		ok, err := rx.dfaEnd.MatchRunes(sj.runes[:e])
		if err != nil {
			return
		}
		if ok {
			if r, _ := rx.dfaEnd.FindRunesMatchStartingAt(sj.runes[:e], start); r != nil && r.Index == start {
				m.caps[1] = sj.byteOff(e)
				return
			}
		}
	}
}

func execErrText(rc int) string { return "pcre_exec() failed: " + strconv.Itoa(rc) }

// RegisterNgxRe sets ngx.re = {match, find, gmatch, sub, gsub} on the
// table ngx and preloads require("ngx.re") with split and opt. Behaviour
// and messages follow ngx_lua 0.10.23 with lua-resty-core; see doc.go for
// the differences.
func RegisterNgxRe(L *lua.LState, ngx *lua.LTable) {
	re := L.NewTable()
	setFuncs(L, re, map[string]lua.LGFunction{
		"match":  reMatchFn,
		"find":   reFindFn,
		"gmatch": reGmatchFn,
	})
	// sub and gsub with a replacement function run their loop in Lua so
	// that the function may yield (ngx.sleep, cosockets), as it may in
	// lua-resty-core, whose ngx.re is Lua code.
	p, err := reSubProto()
	if err != nil {
		panic("ngx.re: " + err.Error()) // a bug in reSubLua
	}
	L.Push(L.NewFunctionFromProto(p))
	L.Push(L.NewFunction(func(L *lua.LState) int { return reSub(L, false) }))
	L.Push(L.NewFunction(func(L *lua.LState) int { return reSub(L, true) }))
	L.Push(L.NewFunction(reSubStep))
	L.Push(L.NewFunction(reSubFinish))
	L.Call(4, 2)
	re.RawSetString("sub", L.Get(-2))
	re.RawSetString("gsub", L.Get(-1))
	L.Pop(2)
	ngx.RawSetString("re", re)
	preload(L, "ngx.re", openNgxReModule)
}

// luaToString is LuaJIT's tostring for the values ngx.re coerces.
func luaToString(L *lua.LState, v lua.LValue) string {
	switch x := v.(type) {
	case lua.LString:
		return string(x)
	case lua.LNumber:
		return FormatNumber(float64(x))
	case *lua.LNilType:
		return "nil"
	case lua.LBool:
		if x {
			return "true"
		}
		return "false"
	}
	return L.ToStringMeta(v).String()
}

// argRegex reads a regex or options argument the way lua-resty-core uses
// them (#regex): a string, or a number (which fails in LuaJIT too).
func argLenString(L *lua.LState, n int, local string, optional bool) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case *lua.LNilType:
		if optional {
			return ""
		}
	}
	L.RaiseError("attempt to get length of local '%s' (a %s value)", local, L.Get(n).Type().String())
	return ""
}

// ctxPos reads ctx.pos (1-based) as a 0-based byte offset.
func ctxPos(L *lua.LState, ctx *lua.LTable) int {
	if ctx == nil {
		return 0
	}
	switch p := ctx.RawGetString("pos").(type) {
	case *lua.LNilType:
		return 0
	case lua.LNumber:
		if p <= 0 {
			return 0
		}
		return truncInt(float64(p)) - 1
	case lua.LBool:
		if !p {
			return 0
		}
	}
	L.RaiseError("attempt to compare number with %s", ctx.RawGetString("pos").Type().String())
	return 0
}

func optCtx(L *lua.LState, n int) *lua.LTable {
	switch v := L.Get(n).(type) {
	case *lua.LTable:
		return v
	case *lua.LNilType:
		return nil
	case lua.LBool:
		if !v {
			return nil
		}
	}
	L.RaiseError("attempt to index local 'ctx' (a %s value)", L.Get(n).Type().String())
	return nil
}

// prepare reads subject, regex and options and compiles the regex.
func prepare(L *lua.LState, optsArg int) (*reState, *reRegex, string, string) {
	subj := luaToString(L, L.Get(1))
	pattern := argLenString(L, 2, "regex", false)
	opts := argLenString(L, optsArg, "opts", true)
	st := reStateOf(L)
	rx, errText := st.compile(L, pattern, opts)
	return st, rx, subj, errText
}

// captures builds (or fills) the captures table of m.
func (rx *reRegex) captures(L *lua.LState, s string, m *reMatch, res *lua.LTable) *lua.LTable {
	n := len(m.caps)/2 - 1
	if res == nil {
		res = L.CreateTable(n, len(rx.names))
	}
	for g := 0; g <= n; g++ {
		from, to := m.caps[2*g], m.caps[2*g+1]
		if from < 0 {
			res.RawSetInt(g, lua.LFalse)
		} else {
			res.RawSetInt(g, lua.LString(s[from:to]))
		}
	}
	for _, nm := range rx.names {
		var v lua.LValue = lua.LFalse
		if nm.num <= n {
			v = res.RawGetInt(nm.num)
		} else if rx.dfa {
			v = lua.LNil
		}
		if !rx.dupName {
			res.RawSetString(nm.name, v)
			continue
		}
		if v == lua.LFalse || v == lua.LNil {
			continue
		}
		arr, ok := res.RawGetString(nm.name).(*lua.LTable)
		if !ok {
			arr = L.CreateTable(2, 0)
			res.RawSetString(nm.name, arr)
		}
		arr.Append(v)
	}
	return res
}

// ngx.re.match(subject, regex, options?, ctx?, res_table?)
func reMatchFn(L *lua.LState) int {
	st, rx, subj, errText := prepare(L, 3)
	if rx == nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(errText))
		return 2
	}
	ctx := optCtx(L, 4)
	var res *lua.LTable
	if t, ok := L.Get(5).(*lua.LTable); ok {
		res = t
	}
	sj := st.subject(subj, rx.utf)
	var m reMatch
	ok, errText := rx.exec(sj, ctxPos(L, ctx), &m)
	if errText != "" {
		L.Push(lua.LNil)
		L.Push(lua.LString(errText))
		return 2
	}
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	if ctx != nil {
		ctx.RawSetString("pos", lua.LNumber(m.caps[1]+1))
	}
	L.Push(rx.captures(L, subj, &m, res))
	return 1
}

// ngx.re.find(subject, regex, options?, ctx?, nth?)
func reFindFn(L *lua.LState) int {
	st, rx, subj, errText := prepare(L, 3)
	if rx == nil {
		L.Push(lua.LNil)
		L.Push(lua.LNil)
		L.Push(lua.LString(errText))
		return 3
	}
	ctx := optCtx(L, 4)
	sj := st.subject(subj, rx.utf)
	var m reMatch
	ok, errText := rx.exec(sj, ctxPos(L, ctx), &m)
	if errText != "" {
		L.Push(lua.LNil)
		L.Push(lua.LNil)
		L.Push(lua.LString(errText))
		return 3
	}
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	if ctx != nil {
		ctx.RawSetString("pos", lua.LNumber(m.caps[1]+1))
	}
	nth := 0
	if v, ok := L.Get(5).(lua.LNumber); ok && v > 0 {
		nth = truncInt(float64(v))
	}
	ncap := rx.ncap
	if rx.dfa {
		ncap = 0
	}
	if nth > ncap {
		L.Push(lua.LNil)
		L.Push(lua.LNil)
		L.Push(lua.LString("nth out of bound"))
		return 3
	}
	if nth >= m.rc || m.caps[2*nth] < 0 {
		L.Push(lua.LNil)
		L.Push(lua.LNil)
		return 2
	}
	L.Push(lua.LNumber(m.caps[2*nth] + 1))
	L.Push(lua.LNumber(m.caps[2*nth+1]))
	return 2
}

// reIter is the state of one gmatch iterator.
type reIter struct {
	rx   *reRegex
	subj string
	pos  int // next byte offset; -1 once exhausted
}

// ngx.re.gmatch(subject, regex, options?) returns, like lua-resty-core, a
// table whose __call runs the next match.
func reGmatchFn(L *lua.LState) int {
	_, rx, subj, errText := prepare(L, 3)
	if rx == nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(errText))
		return 2
	}
	it := &reIter{rx: rx, subj: subj}
	ud := L.NewUserData()
	ud.Value = it
	mt := L.CreateTable(0, 1)
	mt.RawSetString("__call", L.NewClosure(reIterCall, ud))
	tbl := L.NewTable()
	L.SetMetatable(tbl, mt)
	L.Push(tbl)
	return 1
}

func reIterCall(L *lua.LState) int {
	it := L.CheckUserData(lua.UpvalueIndex(1)).Value.(*reIter)
	if it.pos < 0 {
		L.Push(lua.LNil)
		return 1
	}
	sj := reStateOf(L).subject(it.subj, it.rx.utf)
	var m reMatch
	ok, errText := it.rx.exec(sj, it.pos, &m)
	if errText != "" {
		it.pos = -1
		L.Push(lua.LNil)
		L.Push(lua.LString(errText))
		return 2
	}
	if !ok {
		it.pos = -1
		L.Push(lua.LNil)
		return 1
	}
	next := m.caps[1]
	if next == m.caps[0] {
		next++
		if next > len(it.subj) {
			next = -1
		}
	}
	it.pos = next
	L.Push(it.rx.captures(L, it.subj, &m, nil))
	return 1
}

// rePiece is one part of a compiled replacement template: a literal, or
// a capture number (group >= 0).
type rePiece struct {
	lit   string
	group int
}

// compileTemplate parses ngx_lua's replacement syntax: $N, ${N}, $$.
func compileTemplate(s string) ([]rePiece, bool) {
	var out []rePiece
	var lit strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' {
			lit.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return nil, false
		}
		switch {
		case s[i] == '$':
			lit.WriteByte('$')
			continue
		case s[i] >= '0' && s[i] <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			n, err := strconv.Atoi(s[i:j])
			if err != nil {
				return nil, false
			}
			out = flushLit(out, &lit)
			out = append(out, rePiece{group: n})
			i = j - 1
		case s[i] == '{':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j == i+1 || j >= len(s) || s[j] != '}' {
				return nil, false
			}
			n, err := strconv.Atoi(s[i+1 : j])
			if err != nil {
				return nil, false
			}
			out = flushLit(out, &lit)
			out = append(out, rePiece{group: n})
			i = j
		default:
			return nil, false
		}
	}
	return flushLit(out, &lit), true
}

func flushLit(out []rePiece, lit *strings.Builder) []rePiece {
	if lit.Len() > 0 {
		out = append(out, rePiece{lit: lit.String(), group: -1})
		lit.Reset()
	}
	return out
}

// reSub is ngx.re.sub (global false) and ngx.re.gsub (global true).
func reSub(L *lua.LState, global bool) int {
	st, rx, subj, errText := prepare(L, 4)
	fail := func(msg string) int {
		L.Push(lua.LNil)
		L.Push(lua.LNil)
		L.Push(lua.LString(msg))
		return 3
	}
	if rx == nil {
		return fail(errText)
	}
	return reSubRun(L, st, rx, subj, global, fail)
}

// reSubRun does the work of reSub once the regex is compiled.
func reSubRun(L *lua.LState, st *reState, rx *reRegex, subj string, global bool, fail func(string) int) int {
	tmpl, ok := compileTemplate(luaToString(L, L.Get(3)))
	if !ok {
		return fail(reTemplateCompileFail)
	}
	sj := st.subject(subj, rx.utf)
	var b strings.Builder
	var m reMatch
	count, pos, cp := 0, 0, 0
	for {
		ok, errText := rx.exec(sj, pos, &m)
		if errText != "" {
			return fail(errText)
		}
		if !ok {
			break
		}
		count++
		b.WriteString(subj[cp:m.caps[0]])
		for _, p := range tmpl {
			if p.group < 0 {
				b.WriteString(p.lit)
				continue
			}
			if 2*p.group+1 < len(m.caps) && m.caps[2*p.group] >= 0 {
				b.WriteString(subj[m.caps[2*p.group]:m.caps[2*p.group+1]])
			}
		}
		cp = m.caps[1]
		pos = cp
		if pos == m.caps[0] {
			pos++
			if pos > len(subj) {
				break
			}
		}
		if !global {
			break
		}
	}
	if count == 0 {
		L.Push(lua.LString(subj))
		L.Push(lua.LNumber(0))
		return 2
	}
	b.WriteString(subj[cp:])
	L.Push(lua.LString(b.String()))
	L.Push(lua.LNumber(count))
	return 2
}

// reSubProto is reSubLua compiled once for every VM.
var reSubProto = sync.OnceValues(func() (*lua.FunctionProto, error) { return compileSource(reSubLua, "=<string>") })

// reSubLua builds sub and gsub: a string replacement goes to Go (strSub,
// strGsub); a function replacement loops here, calling step for each match
// and finish to assemble the result.
const reSubLua = `
local strSub, strGsub, step, finish = ...
local type = type
local function make(global, str)
	return function(subj, regex, replace, opts)
		if type(replace) ~= "function" then
			return str(subj, regex, replace, opts)
		end
		local parts, n, count, pos, cp = {}, 0, 0, 0, 0
		local s, from, to, caps, err
		while true do
			s, from, to, caps, err = step(subj, regex, opts, pos)
			if err then return nil, nil, err end
			if not from then break end
			subj = s
			count = count + 1
			n = n + 1
			parts[n] = cp
			n = n + 1
			parts[n] = from
			n = n + 1
			parts[n] = replace(caps)
			cp, pos = to, to
			if to == from then
				pos = pos + 1
				if pos > #subj then break end
			end
			if not global then break end
		end
		return finish(s or subj, parts, n, cp, count)
	end
end
return make(false, strSub), make(true, strGsub)
`

// reSubStep is step(subject, regex, opts, pos): the coerced subject, the
// 0-based byte offsets of the next match from pos and its captures table;
// nothing after the subject when there is none; nil, nil, nil, nil, err on
// an error.
func reSubStep(L *lua.LState) int {
	subj := luaToString(L, L.Get(1))
	pattern := argLenString(L, 2, "regex", false)
	opts := argLenString(L, 3, "opts", true)
	st := reStateOf(L)
	rx, errText := st.compile(L, pattern, opts)
	if rx == nil {
		return pushNils(L, 4, errText)
	}
	sj := st.subject(subj, rx.utf)
	var m reMatch
	ok, errText := rx.exec(sj, int(L.CheckNumber(4)), &m)
	if errText != "" {
		return pushNils(L, 4, errText)
	}
	L.Push(lua.LString(subj))
	if !ok {
		return 1
	}
	L.Push(lua.LNumber(m.caps[0]))
	L.Push(lua.LNumber(m.caps[1]))
	L.Push(rx.captures(L, subj, &m, nil))
	return 4
}

func pushNils(L *lua.LState, n int, errText string) int {
	for i := 0; i < n; i++ {
		L.Push(lua.LNil)
	}
	L.Push(lua.LString(errText))
	return n + 1
}

// reSubFinish is finish(subject, parts, n, cp, count): parts holds, per
// match, the end of the previous copy, the match start and the callback's
// result.
func reSubFinish(L *lua.LState) int {
	subj := string(L.CheckString(1))
	parts := L.CheckTable(2)
	n := L.CheckInt(3)
	cp := L.CheckInt(4)
	count := L.CheckInt(5)
	if count == 0 {
		L.Push(lua.LString(subj))
		L.Push(lua.LNumber(0))
		return 2
	}
	var b strings.Builder
	for i := 1; i+2 <= n; i += 3 {
		from, _ := parts.RawGetInt(i).(lua.LNumber)
		to, _ := parts.RawGetInt(i + 1).(lua.LNumber)
		b.WriteString(subj[int(from):int(to)])
		b.WriteString(luaToString(L, parts.RawGetInt(i+2)))
	}
	b.WriteString(subj[cp:])
	L.Push(lua.LString(b.String()))
	L.Push(lua.LNumber(count))
	return 2
}
