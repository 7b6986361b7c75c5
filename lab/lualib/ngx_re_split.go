package lualib

import (
	lua "github.com/yuin/gopher-lua"
)

// openNgxReModule is require("ngx.re"): lua-resty-core's split and opt.
func openNgxReModule(L *lua.LState) int {
	mod := L.NewTable()
	mod.RawSetString("version", lua.LString("0.1.25"))
	setFuncs(L, mod, map[string]lua.LGFunction{
		"split": reSplit,
		"opt":   reOpt,
	})
	L.Push(mod)
	return 1
}

// reOpt is ngx.re.opt(option, value). The only option, jit_stack_size,
// has no meaning without a JIT: it is accepted while no regex has been
// compiled, as in OpenResty, and otherwise refused with its message.
func reOpt(L *lua.LState) int {
	if L.Get(1) == lua.LString("jit_stack_size") {
		if reStateOf(L).lru.Len() > 0 {
			L.RaiseError("changing jit stack size is not allowed when some regexs have already been compiled and cached")
		}
		return 0
	}
	L.RaiseError("unrecognized option name")
	return 0
}

// luaSub is Lua's string.sub(s, i, j).
func luaSub(s string, i, j int) string {
	n := len(s)
	if i < 0 {
		i = n + i + 1
	}
	if j < 0 {
		j = n + j + 1
	}
	if i < 1 {
		i = 1
	}
	if j > n {
		j = n
	}
	if i > j {
		return ""
	}
	return s[i-1 : j]
}

// reSplit is ngx.re.split(subject, regex, options?, ctx?, max?, res?): the
// pieces of subject between matches, with the first capture (when the regex
// has captures and one matched) inserted after each piece. It follows
// lua-resty-core's algorithm, including its handling of empty matches and
// its use of ctx.pos as a 0-based offset once splitting has started.
func reSplit(L *lua.LState) int {
	subj := luaToString(L, L.Get(1))
	userCtx := optCtx(L, 4)
	ctx := userCtx
	if ctx == nil {
		ctx = L.CreateTable(0, 1)
		ctx.RawSetString("pos", lua.LNumber(1))
	} else if ctx.RawGetString("pos") == lua.LNil {
		ctx.RawSetString("pos", lua.LNumber(1))
	}
	max := 0
	if v, ok := L.Get(5).(lua.LNumber); ok {
		max = truncInt(float64(v))
	}
	var res *lua.LTable
	switch v := L.Get(6).(type) {
	case *lua.LTable:
		res = v
	case *lua.LNilType:
		res = L.CreateTable(4, 0)
	default:
		L.RaiseError("res is not a table")
	}
	n := len(subj)
	posv, _ := ctx.RawGetString("pos").(lua.LNumber)
	if int(posv) > n {
		res.RawSetInt(1, lua.LNil)
		L.Push(res)
		return 1
	}
	pattern := argLenString(L, 2, "regex", false)
	opts := argLenString(L, 3, "opts", true)
	st := reStateOf(L)
	rx, errText := st.compile(L, pattern, opts)
	if rx == nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(errText))
		return 2
	}
	sj := st.subject(subj, rx.utf)
	var m reMatch
	subIdx := truncInt(float64(posv))
	cpos := subIdx - 1
	resIdx, lastEmpty := 0, 0
	// next runs one match from cpos; from and to are 1-based, to exclusive.
	next := func() (from, to int, capture lua.LValue, errText string) {
		ok, errText := rx.exec(sj, maxInt(cpos, 0), &m)
		if errText != "" || !ok {
			return 0, 0, nil, errText
		}
		f, t := m.caps[0], m.caps[1]
		if f == t {
			cpos = t + 1
		} else {
			cpos = t
		}
		if rx.ncap > 0 && !rx.dfa && m.rc > 1 {
			capture = lua.LString(luaSub(subj, m.caps[2]+1, m.caps[3]))
		}
		return f + 1, t + 1, capture, ""
	}
	count := 1
	for max <= 0 || count < max {
		from, to, capture, errText := next()
		if errText != "" {
			L.Push(lua.LNil)
			L.Push(lua.LString(errText))
			return 2
		}
		if from == 0 {
			break
		}
		if lastEmpty > 0 {
			subIdx = lastEmpty
		}
		if from == to {
			lastEmpty = from
		}
		if from > subIdx || lastEmpty == 0 {
			count++
			resIdx++
			res.RawSetInt(resIdx, lua.LString(luaSub(subj, subIdx, from-1)))
			if capture != nil {
				resIdx++
				res.RawSetInt(resIdx, capture)
			}
			subIdx = to
			if subIdx > n {
				break
			}
		}
	}
	if userCtx != nil {
		userCtx.RawSetString("pos", lua.LNumber(cpos))
	}
	if max <= 0 && subIdx > n {
		for k := resIdx; k >= 1; k-- {
			if res.RawGetInt(k) != lua.LString("") {
				resIdx = k
				break
			}
			res.RawSetInt(k, lua.LNil)
		}
	} else {
		resIdx++
		res.RawSetInt(resIdx, lua.LString(luaSub(subj, subIdx, n)))
	}
	res.RawSetInt(resIdx+1, lua.LNil)
	L.Push(res)
	return 1
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
